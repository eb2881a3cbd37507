// The one interface every kind of executor implements: how an actor's calls are queued and started.
// sync.ts runs one call at a time (A1); async.ts runs concurrency groups of interleaving calls (A2, A4).
import type { Task } from '../task.js';

export interface Executor {
  /** Queues a call; it starts once the executor is open and has room, in submission order. */
  submit(task: Task): void;
  /** Starts running queued calls against `target` (the actor instance). */
  open(target: unknown): void;
  /** Stops starting calls and hands back those still queued, in order. Running calls finish on their own. */
  close(): Task[];
  /** Calls started and not yet finished. */
  readonly running: number;
}
