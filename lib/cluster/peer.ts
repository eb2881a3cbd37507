// One other member, as this process sees it: the link to it (an endpoint over a NatsLink), the actors this
// process placed there (its tenants), and what it says that is not about calls: `create`/`release` of the
// actors it places here (hosting/node.ts), `created`/`lost` of those placed there. When it dies, its
// tenants crash (and restart elsewhere, A7), the calls in flight to it are lost, and the actors it created
// here die with it (A8).
import type { ActorCore } from '../actor-core.js';
import { ActorDiedError, NotHostedHereError, TroupeError } from '../errors.js';
import { serveActor } from '../hosting/main.js';
import type { RemoteHandles } from '../wire/remote-handles.js';
import type { ClusterHandles } from './handles.js';
import type { NodeHosting } from '../hosting/node.js';
import { encodeError, type HandleCodec, type Where } from '../wire/codec.js';
import { Endpoint, type Host, type Output } from '../wire/endpoint.js';
import type { CallMsg, Control, Msg, WireError } from '../wire/protocol.js';
import { forgetHolder, type RefHolder } from '../wire/ref-cache.js';
import type { FunctionRunner } from '../threaded/functions.js';
import { NatsLink, type Publisher } from './nats-link.js';

/** An actor placed on the peer, as its executor (executors/clustered.ts) hears of it. */
export interface PeerTenant {
  created(error: WireError | undefined, full: boolean): void;
  lost(error: WireError): void;
  peerDied(cause: Error): void;
}

export class Peer implements Host, RefHolder, FunctionRunner {
  readonly transport: NatsLink;
  /** The threaded functions told to it (FunctionMsg), and this process's calls of them in flight there. */
  readonly functions = new Set<number>();
  inFlight = 0;
  readonly endpoint: Endpoint;
  /** Handles to the actors it owns, whose calls go to it (cluster/handles.ts). */
  readonly handles: RemoteHandles;
  /** The actors placed there, by build id. */
  readonly tenants = new Map<string, PeerTenant>();
  /** The refs whose values it keeps for this process's calls (ref-cache.ts: a ref crosses to it once). */
  readonly heldRefs = new Set<number>();
  dead = false;

  constructor(
    readonly id: string,
    public name: string,
    pub: Publisher,
    subjects: { readonly to: string; readonly noResponders: string },
    codec: ClusterHandles,
    readonly hosting: () => NodeHosting | undefined,
    /** The actors this process owns: calls through handles to them are served on them. */
    readonly owned: { readonly actors: ReadonlyMap<string, ActorCore>; goneError(id: string): ActorDiedError },
  ) {
    this.transport = new NatsLink(pub, subjects.to, subjects.noResponders);
    this.endpoint = new Endpoint(this.transport, codec, this);
    this.handles = codec.forPeer(this);
  }

  get label(): string {
    return `node ${this.name} (${this.id})`;
  }

  send(m: Msg): void {
    this.transport.send(m);
  }

  dropRef(id: number): void {
    if (!this.dead) this.send({ t: 'unref', id });
  }

  serve(m: CallMsg, args: unknown[], answer: (out: Output, where: Where) => void): void {
    const h = this.hosting();
    // Sent straight here: a build hosted for a member, or an actor this process owns (a detached one).
    if (m.d && (h === undefined || !h.hosts(m.aid!)) && !this.owned.actors.has(m.aid!)) throw new NotHostedHereError(`actor build ${m.aid} is not hosted here (any more)`);
    if (m.fid === undefined && (h === undefined || !h.hosts(m.aid!))) {
      // A call through a handle to an actor this process owns.
      const core = this.owned.actors.get(m.aid!);
      if (core === undefined) throw h?.gone(m.aid!) ?? this.owned.goneError(m.aid!);
      serveActor(core, m, args, answer);
      return;
    }
    if (h === undefined) throw new TroupeError(`this process hosts no actors or functions for other members (it is not a node)`);
    if (m.fid !== undefined) h.serveFunction(this, m, args, answer);
    else h.serve(m, args, answer);
  }

  control(m: Control): void {
    switch (m.t) {
      case 'create': {
        const h = this.hosting();
        if (h !== undefined) h.create(this, m);
        else this.send({ t: 'created', aid: m.aid, error: encodeError(new TroupeError('this process hosts no actors for other members (it is not a node)')) });
        return;
      }
      case 'release':
        this.hosting()?.release(m.aid);
        return;
      case 'function':
        this.hosting()?.define(this, m);
        return;
      case 'kill':
        this.owned.actors.get(m.aid)?.kill(m.noRestart);
        return;
      case 'spawn':
        this.hosting()?.spawn(m);
        return;
      case 'unref':
        this.endpoint.kept.drop(m.id);
        return;
      case 'created':
        this.tenants.get(m.aid)?.created(m.error, m.full === true);
        return;
      case 'lost': {
        const t = this.tenants.get(m.aid);
        this.tenants.delete(m.aid);
        t?.lost(m.e);
        return;
      }
      default:
        throw new TypeError(`a '${m.t}' message has no meaning between cluster members`);
    }
  }

  /** The peer is dead (`why`): nothing more goes to it, and nothing it sends is read. */
  died(why: string): void {
    if (this.dead) return;
    this.dead = true;
    const cause = new TroupeError(`${this.label}: ${why}`);
    this.transport.close();
    forgetHolder(this);
    const tenants = [...this.tenants.values()];
    this.tenants.clear();
    for (const t of tenants) t.peerDied(cause);
    this.endpoint.closed(cause, undefined);
    this.hosting()?.peerGone(this, why);
  }
}
