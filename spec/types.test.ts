// Type-level tests of handles, remote functions and refs, checked by tsc when the specs build: each
// `expectType` is an exact type equality, and the build fails if a `// @ts-expect-error` line is NOT an
// error. The test at the bottom runs the same calls, so the file is a real test at run time too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Actor,
  ObjectRef,
  ObjectRefGenerator,
  actor,
  defineActor,
  findActor,
  get,
  init,
  nodes,
  type NodeInfo,
  put,
  remote,
  shutdown,
  wait,
  type ActorHandle,
} from '../lib/index.js';
import { Counter } from '../actors/index.js';

/** Exact type equality (not mere assignability): `any`, unions and optional members must all match. */
type Exact<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** `expectType<T>()(value)` compiles only if the value's type is exactly T. */
function expectType<Expected>() {
  return <Actual>(_value: Actual, ..._mismatch: Exact<Actual, Expected> extends true ? [] : [never]): void => {};
}

@actor()
class Typed extends Actor {
  constructor(
    readonly base: number,
    readonly label?: string,
  ) {
    super();
  }
  add(a: number, b: number): number {
    return this.base + a + b;
  }
  async later(x: number): Promise<string> {
    return `later ${x}`;
  }
  nothing(): void {}
  union(flag: boolean): number | string {
    return flag ? 1 : 'one';
  }
  promiseOrValue(flag: boolean): Promise<number> | string {
    return flag ? Promise.resolve(2) : 'two';
  }
  anyOut(): any {
    return { any: true };
  }
  neverOut(): never {
    throw new Error('never returns');
  }
  *syncGen(n: number): Generator<number, string> {
    for (let i = 0; i < n; i++) yield i;
    return 'done';
  }
  async *asyncGen(n: number): AsyncGenerator<string, number> {
    for (let i = 0; i < n; i++) yield `t${i}`;
    return n;
  }
  optional(a: number, b?: string): string {
    return `${a}${b ?? ''}`;
  }
  rest(...xs: number[]): number {
    return xs.reduce((s, x) => s + x, 0);
  }
  shape(o: { k: string }): number {
    return o.k.length;
  }
}

const Plain = defineActor(
  class Plain {
    twice(x: number): string {
      return String(2 * x);
    }
  },
);

const square = remote((n: number) => n * n);
const length = remote(async (s: string) => s.length);
const letters = remote(function* letters(n: number) {
  for (let i = 0; i < n; i++) yield String.fromCharCode(97 + i);
  return n;
});

/** Lines that must NOT compile. Never called: tsc checks them, nothing runs them. */
function compileErrors(h: ActorHandle<Typed>, p: ActorHandle<InstanceType<typeof Plain>>): void {
  // @ts-expect-error number is not exactly number | string
  expectType<number | string>()(1 as number);
  // @ts-expect-error any is not exactly unknown
  expectType<unknown>()(1 as any);
  // @ts-expect-error wrong constructor argument type
  Typed.remote('1');
  // @ts-expect-error missing constructor argument
  Typed.remote();
  // @ts-expect-error too many constructor arguments
  Typed.remote(1, 'label', 3);
  // @ts-expect-error options().remote() is checked too
  Typed.options({ name: 'typed-other' }).remote('2');
  // @ts-expect-error Counter's constructor takes a number
  Counter.remote('10');
  // @ts-expect-error not ObjectRef<any>
  expectType<ObjectRef<any>>()(h.add.remote(1, 2));
  // @ts-expect-error a split union is the wrong type
  expectType<ObjectRef<number> | ObjectRef<string>>()(h.union.remote(true));
  // @ts-expect-error wrong argument type
  h.add.remote('1', 2);
  // @ts-expect-error too many arguments
  h.add.remote(1, 2, 3);
  // @ts-expect-error too few arguments
  h.add.remote(1);
  // @ts-expect-error wrong element type in a rest parameter
  h.rest.remote(1, '2');
  // @ts-expect-error wrong object shape
  h.shape.remote({ k: 1 });
  // @ts-expect-error unknown method
  h.nope.remote();
  // @ts-expect-error a field is not a method
  h.base.remote();
  // @ts-expect-error unknown call option
  h.add.options({ bogus: 1 });
  // @ts-expect-error generator arguments are checked too
  h.syncGen.remote('3');
  // @ts-expect-error a ref to the wrong type
  h.add.remote(put('1'), 2);
  // @ts-expect-error a stream yields refs, not values
  const notValues: AsyncIterableIterator<string> = h.asyncGen.remote(1);
  // @ts-expect-error wrong argument type for a remote function
  square.remote('3');
  // @ts-expect-error too many arguments for a remote function
  square.remote(1, 2);
  // @ts-expect-error wrong argument type for a remote generator
  letters.remote('2');
  // @ts-expect-error wrong argument type on a defineActor class
  p.twice.remote('2');
}
void compileErrors;

/** Exact types of valid calls; called by the runtime test below, so each of these calls also runs. */
function typeChecks() {
  // the helper itself: exact, not assignable
  expectType<number>()(1 as number);

  // Class.remote(ctorArgs) is type-checked against the constructor
  const h = Typed.remote(1);
  expectType<ActorHandle<Typed>>()(h);
  Typed.remote(1, 'label');
  expectType<ActorHandle<Typed>>()(Typed.options({ name: 'typed-name' }).remote(2));
  expectType<ActorHandle<Counter>>()(Counter.remote());

  // handle.m.remote(...) is ObjectRef<Awaited<R>>
  expectType<ObjectRef<number>>()(h.add.remote(1, 2));
  expectType<ObjectRef<string>>()(h.later.remote(1));
  expectType<ObjectRef<void>>()(h.nothing.remote());
  expectType<ObjectRef<string>>()(h.optional.remote(1));
  expectType<ObjectRef<string>>()(h.optional.remote(1, 'x'));
  expectType<ObjectRef<number>>()(h.rest.remote(1, 2, 3));
  expectType<ObjectRef<number>>()(h.shape.remote({ k: 'abc' }));
  expectType<ObjectRef<number>>()(h.add.options({ maxRetries: 1, retryExceptions: true }).remote(1, 2));

  // union returns are not split into a union of refs
  expectType<ObjectRef<number | string>>()(h.union.remote(true));
  expectType<ObjectRef<number | string>>()(h.promiseOrValue.remote(true));

  // any and never returns are plain refs, not streams
  expectType<ObjectRef<any>>()(h.anyOut.remote());
  expectType<ObjectRef<never>>()(h.neverOut.remote());

  // generator methods, sync and async, give ObjectRefGenerator<Y, Ret>
  const sg = h.syncGen.remote(3);
  expectType<ObjectRefGenerator<number, string>>()(sg);
  expectType<ObjectRef<string>>()(sg.completed());
  expectType<Promise<IteratorResult<ObjectRef<number>, undefined>>>()(sg.next());
  const ag = h.asyncGen.remote(2);
  expectType<ObjectRefGenerator<string, number>>()(ag);
  expectType<ObjectRef<number>>()(ag.completed());
  expectType<ObjectRefGenerator<number, number>>()(Counter.remote().range.remote(2));
  // a stream is an async iterator of refs (checked by assignability: tsc's element type for `for await` over a
  // PromiseLike-yielding iterable depends on its internal cache, so it is not asserted here)
  const iter: AsyncIterableIterator<ObjectRef<string>> = h.asyncGen.remote(1);
  expectType<Promise<IteratorResult<ObjectRef<string>, undefined>>>()(ag.next());

  // wrong argument types, too many or too few arguments, unknown methods: compile errors

  // ref arguments stand for their values (A11), and are checked the same way
  expectType<ObjectRef<number>>()(h.add.remote(put(1), 2));
  expectType<ObjectRef<number>>()(h.add.remote(h.add.remote(1, 1), put(2)));

  // awaiting a ref gives its value type
  const awaited = async () => {
    expectType<number>()(await h.add.remote(1, 2));
    expectType<string>()(await h.later.remote(1));
    expectType<number>()(await get(h.add.remote(1, 2)));
    expectType<[number, string]>()(await get([h.add.remote(1, 2), h.later.remote(3)]));
    for await (const v of h.syncGen.remote(1).values()) expectType<number>()(v);
    const r1 = put(1);
    const [ready] = await wait([r1]);
    expectType<ObjectRef<number>[]>()(ready);
  };

  // remote(fn) is typed from the function
  expectType<ObjectRef<number>>()(square.remote(3));
  expectType<ObjectRef<number>>()(square.options({ maxRetries: 1 }).remote(3));
  expectType<ObjectRef<number>>()(length.remote('abc'));
  expectType<ObjectRefGenerator<string, number>>()(letters.remote(2));

  // defineActor() types plain classes too
  const p = Plain.remote();
  expectType<ObjectRef<string>>()(p.twice.remote(2));

  // issue 11: per-call signal and timeout, ObjectRef's catch/finally, the stream adapters
  const ctl = new AbortController();
  expectType<ObjectRef<number>>()(h.add.options({ signal: ctl.signal, timeout: 100 }).remote(1, 2));
  // @ts-expect-error a timeout is a number of milliseconds
  void (() => h.add.options({ timeout: '100' }));
  // @ts-expect-error a signal is an AbortSignal
  void (() => h.add.options({ signal: true }));
  expectType<Promise<number | 'failed'>>()(h.add.remote(1, 2).catch(() => 'failed' as const));
  expectType<Promise<number>>()(h.add.remote(1, 2).finally(() => {}));
  expectType<ReadableStream<string>>()(h.asyncGen.remote(1).toReadableStream());
  expectType<AsyncIterableIterator<number, void, undefined>>()(h.syncGen.remote(1).values());
  // @ts-expect-error a Response body is bytes: a stream of strings goes through a TextEncoderStream first
  void (() => new Response(h.asyncGen.remote(1).toReadableStream()));
  void (() => new Response(h.asyncGen.remote(1).toReadableStream().pipeThrough(new TextEncoderStream())));

  return { h, awaited, p, iter };
}

test('issue2 typed handles: the calls the type tests compile also run and give the typed values', async () => {
  try {
    const { h, awaited, p, iter } = typeChecks();
    assert.equal(await h.add.remote(1, 2), 4);
    assert.equal(await h.later.remote(5), 'later 5');
    assert.equal(await h.nothing.remote(), undefined);
    assert.deepEqual(await get([h.union.remote(true), h.union.remote(false)]), [1, 'one']);
    assert.deepEqual(await get([h.promiseOrValue.remote(true), h.promiseOrValue.remote(false)]), [2, 'two']);
    assert.deepEqual(await h.anyOut.remote(), { any: true });
    assert.equal(await h.add.remote(put(1), 2), 4);
    const ys: number[] = [];
    const sg = h.syncGen.remote(3);
    assert.ok(sg instanceof ObjectRefGenerator);
    for await (const r of sg) {
      assert.ok((r as unknown) instanceof ObjectRef, 'for await gives refs, not values');
      ys.push(await r);
    }
    assert.deepEqual(ys, [0, 1, 2]);
    assert.equal(await sg.completed(), 'done');
    assert.equal(await square.remote(7), 49);
    assert.equal(await length.remote('four'), 4);
    const ls: string[] = [];
    for await (const v of letters.remote(3).values()) ls.push(v);
    assert.deepEqual(ls, ['a', 'b', 'c']);
    assert.equal(await p.twice.remote(21), '42');
    await awaited();
    const first = await iter.next();
    assert.ok(!first.done && first.value instanceof ObjectRef);
    assert.equal(await first.value, 't0');
    // what the compile errors above stop at run time: an unknown method is a TypeError naming it
    assert.throws(() => (h as any).nope.remote(), (e: unknown) => e instanceof TypeError && /nope/.test(e.message) && /Typed/.test(e.message));
  } finally {
    await shutdown();
  }
});

// The cluster's typings: init() with a cluster is a promise to await, without one it returns nothing;
// nodes() lists NodeInfo; placement takes only its three forms.
function clusterTypings(): void {
  expectType<Promise<void>>()(init({ cluster: { servers: 'nats://127.0.0.1:4222', name: 'c' } }));
  expectType<void>()(init({ workers: 1 }));
  expectType<NodeInfo[]>()(nodes());
  // @ts-expect-error a cluster needs its name
  void init({ cluster: { servers: 'nats://127.0.0.1:4222' } });
  Counter.options({ placement: { node: 'gpu-1' } });
  // @ts-expect-error placement is 'local', 'spread' or { node }
  Counter.options({ placement: 'anywhere' });
  Counter.options({ resources: { gpu: 1 } });
  Counter.options({ placement: { node: 'gpu-1', soft: true } });
  Counter.options({ lifetime: 'detached', name: 'hits' });
  // @ts-expect-error lifetime is 'detached' or left out
  Counter.options({ lifetime: 'forever' });
  expectType<Promise<ActorHandle<Counter>>>()(findActor<Counter>('hits', { timeout: 1000 }));
  // @ts-expect-error findActor takes a timeout in ms
  void findActor('hits', { timeout: '1s' });
  // @ts-expect-error resources are amounts
  Counter.options({ resources: { gpu: 'one' } });
  expectType<Readonly<Record<string, number>>>()(nodes()[0]!.free);
  void init({ cluster: { servers: 'nats://127.0.0.1:4222', name: 'c', resources: { gpu: 2 } } });
}
void clusterTypings; // type-level only: it would join a cluster

test('init({ workers }) without a cluster starts at once and returns nothing to await; nodes() is this process alone', async () => {
  const out: unknown = init({ workers: 1 });
  try {
    assert.equal(out, undefined);
    const list = nodes();
    assert.equal(list.length, 1);
    assert.equal(list[0]!.alive, true);
    assert.equal(list[0]!.workers, 1);
  } finally {
    await shutdown();
  }
});
