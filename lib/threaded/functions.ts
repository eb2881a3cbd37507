// Threaded remote functions: each call goes to the least loaded pool worker, which imports the function's
// module and runs it there, or, in a cluster, to another member that defines it (the router,
// cluster/cluster.ts). A call whose worker or member dies is run again while `maxRetries` allows (a stream
// skips what it already delivered, G12), else it fails with WorkerCrashedError.
import { ChurnMap } from '../churn.js';
import { WorkerCrashedError } from '../errors.js';
import { checkWireArgs, sendCall } from '../wire/calls.js';
import { copyArgs, moveBuffers, type HandleCodec } from '../wire/codec.js';
import { refArgsOf, type RefArgs } from '../wire/ref-cache.js';
import type { Task } from '../task.js';
import type { Pool, WorkerSlot } from './pool.js';
import type { Location } from '../model/definitions.js';
import type { Endpoint } from '../wire/endpoint.js';
import type { Msg } from '../wire/protocol.js';
import type { RefHolder } from '../wire/ref-cache.js';

/** Another process that runs threaded functions: a member of the cluster (cluster/peer.ts). */
export interface FunctionRunner extends RefHolder {
  readonly endpoint: Endpoint;
  /** The functions it has been told of (FunctionMsg), by number. */
  readonly functions: Set<number>;
  /** Calls of functions this process has in flight there. */
  inFlight: number;
  send(m: Msg): void;
}

/** Chooses where each call of a threaded function runs, in a cluster. */
export interface FunctionRouter {
  /** The member for the next call of `at`, and the key of the function's module there (FunctionMsg.url);
   *  undefined: this process's pool.
   *  `local`: the calls of functions in flight on this process's pool now. */
  route(at: Location, local: number): { readonly runner: FunctionRunner; readonly module: string } | undefined;
}

/** A call in flight: on a worker of this pool (`slot`), or on another member (`runner`). */
type InFlight = { readonly slot: WorkerSlot; readonly runner?: undefined; id: number } | { readonly slot?: undefined; readonly runner: FunctionRunner; id: number };

export class ThreadedFunctions {
  /** One per call: a ChurnMap (churn.ts). */
  readonly #inFlight = new ChurnMap<Task, InFlight>();
  /** In a cluster: where calls go (undefined: always this process's pool). */
  router: FunctionRouter | undefined = undefined;
  #local = 0;
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

  /** Sends `task` to run `at`; `here`: on this process's pool, never elsewhere (a node serving a member). */
  submit(task: Task, at: Location, here = false): void {
    if (task.hasRefArgs) {
      const refs = refArgsOf(task.args);
      if (refs !== undefined) this.#refArgs.set(task, refs);
      // It leaves once its refs resolve: carry the values of the call (moved now, with transfer).
      if (task.call.transfer) moveBuffers(task.args);
      else copyArgs(task.args);
      void task.resolveArgs().then((ok) => ok && this.#send(task, at, here));
    }
    else this.#send(task, at, here);
  }

  #send(task: Task, at: Location, here: boolean): void {
    if (task.settledOutput) return;
    const routed = here || this.router === undefined ? undefined : this.router.route(at, this.#local);
    // Counted from before it is sent: a call to a member already gone is lost (and maybe sent again) at once.
    const entry: InFlight = routed === undefined ? { slot: this.pool().forTask(), id: -1 } : { runner: routed.runner, id: -1 };
    this.#inFlight.set(task, entry);
    if (entry.runner !== undefined) entry.runner.inFlight++;
    else this.#local++;
    const done = () => {
      if (this.#inFlight.get(task) !== entry) return;
      this.#inFlight.delete(task);
      if (entry.runner !== undefined) entry.runner.inFlight--;
      else this.#local--;
    };
    const owner = {
      sentDone: done,
      callLost: (cause: Error, ran: string | undefined) => {
        done();
        if (task.settledOutput) return;
        if (task.attempt < task.call.maxRetries && !task.call.transfer) {
          task.attempt++;
          this.#send(task, at, here);
        } else if (task.attempt < task.call.maxRetries) {
          task.fail(new WorkerCrashedError(task, cause, ran, 'the call moved its buffers to that worker (transfer: true), so it cannot run again'));
        } else task.fail(new WorkerCrashedError(task, cause, ran));
      },
    };
    let fid = this.#fids.get(at);
    if (fid === undefined) this.#fids.set(at, (fid = this.#fids.size + 1));
    const to = entry.slot ?? entry.runner;
    if (!to.functions.has(fid)) {
      to.functions.add(fid);
      // A member finds the function by its key there (cluster/module-key.ts), a worker by its module's URL.
      if (routed !== undefined) routed.runner.send({ t: 'function', fid, url: routed.module, fn: at.name });
      else {
        entry.slot!.modules.add(at.url);
        entry.slot!.send({ t: 'function', fid, url: at.url, fn: at.name });
      }
    }
    const id = sendCall(to.endpoint, to, task, { fid }, owner, this.#refArgs.get(task));
    if (id === undefined) done();
    else entry.id = id;
  }

  cancelRunning(task: Task, force: boolean, recursive: boolean): void {
    const f = this.#inFlight.get(task);
    if (f === undefined) return;
    // Forcing ends a worker of this process's pool; on another member a cancel is what there is.
    if (f.slot !== undefined) f.slot.cancelCall(f.id, force, recursive, () => new WorkerCrashedError(task, 'ended by cancel(ref, { force: true })'));
    else f.runner.endpoint.cancel(f.id, recursive);
  }
}
