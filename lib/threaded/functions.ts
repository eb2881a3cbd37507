// Threaded remote functions: each call goes to the least loaded pool worker, which imports the function's
// module and runs it there. A call whose worker dies is run again while `maxRetries` allows (a stream
// skips what it already delivered, G12), else it fails with WorkerCrashedError.
import { WorkerCrashedError } from '../errors.js';
import { checkWireArgs, sendCall } from '../wire/calls.js';
import { copyArgs, moveBuffers, type HandleCodec } from '../wire/codec.js';
import { refArgsOf, type RefArgs } from '../wire/ref-cache.js';
import type { Task } from '../task.js';
import type { Pool, WorkerSlot } from './pool.js';
import type { Location } from '../model/definitions.js';

export class ThreadedFunctions {
  readonly #inFlight = new Map<Task, { slot: WorkerSlot; id: number }>();
  /** The ref arguments of calls that have them, recorded before they resolve (ref-cache.ts). */
  readonly #refArgs = new WeakMap<Task, RefArgs>();
  /** Each function's number in calls (FunctionMsg tells a worker once). */
  readonly #fids = new Map<Location, number>();

  constructor(
    readonly pool: () => Pool,
    readonly wire: HandleCodec,
  ) {}

  /** Throws SerializationError now for an argument that cannot cross; returns the arguments to send. */
  check(args: unknown[], where: () => string): unknown[] {
    return checkWireArgs(args, where, this.wire);
  }

  submit(task: Task, at: Location): void {
    if (task.hasRefArgs) {
      const refs = refArgsOf(task.args);
      if (refs !== undefined) this.#refArgs.set(task, refs);
      // It leaves once its refs resolve: carry the values of the call (moved now, with transfer).
      if (task.call.transfer) moveBuffers(task.args);
      else copyArgs(task.args);
      void task.resolveArgs().then((ok) => ok && this.#send(task, at));
    }
    else this.#send(task, at);
  }

  #send(task: Task, at: Location): void {
    if (task.settledOutput) return;
    const slot = this.pool().forTask();
    const owner = {
      sentDone: () => this.#inFlight.delete(task),
      callLost: (cause: Error, ran: string | undefined) => {
        this.#inFlight.delete(task);
        if (task.settledOutput) return;
        if (task.attempt < task.call.maxRetries && !task.call.transfer) {
          task.attempt++;
          this.#send(task, at);
        } else if (task.attempt < task.call.maxRetries) {
          task.fail(new WorkerCrashedError(task, cause, ran, 'the call moved its buffers to that worker (transfer: true), so it cannot run again'));
        } else task.fail(new WorkerCrashedError(task, cause, ran));
      },
    };
    let fid = this.#fids.get(at);
    if (fid === undefined) this.#fids.set(at, (fid = this.#fids.size + 1));
    if (!slot.functions.has(fid)) {
      slot.functions.add(fid);
      slot.modules.add(at.url);
      slot.send({ t: 'function', fid, url: at.url, fn: at.name });
    }
    const id = sendCall(slot.endpoint, slot, task, { fid }, owner, this.#refArgs.get(task));
    if (id !== undefined) this.#inFlight.set(task, { slot, id });
  }

  cancelRunning(task: Task, force: boolean, recursive: boolean): void {
    const f = this.#inFlight.get(task);
    if (f !== undefined) f.slot.cancelCall(f.id, force, recursive, () => new WorkerCrashedError(task, 'ended by cancel(ref, { force: true })'));
  }
}
