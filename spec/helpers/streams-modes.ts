// Shared machinery of the streaming specs (spec/streams-*.test.ts): one scenario runs in every mode where
// it applies: a sync actor, an async actor and a remote function, each with a sync `function*` and an
// `async function*` producer (G1-G13 hold for all six).
//
// A scenario is a Body: the producer's code as a sync generator and as an async generator. The host
// methods below delegate to the body registered under a string key, so only a string crosses the call
// boundary. `lift()` makes both forms from one sync generator; its async form waits a macrotask at every
// step, as a producer doing real I/O would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Actor,
  actor,
  get,
  remote,
  stats,
  wait,
  ObjectRef,
  ObjectRefGenerator,
  type ActorHandle,
  type ActorOptions,
  type CallOptions,
} from '../../lib/index.js';

export type Host = 'sync actor' | 'async actor' | 'remote function';
export type Kind = 'function*' | 'async function*';

export interface Mode {
  readonly host: Host;
  readonly kind: Kind;
  readonly actor: boolean;
  readonly name: string;
}

export const MODES: readonly Mode[] = (['sync actor', 'async actor', 'remote function'] as const).flatMap((host) =>
  (['function*', 'async function*'] as const).map((kind) => ({ host, kind, actor: host !== 'remote function', name: `${host}, ${kind}` })),
);
export const ACTOR_MODES: readonly Mode[] = MODES.filter((m) => m.actor);
export const SYNC_ACTOR_MODES: readonly Mode[] = MODES.filter((m) => m.host === 'sync actor');
export const ASYNC_KIND_MODES: readonly Mode[] = MODES.filter((m) => m.kind === 'async function*');
export const SYNC_KIND_MODES: readonly Mode[] = MODES.filter((m) => m.kind === 'function*');

/** Runs one scenario as one test per mode; the title starts with the rule ids and ends with the mode. */
export function forModes(modes: readonly Mode[], title: string, fn: (mode: Mode) => Promise<void>, timeout = 20_000): void {
  for (const mode of modes) test(`${title} (${mode.name})`, { timeout }, () => fn(mode));
}

// ---------------------------------------------------------------------------------------------------
// Producers

export interface Body<R = unknown> {
  sync(): Generator<unknown, R, undefined>;
  async(): AsyncGenerator<unknown, R, undefined>;
}

const registry = new Map<string, unknown>();
let nextKey = 0;

/** Registers a body (or a promise for `hold`) and returns the string key the host looks it up by. */
export function register(x: unknown): string {
  const key = `k${nextKey++}`;
  registry.set(key, x);
  return key;
}

export function lookup<T>(key: string): T {
  if (!registry.has(key)) throw new Error(`spec helper: nothing registered under '${key}'`);
  return registry.get(key) as T;
}

export const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await macrotask();
}

/**
 * Both forms of a producer from one sync generator. The async form yields each value as soon as the body
 * gives it, then awaits a macrotask (as a producer doing I/O would) before running the next step of the
 * body. The body's first step runs in the synchronous part of the call, where taskContext() is documented
 * to work: bodies call taskContext() there, before their first yield.
 */
export function lift<R>(f: () => Generator<unknown, R, undefined>): Body<R> {
  return {
    sync: f,
    async: async function* () {
      const it = f();
      try {
        for (;;) {
          const step = it.next();
          if (step.done) {
            await macrotask();
            return step.value;
          }
          yield step.value;
          await macrotask();
        }
      } finally {
        // Closing the async form (return() at a yield) closes the sync body too, so its finally runs.
        it.return(undefined as R);
      }
    },
  };
}

/** The host methods: each delegates to the registered body. */
export class StreamHost extends Actor {
  *syncStream(key: string): Generator<unknown, unknown, undefined> {
    return yield* lookup<Body>(key).sync();
  }
  async *asyncStream(key: string): AsyncGenerator<unknown, unknown, undefined> {
    return yield* lookup<Body>(key).async();
  }
  ping(): string {
    return 'pong';
  }
  echo(x: unknown): unknown {
    return x;
  }
  /** Holds the actor (a sync actor runs one call at a time, A1) until the registered promise settles. */
  async hold(key: string): Promise<string> {
    await lookup<Promise<unknown>>(key);
    return 'held';
  }
}

@actor()
export class SyncHost extends StreamHost {}

@actor({ mode: 'async' })
export class AsyncHost extends StreamHost {}

export const syncFn = remote(function* syncStream(key: string): Generator<unknown, unknown, undefined> {
  return yield* lookup<Body>(key).sync();
});
export const asyncFn = remote(async function* asyncStream(key: string): AsyncGenerator<unknown, unknown, undefined> {
  return yield* lookup<Body>(key).async();
});
/** A plain remote function whose ref stays pending until the registered promise settles. */
export const holdFn = remote(async function hold(key: string): Promise<string> {
  await lookup<Promise<unknown>>(key);
  return 'held';
});
export const echoFn = remote(function echo(x: unknown): unknown {
  return x;
});

export type Handle = ActorHandle<StreamHost>;

export function newHost(mode: Mode, options?: ActorOptions): Handle {
  const cls = mode.host === 'async actor' ? AsyncHost : SyncHost;
  return options === undefined ? cls.remote() : cls.options(options).remote();
}

export interface StartOptions {
  /** Per-call options: `.options(call).remote(key)`. */
  call?: CallOptions;
  /** The actor to run on (default: a fresh one of the mode's kind). */
  handle?: Handle;
  /** Options of the fresh actor. */
  actorOptions?: ActorOptions;
}

export interface Started<T, R> {
  gen: ObjectRefGenerator<T, R>;
  /** The actor the stream runs on (undefined for remote functions). */
  handle: Handle | undefined;
}

/** Starts `body` as a streaming call in `mode`. */
export function start<T = unknown, R = unknown>(mode: Mode, body: Body<R>, o: StartOptions = {}): Started<T, R> {
  const key = register(body);
  if (!mode.actor) {
    const fn = mode.kind === 'function*' ? syncFn : asyncFn;
    const call = o.call === undefined ? fn : fn.options(o.call);
    return { gen: call.remote(key) as unknown as ObjectRefGenerator<T, R>, handle: undefined };
  }
  const handle = o.handle ?? newHost(mode, o.actorOptions);
  const m = mode.kind === 'function*' ? handle.syncStream : handle.asyncStream;
  const call = o.call === undefined ? m : m.options(o.call);
  return { gen: call.remote(key) as unknown as ObjectRefGenerator<T, R>, handle };
}

// ---------------------------------------------------------------------------------------------------
// Consumers and checks

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(v: T): void;
  settled: boolean;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const d: Deferred<T> = {
    promise: new Promise<T>((r) => (resolve = r)),
    resolve: (v: T) => {
      d.settled = true;
      resolve(v);
    },
    settled: false,
  };
  return d;
}

/** Rejects with a clear message if `p` has not settled after `ms` (so a bug fails instead of hanging). */
export async function withTimeout<T>(p: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([Promise.resolve(p), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `cond` once a macrotask until it holds; fails after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting until ${what}`);
    await macrotask();
  }
}

export type Settled<T = unknown> = { ok: true; value: T } | { ok: false; error: unknown };

/** The outcome of one ref. */
export async function settle<T>(ref: ObjectRef<T>): Promise<Settled<T>> {
  assert.ok(ref instanceof ObjectRef, 'a stream item must be an ObjectRef');
  try {
    return { ok: true, value: await get(ref, { timeout: 10_000 }) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The next item's outcome; fails if the stream is done. */
export async function take<T>(gen: ObjectRefGenerator<T, any>, what = 'gen.next()'): Promise<Settled<T>> {
  const r = await withTimeout(gen.next(), 10_000, what);
  assert.equal(r.done, false, `${what}: expected an item, the stream was done`);
  return settle(r.value as ObjectRef<T>);
}

/** The next item's value; fails if the stream is done or the item is an error. */
export async function takeValue<T>(gen: ObjectRefGenerator<T, any>, what = 'gen.next()'): Promise<T> {
  const s = await take(gen, what);
  if (!s.ok) assert.fail(`${what}: expected a value, got the error ${String(s.error)}`);
  return s.value;
}

/** Every remaining item's outcome, in order, until `done`. Fails if anything but `done` follows an error
 *  item (G5, G6, G11: the error item is the last). */
export async function drain<T>(gen: ObjectRefGenerator<T, any>, limit = 10_000): Promise<Settled<T>[]> {
  const out: Settled<T>[] = [];
  for (;;) {
    if (out.length > limit) assert.fail(`the stream did not end after ${limit} items`);
    const r = await withTimeout(gen.next(), 10_000, `gen.next() #${out.length}`);
    if (r.done) return out;
    const last = out[out.length - 1];
    if (last !== undefined && !last.ok) assert.fail(`an item followed the error item ${String(last.error)}: the stream must be done after it`);
    out.push(await settle(r.value as ObjectRef<T>));
  }
}

/** `next()` answers `done` now and on every later call. */
export async function assertDoneForever(gen: ObjectRefGenerator<any, any>, times = 3): Promise<void> {
  for (let i = 0; i < times; i++) {
    const r = await withTimeout(gen.next(), 5000, `gen.next() after the end (#${i})`);
    assert.equal(r.done, true, `next() after the end must stay done (call #${i})`);
  }
}

/** Items are exactly `values` and, if `error` is given, then one error item that `error` checks. */
export function assertItems(items: Settled[], values: readonly unknown[], error?: (e: unknown) => void): void {
  const got = items.map((s) => (s.ok ? s.value : `<error ${(s.error as Error)?.name}>`));
  const expected = [...values, ...(error ? ['<error item>'] : [])];
  assert.equal(items.length, expected.length, `item count: got ${JSON.stringify(got)}`);
  values.forEach((v, i) => {
    const s = items[i]!;
    assert.ok(s.ok, `item ${i} should hold a value, got ${JSON.stringify(got)}`);
    assert.deepEqual(s.value, v, `item ${i}`);
  });
  if (error) {
    const last = items[items.length - 1]!;
    assert.ok(!last.ok, `the last item should be an error, got ${JSON.stringify(got)}`);
    error(last.error);
  }
}

/** Items are from, from+1, ..., from+j-1 for some j (the production goes on in order), then one error item
 *  that `error` checks. Returns j. */
export function assertPrefixThenError(items: Settled[], error: (e: unknown) => void, from = 0, minValues = 0): number {
  assert.ok(items.length >= 1, 'expected at least the error item');
  const n = items.length - 1;
  const got = items.map((s) => (s.ok ? s.value : `<error ${(s.error as Error)?.name}>`));
  assert.ok(n >= minValues, `expected at least ${minValues} values before the error, got ${JSON.stringify(got)}`);
  for (let i = 0; i < n; i++) {
    const s = items[i]!;
    assert.ok(s.ok, `item ${i} should hold a value: ${JSON.stringify(got)}`);
    assert.equal(s.value, from + i, `item ${i} out of order: ${JSON.stringify(got)}`);
  }
  const last = items[n]!;
  assert.ok(!last.ok, `the last item should be an error: ${JSON.stringify(got)}`);
  error(last.error);
  return n;
}

/** Has the ref settled (without waiting)? */
export async function isSettled(ref: ObjectRef<unknown>): Promise<boolean> {
  const [ready] = await wait([ref], { timeout: 0 });
  return ready.length === 1;
}

export function storedObjects(): number {
  return stats().storedObjects;
}

/** A runaway producer: yields 0, 1, 2, ... up to `limit` (so a bug cannot loop forever), counting in `state`. */
export interface RunawayState {
  started: boolean;
  produced: number;
  closed: boolean;
  finished: boolean;
}

export function runawayState(): RunawayState {
  return { started: false, produced: 0, closed: false, finished: false };
}

export function runaway(state: RunawayState, limit: number): Body<string> {
  return lift(function* () {
    state.started = true;
    try {
      for (let i = 0; i < limit; i++) {
        state.produced++;
        yield i;
      }
      state.finished = true;
      return 'end';
    } finally {
      state.closed = true;
    }
  });
}
