// ObjectRef: the handle to a value that exists now or later (R1-R3). It holds its result itself and makes
// a native promise only when someone awaits it, so an unobserved failure never becomes an unhandled
// rejection, and an awaited ready ref costs one resolved-promise hop.

const PENDING = 0;
const OK = 1;
const FAILED = 2;
type State = typeof PENDING | typeof OK | typeof FAILED;

/** What `cancel(ref)` reaches through a ref: the task that will settle it (with `error`, or a
 *  TaskCancelledError). */
export interface Cancellable {
  /** `recursive` (the default): the calls and tasks it submitted that have not settled are cancelled too
   *  (G11); `error`: what its output fails with instead of a TaskCancelledError (a signal's, a timeout's). */
  cancel(force: boolean, recursive?: boolean, error?: Error): void;
}

/** Module-internal operations on refs: never exported from the package index. */
interface RefInternals {
  create<V>(owner?: Cancellable): ObjectRef<V>;
  resolved<V>(value: V): ObjectRef<V>;
  failed<V>(error: unknown): ObjectRef<V>;
  /** Settles the ref; false if it was settled already (every ref settles exactly once). */
  resolve(r: ObjectRef<any>, value: unknown): boolean;
  reject(r: ObjectRef<any>, error: unknown): boolean;
  isReady(r: ObjectRef<any>): boolean;
  peek(r: ObjectRef<any>): { ok: boolean; value: unknown } | undefined;
  owner(r: ObjectRef<any>): Cancellable | undefined;
  /** Calls `listener` once when the ref settles (at once if it has). */
  onSettled(r: ObjectRef<any>, listener: () => void): void;
  offSettled(r: ObjectRef<any>, listener: () => void): void;
}


// Set by ObjectRef's static block, which alone can reach its private fields.
export let refs: RefInternals;

const token = Symbol('troupe.ref');

/**
 * A reference to the result of a task, a stream item or a `put()`. Await it (or `get()` it) for the value;
 * pass it to another call and it is resolved before that call runs (A11).
 */
export class ObjectRef<T = unknown> implements PromiseLike<T> {
  #state: State = PENDING;
  #value: unknown = undefined;
  #promise: Promise<T> | undefined = undefined;
  #resolve: ((v: unknown) => void) | undefined = undefined;
  #reject: ((e: unknown) => void) | undefined = undefined;
  #owner: Cancellable | undefined;
  #listeners: (() => void)[] | undefined = undefined;

  /** @internal refs are made by `put()`, `.remote()` and streams, never by `new`. */
  constructor(key: symbol, owner?: Cancellable) {
    if (key !== token) throw new TypeError('ObjectRef cannot be constructed directly: use put(value) or .remote()');
    this.#owner = owner;
  }

  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#toPromise().then(onFulfilled, onRejected);
  }

  /** As Promise.prototype.catch: a promise of the value, or of what `onRejected` makes of the error. */
  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.#toPromise().catch(onRejected);
  }

  /** As Promise.prototype.finally: `onFinally` runs once the ref settles; the promise keeps its outcome. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.#toPromise().finally(onFinally);
  }

  get [Symbol.toStringTag](): string {
    return 'ObjectRef';
  }

  #toPromise(): Promise<T> {
    if (this.#promise !== undefined) return this.#promise;
    if (this.#state === OK) return (this.#promise = Promise.resolve(this.#value as T));
    if (this.#state === FAILED) return (this.#promise = Promise.reject(this.#value));
    return (this.#promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve as (v: unknown) => void;
      this.#reject = reject;
    }));
  }

  #settle(state: State, value: unknown): boolean {
    if (this.#state !== PENDING) return false;
    this.#state = state;
    this.#value = value;
    this.#owner = undefined;
    if (state === OK) this.#resolve?.(value);
    else this.#reject?.(value);
    this.#resolve = this.#reject = undefined;
    const listeners = this.#listeners;
    if (listeners !== undefined) {
      this.#listeners = undefined;
      for (const l of listeners) l();
    }
    return true;
  }

  static {
    refs = {
      create: <V>(owner?: Cancellable) => new ObjectRef<V>(token, owner),
      resolved: <V>(value: V) => {
        const r = new ObjectRef<V>(token);
        r.#state = OK;
        r.#value = value;
        return r;
      },
      failed: <V>(error: unknown) => {
        const r = new ObjectRef<V>(token);
        r.#state = FAILED;
        r.#value = error;
        return r;
      },
      resolve: (r, value) => r.#settle(OK, value),
      reject: (r, error) => r.#settle(FAILED, error),
      isReady: (r) => r.#state !== PENDING,
      peek: (r) => (r.#state === PENDING ? undefined : { ok: r.#state === OK, value: r.#value }),
      owner: (r) => r.#owner,
      onSettled: (r, listener) => {
        if (r.#state !== PENDING) listener();
        else (r.#listeners ??= []).push(listener);
      },
      offSettled: (r, listener) => {
        const ls = r.#listeners;
        const i = ls === undefined ? -1 : ls.indexOf(listener);
        if (i >= 0) ls!.splice(i, 1);
      },
    };
  }
}

