// The main thread's side of handles that cross into workers (A10): a handle leaves as its actor id and
// method list; a call a worker makes through it arrives as a callout, runs on the real actor, and its
// result or stream items travel back as replies, in order, keyed by the worker's call id. A stream's items
// leave as they are produced; with backpressure the producer waits for the worker's credit (G10).
import type { MethodInfo } from '../model/class-info.js';
import type { ActorCore } from '../actor-core.js';
import { ActorDiedError, TroupeError } from '../errors.js';
import { callFromWire, type Wire } from './calls.js';
import { handleTarget } from '../handle.js';
import type { ResolvedCall } from '../model/options.js';
import { ObjectRef, refs } from '../ref.js';
import { ObjectRefGenerator, streams } from '../stream.js';
import { errorToWire, isWireHandle, mapWireHandles, valueToWire } from './codec.js';
import type { CallRouter, WorkerSlot } from './pool.js';
import type { AskMsg, CallOutMsg, CancelOutMsg, CreditOutMsg, KillOutMsg, ReplyMsg, WireCall, WireHandle } from './protocol.js';

type Reply = (r: Omit<ReplyMsg, 't' | 'id'>) => void;

export class MainWire implements Wire, CallRouter {
  readonly #routed = new Map<string, ObjectRef<unknown> | ObjectRefGenerator>();

  constructor(
    readonly actors: ReadonlyMap<string, ActorCore>,
    readonly names: ReadonlyMap<string, ActorCore>,
  ) {}

  readonly writeHandle = (o: object): WireHandle | undefined => {
    const core = handleTarget(o) as ActorCore | undefined;
    if (core === undefined) return isWireHandle(o) ? o : undefined;
    const groups = [...core.groups.keys()].filter((g): g is string => g !== undefined);
    return {
      $troupeHandle: core.id,
      className: core.className,
      methods: [...core.methods.values()].map(wireMethod),
      mode: core.options.mode ?? 'sync',
      ...(groups.length > 0 ? { groups } : {}),
    };
  };

  readIn(v: unknown): unknown {
    return mapWireHandles(v, (h) => {
      const core = this.actors.get(h.$troupeHandle);
      if (core === undefined) throw new TroupeError(`a handle to ${h.className}#${h.$troupeHandle} came back from a worker, but that actor is no longer alive`);
      return core.handle;
    });
  }

  callOut(slot: WorkerSlot, msg: CallOutMsg): void {
    const reply: Reply = (r) => slot.send({ t: 'reply', id: msg.id, ...r });
    const core = this.actors.get(msg.aid);
    const method = core?.methods.get(msg.m);
    let out: ObjectRef<unknown> | ObjectRefGenerator;
    try {
      if (core === undefined) throw new ActorDiedError({ id: msg.aid, className: 'actor' }, 'it is no longer alive');
      if (method === undefined) throw new TypeError(`${core.className} has no method '${msg.m}'`);
      const args = msg.h ? (this.readIn(msg.args) as unknown[]) : msg.args;
      out = core.call(method, args, callOutCall(method, msg.o));
    } catch (e) {
      reply({ ok: false, end: true, ...errorToWire(e) });
      return;
    }
    const key = `${slot.index}:${msg.id}`;
    this.#routed.set(key, out);
    const where = `the result of ${core.className}.${msg.m}`;
    if (out instanceof ObjectRef) {
      const ref = out;
      refs.onSettled(ref, () => {
        this.#routed.delete(key);
        const p = refs.peek(ref)!;
        reply(p.ok ? this.#ok(p.value, where) : { ok: false, ...errorToWire(p.value) });
      });
      return;
    }
    this.#forward(out, key, where, reply);
  }

  #ok(value: unknown, where: string): Omit<ReplyMsg, 't' | 'id'> {
    try {
      return { ok: true, ...valueToWire(value, where, this.writeHandle) };
    } catch (e) {
      return { ok: false, ...errorToWire(e) };
    }
  }

  /** Sends a stream's items to the worker as they are produced, then its end. With backpressure the
   *  stream's `taken` is what the worker's consumer has taken (its creditout acks), so the producer here
   *  never runs more than N items ahead of that consumer's next() (G10). */
  #forward(gen: ObjectRefGenerator, key: string, where: string, reply: Reply): void {
    const core = streams.core(gen);
    let open = true;
    const finish = (r: Omit<ReplyMsg, 't' | 'id'>) => {
      if (!open) return;
      open = false;
      this.#routed.delete(key);
      reply({ ...r, end: true });
    };
    core.forward({
      item: (v) => {
        if (!open) return;
        const item = this.#ok(v, `${where} (an item)`);
        if (!item.ok) {
          finish(item);
          // The worker's stream has ended with that error (its consumer has its end): the producer runs on
          // with its output discarded, and is not held by credit that will never come.
          core.detach();
          return;
        }
        try {
          reply({ ok: true, vs: [item.v], ...(item.h ? { h: true } : {}) });
        } catch (e) {
          // The port refused it (a DataCloneError for a value the wire check lets by): the worker's stream
          // ends with that error, and the producer is not told its own code threw.
          finish({ ok: false, ...errorToWire(e) });
          core.detach();
        }
      },
      end: (error, returned) => finish(error === undefined ? this.#ok(returned, where) : { ok: false, ...errorToWire(error.e) }),
    });
  }

  cancelOut(slot: WorkerSlot, msg: CancelOutMsg): void {
    const out = this.#routed.get(`${slot.index}:${msg.id}`);
    const recursive = msg.only !== true;
    if (out instanceof ObjectRef) refs.owner(out)?.cancel(false, recursive);
    else if (out !== undefined) streams.core(out).owner.cancel(false, recursive);
  }

  /** The worker that made these callouts died: nobody will take their output. A stream is dropped (G9,
   *  troupe: its producer is cancelled at its next yield); a call runs to its end, its result dropped. */
  workerDied(slot: WorkerSlot): void {
    const prefix = `${slot.index}:`;
    for (const [key, out] of this.#routed) {
      if (!key.startsWith(prefix)) continue;
      this.#routed.delete(key);
      if (out instanceof ObjectRefGenerator) streams.core(out).drop();
    }
  }

  killOut(msg: KillOutMsg): void {
    this.actors.get(msg.aid)?.kill(msg.noRestart);
  }

  ask(msg: AskMsg): unknown {
    if (msg.info !== undefined) {
      const core = this.actors.get(msg.info);
      return core?.actorInfo() ?? null;
    }
    const core = msg.name === undefined ? undefined : this.names.get(msg.name);
    return core === undefined ? null : this.writeHandle(core.handle);
  }

  creditOut(slot: WorkerSlot, msg: CreditOutMsg): void {
    const out = this.#routed.get(`${slot.index}:${msg.id}`);
    if (out instanceof ObjectRefGenerator) streams.core(out).ack(msg.taken);
  }
}

/** A method as a handle carries it: name, whether it streams, and a stream's default backpressure. */
function wireMethod(m: MethodInfo): WireHandle['methods'][number] {
  return m.stream && m.call.backpressure !== Infinity ? [m.name, true, m.call.backpressure] : [m.name, m.stream];
}

/** A callout's options. A stream's window is the one the worker gives credit for: a default the worker did
 *  not know of would never be credited, and its producer would wait for ever (G10). */
function callOutCall(method: MethodInfo, o: WireCall | undefined): ResolvedCall {
  const call = callFromWire(method.call, o);
  const backpressure = o?.backpressure ?? Infinity;
  return !method.stream || call.backpressure === backpressure ? call : { ...call, backpressure };
}
