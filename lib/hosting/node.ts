// Hosting actors for other members of a cluster (what a `troupe node` does). A peer's `create` builds the
// actor here, a threaded actor of this process's pool, from a class the modules this process imported at
// start defined: a message names a class by its key (cluster/module-key.ts), never a module to import. The
// peer's calls on it are served here and answered through the same link. The actor dies with the peer that
// created it (A8). When it dies here on its own (its worker crashed, its code killed it), the peer hears it
// first (`lost`), so that the peer's side of the actor restarts or dies as its options say (A7, its
// budget counted there) and the failed results that follow are dropped there. Threaded remote functions
// the imports defined run here too, on this process's pool, for any member that calls them.
import type { ActorCore } from '../actor-core.js';
import { ActorDiedError, DefinitionNotFoundError } from '../errors.js';
import { classInfo, isGeneratorFunction, type Callable, type ClassInfo, type MethodInfo } from '../model/class-info.js';
import { handleTarget } from '../handle.js';
import { lookup, registered, type Location } from '../model/definitions.js';
import { DEFAULT_CALL, type ActorOptions, type ResolvedCall } from '../model/options.js';
import { callFromWire, resumeFromWire } from '../wire/calls.js';
import { argsFromWire, encodeError, type HandleCodec, type Where } from '../wire/codec.js';
import type { Output } from '../wire/endpoint.js';
import type { Task } from '../task.js';
import type { CallMsg, CreateMsg, FunctionMsg, Msg, SpawnMsg } from '../wire/protocol.js';
import { classKey } from '../cluster/module-key.js';
import { fits, showResources } from '../cluster/resources.js';
import { spawnEntry } from '../cluster/registry.js';

/** A member this process hosts actors for. */
export interface HostedPeer {
  readonly id: string;
  readonly label: string;
  send(m: Msg): void;
}

/** What hosting needs of this process's runtime. */
export interface HostingRuntime {
  createOwned(info: ClassInfo, options: ActorOptions, args: unknown[], creator: string | undefined, id?: string): object;
  /** Runs a threaded function on this process's pool, as a task of this process. */
  runFunction(callable: Callable, at: Location, args: unknown[], call: ResolvedCall, hasRefs: boolean, here: boolean, resume: ((task: Task) => void) | undefined): Output;
  hosting: NodeHosting | undefined;
  /** What of its resources this process's actors do not hold now. */
  readonly cluster: { info(): { readonly free: Readonly<Record<string, number>> }; openRegistry(): Promise<{ drop(k: string, id: string): void; reassign(k: string, id: string): void } | undefined> } | undefined;
}

interface Hosted {
  readonly aid: string;
  readonly core: ActorCore;
  readonly peer: HostedPeer;
  built: boolean;
}

export class NodeHosting {
  /** The classes and the functions this process can host, by key. */
  readonly #classes = new Map<string, Location>();
  readonly #functions = new Map<string, Location>();
  /** The functions each member told of (FunctionMsg), by its number for them. */
  readonly #told = new Map<HostedPeer, Map<number, Location | string>>();
  readonly #byAid = new Map<string, Hosted>();
  readonly #byCore = new Map<ActorCore, Hosted>();
  /** The options of a method's calls that carry none of their own (see serve). */
  readonly #plain = new WeakMap<MethodInfo, ResolvedCall>();
  /** Detached actors that could not be built, and why (the latest ones). */
  readonly #buried = new Map<string, ActorDiedError>();
  /** The detached actors built here, and how (a named one's registry entry keeps it, registry.ts). */
  readonly #spawned = new Map<string, SpawnMsg>();

  constructor(
    readonly runtime: HostingRuntime,
    readonly codec: HandleCodec,
  ) {
    runtime.hosting = this;
  }

  /** Records the threaded classes and functions defined so far (after the start-up imports); returns their keys. */
  index(): { classes: string[]; functions: string[] } {
    for (const [kind, into] of [['class', this.#classes], ['function', this.#functions]] as const) {
      for (const l of registered(kind)) {
        const k = classKey(l.url, l.name);
        if (k !== undefined) into.set(k, l);
      }
    }
    return { classes: [...this.#classes.keys()], functions: [...this.#functions.keys()] };
  }

  /** A member numbers a function for its calls (FunctionMsg); one this process does not define is kept
   *  as its key, and each call of it fails naming it. */
  define(peer: HostedPeer, m: FunctionMsg): void {
    let told = this.#told.get(peer);
    if (told === undefined) this.#told.set(peer, (told = new Map()));
    const key = `${m.url}#${m.fn}`;
    told.set(m.fid, this.#functions.get(key) ?? key);
  }

  /** A member's call of a threaded function: it runs on this process's pool, once (retries are the caller's). */
  serveFunction(peer: HostedPeer, m: CallMsg, args: unknown[], answer: (out: Output, where: Where) => void): void {
    const at = this.#told.get(peer)?.get(m.fid!);
    const fn = typeof at === 'object' ? lookup('function', at) : undefined;
    if (typeof fn !== 'function') {
      throw new DefinitionNotFoundError(`this node does not define the threaded function ${at ?? `number ${m.fid}`}: its imports define ${this.#functions.size === 0 ? 'no threaded function' : [...this.#functions.keys()].join(', ')}`);
    }
    const callable: Callable = { name: (at as Location).name, fn: fn as Callable['fn'], stream: isGeneratorFunction(fn) };
    // With the caller's options and attempt count: a crash of this node's worker is retried here, within
    // the same budget; a death of this whole node, by the caller.
    const o = m.o;
    const call = callFromWire(DEFAULT_CALL, o);
    answer(this.runtime.runFunction(callable, at as Location, args, call, false, true, o === undefined ? undefined : (t) => resumeFromWire(t, o)), `the result of ${callable.name}`);
  }

  get size(): number {
    return this.#byAid.size;
  }

  create(peer: HostedPeer, m: CreateMsg): void {
    const where = this.#classes.get(`${m.url}#${m.cls}`);
    const cls = where === undefined ? undefined : lookup('class', where);
    if (typeof cls !== 'function') {
      const known = [...this.#classes.keys()];
      peer.send({ t: 'created', aid: m.aid, error: encodeError(new DefinitionNotFoundError(`this node does not host ${m.cls} of ${m.url}: its imports define ${known.length === 0 ? 'no threaded class' : known.join(', ')}`)) });
      return;
    }
    // Two creators may place on the same free resources before either hears the other's: the first wins.
    if (m.res !== undefined && !fits(this.runtime.cluster?.info().free ?? {}, m.res)) {
      peer.send({ t: 'created', aid: m.aid, full: true });
      return;
    }
    const options: ActorOptions = {
      mode: 'threaded',
      placement: 'local',
      // Restarts and retries are the creator's to count (A7): here the actor dies, and the peer decides.
      maxRestarts: 0,
      maxTaskRetries: 0,
      ...(m.maxConcurrency !== undefined ? { maxConcurrency: m.maxConcurrency } : {}),
      ...(m.groups !== undefined ? { concurrencyGroups: m.groups } : {}),
      ...(m.res !== undefined ? { resources: m.res } : {}),
    };
    let args: unknown[];
    try {
      args = argsFromWire(m.args, this.codec);
    } catch (e) {
      peer.send({ t: 'created', aid: m.aid, error: encodeError(e) });
      return;
    }
    const core = handleTarget(this.runtime.createOwned(classInfo(cls), options, args, undefined)) as ActorCore;
    const h: Hosted = { aid: m.aid, core, peer, built: false };
    this.#byAid.set(m.aid, h);
    this.#byCore.set(core, h);
  }

  built(core: ActorCore): void {
    const h = this.#byCore.get(core);
    if (h === undefined || h.built) return;
    h.built = true;
    h.peer.send({ t: 'created', aid: h.aid });
  }

  dying(core: ActorCore, error: ActorDiedError): void {
    const h = this.#byCore.get(core);
    if (h === undefined) return;
    this.#forget(h);
    if (h.built) h.peer.send({ t: 'lost', aid: h.aid, e: encodeError(error) });
    else h.peer.send({ t: 'created', aid: h.aid, error: encodeError(error.cause instanceof Error ? error.cause : error) });
  }

  release(aid: string): void {
    const h = this.#byAid.get(aid);
    if (h === undefined) return;
    this.#forget(h);
    h.core.kill(true);
  }

  /** A member asks for a detached actor (ActorOptions.lifetime): built here and owned by this process, under
   *  the id the member chose (it holds a handle to it already). When it cannot be built, calls to that id
   *  fail saying why (`gone`). */
  spawn(m: SpawnMsg): void {
    const where = this.#classes.get(`${m.url}#${m.cls}`);
    const cls = where === undefined ? undefined : lookup('class', where);
    if (typeof cls !== 'function') {
      this.#refuse(m, `this node does not host ${m.cls} of ${m.url}: its imports define ${this.#classes.size === 0 ? 'no threaded class' : [...this.#classes.keys()].join(', ')}`, true);
      return;
    }
    // Two members may spawn on the same free resources before either hears the other's: the first wins.
    if (m.res !== undefined && !fits(this.runtime.cluster?.info().free ?? {}, m.res)) {
      this.#refuse(m, `its node had not the resources it asks for free (${showResources(m.res)}) when it was to be built`, true);
      return;
    }
    const options: ActorOptions = {
      mode: 'threaded',
      placement: 'local',
      ...(m.name !== undefined ? { name: m.name } : {}),
      ...(m.maxRestarts !== undefined ? { maxRestarts: m.maxRestarts } : {}),
      ...(m.maxTaskRetries !== undefined ? { maxTaskRetries: m.maxTaskRetries } : {}),
      ...(m.maxConcurrency !== undefined ? { maxConcurrency: m.maxConcurrency } : {}),
      ...(m.groups !== undefined ? { concurrencyGroups: m.groups } : {}),
      ...(m.res !== undefined ? { resources: m.res } : {}),
    };
    this.#spawned.set(m.aid, m); // before it is built: a named one claims its name with it (runtime.ts admit)
    try {
      this.runtime.createOwned(classInfo(cls), options, argsFromWire(m.args, this.codec), undefined, m.aid);
    } catch (e) {
      this.#spawned.delete(m.aid);
      this.#refuse(m, (e as Error).message);
    }
  }

  /** An actor of this process is gone: a detached one's death is kept, to answer calls to it. */
  released(core: ActorCore): void {
    if (this.#spawned.delete(core.id)) this.#bury(core.id, core.death ?? new ActorDiedError(core, 'it was killed'));
  }

  /** How the detached actor `aid` was asked for, if it is one built here. */
  spawnOf(aid: string): SpawnMsg | undefined {
    return this.#spawned.get(aid);
  }

  /** Why the detached actor `aid` could not be built here, if it could not. */
  gone(aid: string): ActorDiedError | undefined {
    return this.#buried.get(aid);
  }

  /** A detached actor that cannot be built here: calls to it fail saying why. When a rebuild elsewhere chose
   *  this node (its entry gives it this build already), the entry is let go, or, when this node was only the
   *  wrong place (`elsewhere`: its class or its resources), placed again (calls to this build then fail as
   *  not final: handles follow the next one). */
  #refuse(m: SpawnMsg, why: string, elsewhere = false): void {
    const entry = spawnEntry(m);
    const again = elsewhere && entry !== undefined && m.aid !== m.line; // a rebuild: its entry names this build
    this.#bury(m.aid, new ActorDiedError({ id: m.aid, className: m.cls, ...(m.name !== undefined ? { name: m.name } : {}) }, again ? `${why}; it is to be placed again` : why, undefined, !again));
    if (entry !== undefined) void this.runtime.cluster?.openRegistry().then((r) => (again ? r?.reassign(entry, m.aid) : r?.drop(entry, m.aid)));
  }

  #bury(aid: string, why: ActorDiedError): void {
    this.#buried.set(aid, why);
    if (this.#buried.size > 1000) this.#buried.delete(this.#buried.keys().next().value!);
  }

  /** Whether `aid` is an actor built here for a member (not one this process owns). */
  hosts(aid: string): boolean {
    return this.#byAid.has(aid);
  }

  serve(m: CallMsg, args: unknown[], answer: (out: Output, where: Where) => void): void {
    const h = this.#byAid.get(m.aid!);
    if (h === undefined) throw new ActorDiedError({ id: m.aid!, className: 'actor' }, 'it is not hosted here any more: it died here, or its creator released it');
    const core = h.core;
    const method = core.methods.get(m.m!);
    if (method === undefined) throw new TypeError(`${core.className} has no method '${m.m}'`);
    // A call is run once here: a retry after a crash is the caller's (A7). Most calls carry no options of
    // their own: theirs is one object per method, so that what it is on the wire is worked out once.
    const o = m.o;
    let call = o === undefined ? this.#plain.get(method) : undefined;
    if (call === undefined) {
      call = { ...callFromWire(method.call, o), maxTaskRetries: 0 };
      if (o === undefined) this.#plain.set(method, call);
    }
    answer(core.call(method, args, call, o === undefined ? undefined : (t) => resumeFromWire(t, o)), `the result of ${core.className}.${m.m}`);
  }

  /** The peer is gone: the actors it created die with it (A8). */
  peerGone(peer: HostedPeer, why: string): void {
    this.#told.delete(peer);
    for (const h of [...this.#byAid.values()]) {
      if (h.peer !== peer) continue;
      this.#forget(h);
      h.core.die(new ActorDiedError(h.core, `its creator ${peer.label} died (${why})`));
    }
  }

  #forget(h: Hosted): void {
    this.#byAid.delete(h.aid);
    this.#byCore.delete(h.core);
  }
}
