// ActorCore: one live actor. It owns the instance, the lifecycle snapshot (lifecycle.ts) and the executor
// that queues and runs its calls; a kill or a restart takes every queued and running call back from the
// executor, so that each one is settled or retried (A6, A7, A8).
import { groupLimits, methodsFor, type ClassInfo, type MethodInfo } from './model/class-info.js';
import { ActorDiedError, DefinitionNotFoundError, actorLabel } from './errors.js';
import { events } from './events.js';
import { microtask } from './microtask.js';
import { AsyncExecutor } from './executors/async.js';
import type { Executor } from './executors/executor.js';
import { SyncExecutor } from './executors/sync.js';
import { makeHandle, type HandleTarget } from './handle.js';
import { initialLifecycle, nextLifecycle, type LifecycleEvent, type LifecycleSnapshot, type LifecycleState } from './lifecycle.js';
import type { ActorOptions, ResolvedCall } from './model/options.js';
import { refs, type ObjectRef } from './ref.js';
import { StreamCore, streams, type ObjectRefGenerator } from './stream.js';
import { checkArgs, Task, type TaskHost } from './task.js';
import type { ActorHandle, ActorInfo } from './types.js';

/** What an actor needs from the runtime that owns it. */
export interface ActorOwner {
  released(core: ActorCore): void;
  /** The actor `id` is gone (dead, or restarting on a new instance): the actors it created die with it. */
  creatorGone(id: string, label: string): void;
  /** The executor of a threaded actor (installed with the worker pool). */
  threaded(core: ActorCore): Executor;
  /** The actor was built (it takes calls now). */
  built?(core: ActorCore): void;
  /** The actor dies of `error`: told before its calls are settled with it. */
  dying?(core: ActorCore, error: ActorDiedError): void;
  /** In a cluster: this process's name among the members. */
  readonly memberName?: string | undefined;
  /** Before the actor is first built: a promise to wait for (a cluster-wide name is claimed), or undefined.
   *  When it rejects, the actor dies of that error. */
  admit?(core: ActorCore): Promise<void> | undefined;
}

/** Wait before rebuilding an actor for the n-th time: none for the first, then doubling up to 1 s. */
export const restartDelay = (n: number): number => (n <= 1 ? 0 : Math.min(1000, 5 * 2 ** (n - 2)));

export class ActorCore implements TaskHost, HandleTarget {
  readonly handle: ActorHandle<unknown>;
  readonly className: string;
  readonly methods: ReadonlyMap<string, MethodInfo>;
  readonly groups: ReadonlyMap<string | undefined, number>;
  snapshot: LifecycleSnapshot = initialLifecycle;
  restarts = 0;
  #executor: Executor;
  #death: ActorDiedError | undefined = undefined;
  #admitted = false;

  constructor(
    readonly owner: ActorOwner,
    readonly id: string,
    readonly info: ClassInfo,
    readonly options: ActorOptions,
    readonly args: unknown[],
    /** The actor whose code created this one (fate sharing: it dies with its creator); undefined: the
     *  program's own code or a remote function created it. */
    readonly creatorId: string | undefined = undefined,
  ) {
    this.className = info.className;
    this.methods = methodsFor(info, options);
    this.groups = options === info.options ? info.groups : groupLimits(options);
    this.#executor = this.#makeExecutor();
    this.handle = makeHandle(this);
    microtask(() => this.#construct());
  }

  get actorId(): string {
    return this.id;
  }
  /** HandleTarget: a threaded actor's calls cross to a worker. */
  get kind(): 'threaded' | undefined {
    return this.options.mode === 'threaded' ? 'threaded' : undefined;
  }
  get name(): string | undefined {
    return this.options.name;
  }
  get state(): LifecycleState {
    return this.snapshot.value as LifecycleState;
  }
  get running(): number {
    return this.#executor.running;
  }
  get queued(): number {
    return this.#executor.queued;
  }

  /** Where it is built, when that is another member of a cluster (Executor.build). */
  get build(): { readonly member: string; readonly aid: string } | undefined {
    return this.#executor.build;
  }

  /** Whether it lives on this process (not placed on another member of a cluster). */
  get here(): boolean {
    return this.#executor.elsewhere !== true;
  }

  #makeExecutor(): Executor {
    const mode = this.options.mode;
    if (mode === 'threaded') return this.owner.threaded(this);
    return mode === 'async' ? new AsyncExecutor(this.groups) : new SyncExecutor();
  }

  #to(type: LifecycleEvent['type']): void {
    const from = this.snapshot.value as string;
    this.snapshot = nextLifecycle(this.snapshot, type);
    const to = this.snapshot.value as string;
    if (from !== to || type === 'CRASH') {
      if (events.listenerCount('actor:state') > 0) events.emit('actor:state', { actorId: this.id, className: this.className, from, to });
    }
  }

  #construct(): void {
    if (this.state === 'dead') return;
    if (!this.#admitted) {
      this.#admitted = true;
      const gate = this.owner.admit?.(this);
      if (gate !== undefined) {
        gate.then(
          () => this.#construct(),
          (e: unknown) => this.state !== 'dead' && this.die(e instanceof ActorDiedError ? e : new ActorDiedError(this, 'it could not be admitted', e)),
        );
        return;
      }
    }
    const executor = this.#executor;
    let started: void | Promise<void>;
    try {
      started = executor.start(this.info, this.args);
    } catch (e) {
      this.crash('its constructor threw', e);
      return;
    }
    if (started === undefined) this.#ready();
    else {
      started.then(
        () => executor === this.#executor && this.state !== 'dead' && this.#ready(),
        (e: unknown) => {
          if (executor !== this.#executor || this.state === 'dead') return;
          if (e instanceof DefinitionNotFoundError) this.die(new ActorDiedError(this, 'its class could not be found in the worker', e));
          else this.crash('its constructor threw', e);
        },
      );
    }
  }

  #ready(): void {
    this.#to('READY');
    this.owner.built?.(this);
  }

  /** How it died, once it has. */
  get death(): ActorDiedError | undefined {
    return this.#death;
  }

  /** The worker this actor lived on died (A7); `ran`: the call whose code ran there last, if known. */
  workerDied(cause: Error, ran?: string): void {
    if (this.state !== 'dead') this.crash(ran === undefined ? 'its worker died' : `its worker died while it ran ${ran}`, cause);
  }

  /** A call through the handle: never throws for a dead actor (the output rejects); throws TypeError for bad arguments. */
  /** `resume`: for a call served for another member, the attempt it is (wire/calls.ts resumeFromWire). */
  call(method: MethodInfo, args: unknown[], call: ResolvedCall, resume?: (task: Task) => void): ObjectRef<unknown> | ObjectRefGenerator {
    const where = () => `${this.className}.${method.name}`;
    const hasRefs = checkArgs(args, where);
    if (this.#executor.check !== undefined) args = this.#executor.check(args, where);
    if (this.#death !== undefined) return deadOutput(method, this.#death);
    const task = new Task(this, method, args, call, hasRefs);
    resume?.(task);
    if (!task.settledOutput) this.#executor.submit(task); // settled: its signal was already aborted
    return task.output();
  }

  withdraw(task: Task): void {
    this.#executor.remove(task);
  }

  cancelRunning(task: Task, force: boolean, recursive: boolean): void {
    this.#executor.cancelRunning?.(task, force, recursive);
  }

  actorInfo(): ActorInfo {
    return {
      id: this.id,
      name: this.name,
      className: this.className,
      mode: this.options.mode ?? 'sync',
      state: this.state,
      queued: this.queued,
      running: this.running,
      restarts: this.restarts,
      ...(this.owner.memberName === undefined ? {} : this.#executor.elsewhere !== true ? { node: this.owner.memberName } : this.#executor.node !== undefined ? { node: this.#executor.node } : {}),
    };
  }

  /** kill(): dies now, or restarts when allowed and asked for (A8). */
  kill(noRestart: boolean): void {
    if (this.state === 'dead') return;
    if (!noRestart && this.restarts < (this.options.maxRestarts ?? 0)) this.#restart('it was killed', undefined);
    else this.die(new ActorDiedError(this, 'it was killed'));
  }

  /** The actor failed (its constructor threw): restart if allowed, else die with the cause (A6, A7). */
  crash(reason: string, cause: unknown): void {
    if (this.restarts < (this.options.maxRestarts ?? 0)) this.#restart(reason, cause);
    else this.die(new ActorDiedError(this, this.restarts > 0 ? `${reason} (after ${this.restarts} restart(s))` : reason, cause));
  }

  die(error: ActorDiedError): void {
    if (this.#death !== undefined) return;
    this.#death = error;
    this.#to('DIE');
    this.owner.dying?.(this, error);
    const { queued, running } = this.#executor.close();
    this.#executor.dispose?.();
    for (const t of running) t.stop(error);
    for (const t of queued) t.stop(error);
    this.owner.released(this);
    this.owner.creatorGone(this.id, actorLabel(this));
  }

  #restart(reason: string, cause: unknown): void {
    this.restarts++;
    this.owner.creatorGone(this.id, actorLabel(this)); // its instance is gone, and with it what it created
    const { queued, running } = this.#executor.close();
    const retried: Task[] = [];
    const error = new ActorDiedError(this, `${reason}; the actor restarts`, cause, false);
    for (const t of running) {
      if (t.attempt < t.call.maxTaskRetries && !t.call.transfer) {
        t.retryAfterRestart();
        retried.push(t);
      } else if (t.attempt < t.call.maxTaskRetries) {
        t.stop(new ActorDiedError(this, `${reason}; the call moved its buffers to the instance that died (transfer: true), so it cannot run again`, cause));
      } else t.stop(error);
    }
    this.#executor.dispose?.();
    this.#executor = this.#makeExecutor();
    for (const t of retried) this.#executor.submit(t);
    for (const t of queued) this.#executor.submit(t);
    // Announced once the new mailbox is in place: a listener's calls queue for the rebuilt actor (A7).
    this.#to('CRASH');
    // Build only for this executor: a later restart (a crash during the back-off) replaces it.
    const executor = this.#executor;
    const build = () => executor === this.#executor && this.#construct();
    const delay = restartDelay(this.restarts);
    if (delay === 0) microtask(build);
    else setTimeout(build, delay);
  }

  toString(): string {
    return actorLabel(this);
  }
}

function deadOutput(method: MethodInfo, error: ActorDiedError): ObjectRef<unknown> | ObjectRefGenerator {
  if (!method.stream) return refs.failed(error);
  const core = new StreamCore({ cancel() {} }, Infinity);
  core.end({ e: error });
  return streams.create(core);
}
