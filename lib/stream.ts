// Streams (G1-G13): StreamCore is the buffer between one producing task and one ObjectRefGenerator.
// The producer holds the core, never the generator, so a dropped generator can be collected; its
// FinalizationRegistry entry then releases the unconsumed items and, where troupe goes further than Ray
// (G9), cancels a producer that has not ended: it stops at its next yield, its finally blocks run.
import { ObjectRef, refs } from './ref.js';
import { store } from './store.js';

/** How the producing task is reached from its stream: cancel() and return() go through here. */
export interface StreamOwner {
  cancel(force: boolean, recursive?: boolean, error?: Error): void;
}

type Waiter = (r: IteratorResult<ObjectRef<any>, undefined>) => void;

/** Where a producer's items go instead of the buffer: to a consumer elsewhere (wire/endpoint.ts). */
export interface StreamSink<T, R> {
  item(value: T): void;
  end(error: { e: unknown } | undefined, returned: R | undefined): void;
}

export class StreamCore<T = unknown, R = unknown> {
  readonly #buffer: T[] = [];
  #head = 0;
  /** Items pushed so far, over every attempt: a retry skips this many (G12). */
  produced = 0;
  /** Items taken with next(). */
  taken = 0;
  /** No more items will come: the task ended, failed, was cancelled, or the consumer closed the stream. */
  ended = false;
  /** The consumer is gone (return() or the generator was collected): output is discarded. */
  detached = false;
  #error: { e: unknown } | undefined = undefined;
  #errorTaken = false;
  #waiters: Waiter[] = [];
  #credit: (() => void) | undefined = undefined;
  #readyListeners: (() => void)[] | undefined = undefined;
  readonly completed: ObjectRef<R>;
  /** Set where the consumer is elsewhere (forward()): items go to it as they come, and `taken` advances by
   *  what it says it has taken (ack, G10). */
  sink: StreamSink<T, R> | undefined = undefined;
  /** Observers of the consumer, set where the producer is elsewhere (wire/credit.ts): told the total taken
   *  after each take or ack, and that the consumer is gone (G9: release its producer). */
  onTake: ((taken: number) => void) | undefined = undefined;
  onDetach: (() => void) | undefined = undefined;

  constructor(
    readonly owner: StreamOwner,
    readonly backpressure: number,
  ) {
    this.completed = refs.create<R>(owner);
  }

  /** Producer side: one item. Returns true if the producer should pause for credit (G10). */
  push(value: T): boolean {
    this.produced++;
    if (this.ended || this.detached) return false;
    if (this.sink !== undefined) {
      this.sink.item(value);
      this.onTake?.(this.taken); // passing a remote producer's items on: credit it as on arrival below
      return this.produced - this.taken >= this.backpressure;
    }
    const w = this.#waiters.shift();
    if (w !== undefined) {
      this.taken++;
      this.onTake?.(this.taken);
      w({ done: false, value: refs.resolved(value) });
    } else {
      this.#buffer.push(value);
      store.objects++;
      this.onTake?.(this.taken); // an item that arrives after a take may show the producer held (giveCredit)
      this.#notifyReady();
    }
    return this.produced - this.taken >= this.backpressure;
  }

  /** With a sink: the consumer elsewhere has taken `taken` items in all (Infinity: it is gone). A stream
   *  that is itself fed from elsewhere passes the credit on to its producer (onTake). */
  ack(taken: number): void {
    if (taken <= this.taken) return;
    this.taken = taken;
    this.onTake?.(taken);
    if (this.#credit !== undefined && this.produced - this.taken < this.backpressure) this.#releaseCredit();
  }

  /** Sends the items to `sink` from now on instead of buffering them: those already buffered first, and
   *  the end at once if the stream has already ended. */
  forward(sink: StreamSink<T, R>): void {
    this.sink = sink;
    while (this.#head < this.#buffer.length) {
      const value = this.#buffer[this.#head] as T;
      (this.#buffer as unknown[])[this.#head++] = undefined;
      store.objects--;
      sink.item(value);
    }
    this.#buffer.length = 0;
    this.#head = 0;
    if (!this.ended) return;
    const done = refs.peek(this.completed);
    if (done === undefined || done.ok) sink.end(undefined, done?.value as R | undefined);
    else sink.end({ e: done.value }, undefined);
  }

  /** Producer side: resolves when the consumer has taken enough to go on, or the stream has ended (at once
   *  if it ended, or lost its consumer, while the item was pushed: a sink may do either). */
  credit(): Promise<void> {
    if (this.ended || this.detached) return Promise.resolve();
    return new Promise((resolve) => {
      this.#credit = resolve;
    });
  }

  /** Ends the stream once: with the return value, or with an error item (G5, G6, G11). */
  end(error: { e: unknown } | undefined, returned?: R): void {
    if (this.ended) return;
    this.ended = true;
    this.#releaseCredit();
    if (error !== undefined) {
      refs.reject(this.completed, error.e);
      if (!this.detached) this.#error = error;
    } else {
      refs.resolve(this.completed, returned);
    }
    this.sink?.end(error, returned);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(this.#takeEnd());
    this.#notifyReady();
  }

  /** Consumer side (next()). */
  take(): IteratorResult<ObjectRef<T>, undefined> | undefined {
    if (this.#head < this.#buffer.length) {
      const value = this.#buffer[this.#head] as T;
      (this.#buffer as unknown[])[this.#head++] = undefined;
      if (this.#head === this.#buffer.length) {
        this.#buffer.length = 0;
        this.#head = 0;
      }
      store.objects--;
      this.taken++;
      this.onTake?.(this.taken);
      if (this.#credit !== undefined && this.produced - this.taken < this.backpressure) this.#releaseCredit();
      return { done: false, value: refs.resolved(value) };
    }
    if (this.ended || this.detached) return this.#takeEnd();
    return undefined;
  }

  wait(): Promise<IteratorResult<ObjectRef<T>, undefined>> {
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      // A consumer waiting for an item gives the producer room to make it (G10 with N = 1).
      if (this.#credit !== undefined) this.#releaseCredit();
    });
  }

  #takeEnd(): IteratorResult<ObjectRef<T>, undefined> {
    if (this.#error !== undefined && !this.#errorTaken) {
      this.#errorTaken = true;
      return { done: false, value: refs.failed(this.#error.e) };
    }
    return { done: true, value: undefined };
  }

  /** Consumer side: drop what is buffered and stop caring about output (return(), or the generator was
   *  collected). A producer on another thread is let go with unlimited credit (onDetach, G9), unless it is
   *  `cancelling` (return() of a running stream, G13): credit would only let it run on until the cancel lands. */
  detach(cancelling = false): void {
    if (this.detached) return;
    this.detached = true;
    store.objects -= this.#buffer.length - this.#head;
    this.#buffer.length = 0;
    this.#head = 0;
    this.#error = undefined;
    this.#releaseCredit();
    if (!cancelling) this.onDetach?.();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w({ done: true, value: undefined });
  }

  /** Nobody can read this stream any more (return(), or its generator was collected): stop caring about
   *  its output and, if it is still running, cancel its producer at its next yield (G9, G13). */
  drop(): void {
    const running = !this.ended;
    this.detach(running); // first: a pending next() answers done, not the cancellation's error item
    if (running) this.owner.cancel(false);
  }

  #releaseCredit(): void {
    const c = this.#credit;
    if (c !== undefined) {
      this.#credit = undefined;
      c();
    }
  }

  /** Would next() answer without waiting? (An exhausted stream answers `done` at once: G8.) */
  get ready(): boolean {
    return this.#head < this.#buffer.length || this.ended || this.detached;
  }

  /** Is a consumer waiting in next()? */
  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  get hasUntakenError(): boolean {
    return this.#error !== undefined && !this.#errorTaken;
  }

  get buffered(): number {
    return this.#buffer.length - this.#head;
  }

  onReady(listener: () => void): void {
    if (this.ready) listener();
    else (this.#readyListeners ??= []).push(listener);
  }

  /** Forgets a listener (a wait() that finished must not keep the stream's generator reachable). */
  offReady(listener: () => void): void {
    const ls = this.#readyListeners;
    if (ls === undefined) return;
    const i = ls.indexOf(listener);
    if (i >= 0) ls.splice(i, 1);
  }

  #notifyReady(): void {
    const ls = this.#readyListeners;
    if (ls !== undefined) {
      this.#readyListeners = undefined;
      for (const l of ls) l();
    }
  }
}

/** Module-internal access to a generator's core (for wait() and cancel()). */
export let streams: {
  create<V, W>(core: StreamCore<V, W>): ObjectRefGenerator<V, W>;
  core(g: ObjectRefGenerator<any, any>): StreamCore<any, any>;
};

const released = new FinalizationRegistry<StreamCore<any, any>>((core) => core.drop());
const token = Symbol('troupe.stream');

/**
 * The stream a generator method or remote generator returns at once (G1): an async iterator of refs, one per
 * yielded item, in yield order (G3), ending with one error ref if the producer failed (G5, G6).
 */
export class ObjectRefGenerator<T = unknown, R = unknown> implements AsyncIterableIterator<ObjectRef<T>> {
  readonly #core: StreamCore<T, R>;

  /** @internal streams are made by `.remote()`, never by `new`. */
  constructor(key: symbol, core: StreamCore<T, R>) {
    if (key !== token) throw new TypeError('ObjectRefGenerator cannot be constructed directly: call a generator method with .remote()');
    this.#core = core;
    released.register(this, core, core);
  }

  /** The ref of the next item as soon as it has been yielded (G2); `done` after the last (and after an error item). */
  next(): Promise<IteratorResult<ObjectRef<T>, undefined>> {
    const r = this.#core.take();
    return r !== undefined ? Promise.resolve(r) : this.#core.wait();
  }

  /** Closes the stream (what `break` in `for await` calls): production stops at the producer's next yield,
   *  unconsumed items are released (G13). */
  async return(): Promise<IteratorResult<ObjectRef<T>, undefined>> {
    const core = this.#core;
    core.drop();
    released.unregister(core);
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** A ref that settles when the whole task has ended: the generator's return value, or its error (G7). */
  completed(): ObjectRef<R> {
    return this.#core.completed;
  }

  /** Would next() return an item (or the error item) without waiting? */
  nextReady(): boolean {
    const c = this.#core;
    return c.buffered > 0 || c.hasUntakenError;
  }

  /** Has every output, the error item included, been taken? */
  isFinished(): boolean {
    const c = this.#core;
    return (c.ended || c.detached) && c.buffered === 0 && !c.hasUntakenError;
  }

  /**
   * The items' values directly; throws at the error item. Its `return()` closes the stream at once, even
   * while a `next()` is pending (an async generator's would wait for that item first), so
   * `Readable.from(gen.values())` destroyed stops the producer at its next yield.
   */
  values(): AsyncIterableIterator<T, void, undefined> {
    const gen = this;
    let finished = false;
    const end: IteratorReturnResult<void> = { done: true, value: undefined };
    return {
      async next(): Promise<IteratorResult<T, void>> {
        if (finished) return end;
        const r = await gen.next();
        if (r.done || finished) {
          finished = true;
          return end;
        }
        try {
          return { done: false, value: await r.value };
        } catch (e) {
          finished = true;
          throw e;
        }
      },
      async return(): Promise<IteratorResult<T, void>> {
        finished = true;
        await gen.return();
        return end;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /**
   * A Web `ReadableStream` of the items' values, pulled as its reader reads; it errors at the error item,
   * and its `cancel()` closes this stream (the producer stops at its next yield). A stream of `Uint8Array`s
   * is a response body as it is: `new Response(gen.toReadableStream())`; text can go through a
   * `TextEncoderStream` first.
   */
  toReadableStream(): ReadableStream<T> {
    const it = this.values();
    return new ReadableStream<T>(
      {
        async pull(controller) {
          const r = await it.next();
          if (r.done) controller.close();
          else controller.enqueue(r.value);
        },
        async cancel() {
          await it.return!();
        },
      },
      { highWaterMark: 0 },
    );
  }

  get [Symbol.toStringTag](): string {
    return 'ObjectRefGenerator';
  }

  static {
    streams = {
      create: <V, W>(core: StreamCore<V, W>) => new ObjectRefGenerator<V, W>(token, core),
      core: (g) => g.#core,
    };
  }
}

