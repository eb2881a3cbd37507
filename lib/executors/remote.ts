// What every executor of an actor that lives across a link shares (a pool worker: threaded.ts; another
// member of a cluster: clustered.ts): calls queue here until the actor has been built there, leave in
// submission order (a call whose ref arguments are still resolving holds back the ones behind it: A1, A11),
// and settle from what the link's endpoint receives. A subclass builds the actor and says where calls go.
import type { ClassInfo } from '../model/class-info.js';
import type { ActorCore } from '../actor-core.js';
import { Fifo } from '../fifo.js';
import type { Task } from '../task.js';
import { checkWireArgs, SentCall, sendCall, type CallOwner } from '../wire/calls.js';
import { copyArgs, moveBuffers, type HandleCodec } from '../wire/codec.js';
import { stopCredit } from '../wire/credit.js';
import type { Endpoint } from '../wire/endpoint.js';
import { refArgsOf, type RefArgs, type RefHolder } from '../wire/ref-cache.js';
import type { Executor } from './executor.js';

let incarnations = 0;

export abstract class RemoteExecutor implements Executor, CallOwner {
  /** This build of the actor where it lives: a restart's executor never shares messages with the last one. */
  readonly wid: string;
  readonly #waiting = new Fifo<Task>();
  /** Calls sent and not yet answered (their entries live in the link's endpoint). */
  #running = 0;
  #preparing: Task | undefined = undefined;
  #open = false;
  protected closed = false;

  constructor(
    readonly core: ActorCore,
    readonly wire: HandleCodec,
  ) {
    this.wid = `${core.id}.${incarnations++}`;
  }

  abstract start(info: ClassInfo, args: unknown[]): Promise<void>;
  /** The link calls go through, once the actor is placed. */
  protected abstract link(): (RefHolder & { readonly endpoint: Endpoint }) | undefined;
  /** The ref arguments to send as markers, which the other side keeps (ref-cache.ts); undefined: values. */
  /** The ref arguments of calls that have them, recorded before they resolve: each ref's value crosses
   *  to the actor's side once (ref-cache.ts). */
  readonly #refArgs = new WeakMap<Task, RefArgs>();

  #refArgsOf(task: Task): RefArgs | undefined {
    return this.#refArgs.get(task);
  }
  /** A queued call records its ref arguments before they resolve. */
  #noteQueued(task: Task): void {
    if (task.hasRefArgs) {
      const refs = refArgsOf(task.args);
      if (refs !== undefined) this.#refArgs.set(task, refs);
    }
  }
  abstract cancelRunning(task: Task, force: boolean, recursive: boolean): void;
  abstract dispose(): void;

  get running(): number {
    return this.#running;
  }
  get queued(): number {
    return this.#waiting.size + (this.#preparing ? 1 : 0);
  }

  check(args: unknown[], where: () => string): unknown[] {
    return checkWireArgs(args, where, this.wire);
  }

  /** The actor is built there: queued calls leave. */
  protected opened(): void {
    if (this.closed) return;
    this.#open = true;
    this.#pump();
  }

  submit(task: Task): void {
    this.#noteQueued(task);
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
    const l = this.link()!;
    const id = sendCall(l.endpoint, l, task, { aid: this.wid, m: task.method }, this, this.#refArgsOf(task));
    if (id !== undefined) this.#running++;
  }

  sentDone(): void {
    this.#running--;
  }

  /** This actor's calls in flight, by call id. */
  protected inFlight(): Map<number, Task> {
    const out = new Map<number, Task>();
    for (const [id, c] of this.link()?.endpoint.calls ?? []) if (c instanceof SentCall && c.owner === this) out.set(id, c.task);
    return out;
  }

  /** The call id of `task`, if it is in flight. */
  protected idOf(task: Task): number | undefined {
    for (const [k, t] of this.inFlight()) if (t === task) return k;
    return undefined;
  }

  close(): { queued: Task[]; running: Task[] } {
    this.#open = false;
    this.closed = true;
    const queued = this.#waiting.drain();
    if (this.#preparing !== undefined) queued.unshift(this.#preparing);
    this.#preparing = undefined;
    const inFlight = this.inFlight();
    const running = [...inFlight.values()];
    const ep = this.link()?.endpoint;
    if (ep !== undefined) {
      for (const [id, t] of inFlight) {
        ep.forget(id);
        stopCredit(t.core);
      }
    }
    this.#running = 0;
    return { queued, running };
  }
}
