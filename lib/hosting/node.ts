// Hosting actors for other members of a cluster (what a `troupe node` does). A peer's `create` builds the
// actor here, a threaded actor of this process's pool, from a class the modules this process imported at
// start defined: a message names a class by its key (cluster/module-key.ts), never a module to import. The
// peer's calls on it are served here and answered through the same link. The actor dies with the peer that
// created it (A8). When it dies here on its own (its worker crashed, its code killed it), the peer hears it
// first (`lost`), so that the peer's side of the actor restarts or dies as its options say (A7, its
// budget counted there) and the failed results that follow are dropped there.
import type { ActorCore } from '../actor-core.js';
import { ActorDiedError, DefinitionNotFoundError } from '../errors.js';
import { classInfo, type ClassInfo } from '../model/class-info.js';
import { handleTarget } from '../handle.js';
import { lookup, registered, type Location } from '../model/definitions.js';
import type { ActorOptions } from '../model/options.js';
import { callFromWire } from '../wire/calls.js';
import { argsFromWire, encodeError, type HandleCodec, type Where } from '../wire/codec.js';
import type { Output } from '../wire/endpoint.js';
import type { CallMsg, CreateMsg, Msg } from '../wire/protocol.js';
import { classKey } from '../cluster/module-key.js';
import { fits } from '../cluster/resources.js';

/** A member this process hosts actors for. */
export interface HostedPeer {
  readonly id: string;
  readonly label: string;
  send(m: Msg): void;
}

/** What hosting needs of this process's runtime. */
export interface HostingRuntime {
  createOwned(info: ClassInfo, options: ActorOptions, args: unknown[], creator: string | undefined): object;
  hosting: NodeHosting | undefined;
  /** What of its resources this process's actors do not hold now. */
  readonly cluster: { info(): { readonly free: Readonly<Record<string, number>> } } | undefined;
}

interface Hosted {
  readonly aid: string;
  readonly core: ActorCore;
  readonly peer: HostedPeer;
  built: boolean;
}

export class NodeHosting {
  /** The classes this process can host, by key. */
  readonly #classes = new Map<string, Location>();
  readonly #byAid = new Map<string, Hosted>();
  readonly #byCore = new Map<ActorCore, Hosted>();

  constructor(
    readonly runtime: HostingRuntime,
    readonly codec: HandleCodec,
  ) {
    runtime.hosting = this;
  }

  /** Records the threaded classes defined so far (after the start-up imports); returns their keys. */
  index(): string[] {
    for (const l of registered('class')) {
      const k = classKey(l.url, l.name);
      if (k !== undefined) this.#classes.set(k, l);
    }
    return [...this.#classes.keys()];
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

  serve(m: CallMsg, args: unknown[], answer: (out: Output, where: Where) => void): void {
    const h = this.#byAid.get(m.aid!);
    if (h === undefined) throw new ActorDiedError({ id: m.aid!, className: 'actor' }, 'it is not hosted here any more');
    const core = h.core;
    const method = core.methods.get(m.m!);
    if (method === undefined) throw new TypeError(`${core.className} has no method '${m.m}'`);
    // A call is run once here: a retry after a crash is the caller's (A7).
    const call = { ...callFromWire(method.call, m.o), maxTaskRetries: 0 };
    answer(core.call(method, args, call), `the result of ${core.className}.${m.m}`);
  }

  /** The peer is gone: the actors it created die with it (A8). */
  peerGone(peer: HostedPeer, why: string): void {
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
