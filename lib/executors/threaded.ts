// The threaded executor (A3): the main thread's side of an actor that lives on a pool worker. Calls
// queue here until the worker has built the actor, leave in submission order (a call whose ref arguments
// are still resolving holds back the ones behind it: A1, A11), and settle from the worker's replies;
// stream credit goes back so a producer never runs more than `backpressure` items ahead (G10).
import type { ClassInfo } from '../actor.js';
import type { ActorCore } from '../actor-core.js';
import { SerializationError, TaskError, TroupeError } from '../errors.js';
import { Fifo } from '../fifo.js';
import type { ResolvedCall } from '../options.js';
import { ObjectRef } from '../ref.js';
import type { Task } from '../task.js';
import { checkValue, decodeError, transferables, type HandleWriter } from '../threaded/codec.js';
import { newCallId, type PendingCall, type Pool, type Tenant, type WorkerSlot } from '../threaded/pool.js';
import type { CallMsg, ItemsMsg, ResultMsg, WireCall } from '../threaded/protocol.js';
import type { Executor } from './executor.js';

/** How long a running call may take to notice its aborted signal before `force` ends its worker. */
export const FORCE_GRACE_MS = 100;

/** Converts what the main thread sends and receives: handles out, handles in. */
export interface Wire {
  readonly writeHandle: HandleWriter;
  /** Turns wire handles in a received value back into handles (only for messages flagged `h`). */
  readIn(v: unknown): unknown;
}

/** The call options as they cross (error classes go by name); undefined when all are defaults. */
export function wireCall(call: ResolvedCall, task: Task): WireCall | undefined {
  const skip = task.core !== undefined ? task.core.produced : 0;
  let o = wireOptions.get(call);
  if (o === undefined) {
    const re = call.retryExceptions;
    const w: { -readonly [K in keyof WireCall]: WireCall[K] } = {};
    if (call.backpressure !== Infinity) w.backpressure = call.backpressure;
    if (call.concurrencyGroup !== undefined) w.group = call.concurrencyGroup;
    if (call.maxRetries !== 0) w.maxRetries = call.maxRetries;
    if (re !== false) w.retry = re === true ? true : re.map((c) => (c as Function).name);
    if (call.transfer) w.transfer = true;
    wireOptions.set(call, (o = Object.keys(w).length === 0 ? null : w));
  }
  if (skip === 0 && task.attempt === 0) return o ?? undefined;
  return { ...o, ...(skip > 0 ? { skip } : {}), ...(task.attempt > 0 ? { attempt: task.attempt } : {}) };
}

const wireOptions = new WeakMap<ResolvedCall, WireCall | null>();

/** The call options a wire call stands for, on top of the method's. */
export function callFromWire(base: ResolvedCall, o: WireCall | undefined): ResolvedCall {
  if (o === undefined) return base;
  return {
    ...base,
    ...(o.backpressure !== undefined ? { backpressure: o.backpressure } : {}),
    ...(o.group !== undefined ? { concurrencyGroup: o.group } : {}),
    ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
    ...(o.retry !== undefined ? { retryExceptions: o.retry as ResolvedCall['retryExceptions'] } : {}),
    ...(o.transfer !== undefined ? { transfer: o.transfer } : {}),
  };
}

/** Settles a main-thread task from a worker's reply. */
export function settleFromWire(task: Task, msg: ResultMsg, wire: Wire): void {
  if (msg.ok) task.succeed(msg.h ? wire.readIn(msg.v) : msg.v);
  else {
    const e = decodeError(msg.e!);
    task.fail(msg.app ? new TaskError(task, e) : e);
  }
}

/** Checks arguments on the main thread: a value that cannot cross throws now, naming its position.
 *  Returns what to send: the arguments, or a copy with handles in wire form (then `h` is true). */
export function checkWireArgs(args: unknown[], where: () => string, wire: Wire): { args: unknown[]; h: boolean } {
  let out = args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === null || (typeof a !== 'object' && typeof a !== 'function' && typeof a !== 'symbol')) continue;
    if (a instanceof ObjectRef) continue; // resolved before sending (A11), then checked again
    let v: unknown;
    try {
      v = checkValue(a, `argument ${i}`, wire.writeHandle);
    } catch (e) {
      if (e instanceof SerializationError) throw new SerializationError(`${where()}: ${e.message}`);
      throw e;
    }
    if (v !== a) {
      if (out === args) out = [...args];
      out[i] = v;
    }
  }
  return out === args ? { args, h: false } : { args: out, h: true };
}

/** What a sent call waits for: the worker's result and stream items, which settle its task. */
class SentCall implements PendingCall {
  #acked = 0;
  constructor(
    readonly slot: WorkerSlot,
    readonly id: number,
    readonly task: Task,
    readonly wire: Wire,
    readonly owner: CallOwner,
  ) {
    const core = task.core;
    if (core !== undefined && task.call.backpressure !== Infinity) {
      this.#acked = core.taken;
      core.onTake = this.#credit;
    }
  }

  /** Stream credit (G10): tell the producer what the consumer has taken, every half window. */
  readonly #credit = (taken: number): void => {
    const step = Math.max(1, this.task.call.backpressure >> 1);
    if (taken - this.#acked >= step || taken >= this.task.core!.produced) {
      this.#acked = taken;
      this.slot.send({ t: 'credit', id: this.id, taken });
    }
  };

  result(msg: ResultMsg): void {
    this.slot.release();
    this.owner.sentDone(this.id);
    if (this.task.core !== undefined) this.task.core.onTake = undefined;
    settleFromWire(this.task, msg, this.wire);
  }

  items(msg: ItemsMsg): void {
    if (this.task.settledOutput) return;
    const core = this.task.core!;
    for (const v of msg.vs) core.push(msg.h ? this.wire.readIn(v) : v);
  }

  workerDied(cause: Error): void {
    this.owner.callLost?.(cause);
  }
}

/** Who sent a call: told when it is answered, and (remote functions) when its worker died under it. */
export interface CallOwner {
  sentDone(id: number): void;
  callLost?(cause: Error): void;
}

/** Sends one task's call to `slot`, wiring its replies to the task; undefined if its arguments cannot cross. */
export function sendCall(
  slot: WorkerSlot,
  task: Task,
  target: { aid: string; m: string } | { url: string; fn: string },
  wire: Wire,
  owner: CallOwner,
): number | undefined {
  let sent: { args: unknown[]; h: boolean };
  try {
    sent = checkWireArgs(task.args, () => `${task.className ? task.className + '.' : ''}${task.method}`, wire);
  } catch (e) {
    task.fail(e);
    return undefined;
  }
  const id = newCallId();
  slot.calls.set(id, new SentCall(slot, id, task, wire, owner));
  slot.hold();
  task.markRunning();
  const o = wireCall(task.call, task);
  const msg: CallMsg = 'aid' in target
    ? { t: 'call', id, aid: target.aid, m: target.m, args: sent.args, ...(sent.h ? { h: true } : {}), ...(o ? { o } : {}) }
    : { t: 'call', id, url: target.url, fn: target.fn, args: sent.args, ...(sent.h ? { h: true } : {}), ...(o ? { o } : {}) };
  if (task.call.transfer) slot.channel.sendTransferring(msg, transferables(sent.args));
  else slot.send(msg);
  return id;
}

export class ThreadedExecutor implements Executor, Tenant {
  readonly #waiting = new Fifo<Task>();
  /** Calls sent and not yet answered (their entries live in the slot's call map). */
  #running = 0;
  #preparing: Task | undefined = undefined;
  #slot: WorkerSlot | undefined = undefined;
  #open = false;
  #closed = false;

  constructor(
    readonly core: ActorCore,
    readonly pool: Pool,
    readonly wire: Wire,
    readonly module: string | undefined,
  ) {}

  get running(): number {
    return this.#running;
  }
  get queued(): number {
    return this.#waiting.size + (this.#preparing ? 1 : 0);
  }

  check(args: unknown[], where: () => string): unknown[] {
    checkWireArgs(args, where, this.wire);
    return args;
  }

  start(info: ClassInfo, args: unknown[]): Promise<void> {
    if (this.module === undefined) {
      return Promise.reject(Object.assign(new TroupeError(`cannot tell which module defines ${info.className}: pass module: import.meta.url to @actor`), { notFound: true }));
    }
    const o = this.core.options;
    const slot = (this.#slot = this.pool.place(o.dedicated ?? false, o.resourceLimits));
    slot.tenants.add(this);
    let wireArgs: { args: unknown[]; h: boolean };
    try {
      wireArgs = checkWireArgs(args, () => `${info.className} constructor`, this.wire);
    } catch (e) {
      return Promise.reject(e);
    }
    return slot
      .create(this.core.id, this.module, info.className, wireArgs.args, {
        ...(wireArgs.h ? { h: true } : {}),
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
    this.#waiting.push(task);
    if (this.#open && this.#preparing === undefined) this.#pump();
  }

  remove(task: Task): boolean {
    return this.#waiting.remove(task);
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
    const id = sendCall(slot, task, { aid: this.core.id, m: task.method }, this.wire, this);
    if (id !== undefined) this.#running++;
  }

  sentDone(): void {
    this.#running--;
  }

  /** This actor's calls in flight on its worker, by call id. */
  #inFlight(): Map<number, Task> {
    const out = new Map<number, Task>();
    for (const [id, c] of this.#slot?.calls ?? []) if (c instanceof SentCall && c.owner === this) out.set(id, c.task);
    return out;
  }

  cancelRunning(task: Task, force: boolean): void {
    const slot = this.#slot;
    let id: number | undefined;
    for (const [k, t] of this.#inFlight()) if (t === task) id = k;
    if (id === undefined || slot === undefined) return;
    slot.send({ t: 'cancel', id });
    if (force) {
      setTimeout(() => {
        if (slot.calls.has(id!) && !slot.dead) void slot.terminate(new TroupeError(`the worker was ended by cancel(ref, { force: true }) of ${this.core.className}.${task.method}`));
      }, FORCE_GRACE_MS).unref();
    }
  }

  workerDied(cause: Error): void {
    this.core.workerDied(cause);
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
      for (const id of inFlight.keys()) {
        slot.calls.delete(id);
        slot.release();
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
    slot.send({ t: 'release', aid: this.core.id });
    if (slot.dedicated && slot.tenants.size === 0) void slot.terminate(new TroupeError(`${this.core.className}'s dedicated worker was released`));
  }
}
