// taskContext(): what a running method can learn about its own call. By default the current task is set
// while the method's synchronous part runs (each step of a generator included): on Node 20 an
// AsyncLocalStorage makes every await in the whole process about 3x slower (measured: a plain
// `await Promise.resolve(f())` loop drops from 16 M/s to 5 M/s), a tax we will not levy on users who never
// ask. `init({ asyncContext: true })` opts in to AsyncLocalStorage, so that taskContext() works after an
// await too. The AbortSignal is made only when asked for.
import { AsyncLocalStorage } from 'node:async_hooks';
import { TroupeError } from './errors.js';
import type { Cancellable } from './ref.js';

/** What the runtime knows of the task that is running now. */
export interface TaskContext {
  readonly taskId: number;
  /** The actor's id, or undefined inside a remote function. */
  readonly actorId: string | undefined;
  /** 0 on the first run, 1 on the first retry, and so on. */
  readonly attempt: number;
  /** Aborts when the call is cancelled (or its actor killed). */
  readonly signal: AbortSignal;
}

/** The slice of a task that the context reads. */
export interface ContextSource {
  readonly id: number;
  readonly actorId: string | undefined;
  readonly attempt: number;
  signal(): AbortSignal;
  /** A call or task submitted while this one runs: cancelled with it (G11, recursive). */
  adopt(child: Cancellable): void;
  /** That child has settled. */
  disown(child: Cancellable): void;
}

/** The task whose code is running now, if any (the synchronous part of a method, or anywhere with
 *  asyncContext): calls submitted now are its children (G11). */
export function runningTask(): ContextSource | undefined {
  return current ?? als?.getStore();
}

let current: ContextSource | undefined;
let als: AsyncLocalStorage<ContextSource> | undefined;

/** Turns AsyncLocalStorage propagation on or off (init's `asyncContext`). */
export function useAsyncContext(on: boolean): void {
  als = on ? (als ?? new AsyncLocalStorage()) : undefined;
}

/** Runs `fn` outside any task's context: what it creates (a worker, its port) must not carry the task that
 *  happened to make it into the events it fires later (those would adopt calls: G11). */
export function outsideTasks<T>(fn: () => T): T {
  if (als !== undefined) return als.exit(fn);
  const prev = current;
  current = undefined;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/** Told when a task's code starts and stops running synchronously (a worker notes it where its death can
 *  be read): `enter` returns what `leave` gets back. */
export interface CodeWatcher {
  enter(task: ContextSource): number;
  leave(token: number): void;
}

let watcher: CodeWatcher | undefined;

export function watchTaskCode(w: CodeWatcher): void {
  watcher = w;
}

/** Calls `fn(a, b)` with `task` as the current task. */
export function runAs<A, B, R>(task: ContextSource, fn: (a: A, b: B) => R, a: A, b: B): R {
  if (watcher !== undefined) return watched(watcher, task, fn, a, b);
  if (als !== undefined) return als.run(task, fn, a, b);
  const prev = current;
  current = task;
  try {
    return fn(a, b);
  } finally {
    current = prev;
  }
}

function watched<A, B, R>(w: CodeWatcher, task: ContextSource, fn: (a: A, b: B) => R, a: A, b: B): R {
  const token = w.enter(task);
  const prev = current;
  current = task;
  try {
    return als !== undefined ? als.run(task, fn, a, b) : fn(a, b);
  } finally {
    current = prev;
    w.leave(token);
  }
}

/** Inside a running method or remote function: its task id, actor, attempt and cancellation signal.
 *  Call it before the method's first `await` (keep what it returns), unless init({ asyncContext: true }). */
export function taskContext(): TaskContext {
  const task = current ?? als?.getStore();
  if (task === undefined) {
    throw new TroupeError(
      'taskContext() was called outside the synchronous part of a running actor method or remote function: ' +
        'call it before the first await and keep the result, or start the runtime with init({ asyncContext: true })',
    );
  }
  return {
    taskId: task.id,
    actorId: task.actorId,
    attempt: task.attempt,
    get signal() {
      return task.signal();
    },
  };
}
