// The one interface every kind of executor implements: how an actor's calls are queued and started.
// sync.ts runs one call at a time (A1); async.ts runs concurrency groups of interleaving calls (A2, A4).
import type { ClassInfo } from '../model/class-info.js';
import type { Task } from '../task.js';

export interface Executor {
  /** Queues a call; it starts once the executor is open and has room, in submission order. */
  submit(task: Task): void;
  /** Builds the actor (its constructor runs with `args`), then starts running queued calls. Throws, or
   *  rejects, with the constructor's error; a promise when the actor is built elsewhere (a worker). */
  start(info: ClassInfo, args: unknown[]): void | Promise<void>;
  /** Checks a call's arguments before it is queued; returns them as they will be passed (the same array
   *  when nothing changes). */
  check?(args: unknown[], where: () => string): unknown[];
  /** A running call was cancelled. */
  cancelRunning?(task: Task, force: boolean, recursive: boolean): void;
  /** The actor is gone for good: free what it held (after close()). */
  dispose?(): void;
  /** Takes a queued call out (it was cancelled); false if it is not queued here. */
  remove(task: Task): boolean;
  /** Stops starting calls and hands back those queued and those running, each in submission order.
   *  Running calls are left to finish on their own; the executor forgets them. */
  close(): { queued: Task[]; running: Task[] };
  /** Calls started whose code has not finished. */
  readonly running: number;
  /** Calls waiting to start. */
  readonly queued: number;
  /** In a cluster, the member the actor lives on when that is not this process. */
  readonly node?: string | undefined;
  /** True when the actor lives (or is being placed) on another process of the cluster. */
  readonly elsewhere?: boolean;
  /** Once built on another member: that member and the actor's build id there (calls may go straight). */
  readonly build?: { readonly member: string; readonly aid: string } | undefined;
}
