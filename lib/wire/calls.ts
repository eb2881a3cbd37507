// A task's call on the wire: the call options as they cross and back, the check of arguments
// (SerializationError at call time), sending a task's call through an endpoint, and settling the task from
// what comes back (results, stream items). Threaded actors and threaded remote functions both send their
// calls through here; the endpoint moves credit and cancels.
import { SerializationError, TaskError } from '../errors.js';
import type { ResolvedCall } from '../model/options.js';
import { ObjectRef } from '../ref.js';
import type { Task } from '../task.js';
import { decodeError, transferables, valueFromWire, valueToWire, type HandleCodec } from './codec.js';
import { stopCredit } from './credit.js';
import type { Endpoint, Pending } from './endpoint.js';
import type { CallMsg, ItemsMsg, ResultMsg, WireCall } from './protocol.js';
import { markRefArgs, type RefArgs, type RefHolder } from './ref-cache.js';


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
  // A new attempt of a stream skips what was delivered, and counts as taken only what the consumer took:
  // items delivered and not yet taken still weigh in its window (G10, G12).
  const taken = task.core !== undefined ? task.core.taken : 0;
  return { ...o, ...(skip > 0 ? { skip, taken } : {}), ...(task.attempt > 0 ? { attempt: task.attempt } : {}) };
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

/** A served call that is a new attempt (A7, G12) goes on from where the caller's count is: its attempt,
 *  and for a stream the items already delivered (skipped) and taken. Before the task is submitted. */
export function resumeFromWire(task: Task, o: WireCall | undefined): void {
  task.attempt = o?.attempt ?? 0;
  const core = task.core;
  if (core === undefined) return;
  core.produced = o?.skip ?? 0;
  core.taken = Math.min(core.produced, o?.taken ?? core.produced);
}

/** Settles a task from the result its peer sent. */
export function settleFromWire(task: Task, msg: ResultMsg, wire: HandleCodec): void {
  if (msg.ok) {
    let v: unknown;
    try {
      v = valueFromWire(msg.v, wire);
    } catch (e) {
      task.fail(e); // a handle to an actor that has died meanwhile
      return;
    }
    task.succeed(v);
  }
  else {
    const e = decodeError(msg.e!);
    task.fail(msg.app ? new TaskError(task, e) : e);
  }
}

/** Checks arguments on the main thread: a value that cannot cross throws now, naming its position.
 *  Returns what to send: `args` itself, or a copy with handles in wire form. */
export function checkWireArgs(args: unknown[], where: () => string, wire: HandleCodec): unknown[] {
  let out = args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === null || (typeof a !== 'object' && typeof a !== 'function' && typeof a !== 'symbol')) continue;
    if (a instanceof ObjectRef) continue; // resolved before sending (A11), then checked again
    let v: unknown;
    try {
      v = valueToWire(a, `argument ${i}`, wire.writeHandle);
    } catch (e) {
      if (e instanceof SerializationError) throw new SerializationError(`${where()}: ${e.message}`);
      throw e;
    }
    if (v !== a) {
      if (out === args) out = [...args];
      out[i] = v;
    }
  }
  return out;
}

/** What a sent call waits for: the peer's result and stream items, which settle its task. */
export class SentCall implements Pending {
  constructor(
    readonly id: number,
    readonly task: Task,
    readonly wire: HandleCodec,
    readonly owner: CallOwner,
  ) {}

  get label(): string {
    const t = this.task;
    return `${t.className === undefined ? '' : `${t.className}#${t.actorId}.`}${t.method} (task ${t.id})`;
  }

  result(msg: ResultMsg): void {
    this.owner.sentDone(this.id);
    stopCredit(this.task.core);
    settleFromWire(this.task, msg, this.wire);
  }

  items(msg: ItemsMsg): void {
    if (this.task.settledOutput) return;
    const core = this.task.core!;
    try {
      for (const v of msg.vs) core.push(valueFromWire(v, this.wire));
    } catch (e) {
      this.task.fail(e); // a handle to an actor that has died meanwhile
    }
  }

  retried(attempt: number): void {
    if (attempt > this.task.attempt) this.task.attempt = attempt;
  }

  lost(cause: Error, ran: string | undefined): void {
    this.owner.callLost?.(cause, ran);
  }
}

/** Who sent a call: told when it is answered, and (remote functions) when its host died under it. */
export interface CallOwner {
  sentDone(id: number): void;
  callLost?(cause: Error, ran: string | undefined): void;
}

/** Sends one task's call through `ep` (to the peer `holder` stands for, which keeps ref values: R3),
 *  wiring what comes back to the task; undefined if its arguments cannot cross. */
export function sendCall(
  ep: Endpoint,
  holder: RefHolder,
  task: Task,
  target: { aid: string; m: string } | { fid: number },
  owner: CallOwner,
  refArgs: RefArgs | undefined,
): number | undefined {
  // Arguments were checked (and handles put in wire form) at call time; values of ref arguments only now.
  let args = task.args;
  if (task.hasRefArgs) {
    try {
      args = checkWireArgs(args, () => `${task.className ? task.className + '.' : ''}${task.method}`, ep.handles);
    } catch (e) {
      task.fail(e);
      return undefined;
    }
  }
  const id = ep.nextId();
  task.markRunning();
  let o = wireCall(task.call, task);
  const core = task.core;
  if (o?.backpressure !== undefined && core !== undefined && (core.detached || core.taken === Infinity)) {
    // A new attempt (G12) of a stream whose consumer is gone: no credit will come, so it runs without a
    // window, as the dropped stream's producer did (G9).
    const { backpressure: _, ...rest } = o;
    o = rest;
  }
  if (refArgs !== undefined) args = markRefArgs(holder, args, refArgs); // each ref's value crosses once
  // Built field by field: object spread on this path measured as a tenth of the main thread's time.
  const msg: { -readonly [K in keyof CallMsg]: CallMsg[K] } = { t: 'call', id, args };
  if ('aid' in target) {
    msg.aid = target.aid;
    msg.m = target.m;
  } else {
    msg.fid = target.fid;
  }
  if (refArgs !== undefined) msg.r = true;
  if (o !== undefined) msg.o = o;
  ep.call(msg, new SentCall(id, task, ep.handles, owner), core, task.call.transfer ? transferables(args) : undefined);
  return id;
}
