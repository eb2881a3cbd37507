// The main thread's side of handles that cross into workers (A10): a handle leaves as its actor id and
// method list; a call a worker makes through it arrives as a callout, runs on the real actor, and its
// result or stream items travel back as replies, in order, keyed by the worker's call id.
import type { ActorCore } from '../actor-core.js';
import { ActorDiedError, TroupeError } from '../errors.js';
import { callFromWire, type Wire } from './calls.js';
import { handleTarget } from '../handle.js';
import { ObjectRef, refs } from '../ref.js';
import { ObjectRefGenerator, streams } from '../stream.js';
import { errorToWire, isWireHandle, mapWireHandles, valueToWire } from './codec.js';
import type { CallRouter, WorkerSlot } from './pool.js';
import type { CallOutMsg, CancelOutMsg, ReplyMsg, WireHandle } from './protocol.js';

export class MainWire implements Wire, CallRouter {
  readonly #routed = new Map<string, ObjectRef<unknown> | ObjectRefGenerator>();

  constructor(readonly actors: ReadonlyMap<string, ActorCore>) {}

  readonly writeHandle = (o: object): WireHandle | undefined => {
    const core = handleTarget(o) as ActorCore | undefined;
    if (core === undefined) return isWireHandle(o) ? o : undefined;
    return { $troupeHandle: core.id, className: core.className, methods: [...core.methods.values()].map((m) => [m.name, m.stream] as const) };
  };

  readIn(v: unknown): unknown {
    return mapWireHandles(v, (h) => {
      const core = this.actors.get(h.$troupeHandle);
      if (core === undefined) throw new TroupeError(`a handle to ${h.className}#${h.$troupeHandle} came back from a worker, but that actor is no longer alive`);
      return core.handle;
    });
  }

  callOut(slot: WorkerSlot, msg: CallOutMsg): void {
    const reply = (r: Omit<ReplyMsg, 't' | 'id'>) => slot.send({ t: 'reply', id: msg.id, ...r });
    const core = this.actors.get(msg.aid);
    const method = core?.methods.get(msg.m);
    let out: ObjectRef<unknown> | ObjectRefGenerator;
    try {
      if (core === undefined) throw new ActorDiedError({ id: msg.aid, className: 'actor' }, 'it is no longer alive');
      if (method === undefined) throw new TypeError(`${core.className} has no method '${msg.m}'`);
      const args = msg.h ? (this.readIn(msg.args) as unknown[]) : msg.args;
      out = core.call(method, args, callFromWire(method.call, msg.o));
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
    void this.#forward(out, key, where, reply);
  }

  #ok(value: unknown, where: string): Omit<ReplyMsg, 't' | 'id'> {
    try {
      return { ok: true, ...valueToWire(value, where, this.writeHandle) };
    } catch (e) {
      return { ok: false, ...errorToWire(e) };
    }
  }

  async #forward(gen: ObjectRefGenerator, key: string, where: string, reply: (r: Omit<ReplyMsg, 't' | 'id'>) => void): Promise<void> {
    try {
      for (;;) {
        const r = await gen.next();
        if (r.done) break;
        const v = await r.value;
        const item = this.#ok(v, `${where} (an item)`);
        if (!item.ok) {
          reply({ ...item, end: true });
          return;
        }
        reply({ ok: true, vs: [item.v], ...(item.h ? { h: true } : {}) });
      }
      const done = refs.peek(streams.core(gen).completed);
      reply(done === undefined || done.ok ? { ...this.#ok(done?.value, where), end: true } : { ok: false, end: true, ...errorToWire(done.value) });
    } catch (e) {
      reply({ ok: false, end: true, ...errorToWire(e) });
    } finally {
      this.#routed.delete(key);
    }
  }

  cancelOut(slot: WorkerSlot, msg: CancelOutMsg): void {
    const out = this.#routed.get(`${slot.index}:${msg.id}`);
    if (out instanceof ObjectRef) refs.owner(out)?.cancel(false);
    else if (out !== undefined) streams.core(out).owner.cancel(false);
  }
}
