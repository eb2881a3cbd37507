// How far the main thread is behind with a worker's messages, kept in shared memory so the worker sees it
// without a message. While the main thread has not read the last message a worker sent, a result sent now
// would only queue behind it, so the worker lets it wait and leave with others (channel.ts), in batches of
// up to a quarter of the calls in flight: the main thread, the busier of the two, then reads a fraction of
// the messages. Batches stay small so that several are in flight at once: one batch of everything left
// both threads waiting for each other in turn (measured with raw MessagePort prototypes at 16 in flight:
// 61-152 k/s against 215-265 k/s one message each; a quarter: 265-339 k/s). Below 8 calls in flight
// nothing waits. Held results also leave before the worker runs a call that may block it (pacedCallable):
// one of a generator or async method, or of a method whose last call threw or took FAST_CALL_MS or more,
// as a stream's items do before a producer's next step (worker-main.ts); and nothing waits while an async
// call is under way (WorkerFlow.suspend). The main thread never holds its
// calls back: it also runs the user's event loop, and holding them measured no gain at 16 in flight.
import { isThenable, type Callable } from '../task.js';
import type { Pace } from './channel.js';

/** A call that returned within this (ms) shows its method fast: held results may wait behind its next call. */
const FAST_CALL_MS = 0.05;

const SENT = 0; // messages the worker sent (written by the worker)
const READ = 1; // of those, how many the main thread has read (written by the main thread)
const IN_FLIGHT = 2; // calls the main thread has in flight on the worker (written by the main thread)

export const newFlowBuffer = (): SharedArrayBuffer => new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);

/** The main thread's side: counts the worker's messages it has read and publishes its calls in flight. */
export class MainFlow implements Pace {
  readonly #cells: Int32Array;
  #inFlight = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer);
  }

  read(delivered: number): void {
    Atomics.store(this.#cells, READ, delivered);
  }

  posted(): void {}

  hold(): number {
    return 0;
  }

  sent(): number {
    return 0;
  }

  unread(): number {
    return 0;
  }

  chunk(): number {
    return this.#inFlight > 7 ? this.#inFlight >> 2 : 2;
  }

  inFlight(n: number): void {
    Atomics.store(this.#cells, IN_FLIGHT, (this.#inFlight = n));
  }
}

/** The worker's side: counts what it sends and tells its channel how many results may wait together. */
export class WorkerFlow implements Pace {
  readonly #cells: Int32Array;
  #sent = 0;
  /** Async calls under way: their code goes on, and may block, in any later microtask. */
  #suspended = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer);
  }

  read(): void {}

  chunk(): number {
    return 1;
  }

  /** An async call is under way until `p` settles: nothing waits meanwhile. */
  suspend(p: Promise<unknown>): void {
    this.#suspended++;
    p.then(this.#resume, this.#resume);
  }

  readonly #resume = (): void => {
    this.#suspended--;
  };

  posted(): void {
    Atomics.store(this.#cells, SENT, (this.#sent = (this.#sent + 1) | 0));
  }

  hold(): number {
    if (this.#suspended > 0) return 0;
    const n = Atomics.load(this.#cells, IN_FLIGHT) >> 2;
    if (n < 2) return 0;
    return this.unread() > 0 ? n : 0; // all read: send at once
  }

  sent(): number {
    return this.#sent;
  }

  unread(): number {
    return (this.#sent - Atomics.load(this.#cells, READ)) | 0;
  }
}

/** `c`, calling `release` (send what waits) first unless its last call returned within FAST_CALL_MS: the
 *  next call may block the worker (a long computation, a synchronous wait, process.exit), and a result
 *  that is done must not wait for it. A call that throws, or of a generator or async method, never shows
 *  its method fast (a generator's or async method's work goes on after it returns); while an async call is
 *  under way nothing waits at all (`flow.suspend`). The flag is per method, for every actor of the class
 *  on this worker. */
export function pacedCallable(c: Callable, release: () => void, flow: WorkerFlow): Callable {
  const fn = c.fn;
  let fast = false;
  return {
    name: c.name,
    stream: c.stream,
    fn(this: unknown, ...args: unknown[]): unknown {
      release();
      fast = false; // stays false if the call throws
      const start = performance.now();
      const r = fn.apply(this, args);
      if (r instanceof Promise) flow.suspend(r);
      else fast = !c.stream && performance.now() - start < FAST_CALL_MS && !isThenable(r);
      return r;
    },
  };
}
