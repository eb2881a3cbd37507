// The main thread's side of handles that cross into workers (A10): a handle leaves as its actor id and
// method list; a call a worker makes through it arrives at the worker's endpoint (wire/endpoint.ts) and is
// served here on the real actor, which answers through the same endpoint (results, stream items with
// credit). A worker's code may also kill an actor of the main thread, ask for an actor's info or a name's
// handle, and create actors, which the main thread builds and owns for it (A8).
import { classInfo, type ClassInfo, type MethodInfo } from '../model/class-info.js';
import { lookup } from '../model/definitions.js';
import type { ActorCore } from '../actor-core.js';
import { ActorDiedError, DefinitionNotFoundError, TroupeError } from '../errors.js';
import { handleTarget, type HandleTarget } from '../handle.js';
import type { ActorOptions, ResolvedCall } from '../model/options.js';
import { callFromWire } from '../wire/calls.js';
import { argsFromWire, isWireHandle, looksWrapped, mapWireHandles, type HandleCodec, type Where } from '../wire/codec.js';
import type { Output } from '../wire/endpoint.js';
import { RELAYED, type AskMsg, type CallMsg, type GoneMsg, type KillMsg, type Msg, type SpawnRequest, type UnholdMsg, type WireCall, type WireHandle } from '../wire/protocol.js';
import type { CallRouter } from '../threaded/pool.js';

/** What the main thread's runtime offers the workers (runtime.ts). */
export interface MainSide {
  readonly actors: ReadonlyMap<string, ActorCore>;
  readonly names: ReadonlyMap<string, ActorCore>;
  createOwned(info: ClassInfo, options: ActorOptions, args: unknown[], creator: string | undefined): object;
  creatorGone(id: string, label: string): void;
  workerGone(threadId: number, cause: string): void;
  /** Why actor `id` is gone (runtime.ts). */
  goneError(id: string): ActorDiedError;
  /** In a cluster, the handle of another member's actor named `name` (runtime.ts). */
  namedInCluster(name: string): object | undefined;
}

/** A handle of another process's actor, given on to workers. */
interface Relayed {
  readonly handle: object;
  readonly target: HandleTarget;
  /** By worker thread: the wire forms of it sent there that the worker has not let go of (UnholdMsg). */
  readonly held: Map<number, number>;
}

export class MainHost implements HandleCodec, CallRouter {
  /** Handles this thread holds to actors of other processes (a cluster), given on to workers: a worker's
   *  calls on them are relayed (their ids here are RELAYED + n). Each is kept while a worker holds it. */
  readonly #relayed = new Map<string, Relayed>();
  readonly #relayIds = new WeakMap<object, string>();
  /** Relayed handles no worker holds now, by id, while this thread still has them: a wire form made
   *  before may yet reach a worker (a call's arguments are encoded when it is made, and a retry or a ref's
   *  kept value sends them again), and then the handle is kept again under the same id. */
  readonly #released = new Map<string, WeakRef<object>>();
  readonly #collected = new FinalizationRegistry<string>((id) => {
    if (this.#released.get(id)?.deref() === undefined) this.#released.delete(id);
  });
  #nextRelay = 1;

  constructor(readonly side: MainSide) {}

  get actors(): ReadonlyMap<string, ActorCore> {
    return this.side.actors;
  }

  readonly writeHandle = (o: object): WireHandle | undefined => {
    const t = handleTarget(o);
    if (t === undefined) return isWireHandle(o) ? o : undefined;
    if (t.kind !== 'foreign') return wireHandleOf(t as ActorCore);
    let id = this.#relayIds.get(o);
    if (id === undefined) {
      this.#relayIds.set(o, (id = `${RELAYED}${this.#nextRelay++}`));
      this.#relayed.set(id, { handle: o, target: t, held: new Map() });
      this.#collected.register(o, id);
    } else this.#relayedAs(id);
    return { ...wireHandleFrom(t.className, t.methods, t.groups, 'threaded'), $troupeHandle: id };
  };

  /** The relayed handle `id`, kept again if no worker held it but this thread still has it. */
  #relayedAs(id: string): Relayed | undefined {
    const r = this.#relayed.get(id);
    if (r !== undefined) return r;
    const handle = this.#released.get(id)?.deref();
    const target = handle === undefined ? undefined : handleTarget(handle);
    if (target === undefined) return undefined;
    this.#released.delete(id);
    const again: Relayed = { handle: handle!, target, held: new Map() };
    this.#relayed.set(id, again);
    return again;
  }

  /** No worker holds the relayed handle `id` now. */
  #release(id: string, r: Relayed): void {
    this.#relayed.delete(id);
    this.#released.set(id, new WeakRef(r.handle));
  }

  /** How many relayed handles are kept (for specs). @internal */
  get relayedCount(): number {
    return this.#relayed.size;
  }

  /** `m` leaves for the worker `thread`: the relayed handles in it are held there from now on. */
  sending(thread: number, m: Msg): void {
    if (this.#relayed.size === 0 && this.#released.size === 0) return;
    switch (m.t) {
      case 'call':
      case 'create':
        for (const a of m.args) this.#holdIn(thread, a);
        return;
      case 'result':
        if (m.ok) this.#holdIn(thread, m.v);
        return;
      case 'items':
        for (const v of m.vs) this.#holdIn(thread, v);
    }
  }

  /** A stream item leaves for the worker `thread` (as sending()). */
  sendingItem(thread: number, v: unknown): void {
    if (this.#relayed.size !== 0 || this.#released.size !== 0) this.#holdIn(thread, v);
  }

  #holdIn(thread: number, v: unknown): void {
    // A ref's value crosses once inside its marker (ref-cache.ts); the worker keeps it (R3).
    if (typeof v === 'object' && v !== null && 'v' in v && typeof (v as { $troupeRef?: unknown }).$troupeRef === 'number') v = (v as { v: unknown }).v;
    if (!looksWrapped(v)) return;
    mapWireHandles((v as { $troupeHandles: unknown }).$troupeHandles, (w) => {
      this.#hold(thread, w);
      return w;
    });
  }

  #hold(thread: number, w: WireHandle): void {
    const r = w.$troupeHandle.startsWith(RELAYED) ? this.#relayedAs(w.$troupeHandle) : undefined;
    if (r !== undefined) r.held.set(thread, (r.held.get(thread) ?? 0) + 1);
  }

  /** The worker `thread` holds no handle to the relayed actor any more, after reading `n` of its wire forms. */
  unhold(thread: number, m: UnholdMsg): void {
    const r = this.#relayed.get(m.aid);
    const left = (r?.held.get(thread) ?? 0) - m.n;
    if (r === undefined) return;
    if (left > 0) r.held.set(thread, left);
    else r.held.delete(thread);
    if (r.held.size === 0) this.#release(m.aid, r);
  }

  readIn(v: unknown): unknown {
    return mapWireHandles(v, (h) => {
      const back = this.actors.get(h.$troupeHandle)?.handle ?? this.#relayedAs(h.$troupeHandle)?.handle;
      if (back === undefined) throw new TroupeError(`a handle to ${h.className}#${h.$troupeHandle} came back from a worker, but that actor is no longer alive`);
      return back;
    });
  }

  serve(m: CallMsg, args: unknown[], answer: (out: Output, where: Where) => void): void {
    const target: HandleTarget | undefined = this.actors.get(m.aid!) ?? this.#relayedAs(m.aid!)?.target;
    if (target === undefined) throw this.side.goneError(m.aid!);
    serveActor(target, m, args, answer);
  }

  kill(m: KillMsg): void {
    (this.actors.get(m.aid) ?? this.#relayedAs(m.aid)?.target)?.kill(m.noRestart);
  }

  /** An actor of a worker's own died: the threaded actors its code created die with it (A8). */
  gone(m: GoneMsg): void {
    this.side.creatorGone(m.id, m.label);
  }

  /** A worker died, and with it every actor of its own: so do the threaded actors they created (A8). */
  workerGone(threadId: number, cause: Error): void {
    this.side.workerGone(threadId, `its worker died: ${cause.message}`);
    for (const [id, r] of this.#relayed) if (r.held.delete(threadId) && r.held.size === 0) this.#release(id, r);
  }

  ask(msg: AskMsg, thread: number): unknown {
    if (msg.create !== undefined) return this.#spawn(msg.create);
    if (msg.info !== undefined) {
      const target = this.actors.get(msg.info) ?? this.#relayedAs(msg.info)?.target;
      return target?.actorInfo() ?? null;
    }
    if (msg.name === undefined) return null;
    const h = this.side.names.get(msg.name)?.handle ?? this.side.namedInCluster(msg.name);
    const w = h === undefined ? undefined : this.writeHandle(h);
    if (w === undefined) return null;
    this.#hold(thread, w);
    return w;
  }

  /** A threaded actor a worker's code creates: built by the main thread's pool like any other, owned by its
   *  creator (A8), and answered with its handle. The class is found where the worker found it. */
  #spawn(r: SpawnRequest): unknown {
    const make = (cls: unknown) => {
      if (typeof cls !== 'function') throw new DefinitionNotFoundError(`${r.url} defines no class named ${r.cls} decorated with @actor({ mode: 'threaded' })`);
      const args = argsFromWire(r.args, this);
      return this.writeHandle(this.side.createOwned(classInfo(cls), r.options as ActorOptions, args, r.creator));
    };
    const known = lookup('class', { url: r.url, name: r.cls });
    if (known !== undefined) return make(known);
    return import(r.url).then(() => make(lookup('class', { url: r.url, name: r.cls })));
  }
}

/** Serves a call made through a handle, from a worker or another process: on the actor, with the options
 *  that crossed. */
export function serveActor(target: HandleTarget, m: CallMsg, args: unknown[], answer: (out: Output, where: Where) => void): void {
  const method = target.methods.get(m.m!);
  if (method === undefined) throw new TypeError(`${target.className} has no method '${m.m}'`);
  answer(target.call(method, args, callOutCall(method, m.o)), `the result of ${target.className}.${m.m}`);
}

/** What a handle to `core` is on the wire. */
export function wireHandleOf(core: ActorCore): WireHandle {
  return { ...wireHandleFrom(core.className, core.methods, core.groups, core.options.mode ?? 'sync'), $troupeHandle: core.id };
}

/** A handle's wire form but its id, from what the handle offers. */
export function wireHandleFrom(
  className: string,
  methods: ReadonlyMap<string, MethodInfo>,
  groups: ReadonlyMap<string | undefined, number>,
  mode: 'sync' | 'async' | 'threaded',
): Omit<WireHandle, '$troupeHandle'> {
  const named = [...groups.keys()].filter((g): g is string => g !== undefined);
  return { className, methods: [...methods.values()].map(wireMethod), mode, ...(named.length > 0 ? { groups: named } : {}) };
}

/** A method as a handle carries it: name, whether it streams, and a stream's default backpressure. */
function wireMethod(m: MethodInfo): WireHandle['methods'][number] {
  return m.stream && m.call.backpressure !== Infinity ? [m.name, true, m.call.backpressure] : [m.name, m.stream];
}

/** The options of a call a worker makes through a handle. A stream's window is the one the worker gives credit for: a default the worker did
 *  not know of would never be credited, and its producer would wait for ever (G10). */
function callOutCall(method: MethodInfo, o: WireCall | undefined): ResolvedCall {
  const call = callFromWire(method.call, o);
  const backpressure = o?.backpressure ?? Infinity;
  return !method.stream || call.backpressure === backpressure ? call : { ...call, backpressure };
}
