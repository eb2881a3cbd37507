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
const COST = 2; // Float64 cell (bytes 16-23): what a call's code costs the worker's thread, ms (written by the worker)
const SINCE = 3; // Float64 cell: when the call whose code runs now started (monotonic ms), 0 = none (written by the worker)

/** Milliseconds on the process's monotonic clock (CLOCK_MONOTONIC, as process.hrtime): the same in every
 *  thread, unlike performance.now(), whose origin is each thread's start. */
const monoOffset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
export const monotonicMs = (): number => performance.now() + monoOffset;

export const newFlowBuffer = (): SharedArrayBuffer => {
  const sab = new SharedArrayBuffer(4 * Float64Array.BYTES_PER_ELEMENT);
  new Float64Array(sab)[COST] = Infinity; // nothing ran yet: unknown
  return sab;
};

/** The main thread's side: counts the worker's messages it has read and publishes its calls in flight. */
export class MainFlow implements Pace {
  readonly #cells: Int32Array;
  readonly #cost: Float64Array;
  #inFlight = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer, 0, 3);
    this.#cost = new Float64Array(buffer);
  }

  /** What the worker's recent calls cost its thread, each (ms, a moving average of the synchronous runs of
   *  task code there); Infinity until one has run. */
  cost(): number {
    return this.#cost[COST]!;
  }

  /** When the call whose code runs on the worker now started (monotonicMs), 0 if none runs. */
  runningSince(): number {
    return this.#cost[SINCE]!;
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
  readonly #cost: Float64Array;
  #sent = 0;
  /** Async calls under way: their code goes on, and may block, in any later microtask. */
  #suspended = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer, 0, 3);
    this.#cost = new Float64Array(buffer);
  }

  /** A call's code starts running synchronously: returns the time, for ran(). */
  runs(): number {
    return (this.#cost[SINCE] = monotonicMs());
  }

  /** It ran since `t0`: its time goes into the cost the main thread places calls by (Pool.forTask), a
   *  moving average over about the last 8 calls. */
  ran(t0: number): void {
    const ms = monotonicMs() - t0;
    this.#cost[SINCE] = 0;
    const c = this.#cost[COST]!;
    this.#cost[COST] = c === Infinity ? ms : c + (ms - c) / 8;
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
 *  worker. The synchronous part of a call that is not a stream is timed (`flow.ran`); a stream's steps run
 *  later, and the main thread places no call by cost beside a stream. */
export function pacedCallable(c: Callable, release: () => void, flow: WorkerFlow): Callable {
  const fn = c.fn;
  return {
    name: c.name,
    stream: c.stream,
    fn(this: unknown, ...args: unknown[]): unknown {
      release();
      if (c.stream) return fn.apply(this, args);
      const t0 = flow.runs();
      let r: unknown;
      try {
        r = fn.apply(this, args);
      } finally {
        flow.ran(t0);
      }
      if (r instanceof Promise) flow.suspend(r);
      return r;
    },
  };
}
