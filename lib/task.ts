// Task: one call of an actor method or remote function, from submission to its single settlement. It
// resolves ref arguments (A11), runs attempts (retries: G12), drives a generator into its stream, and
// settles its output exactly once, whichever of success, error, cancel or death comes first.
import { runAs, runningTask, type ContextSource } from './context.js';
import { pacing } from './pacing.js';
import { TaskCancelledError, TaskError, TaskTimeoutError, type TaskSite } from './errors.js';
import { events } from './events.js';
import type { Callable } from './model/class-info.js';
import { isRetryable, type ResolvedCall } from './model/options.js';
import { ObjectRef, refs, type Cancellable } from './ref.js';
import { ObjectRefGenerator, StreamCore, streams } from './stream.js';

/** Where a task runs: an actor or the remote-function host. */
export interface TaskHost {
  readonly actorId: string | undefined;
  readonly className: string | undefined;
  /** Called once, when the task's output has settled. */
  settled?(task: Task): void;
  /** A queued task was stopped: take it out of the queue. */
  withdraw?(task: Task): void;
  /** A running task was cancelled (a worker is told to abort it; `force` may end the worker; `recursive`:
   *  what it submitted there is cancelled too). */
  cancelRunning?(task: Task, force: boolean, recursive: boolean): void;
  /** The task threw and is about to run again (attempt already counted): a worker tells the caller's
   *  side, which keeps the one attempt count that restarts also use (A7, G12). */
  retrying?(task: Task): void;
}

let nextTaskId = 1;
const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
export const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as PromiseLike<unknown>).then === 'function';

/** Throws a TypeError if an argument cannot be passed (a stream, G13); tells whether any argument is a ref. */
export function checkArgs(args: readonly unknown[], where: () => string): boolean {
  let hasRefs = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof ObjectRef) hasRefs = true;
    else if (a instanceof ObjectRefGenerator) {
      throw new TypeError(`${where()}: argument ${i} is an ObjectRefGenerator; a stream cannot be passed to another call (pass its refs or values instead)`);
    }
  }
  return hasRefs;
}

export class Task implements ContextSource, Cancellable, TaskSite {
  readonly id = nextTaskId++;
  attempt = 0;
  /** Stopped by cancel or death: the running code's later output is ignored and a stream stops at its next yield. */
  stopped = false;
  running = false;
  settledOutput = false;
  readonly ref: ObjectRef<unknown> | undefined;
  readonly core: StreamCore | undefined;
  #controller: AbortController | undefined = undefined;
  /** The task that submitted this one (G11: a recursive cancel of it reaches this one). */
  readonly #parent: ContextSource | undefined;
  /** Calls and tasks this one submitted that have not settled. */
  #children: Set<Cancellable> | undefined = undefined;
  #unblock: (() => void) | undefined = undefined;
  #startedAt = 0;
  /** Undoes the call's signal listener and timeout timer (set by #limit). */
  #unlimit: (() => void) | undefined = undefined;

  constructor(
    readonly host: TaskHost,
    readonly callable: Callable,
    readonly args: unknown[],
    readonly call: ResolvedCall,
    readonly hasRefArgs: boolean,
  ) {
    this.#parent = runningTask();
    this.#parent?.adopt(this);
    if (callable.stream) {
      this.ref = undefined;
      this.core = new StreamCore(this, call.backpressure);
    } else {
      this.ref = refs.create(this);
      this.core = undefined;
    }
    if (call.signal !== undefined || call.timeout !== undefined) this.#limit(call.signal, call.timeout);
  }

  /** The call's `signal` and `timeout` (issue 11): either cancels it, as cancel() does. An already-aborted
   *  signal settles the task now (its caller then does not submit it: `settledOutput`). */
  #limit(signal: AbortSignal | undefined, timeout: number | undefined): void {
    if (signal?.aborted) {
      this.stopped = true;
      this.fail(new TaskCancelledError(this, 'its signal was already aborted', signal.reason));
      return;
    }
    const onAbort = () => this.cancel(false, true, new TaskCancelledError(this, 'its signal aborted', signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = timeout === undefined ? undefined : setTimeout(() => this.cancel(false, true, new TaskTimeoutError(this, timeout)), timeout);
    this.#unlimit = () => {
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
    };
  }

  get actorId(): string | undefined {
    return this.host.actorId;
  }
  get className(): string | undefined {
    return this.host.className;
  }
  get method(): string {
    return this.callable.name;
  }
  get taskId(): number {
    return this.id;
  }

  /** What `.remote()` returns. */
  output(): ObjectRef<unknown> | ObjectRefGenerator {
    return this.ref ?? streams.create(this.core!);
  }

  signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.stopped && !this.#controller.signal.aborted) this.#controller.abort(new TaskCancelledError(this));
    return this.#controller.signal;
  }

  /** cancel(ref): a queued call never runs; a running one has its signal aborted; either rejects at once,
   *  with `error` if given (a signal's or a timeout's); `recursive` (the default) cancels the calls and tasks
   *  it submitted that have not settled (G11). */
  cancel(force: boolean, recursive = true, error?: Error): void {
    if (this.settledOutput) return;
    const wasRunning = this.running;
    const children = recursive ? this.#children : undefined;
    this.#children = undefined;
    this.stop(error ?? new TaskCancelledError(this));
    if (wasRunning) this.host.cancelRunning?.(this, force, recursive);
    if (children !== undefined) for (const c of children) c.cancel(force, true);
  }

  adopt(child: Cancellable): void {
    (this.#children ??= new Set()).add(child);
  }

  disown(child: Cancellable): void {
    this.#children?.delete(child);
  }

  /** Ends the task from outside (cancel, kill): the output fails with `error` now. */
  stop(error: Error): void {
    if (this.settledOutput) return;
    this.stopped = true;
    this.#controller?.abort(error);
    this.#unblock?.();
    if (!this.running) this.host.withdraw?.(this);
    this.fail(error);
  }

  /** Runs the task on `target` (the actor instance, or undefined). Resolves when the code has finished,
   *  which may be after the output settled (a cancelled call still holds its slot until it returns). */
  run(target: unknown): Promise<void> | undefined {
    if (this.settledOutput) return undefined;
    this.markRunning();
    if (this.hasRefArgs) return this.#runAfterArgs(target);
    return runAs(this, attemptOnce, this, target);
  }

  /** Makes the task runnable again after its actor restarted (A7 maxTaskRetries). */
  retryAfterRestart(): void {
    this.attempt++;
    this.running = false;
  }

  async #runAfterArgs(target: unknown): Promise<void> {
    if (await this.resolveArgs()) return runAs(this, attemptOnce, this, target);
  }

  /** Replaces ref arguments by their values (A11). False if one rejected (the task then failed with its
   *  error) or the task was stopped meanwhile. */
  async resolveArgs(): Promise<boolean> {
    const args = this.args;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (!(a instanceof ObjectRef)) continue;
      // Stops waiting as soon as the task is stopped: a cancelled call must not hold its actor (A11).
      const got = await new Promise<{ ok: boolean; v: unknown } | undefined>((resolve) => {
        this.#unblock = () => resolve(undefined);
        a.then(
          (v) => resolve({ ok: true, v }),
          (e: unknown) => resolve({ ok: false, v: e }),
        );
      });
      this.#unblock = undefined;
      if (got === undefined || this.stopped) return false;
      if (!got.ok) {
        this.fail(got.v);
        return false;
      }
      args[i] = got.v;
    }
    return true;
  }

  /** Marks the task started (for executors that run it elsewhere). */
  markRunning(): void {
    this.running = true;
    if (events.listenerCount('task:start') > 0 || events.listenerCount('task:end') > 0) this.#emitStart();
  }

  /** One attempt; returns a promise only when the code is asynchronous. */
  attempt1(target: unknown): Promise<void> | undefined {
    const attempt = this.attempt;
    let result: unknown;
    try {
      result = this.callable.fn.apply(target, this.args);
    } catch (e) {
      return this.#failed(e, target, attempt);
    }
    if (this.core !== undefined) return this.#pump(result as Iterator<unknown> | AsyncIterator<unknown>, target, attempt);
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (v) => {
          if (attempt === this.attempt) this.succeed(v);
        },
        (e) => this.#failed(e, target, attempt),
      );
    }
    // A method that killed (and restarted) its own actor has had its attempt taken back: its value is the
    // killed instance's, not the call's outcome (A8).
    if (attempt === this.attempt) this.succeed(result);
    return undefined;
  }

  #failed(error: unknown, target: unknown, attempt: number): Promise<void> | undefined {
    if (attempt !== this.attempt || this.stopped) return undefined;
    if (this.attempt < this.call.maxRetries && isRetryable(this.call, error)) {
      this.attempt++;
      this.host.retrying?.(this);
      return runAs(this, attemptOnce, this, target);
    }
    this.fail(new TaskError(this, error));
    return undefined;
  }

  /** Drives a generator into the stream; items an earlier attempt delivered are skipped (G12). A step
   *  whose synchronous part (all of a sync generator's step; an async generator's code up to its first
   *  await) kept the thread busy (lib/pacing.ts) is followed by a macrotask yield, so the consumer runs before the
   *  producer blocks the thread on its next item (G2). Time a step spends awaiting is not work: a producer
   *  paced by timers or I/O goes on at microtask pace, as a local generator would (issue 11: the yield
   *  cost a paced stream 0.4-1 ms an item). */
  async #pump(gen: Iterator<unknown> | AsyncIterator<unknown>, target: unknown, attempt: number): Promise<void> {
    const core = this.core!;
    const skip = core.produced;
    let index = 0;
    const pace = pacing.producer(); // lib/pacing.ts: when the event loop must turn
    try {
      for (;;) {
        // Only a step the consumer is waiting for is timed: a busy consumer gains nothing from a yield, and
        // a consumer cannot start waiting in the middle of a synchronous step.
        pace.stepStarts(core.waiting);
        const next = runAs(this, step1, gen, undefined);
        const busy = pace.stepWasBusy();
        const step = await next;
        if (attempt !== this.attempt) return;
        if (this.stopped) {
          await gen.return?.();
          return;
        }
        if (step.done) {
          this.succeed(step.value);
          return;
        }
        if (index++ < skip) {
          // Past what an earlier attempt delivered: items delivered and not taken still fill the window (G10).
          if (index === skip && core.produced - core.taken >= core.backpressure) {
            await core.credit();
            if (this.stopped) {
              await gen.return?.();
              return;
            }
          }
          continue;
        }
        if (core.push(step.value)) {
          await core.credit();
          if (this.stopped) {
            await gen.return?.();
            return;
          }
          pace.turned();
        } else if (busy) {
          await macrotask();
          pace.turned();
        } else if (pace.itemMade()) {
          await macrotask();
          pace.turned();
          if (this.stopped) {
            await gen.return?.();
            return;
          }
        }
      }
    } catch (e) {
      return this.#failed(e, target, attempt);
    }
  }

  /** Settles the output with a value (a stream ends with `value` as its return value). */
  succeed(value: unknown): void {
    if (this.settledOutput) return;
    this.settledOutput = true;
    if (this.ref !== undefined) refs.resolve(this.ref, value);
    else this.core!.end(undefined, value);
    this.#finish(true);
  }

  /** Settles the output with an error (a stream gets it as its last item). */
  fail(error: unknown): void {
    if (this.settledOutput) return;
    this.settledOutput = true;
    if (this.ref !== undefined) refs.reject(this.ref, error);
    else this.core!.end({ e: error });
    this.#finish(false);
  }

  #finish(ok: boolean): void {
    this.#parent?.disown(this);
    if (this.#unlimit !== undefined) {
      this.#unlimit();
      this.#unlimit = undefined;
    }
    this.host.settled?.(this);
    if (this.#startedAt !== 0 && events.listenerCount('task:end') > 0) {
      events.emit('task:end', { taskId: this.id, actorId: this.actorId, method: this.method, ok, ms: performance.now() - this.#startedAt });
    }
  }

  #emitStart(): void {
    this.#startedAt = performance.now();
    events.emit('task:start', { taskId: this.id, actorId: this.actorId, method: this.method, attempt: this.attempt });
  }
}

function step1(gen: Iterator<unknown> | AsyncIterator<unknown>): IteratorResult<unknown> | Promise<IteratorResult<unknown>> {
  return gen.next();
}

function attemptOnce(task: Task, target: unknown): Promise<void> | undefined {
  return task.attempt1(target);
}
