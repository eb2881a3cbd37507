// How far the main thread is behind with a worker's messages, kept in shared memory so the worker sees it
// without a message. The main thread publishes how many of the worker's messages it has dispatched, and
// everything the worker journaled behind them (channel.ts #pump). While it has not read them all:
// - a result goes to the worker's journal (journal.ts), which the main thread reads after the message it
//   was written behind, a chunk (a quarter of the calls in flight) per turn of its event loop, so that
//   the calls those results answer leave while the rest wait (one batch of everything left both threads
//   waiting for each other in turn: measured with raw MessagePort prototypes at 16 in flight, 61-152 k/s
//   against 215-265 k/s one message each; a quarter: 265-339 k/s);
// - other urgent messages (and a result that does not fit in the journal) wait in the worker's memory and
//   leave with others (channel.ts), in batches of up to a quarter of the calls in flight; below 8 in
//   flight, or while an async call is under way (WorkerFlow.suspend: its code may block after an await),
//   nothing waits. What waits leaves before the worker runs any user code (pacedCallable), as it may block
//   the thread or end it (process.exit), and nothing finished may stay behind in its memory.
// The main thread never holds its calls back: it also runs the user's event loop, and holding them
// measured no gain at 16 in flight.
import { pacing } from '../pacing.js';
import type { Callable } from '../model/class-info.js';
import type { Pace } from './channel.js';

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
    return pacing.chunk(this.#inFlight);
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
    const n = pacing.hold(Atomics.load(this.#cells, IN_FLIGHT));
    if (n === 0) return 0;
    return this.unread() > 0 ? n : 0; // all read: send at once
  }

  sent(): number {
    return this.#sent;
  }

  unread(): number {
    return (this.#sent - Atomics.load(this.#cells, READ)) | 0;
  }
}

/** `c`, calling `release` (send what waits in this thread's memory) first: the call may block the worker
 *  (a long computation, a synchronous wait, process.exit). While an async call is under way nothing waits
 *  at all (`flow.suspend`). Finished results need no release: they are in the journal, which outlives the
 *  worker. */
export function pacedCallable(c: Callable, release: () => void, flow: WorkerFlow): Callable {
  const fn = c.fn;
  return {
    name: c.name,
    stream: c.stream,
    fn(this: unknown, ...args: unknown[]): unknown {
      release();
      const r = fn.apply(this, args);
      if (r instanceof Promise) flow.suspend(r);
      return r;
    },
  };
}
