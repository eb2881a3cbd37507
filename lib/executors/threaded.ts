// The threaded executor (A3): the main thread's side of an actor that lives on a pool worker. Calls
// queue here until the worker has built the actor, leave in submission order (a call whose ref arguments
// are still resolving holds back the ones behind it: A1, A11), and settle from the worker's replies.
import type { ClassInfo } from '../model/class-info.js';
import type { ActorCore } from '../actor-core.js';
import { DefinitionNotFoundError, TroupeError } from '../errors.js';
import { Fifo } from '../fifo.js';
import type { Task } from '../task.js';
import type { Pool, Tenant, WorkerSlot } from '../threaded/pool.js';
import { checkWireArgs, SentCall, sendCall } from '../wire/calls.js';
import { copyArgs, moveBuffers, type HandleCodec } from '../wire/codec.js';
import { stopCredit } from '../wire/credit.js';
import { refArgsOf, type RefArgs } from '../wire/ref-cache.js';
import type { Executor } from './executor.js';

let incarnations = 0;

export class ThreadedExecutor implements Executor, Tenant {
  /** This build of the actor on its worker: a restart's executor never shares messages with the last one. */
  readonly #wid: string;
  readonly #waiting = new Fifo<Task>();
  /** The ref arguments of calls that have them, recorded before they resolve (ref-cache.ts). */
  readonly #refArgs = new WeakMap<Task, RefArgs>();
  /** Calls sent and not yet answered (their entries live in the slot's endpoint). */
  #running = 0;
  #preparing: Task | undefined = undefined;
  #slot: WorkerSlot | undefined = undefined;
  #open = false;
  #closed = false;

  constructor(
    readonly core: ActorCore,
    readonly pool: Pool,
    readonly wire: HandleCodec,
    readonly module: string | undefined,
  ) {
    this.#wid = `${core.id}.${incarnations++}`;
  }

  get running(): number {
    return this.#running;
  }
  get queued(): number {
    return this.#waiting.size + (this.#preparing ? 1 : 0);
  }

  check(args: unknown[], where: () => string): unknown[] {
    return checkWireArgs(args, where, this.wire);
  }

  start(info: ClassInfo, args: unknown[]): Promise<void> {
    if (this.module === undefined) {
      return Promise.reject(new DefinitionNotFoundError(`cannot tell which module defines ${info.className}: pass module: import.meta.url to @actor`));
    }
    const o = this.core.options;
    const slot = (this.#slot = this.pool.place(o.dedicated ?? false, o.resourceLimits));
    slot.tenants.add(this);
    let wireArgs: unknown[];
    try {
      wireArgs = checkWireArgs(args, () => `${info.className} constructor`, this.wire);
    } catch (e) {
      return Promise.reject(e);
    }
    return slot
      .create(this.#wid, this.module, info.className, wireArgs, {
        id: this.core.id,
        ...(o.maxConcurrency !== undefined ? { maxConcurrency: o.maxConcurrency } : {}),
        ...(o.concurrencyGroups !== undefined ? { groups: o.concurrencyGroups } : {}),
      })
      .then(() => {
        if (this.#closed) return;
        this.#open = true;
        this.#pump();
      });
  }

  submit(task: Task): void {
    if (task.hasRefArgs) {
      const refs = refArgsOf(task.args);
      if (refs !== undefined) this.#refArgs.set(task, refs);
    }
    const now = this.#open && this.#preparing === undefined && this.#waiting.size === 0;
    // It leaves later: carry the values of the call (with transfer, its buffers are moved now). A call
    // submitted again after a restart carries what it carried the first time.
    if (!now && task.attempt === 0) {
      if (task.call.transfer) moveBuffers(task.args);
      else copyArgs(task.args);
    }
    this.#waiting.push(task);
    if (now) this.#pump();
  }

  remove(task: Task): boolean {
    // A call waiting for its ref arguments stops waiting when stopped, and the queue moves on then.
    return task === this.#preparing || this.#waiting.remove(task);
  }

  #pump(): void {
    while (this.#open && this.#preparing === undefined) {
      const task = this.#waiting.shift();
      if (task === undefined) return;
      if (task.settledOutput) continue;
      if (!task.hasRefArgs) {
        this.#send(task);
        continue;
      }
      this.#preparing = task;
      void task.resolveArgs().then((ok) => {
        if (this.#preparing !== task) return; // closed meanwhile
        this.#preparing = undefined;
        if (ok && this.#open) this.#send(task);
        this.#pump();
      });
    }
  }

  #send(task: Task): void {
    const slot = this.#slot!;
    const id = sendCall(slot.endpoint, slot, task, { aid: this.#wid, m: task.method }, this, this.#refArgs.get(task));
    if (id !== undefined) this.#running++;
  }

  sentDone(): void {
    this.#running--;
  }

  /** This actor's calls in flight on its worker, by call id. */
  #inFlight(): Map<number, Task> {
    const out = new Map<number, Task>();
    for (const [id, c] of this.#slot?.endpoint.calls ?? []) if (c instanceof SentCall && c.owner === this) out.set(id, c.task);
    return out;
  }

  cancelRunning(task: Task, force: boolean, recursive: boolean): void {
    const slot = this.#slot;
    let id: number | undefined;
    for (const [k, t] of this.#inFlight()) if (t === task) id = k;
    if (id === undefined || slot === undefined) return;
    slot.cancelCall(id, force, recursive, () => new TroupeError(`the worker was ended by cancel(ref, { force: true }) of ${this.core.className}.${task.method}`));
  }

  workerDied(cause: Error, ran: string | undefined): void {
    this.core.workerDied(cause, ran);
  }

  close(): { queued: Task[]; running: Task[] } {
    this.#open = false;
    this.#closed = true;
    const queued = this.#waiting.drain();
    if (this.#preparing !== undefined) queued.unshift(this.#preparing);
    this.#preparing = undefined;
    const inFlight = this.#inFlight();
    const running = [...inFlight.values()];
    const slot = this.#slot;
    if (slot !== undefined) {
      for (const [id, t] of inFlight) {
        slot.endpoint.forget(id);
        stopCredit(t.core);
      }
    }
    this.#running = 0;
    return { queued, running };
  }

  dispose(): void {
    const slot = this.#slot;
    if (slot === undefined) return;
    slot.tenants.delete(this);
    if (slot.dead) return;
    slot.cancelCreate(this.#wid);
    slot.send({ t: 'release', aid: this.#wid });
    if (slot.dedicated && slot.tenants.size === 0) void slot.terminate(new TroupeError(`${this.core.className}'s dedicated worker was released`));
  }
}
