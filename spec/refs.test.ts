// Object refs: put/get (R1), wait (R2), lifetime of stored values (R3), refs as PromiseLike, and no
// unhandled rejections from failures nobody looks at. Run with --expose-gc (npm test does).
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Actor,
  GetTimeoutError,
  ObjectRef,
  TaskError,
  TroupeError,
  actor,
  cancel,
  get,
  kill,
  put,
  remote,
  shutdown,
  wait,
} from '../lib/index.js';
import { Counter } from '../actors/index.js';
import { gate, open, openAllGates, settle, ticks, within } from './helpers/actors-util.js';


afterEach(async () => {
  await shutdown();
  openAllGates();
});

@actor({ mode: 'async' })
class Slow extends Actor {
  /** Resolves with `value` once gate `key` opens. */
  async after<T>(key: string, value: T): Promise<T> {
    await gate(key).promise;
    return value;
  }
  async failAfter(key: string, message: string): Promise<never> {
    await gate(key).promise;
    throw new Error(message);
  }
  /** A fresh object, for R3. */
  make(size: number): { payload: number[] } {
    return { payload: new Array<number>(size).fill(7) };
  }
  size(o: { payload: number[] }): number {
    return o.payload.length;
  }
  async sizeAfter(key: string, o: { payload: number[] }): Promise<number> {
    await gate(key).promise;
    return o.payload.length;
  }
  *items(n: number): Generator<number, void> {
    for (let i = 0; i < n; i++) yield i;
  }
  *failing(): Generator<number, void> {
    yield 1;
    throw new Error('stream failed');
  }
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  assert.equal(typeof g, 'function', 'run the specs with node --expose-gc');
  g!();
}

/** Collects garbage until `weak` is cleared, at most `rounds` times; true if it was. */
async function collected(weak: WeakRef<object>, rounds = 50): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    await ticks(1);
    gc();
    await ticks(1);
    if (weak.deref() === undefined) return true;
  }
  return false;
}

/** Collects garbage a few times; true if `weak` survived every round. */
async function survives(weak: WeakRef<object>, rounds = 5): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    await ticks(1);
    gc();
    await ticks(1);
    if (weak.deref() === undefined) return false;
  }
  return true;
}

describe('R1 put and get', () => {
  test('R1 put(value) returns a ref whose value get() resolves', async () => {
    const obj = { a: 1, nested: { b: [1, 2, 3] } };
    const ref = put(obj);
    assert.ok(ref instanceof ObjectRef);
    assert.deepEqual(await within(get(ref), 'get(put)'), { a: 1, nested: { b: [1, 2, 3] } });
    assert.equal(await get(put(42)), 42);
    assert.equal(await get(put(undefined)), undefined);
    assert.equal(await get(put(null)), null);
  });

  test('R1 get(refs[]) resolves the values in input order, whatever order they finish in', async () => {
    const h = Slow.remote();
    const refs = [h.after.remote('r1-0', 'zero'), put('one'), h.after.remote('r1-2', 'two'), h.after.remote('r1-3', 'three')];
    const all = get(refs);
    open('r1-3');
    await ticks(3);
    open('r1-2');
    await ticks(3);
    open('r1-0');
    assert.deepEqual(await within(all, 'get array'), ['zero', 'one', 'two', 'three']);
    assert.deepEqual(await get([]), []);
  });

  test('R1 get rejects with the error of a failed ref', async () => {
    const h = Slow.remote();
    const bad = h.failAfter.remote('r1-fail', 'broken');
    open('r1-fail');
    const r = await settle(within(get([put(1), bad]), 'get with a failed ref'));
    assert.equal(r.ok, false);
    const e = (r as { error: unknown }).error;
    assert.ok(e instanceof TaskError);
    assert.equal((e.cause as Error).message, 'broken');
  });

  test('R1 get with a timeout rejects with GetTimeoutError when refs are not ready in time', async () => {
    const h = Slow.remote();
    const never = h.after.remote('r1-never', 1);
    const r = await settle(within(get(never, { timeout: 20 }), 'get with timeout'));
    assert.equal(r.ok, false);
    const e = (r as { error: unknown }).error;
    assert.ok(e instanceof GetTimeoutError, `expected GetTimeoutError, got ${String(e)}`);
    assert.ok(e instanceof TroupeError);
    const r2 = await settle(within(get([put(1), never], { timeout: 20 }), 'get array with timeout'));
    assert.ok(!r2.ok && r2.error instanceof GetTimeoutError);
    // in time: the values
    assert.equal(await within(get(put(5), { timeout: 1000 }), 'ready ref with timeout'), 5);
    const soon = h.after.remote('r1-soon', 'soon');
    const pending = get([soon, put('now')], { timeout: 4000 });
    open('r1-soon');
    assert.deepEqual(await within(pending, 'refs ready before the timeout'), ['soon', 'now']);
    // the ref itself is unharmed by a timed-out get
    open('r1-never');
    assert.equal(await within(never, 'ref after a timed-out get'), 1);
  });

  test('R1 G13 get(), put() and call arguments refuse an ObjectRefGenerator with a TypeError', async () => {
    const h = Slow.remote();
    const gen = h.items.remote(2);
    assert.throws(() => get(gen as any), TypeError);
    assert.throws(() => get([put(1), gen] as any), TypeError);
    assert.throws(() => put(gen), TypeError);
    assert.throws(() => h.size.remote(gen as any), TypeError);
    assert.throws(() => get(42 as any), TypeError);
  });
});

describe('R2 wait', () => {
  test('R2 wait resolves [ready, notReady], each in input order', async () => {
    const h = Slow.remote();
    const r0 = h.after.remote('r2-0', 0);
    const r1 = put(1);
    const r2 = h.after.remote('r2-2', 2);
    const r3 = put(3);
    const [ready, notReady] = await within(wait([r0, r1, r2, r3], { numReturns: 2 }), 'wait 2');
    assert.deepEqual(ready, [r1, r3]);
    assert.deepEqual(notReady, [r0, r2]);
    assert.equal(ready[0], r1);
  });

  test('R2 wait waits until numReturns refs are ready', async () => {
    const h = Slow.remote();
    const refs = [0, 1, 2, 3].map((i) => h.after.remote(`r2-w${i}`, i));
    let settled = false;
    const one = wait(refs).then((x) => ((settled = true), x));
    await ticks(5);
    assert.equal(settled, false, 'wait resolved with no ref ready');
    open('r2-w2');
    const [ready1, notReady1] = await within(one, 'wait 1');
    assert.deepEqual(ready1, [refs[2]]);
    assert.deepEqual(notReady1, [refs[0], refs[1], refs[3]]);

    let settled3 = false;
    const three = wait(refs, { numReturns: 3 }).then((x) => ((settled3 = true), x));
    open('r2-w3');
    await ticks(5);
    assert.equal(settled3, false, 'wait resolved with 2 of 3 ready');
    open('r2-w0');
    const [ready3, notReady3] = await within(three, 'wait 3');
    assert.deepEqual(ready3, [refs[0], refs[2], refs[3]]);
    assert.deepEqual(notReady3, [refs[1]]);
  });

  test('R2 wait returns at most numReturns ready refs, the first in input order', async () => {
    const a = put('a');
    const b = put('b');
    const c = put('c');
    const [ready, notReady] = await within(wait([a, b, c], { numReturns: 2 }), 'wait');
    assert.deepEqual(ready, [a, b]);
    assert.deepEqual(notReady, [c]);
  });

  test('R2 wait with a timeout resolves with what is ready when time is up', async () => {
    const h = Slow.remote();
    const r0 = h.after.remote('r2-t0', 0);
    const r1 = put(1);
    const r2 = h.after.remote('r2-t2', 2);
    const [ready, notReady] = await within(wait([r0, r1, r2], { numReturns: 3, timeout: 20 }), 'wait with timeout');
    assert.deepEqual(ready, [r1]);
    assert.deepEqual(notReady, [r0, r2]);
    const [none, all] = await within(wait([r0, r2], { timeout: 10 }), 'wait none ready');
    assert.deepEqual(none, []);
    assert.deepEqual(all, [r0, r2]);
  });

  test('R2 a failed ref counts as ready', async () => {
    const h = Slow.remote();
    const bad = h.failAfter.remote('r2-bad', 'x');
    const pending = h.after.remote('r2-pending', 1);
    const w = wait([pending, bad]);
    open('r2-bad');
    const [ready, notReady] = await within(w, 'wait on a failing ref');
    assert.deepEqual(ready, [bad]);
    assert.deepEqual(notReady, [pending]);
  });

  test('R2 wait rejects bad numReturns with a TypeError', () => {
    const refs = [put(1), put(2)];
    assert.throws(() => wait(refs, { numReturns: 3 }), TypeError);
    assert.throws(() => wait(refs, { numReturns: 0 }), TypeError);
    assert.throws(() => wait(refs, { numReturns: 1.5 }), TypeError);
  });
});

describe('R3 lifetime of stored values', () => {
  test('R3 a put value is kept while its ref is alive and released after', async () => {
    // Made in a helper so that no local variable holds the value itself.
    const made = (() => {
      const value = { payload: new Array<number>(10_000).fill(1) };
      return { ref: put(value) as ObjectRef<{ payload: number[] }> | undefined, weak: new WeakRef(value) };
    })();
    assert.equal(await survives(made.weak), true, 'the value was collected while its ref was alive');
    assert.equal((await get(made.ref!)).payload.length, 10_000);
    assert.equal(await survives(made.weak), true, 'the value was collected after get() while its ref was alive');
    made.ref = undefined;
    assert.equal(await collected(made.weak), true, 'the value was not released after its ref was dropped');
  });

  test('R3 a call result is kept while its ref is alive and released after', async () => {
    const h = Slow.remote();
    const holder: { ref: ObjectRef<{ payload: number[] }> | undefined } = { ref: h.make.remote(5000) };
    const weak = await (async () => new WeakRef(await holder.ref!))();
    assert.equal(await survives(weak), true, 'the result was collected while its ref was alive');
    assert.equal((await holder.ref!).payload.length, 5000);
    holder.ref = undefined;
    assert.equal(await collected(weak), true, 'the result was not released after its ref was dropped');
  });

  test('R3 a pending call that uses a ref keeps its value alive; after it ends the value is released', async () => {
    const h = Slow.remote();
    const made = (() => {
      const value = { payload: new Array<number>(3000).fill(2) };
      return { weak: new WeakRef(value), out: h.sizeAfter.remote('r3-pending', put(value)) as ObjectRef<number> | undefined };
    })();
    // only the pending call holds the ref (and so the value) now
    assert.equal(await survives(made.weak), true, 'the value was collected while a pending call used it');
    open('r3-pending');
    assert.equal(await within(made.out!, 'sizeAfter'), 3000);
    made.out = undefined;
    assert.equal(await collected(made.weak), true, 'the value was not released after the call that used it ended');
  });
});

describe('refs are PromiseLike', () => {
  test('R1 await ref gives what get(ref) gives, values and errors alike', async () => {
    const c = Counter.remote(1);
    const ref = c.incr.remote(2);
    assert.equal(await ref, 3);
    assert.equal(await get(ref), 3);
    assert.equal(await ref, 3, 'a ref can be awaited more than once');
    const h = Slow.remote();
    const bad = h.failAfter.remote('await-bad', 'failed');
    open('await-bad');
    const viaAwait = await settle(within(bad, 'await'));
    const viaGet = await settle(within(get(bad), 'get'));
    assert.equal(viaAwait.ok, false);
    assert.equal(viaGet.ok, false);
    assert.equal((viaAwait as { error: unknown }).error, (viaGet as { error: unknown }).error);
    assert.ok((viaAwait as { error: unknown }).error instanceof TaskError);
  });

  test('R1 a ref is PromiseLike: then(), Promise.resolve() and Promise.all() adopt it', async () => {
    const ref = put(10);
    assert.equal(typeof ref.then, 'function');
    assert.equal(await ref.then((v) => v * 2), 20);
    assert.equal(await Promise.resolve(ref), 10);
    assert.deepEqual(await Promise.all([ref, put('x'), Counter.remote(0).incr.remote()]), [10, 'x', 1]);
    const h = Slow.remote();
    const bad = h.failAfter.remote('then-bad', 'nope');
    open('then-bad');
    const caught = await within(bad.then(() => 'resolved', (e: unknown) => (e instanceof TaskError ? 'rejected' : 'other')), 'then');
    assert.equal(caught, 'rejected');
  });
});

describe('unobserved failures', () => {
  test('R1 A5 a failed call nobody awaits does not cause an unhandledRejection', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const h = Slow.remote();
      h.failAfter.remote('unobserved', 'app error nobody reads');
      open('unobserved');
      // a failure that is already settled when made
      const dead = Counter.remote();
      kill(dead);
      dead.incr.remote();
      // calls killed while queued and running
      const victim = Slow.remote();
      victim.after.remote('unobserved-never', 1);
      victim.after.remote('unobserved-never', 2);
      await ticks(2);
      kill(victim);
      // a cancelled call
      const c = Slow.remote();
      const cancelled = c.after.remote('unobserved-cancel', 1);
      cancel(cancelled);
      // a stream whose error item and completed() nobody takes
      const s = Slow.remote();
      const gen = s.failing.remote();
      void gen;
      // a call whose ref argument failed
      const failedArg = h.failAfter.remote('unobserved-arg', 'arg');
      open('unobserved-arg');
      h.size.remote(failedArg as any);
      // a remote function that throws
      const boom = remote(function boom(): number {
        throw new Error('remote function failed');
      });
      boom.remote();
      for (let i = 0; i < 5; i++) {
        await ticks(2);
        gc();
      }
      await new Promise((r) => setTimeout(r, 20));
      await ticks(2);
      assert.deepEqual(unhandled.map(String), []);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
