// Every error troupe raises, made in one place. Users catch these by class or by their stable `code`
// (which survives a thread, as the class does); each message names the actor, method or argument at fault.
// Mistakes in how the API is called (a bad option, an unknown method) are TypeErrors, thrown at once.

/** Every troupe error's `code`, one per class. */
export type TroupeErrorCode =
  | 'TROUPE_ERROR'
  | 'TROUPE_TASK_ERROR'
  | 'TROUPE_ACTOR_DIED'
  | 'TROUPE_WORKER_CRASHED'
  | 'TROUPE_TASK_CANCELLED'
  | 'TROUPE_TASK_TIMEOUT'
  | 'TROUPE_GET_TIMEOUT'
  | 'TROUPE_SERIALIZATION'
  | 'TROUPE_ACTOR_NOT_FOUND'
  | 'TROUPE_DEFINITION_NOT_FOUND';

/** Base class of every error troupe raises. */
export class TroupeError extends Error {
  override name = 'TroupeError';
  /** Stable across versions and threads; on the prototype, so a copy made from the wire has it too. */
  get code(): TroupeErrorCode {
    return 'TROUPE_ERROR';
  }
}

/** Where a task ran: `Class.method` for an actor call, the function's name for a remote function. */
export interface TaskSite {
  readonly actorId?: string;
  readonly className?: string;
  readonly method: string;
  readonly taskId: number;
}

function siteLabel(site: TaskSite): string {
  return site.className ? `${site.className}.${site.method}` : site.method;
}

/** The task's own code threw (or rejected): `cause` is what it threw (A5, G5). */
export class TaskError extends TroupeError {
  override name = 'TaskError';
  override get code(): TroupeErrorCode {
    return 'TROUPE_TASK_ERROR';
  }
  readonly actorId: string | undefined;
  readonly method: string;
  readonly taskId: number;
  constructor(site: TaskSite, cause: unknown) {
    super(`${siteLabel(site)} (task ${site.taskId}) threw: ${describe(cause)}`, { cause });
    this.actorId = site.actorId;
    this.method = site.method;
    this.taskId = site.taskId;
  }
}

/** The actor is dead (killed, its constructor threw, or out of restarts): the call cannot run (A6, A8). */
export class ActorDiedError extends TroupeError {
  override name = 'ActorDiedError';
  override get code(): TroupeErrorCode {
    return 'TROUPE_ACTOR_DIED';
  }
  readonly actorId: string;
  /** False when the actor restarts (A7): this call failed with its death, but the actor lives on. */
  readonly final: boolean;
  constructor(actor: { id: string; className: string; name?: string | undefined }, reason: string, cause?: unknown, final = true) {
    super(`actor ${actorLabel(actor)} died: ${reason}${cause === undefined ? '' : `: ${describe(cause)}`}`,
      cause === undefined ? undefined : { cause });
    this.actorId = actor.id;
    this.final = final;
  }
}

/** The worker that ran a remote function died under it; `cause` says why. */
export class WorkerCrashedError extends TroupeError {
  override name = 'WorkerCrashedError';
  override get code(): TroupeErrorCode {
    return 'TROUPE_WORKER_CRASHED';
  }
  readonly taskId: number;
  /** `ran`: the call whose code ran last on the worker; `note`: why the call is not run again. */
  constructor(site: TaskSite, cause: unknown, ran?: string, note?: string) {
    super(`${siteLabel(site)} (task ${site.taskId}): its worker died${ran === undefined ? '' : ` while it ran ${ran}`}: ${describe(cause)}${note === undefined ? '' : `; ${note}`}`, { cause });
    this.taskId = site.taskId;
  }
}

/** The call was cancelled: `cancel()` (G11), its `signal` aborted, or its stream was dropped. */
export class TaskCancelledError extends TroupeError {
  override name = 'TaskCancelledError';
  override get code(): TroupeErrorCode {
    return 'TROUPE_TASK_CANCELLED';
  }
  readonly taskId: number;
  constructor(site: TaskSite, why?: string, cause?: unknown) {
    super(`${siteLabel(site)} (task ${site.taskId}) was cancelled${why === undefined ? '' : `: ${why}`}`, cause === undefined ? undefined : { cause });
    this.taskId = site.taskId;
  }
}

/** The call's `timeout` (`.options({ timeout })`) ran out: it was cancelled. */
export class TaskTimeoutError extends TaskCancelledError {
  override name = 'TaskTimeoutError';
  override get code(): TroupeErrorCode {
    return 'TROUPE_TASK_TIMEOUT';
  }
  /** The timeout, in milliseconds. */
  readonly timeout: number;
  constructor(site: TaskSite, timeout: number) {
    super(site, `it timed out after ${timeout} ms (its timeout option)`);
    this.timeout = timeout;
  }
}

/** `get(..., { timeout })` ran out of time (R1). */
export class GetTimeoutError extends TroupeError {
  override name = 'GetTimeoutError';
  override get code(): TroupeErrorCode {
    return 'TROUPE_GET_TIMEOUT';
  }
  constructor(timeout: number, pending: number) {
    super(`get timed out after ${timeout} ms with ${pending} ref(s) not ready`);
  }
}

/** A value cannot cross to another thread or process (a function, a symbol, a stream): nothing was sent. */
export class SerializationError extends TroupeError {
  override name = 'SerializationError';
  override get code(): TroupeErrorCode {
    return 'TROUPE_SERIALIZATION';
  }
}

/** `getActor(name)` found no live actor of that name (A9). */
export class ActorNotFoundError extends TroupeError {
  override name = 'ActorNotFoundError';
  override get code(): TroupeErrorCode {
    return 'TROUPE_ACTOR_NOT_FOUND';
  }
  /** `where`: where it was looked for, e.g. "in the cluster after 1000 ms". */
  constructor(name: string, where?: string) {
    super(`no live actor is named '${name}'${where === undefined ? '' : ` ${where}`}`);
  }
}

/** A worker could not find the class or remote function it was asked to run (its module failed to import,
 *  or defines no such threaded class or function): no restart or retry can help. */
export class DefinitionNotFoundError extends TroupeError {
  override name = 'DefinitionNotFoundError';
  override get code(): TroupeErrorCode {
    return 'TROUPE_DEFINITION_NOT_FOUND';
  }
}

export function actorLabel(actor: { id: string; className: string; name?: string | undefined }): string {
  return actor.name === undefined ? `${actor.className}#${actor.id}` : `${actor.className} '${actor.name}' (#${actor.id})`;
}

/** A value as an error message shows it: strings quoted (`got '4'`, so a string is told from a number). */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
  if (Array.isArray(v)) return 'an array';
  if (v !== null && typeof v === 'object') return 'an object';
  return String(v);
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return String(e);
  } catch {
    return Object.prototype.toString.call(e);
  }
}

/** @internal A call sent straight to where an actor lived, which has moved or gone: it did not run there,
 *  and the caller sends it to the actor's owner instead (cluster/handles.ts). Never reaches a user. */
export class NotHostedHereError extends TroupeError {
  override name = 'NotHostedHereError';
}
