// What a pool worker is handed when it starts (its workerData): troupe's own port and the shared memory
// the two threads use beside it.
import type { MessagePort } from 'node:worker_threads';

export interface WorkerBoot {
  readonly index: number;
  /** Shared counters of how far the main thread is behind with this worker's messages (flow.ts). */
  readonly flow: SharedArrayBuffer;
  /** The ring the worker writes results to while the main thread is behind (journal.ts). */
  readonly journal: SharedArrayBuffer;
  /** The worker's end of the channel of troupe's own (parentPort stays the user's). */
  readonly port: MessagePort;
  /** Where the main thread answers the worker's questions (ask.ts). */
  readonly answers: SharedArrayBuffer;
  /** One Int32 cell: the call whose code the worker ran last (0: none), read when the worker dies. */
  readonly running: SharedArrayBuffer;
  /** Modules to import at once (a spare worker replacing one that died loads what that one had loaded). */
  readonly preload?: readonly string[];
}
