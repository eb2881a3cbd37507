// Actor handles between the processes of a cluster (A10). A handle leaves as its actor's id, methods and
// owner: the member whose runtime holds the actor (its creator, which counts its restarts and knows where it
// lives now). A handle received from anyone is a handle whose calls go to that owner, which runs them on
// the actor, wherever the actor lives (on the owner's pool or placed on a node: the owner's executor sends
// them on). A handle that comes back to its owner is the owner's own handle again.
import type { ActorCore } from '../actor-core.js';
import { ActorDiedError, TroupeError } from '../errors.js';
import { handleTarget } from '../handle.js';
import { wireHandleOf } from '../hosting/main.js';
import type { ActorInfo } from '../types.js';
import { isWireHandle, mapWireHandles, type HandleCodec } from '../wire/codec.js';
import type { SpawnMsg, WireHandle } from '../wire/protocol.js';
import { RemoteHandles } from '../wire/remote-handles.js';
import type { Peer } from './peer.js';

/** What the cluster's handles need of their process. */
export interface HandleSide {
  readonly me: string;
  /** This process has left the cluster (shutdown()). */
  readonly left: boolean;
  readonly actors: ReadonlyMap<string, ActorCore>;
  peer(id: string): Peer;
  /** The link to member `id` while it is alive; undefined otherwise. */
  peerIfAlive(id: string): Peer | undefined;
  /** The live build of the detached actor `w` stands for, in the registry's view here (Registry.buildOf). */
  buildOf(w: WireHandle): WireHandle | undefined;
  /** How the detached actor `aid` built here was asked for, if it is one. */
  spawnOf(aid: string): SpawnMsg | undefined;
}

export class ClusterHandles implements HandleCodec {
  /** The owner of each handle made here for an actor of another member. */
  readonly #ownerOf = new WeakMap<object, string>();
  /** Builds that calls found gone from where they lived: calls go to the owner instead. */
  readonly #moved = new Set<string>();
  /** The last build of a detached actor that a handle followed (by the handle's wire form): once the
   *  actor is gone for good, calls go there, and are told how it ended. */
  readonly #followed = new WeakMap<WireHandle, WireHandle>();
  /** Handles of detached actors whose build a call found dead for now (ActorDiedError.final false: a build
   *  its node refused, to be placed again), though its owner lives: they look for the next build too. */
  readonly #stale = new WeakSet<WireHandle>();

  constructor(readonly side: HandleSide) {}

  /** The handles of actors owned by member `peer`, whose calls go through its link. */
  forPeer(peer: Peer): RemoteHandles {
    const dead = new Set<string>();
    const side = this.side;
    return new RemoteHandles(
      {
        // The member's link now: after this process joined again as a new member, a new one.
        get endpoint() {
          return side.peer(peer.id).endpoint;
        },
        get shutDown() {
          return side.left;
        },
        kill: (aid, noRestart) => side.peer(peer.id).send({ t: 'kill', aid, noRestart }),
        // What this process knows without asking: gone once its owner is, or once a call said it died.
        info: (w): ActorInfo | null =>
          side.peer(peer.id).dead || dead.has(w.$troupeHandle)
            ? null
            : { id: w.$troupeHandle, name: undefined, className: w.className, mode: w.mode ?? 'threaded', state: 'open', queued: 0, running: 0, restarts: 0, node: peer.name },
        failed: (w, e) => {
          if (!(e instanceof ActorDiedError)) return;
          if (e.final !== false) dead.add(w.$troupeHandle);
          else if (w.l !== undefined) this.#stale.add(w);
        },
        // A detached actor whose owner (its node) died, or whose build was refused, and that was built again
        // since: that build, through a handle of this process to it (on this process's own pool, or owned
        // by the member it lives on).
        now: (w) => {
          if (w.l === undefined || (side.peerIfAlive(w.o!) !== undefined && !this.#stale.has(w))) return undefined;
          const found = side.buildOf(w);
          if (found !== undefined && found.$troupeHandle !== w.$troupeHandle) this.#followed.set(w, found);
          const b = this.#followed.get(w);
          if (b === undefined) return undefined;
          try {
            return handleTarget(this.handleFor(b));
          } catch {
            return undefined; // gone here meanwhile
          }
        },
        // Straight to the member the actor lives on, while it lives there (not to the owner, then on).
        direct: (w) => {
          if (w.h === undefined || w.b === undefined || this.#moved.has(w.b)) return undefined;
          const host = this.side.peerIfAlive(w.h);
          return host === undefined ? undefined : { endpoint: host.endpoint, aid: w.b };
        },
        moved: (w) => {
          if (w.b !== undefined) this.#moved.add(w.b);
        },
      },
      this,
    );
  }

  readonly writeHandle = (o: object): WireHandle | undefined => {
    if (isWireHandle(o)) return o;
    const t = handleTarget(o);
    if (t === undefined) return undefined;
    // An actor of this process's own (a dead one too: calls through the handle then fail with ActorDiedError),
    // with where it lives when that is another member: calls go straight there.
    if (t.kind !== 'foreign') return this.ownWire(t as ActorCore);
    const owner = this.#ownerOf.get(o);
    if (owner !== undefined) return this.side.peer(owner).handles.wireOf(o);
    throw new TroupeError(`a handle to ${t.className} given to this process by one of its workers cannot be passed to another process`);
  };

  /** A handle to `core`, an actor this process owns, as it leaves (and as its name's entry holds it). */
  ownWire(core: ActorCore): WireHandle {
    const at = core.build;
    const line = this.side.spawnOf(core.id)?.line;
    return {
      ...wireHandleOf(core),
      o: this.side.me,
      ...(at !== undefined ? { h: at.member, b: at.aid } : {}),
      ...(core.name !== undefined ? { n: core.name } : {}),
      ...(line !== undefined ? { l: line } : {}),
    };
  }

  readIn(v: unknown): unknown {
    return mapWireHandles(v, (w) => this.handleFor(w));
  }

  /** The handle here for the actor `w` stands for. */
  handleFor(w: WireHandle): object {
    if (w.o === undefined) throw new TroupeError(`a handle to ${w.className} came without its owner`);
    if (w.o === this.side.me) {
      const core = this.side.actors.get(w.$troupeHandle);
      if (core === undefined) throw new ActorDiedError({ id: w.$troupeHandle, className: w.className }, 'a handle to it came back to its owner, but it is no longer alive');
      return core.handle;
    }
    const h = this.side.peer(w.o).handles.handle(w);
    this.#ownerOf.set(h, w.o);
    return h;
  }
}
