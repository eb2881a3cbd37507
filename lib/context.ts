// taskContext(): what a running method can learn about its own call. The current task travels with the
// method's async continuations through one AsyncLocalStorage; the AbortSignal is made only when asked for.
import { AsyncLocalStorage } from 'node:async_hooks';
import { TroupeError } from './errors.js';

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
}

export const currentTask = new AsyncLocalStorage<ContextSource>();

/** Inside a running method or remote function: its task id, actor, attempt and cancellation signal. */
export function taskContext(): TaskContext {
  const task = currentTask.getStore();
  if (task === undefined) {
    throw new TroupeError('taskContext() was called outside a running actor method or remote function');
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
