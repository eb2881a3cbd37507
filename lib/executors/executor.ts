// The one interface every kind of executor implements: how an actor's calls are queued and started.
// sync.ts runs one call at a time (A1); async.ts runs concurrency groups of interleaving calls (A2, A4).
import type { Task } from '../task.js';

export interface Executor {
  /** Queues a call; it starts once the executor is open and has room, in submission order. */
  submit(task: Task): void;
  /** Starts running queued calls against `target` (the actor instance). */
  open(target: unknown): void;
  /** Takes a queued call out (it was cancelled); false if it is not queued here. */
  remove(task: Task): boolean;
  /** Stops starting calls and hands back those queued and those running, each in submission order.
   *  Running calls are left to finish on their own; the executor forgets them. */
  close(): { queued: Task[]; running: Task[] };
  /** Calls started whose code has not finished. */
  readonly running: number;
  /** Calls waiting to start. */
  readonly queued: number;
}
