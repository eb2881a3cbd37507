// The functions that act on refs, streams and handles: get, wait, put, cancel, kill, getActor, actorInfo.
import { GetTimeoutError, showValue } from './errors.js';
import { handleTarget, type HandleTarget } from './handle.js';
import { ObjectRef, refs } from './ref.js';
import { runtime } from './runtime.js';
import { ObjectRefGenerator, streams, type StreamCore } from './stream.js';
import { store } from './store.js';
import type { ActorHandle, ActorInfo } from './types.js';
import type { NodeInfo } from './cluster/membership.js';

export type { NodeInfo };

export type { ActorInfo };

type Values<T extends readonly ObjectRef<unknown>[]> = { -readonly [K in keyof T]: T[K] extends ObjectRef<infer V> ? V : never };

function checkRef(x: unknown, where: string): ObjectRef<unknown> {
  if (x instanceof ObjectRef) return x;
  if (x instanceof ObjectRefGenerator) {
    throw new TypeError(`${where} is an ObjectRefGenerator: iterate it (for await) or pass it to wait(); get() takes refs`);
  }
  throw new TypeError(`${where}: expected an ObjectRef, got ${x === null ? 'null' : typeof x}`);
}

function checkTimeout(timeout: unknown, where: string): void {
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
    throw new TypeError(`${where}: timeout must be a number of milliseconds >= 0, got ${showValue(timeout)}`);
  }
}

/** The value of a ref, or the values of an array of refs in order (R1). Rejects with GetTimeoutError after `timeout` ms. */
export function get<T>(ref: ObjectRef<T>, options?: { timeout?: number }): Promise<T>;
export function get<const T extends readonly ObjectRef<unknown>[]>(refs: T, options?: { timeout?: number }): Promise<Values<T>>;
export function get(input: ObjectRef<unknown> | readonly ObjectRef<unknown>[], options?: { timeout?: number }): Promise<unknown> {
  const timeout = options?.timeout;
  checkTimeout(timeout, 'get');
  let all: Promise<unknown>;
  let pending: () => number;
  if (Array.isArray(input)) {
    const list = input.map((r, i) => checkRef(r, `get: item ${i}`));
    all = Promise.all(list);
    pending = () => list.filter((r) => !refs.isReady(r)).length;
  } else {
    const r = checkRef(input, 'get: the argument');
    all = Promise.resolve(r);
    pending = () => (refs.isReady(r) ? 0 : 1);
  }
  if (timeout === undefined) return all;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new GetTimeoutError(timeout, pending())), timeout);
    all.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

type Waitable = ObjectRef<unknown> | ObjectRefGenerator<unknown, unknown>;

/**
 * Waits until `numReturns` (default 1) of the items are ready, or `timeout` ms pass; resolves
 * `[ready, notReady]`, each in input order (R2). A stream is ready when next() would answer at once (G8).
 */
export function wait<T extends Waitable>(items: readonly T[], options?: { numReturns?: number; timeout?: number }): Promise<[T[], T[]]> {
  if (!Array.isArray(items)) throw new TypeError('wait: expected an array of ObjectRefs or ObjectRefGenerators');
  const isReady: (() => boolean)[] = [];
  items.forEach((x, i) => {
    if (x instanceof ObjectRef) isReady.push(() => refs.isReady(x));
    else if (x instanceof ObjectRefGenerator) {
      const core = streams.core(x);
      isReady.push(() => core.ready);
    } else throw new TypeError(`wait: item ${i} is not an ObjectRef or ObjectRefGenerator`);
  });
  const numReturns = options?.numReturns ?? 1;
  const timeout = options?.timeout;
  if (!Number.isInteger(numReturns) || numReturns < 1 || numReturns > Math.max(1, items.length)) {
    throw new TypeError(`wait: numReturns must be an integer from 1 to the number of items (${items.length}), got ${showValue(numReturns)}`);
  }
  checkTimeout(timeout, 'wait');
  const split = (): [T[], T[]] => {
    const ready: T[] = [];
    const notReady: T[] = [];
    items.forEach((x, i) => (ready.length < numReturns && isReady[i]!() ? ready : notReady).push(x));
    return [ready, notReady];
  };
  const count = () => isReady.reduce((n, f) => n + (f() ? 1 : 0), 0);
  if (items.length === 0 || count() >= numReturns || timeout === 0) return Promise.resolve(split());
  return new Promise((resolve) => {
    let done = false;
    let ready = 0;
    let timer: NodeJS.Timeout | undefined;
    // Listeners are removed when the wait ends, so a stream wait() gave up on can still be collected (G9).
    const watched: StreamCore[] = [];
    const watchedRefs: ObjectRef<unknown>[] = [];
    const finish = () => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const core of watched) core.offReady(onReady);
      for (const r of watchedRefs) refs.offSettled(r, onReady);
      resolve(split());
    };
    const onReady = () => {
      if (++ready >= numReturns) finish();
    };
    for (const x of items) {
      if (done) break;
      if (x instanceof ObjectRef) {
        watchedRefs.push(x);
        refs.onSettled(x, onReady);
      } else {
        const core = streams.core(x as ObjectRefGenerator);
        watched.push(core);
        core.onReady(onReady);
      }
    }
    if (timeout !== undefined && !done) timer = setTimeout(finish, timeout);
  });
}

/** Stores a value and returns its ref (R1). */
export function put<T>(value: T): ObjectRef<T> {
  if (value instanceof ObjectRefGenerator) throw new TypeError('put: an ObjectRefGenerator cannot be stored (G13); store its values instead');
  return refs.resolved(value);
}

export interface CancelOptions {
  /** A running threaded call that does not stop within 100 ms ends its worker (default false). */
  force?: boolean;
  /** Also cancel the calls and tasks it submitted that have not settled, and theirs (default true, G11). */
  recursive?: boolean;
}

/**
 * Cancels a call or a stream: a queued call never runs; a running one has `taskContext().signal` aborted;
 * its ref rejects (a stream gets one error item) with TaskCancelledError at once (G11). A settled call is left alone.
 */
export function cancel(target: ObjectRef<unknown> | ObjectRefGenerator<unknown, unknown>, options?: CancelOptions): void {
  const force = options?.force ?? false;
  const recursive = options?.recursive ?? true;
  if (typeof force !== 'boolean') throw new TypeError(`cancel: force must be a boolean, got ${typeof force}`);
  if (typeof recursive !== 'boolean') throw new TypeError(`cancel: recursive must be a boolean, got ${typeof recursive}`);
  if (target instanceof ObjectRef) refs.owner(target)?.cancel(force, recursive);
  else if (target instanceof ObjectRefGenerator) streams.core(target).owner.cancel(force, recursive);
  else throw new TypeError('cancel: expected an ObjectRef or an ObjectRefGenerator');
}

function targetOf(handle: unknown, where: string): HandleTarget {
  const target = handleTarget(handle);
  if (target === undefined) throw new TypeError(`${where}: expected an actor handle, got ${handle === null ? 'null' : typeof handle}`);
  return target;
}

/** Kills an actor: its running, queued and later calls reject with ActorDiedError; its name is freed (A8).
 *  With `noRestart: false`, an actor with restarts left is rebuilt instead. */
export function kill(handle: ActorHandle<unknown>, options?: { noRestart?: boolean }): void {
  const noRestart = options?.noRestart ?? true;
  if (typeof noRestart !== 'boolean') throw new TypeError(`kill: noRestart must be a boolean, got ${typeof noRestart}`);
  targetOf(handle, 'kill').kill(noRestart);
}

/** The live actor named `name` (A9), or ActorNotFoundError. Inside a worker, an actor of that name on the
 *  main thread too. */
export function getActor<T = unknown>(name: string): ActorHandle<T> {
  return runtime().handleNamed(name) as ActorHandle<T>;
}

/** The live actor named `name`: this process's, or in a cluster any member's (asked of the cluster's
 *  registry, not only the local view getActor reads). Waits up to `timeout` ms (default 0) for the name
 *  to appear, then rejects with ActorNotFoundError naming it. */
export async function findActor<T = unknown>(name: string, options?: { timeout?: number }): Promise<ActorHandle<T>> {
  const timeout = options?.timeout ?? 0;
  if (!(typeof timeout === 'number' && timeout >= 0 && Number.isFinite(timeout))) throw new TypeError(`findActor: timeout must be a number of milliseconds >= 0, got ${String(timeout)}`);
  return (await runtime().findNamed(name, timeout)) as ActorHandle<T>;
}


/** Every process of the cluster that can host actors (nodes, and drivers' own pools), this one first; a
 *  dead one stays listed with `alive: false` for a minute. Without a cluster: this process alone. */
export function nodes(): NodeInfo[] {
  return runtime().nodes();
}

/** A snapshot of an actor's state and mailbox; inside a worker, of an actor elsewhere too (asked of its owner). */
export function actorInfo(handle: ActorHandle<unknown>): ActorInfo {
  return targetOf(handle, 'actorInfo').actorInfo();
}

export interface RuntimeStats {
  /** Live actors. */
  readonly actors: number;
  /** Objects the runtime holds for refs not yet taken: stream items produced and not taken with next() (G9). */
  readonly storedObjects: number;
  /** Pool workers that have started and take calls (0 until the pool starts: first threaded use, or
   *  `init({ prestart: true })` / `ready()`). */
  readonly workers: number;
}

/** Counts of what the runtime holds now. */
export function stats(): RuntimeStats {
  const rt = runtime();
  return { actors: rt.actors.size, storedObjects: store.objects, workers: rt.workersUp };
}
