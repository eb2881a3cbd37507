// The executor of a threaded actor placed on another member of the cluster (a node): it waits for the
// placement (a node that can host the class), builds the actor there (`create`, answered `created`), and
// sends its calls through that member's link (the queue and the order of calls are remote.ts's). When the
// node says the actor died there (`lost`), or the node itself dies, the actor crashes here: it restarts
// on a live node, and its calls in flight are retried, as its options say (A7).
import type { ActorCore } from '../actor-core.js';
import { ActorDiedError } from '../errors.js';
import type { ClassInfo } from '../model/class-info.js';
import type { Task } from '../task.js';
import { checkWireArgs } from '../wire/calls.js';
import { decodeError, type HandleCodec } from '../wire/codec.js';
import type { WireError } from '../wire/protocol.js';
import type { Peer, PeerTenant } from '../cluster/peer.js';
import { RemoteExecutor } from './remote.js';

/** Where the cluster places an actor (cluster.ts). */
export interface Placer {
  readonly codec: HandleCodec;
  /** The name of member `id` in nodes(). */
  nameOf(id: string): string | undefined;
  /** The member to build `core` on, once one can (rejects after the placement timeout). */
  place(core: ActorCore, key: string, chosen: string | undefined): Promise<Peer>;
}

export class ClusterExecutor extends RemoteExecutor implements PeerTenant {
  readonly elsewhere = true;
  #peer: Peer | undefined = undefined;
  /** The creation waiting for `created`: true once built, false when that member had no room left. */
  #create: { resolve(built: boolean): void; reject(e: Error): void } | undefined = undefined;

  constructor(
    core: ActorCore,
    readonly placer: Placer,
    /** The key of the class's module (cluster/module-key.ts), as the runtime placed it. */
    readonly module: string,
    /** The member placement chose when the actor was made; undefined: none could take it then. */
    readonly chosen: string | undefined,
  ) {
    super(core, placer.codec);
  }

  protected link(): Peer | undefined {
    return this.#peer;
  }

  #built = false;

  /** Where calls may go straight: only for an actor that never restarts (A7: the restarts and the retries
   *  of calls in flight are its owner's to run, so a restartable actor's calls go through the owner). */
  get build(): { member: string; aid: string } | undefined {
    const p = this.#peer;
    if (!this.#built || p === undefined || p.dead || this.closed || (this.core.options.maxRestarts ?? 0) > 0) return undefined;
    return { member: p.id, aid: this.wid };
  }

  get node(): string | undefined {
    return this.#peer?.name ?? (this.chosen === undefined ? undefined : this.placer.nameOf(this.chosen));
  }

  start(info: ClassInfo, args: unknown[]): Promise<void> {
    let wireArgs: unknown[];
    try {
      wireArgs = checkWireArgs(args, () => `${info.className} constructor`, this.wire);
    } catch (e) {
      return Promise.reject(e);
    }
    const o = this.core.options;
    const attempt = (chosen: string | undefined): Promise<void> =>
      this.placer
        .place(this.core, `${this.module}#${info.className}`, chosen)
        .catch((e: unknown) => {
          // Not a constructor that threw: nothing to restart until a member can take it.
          if (this.core.state !== 'dead') this.core.die(new ActorDiedError(this.core, 'no member of the cluster could host it', e));
          throw e;
        })
        .then(
          (peer) =>
            new Promise<boolean>((resolve, reject) => {
              if (this.closed) return resolve(true);
              this.#peer = peer;
              peer.tenants.set(this.wid, this);
              this.#create = { resolve, reject };
              peer.send({
                t: 'create',
                aid: this.wid,
                id: this.core.id,
                url: this.module,
                cls: info.className,
                args: wireArgs,
                ...(o.maxConcurrency !== undefined ? { maxConcurrency: o.maxConcurrency } : {}),
                ...(o.concurrencyGroups !== undefined ? { groups: o.concurrencyGroups } : {}),
                ...(o.resources !== undefined ? { res: { ...o.resources } } : {}),
              });
            }),
        )
        .then((built) => {
          if (built || this.closed) return;
          // Others took that member's resources first: place it again (placement waits for room).
          this.#peer!.tenants.delete(this.wid);
          this.#peer = undefined;
          return attempt(undefined);
        });
    return attempt(this.chosen).then(() => this.opened());
  }

  created(error: WireError | undefined, full: boolean): void {
    const c = this.#create;
    this.#create = undefined;
    if (error === undefined) {
      this.#built = !full;
      c?.resolve(!full);
    }
    else c?.reject(decodeError(error));
  }

  lost(error: WireError): void {
    if (this.core.state !== 'dead') this.core.crash(`it died on ${this.#peer!.label}`, decodeError(error));
  }

  peerDied(cause: Error): void {
    if (this.core.state !== 'dead') this.core.crash('its node died', cause);
  }

  cancelRunning(task: Task, _force: boolean, recursive: boolean): void {
    // Forcing ends a worker between threads; across processes a cancel is what there is.
    const id = this.idOf(task);
    if (id !== undefined) this.#peer?.endpoint.cancel(id, recursive);
  }

  dispose(): void {
    const peer = this.#peer;
    if (peer === undefined) return;
    peer.tenants.delete(this.wid);
    if (!peer.dead) peer.send({ t: 'release', aid: this.wid });
  }
}
