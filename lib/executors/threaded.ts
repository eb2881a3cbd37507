// The threaded executor (A3): the main thread's side of an actor that lives on a pool worker. It places the
// actor on a worker, builds it there, and sends its calls through that worker's endpoint (the queue and the
// order of calls are remote.ts's); a ref argument's value crosses to a worker once (ref-cache.ts).
import type { ClassInfo } from '../model/class-info.js';
import type { ActorCore } from '../actor-core.js';
import { DefinitionNotFoundError, TroupeError } from '../errors.js';
import type { Task } from '../task.js';
import type { Pool, Tenant, WorkerSlot } from '../threaded/pool.js';
import { checkWireArgs } from '../wire/calls.js';
import type { HandleCodec } from '../wire/codec.js';
import { RemoteExecutor } from './remote.js';

export class ThreadedExecutor extends RemoteExecutor implements Tenant {
  #slot: WorkerSlot | undefined = undefined;

  constructor(
    core: ActorCore,
    readonly pool: Pool,
    wire: HandleCodec,
    readonly module: string | undefined,
  ) {
    super(core, wire);
  }

  protected link(): WorkerSlot | undefined {
    return this.#slot;
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
      .create(this.wid, this.module, info.className, wireArgs, {
        id: this.core.id,
        ...(o.maxConcurrency !== undefined ? { maxConcurrency: o.maxConcurrency } : {}),
        ...(o.concurrencyGroups !== undefined ? { groups: o.concurrencyGroups } : {}),
      })
      .then(() => this.opened());
  }

  cancelRunning(task: Task, force: boolean, recursive: boolean): void {
    const slot = this.#slot;
    const id = this.idOf(task);
    if (id === undefined || slot === undefined) return;
    slot.cancelCall(id, force, recursive, () => new TroupeError(`the worker was ended by cancel(ref, { force: true }) of ${this.core.className}.${task.method}`));
  }

  workerDied(cause: Error, ran: string | undefined): void {
    this.core.workerDied(cause, ran);
  }

  dispose(): void {
    const slot = this.#slot;
    if (slot === undefined) return;
    slot.tenants.delete(this);
    if (slot.dead) return;
    slot.cancelCreate(this.wid);
    slot.send({ t: 'release', aid: this.wid });
    if (slot.dedicated && slot.tenants.size === 0) void slot.terminate(new TroupeError(`${this.core.className}'s dedicated worker was released`));
  }
}
