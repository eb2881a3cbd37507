// How far the main thread is behind with a worker's messages, kept in shared memory so the worker sees it
// without a message. While the main thread has not read the last message a worker sent, a result sent now
// would only queue behind it, so the worker lets it wait and leave with others (channel.ts), in batches of
// up to a quarter of the calls in flight: the main thread, the busier of the two, then reads a fraction of
// the messages. Batches stay small so that several are in flight at once: one batch of everything left
// both threads waiting for each other in turn (measured with raw MessagePort prototypes at 16 in flight:
// 61-152 k/s against 215-265 k/s one message each; a quarter: 265-339 k/s). Below 8 calls in flight
// nothing waits. The main thread never holds its calls back: it also runs the user's event loop, and
// holding them measured no gain at 16 in flight.
import type { Pace } from './channel.js';

const SENT = 0; // messages the worker sent (written by the worker)
const READ = 1; // of those, how many the main thread has read (written by the main thread)
const IN_FLIGHT = 2; // calls the main thread has in flight on the worker (written by the main thread)

export const newFlowBuffer = (): SharedArrayBuffer => new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);

/** The main thread's side: counts the worker's messages it has read and publishes its calls in flight. */
export class MainFlow implements Pace {
  readonly #cells: Int32Array;
  #read = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer);
  }

  read(): void {
    Atomics.store(this.#cells, READ, (this.#read = (this.#read + 1) | 0));
  }

  posted(): void {}

  hold(): number {
    return 0;
  }

  inFlight(n: number): void {
    Atomics.store(this.#cells, IN_FLIGHT, n);
  }
}

/** The worker's side: counts what it sends and tells its channel how many results may wait together. */
export class WorkerFlow implements Pace {
  readonly #cells: Int32Array;
  #sent = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer);
  }

  read(): void {}

  posted(): void {
    Atomics.store(this.#cells, SENT, (this.#sent = (this.#sent + 1) | 0));
  }

  hold(): number {
    if (((this.#sent - Atomics.load(this.#cells, READ)) | 0) <= 0) return 0; // all read: send at once
    const n = Atomics.load(this.#cells, IN_FLIGHT) >> 2;
    return n >= 2 ? n : 0;
  }
}
