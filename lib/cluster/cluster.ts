// This process as a member of a cluster: its NATS connection, its heartbeats and its view of the others
// (membership.ts), a link to each other member (peer.ts), the placement of threaded actors (placement.ts),
// and, on a node, the hosting of other members' actors (hosting/node.ts). Loaded only when init() is given
// a cluster: a program that never configures one never loads the NATS client.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { ActorCore } from '../actor-core.js';
import { ActorDiedError, TroupeError } from '../errors.js';
import { handleTarget } from '../handle.js';
import type { NodeHosting } from '../hosting/node.js';
import type { Placer } from '../executors/clustered.js';
import type { FunctionRouter } from '../threaded/functions.js';
import type { HandleCodec } from '../wire/codec.js';
import { encodeBeat, readBeat, readEnvelope } from './envelope.js';
import { Membership, type NodeInfo } from './membership.js';
import type { Publisher } from './nats-link.js';
import { Peer } from './peer.js';
import { ClusterHandles } from './handles.js';
import { nameEntry, NameTakenError, Registry, spawnEntry } from './registry.js';
import { Placement } from './placement.js';
import type { MemberInfo } from './protocol.js';
import { authOptions, type ClusterOptions } from './options.js';
import { add, minus, type Resources } from './resources.js';
import type { Msg, SpawnMsg } from '../wire/protocol.js';
import type { Location } from '../model/definitions.js';
import { moduleKey } from './module-key.js';
import { groupLimits, methodsFor, type ClassInfo } from '../model/class-info.js';
import type { ActorOptions } from '../model/options.js';
import { checkWireArgs } from '../wire/calls.js';
import { wireHandleFrom } from '../hosting/main.js';
import { describeWanted } from './placement.js';

/** What a member needs of the runtime of its process. */
export interface MemberRuntime {
  readonly actors: ReadonlyMap<string, ActorCore>;
  /** Why actor `id` of this process is gone. */
  goneError(id: string): ActorDiedError;
  workerCount(): number;
}


/** Messages that make the receiver run something (a fenced process drops them). */
const ACTS = new Set<Msg['t']>(['call', 'function', 'create', 'spawn', 'kill', 'ask']);

const newId = () => randomBytes(8).toString('hex');

/** The id of a detached actor's build, chosen by the member that asks a node for it. */
const detachedId = () => `d${randomBytes(6).toString('hex')}`;

/** Publishes, unless the connection is closing or closed (timers may still fire while it drains). */
function publishQuietly(nc: NatsConnection, subject: string, data: Uint8Array, reply?: string): void {
  if (nc.isClosed() || nc.isDraining()) return;
  try {
    nc.publish(subject, data, reply === undefined ? undefined : { reply });
  } catch {
    // closing meanwhile: nothing left to tell
  }
}

/** How long after a reconnect a no-responders answer is not taken for a death (at most failureTimeout). */
const RECONNECT_GRACE_MS = 2000;

export class Cluster implements Placer, FunctionRouter {
  readonly codec: ClusterHandles;
  /** This incarnation's id: a new one after the process was cut off (a new member to the others). */
  #me = newId();
  readonly prefix: string;
  readonly name: string;
  readonly failureTimeout: number;
  readonly heartbeatMs: number;
  readonly placementTimeout: number;
  readonly membership: Membership;
  readonly placement: Placement;
  /** Cluster-wide names (undefined without JetStream: `registryMissing` says why). */
  registry: Registry | undefined = undefined;
  registryMissing = 'its registry is not open yet';
  readonly #peers = new Map<string, Peer>();
  /** Messages dropped: malformed, from a dead member, or from one never heard of. */
  dropped = 0;
  hosting: NodeHosting | undefined = undefined;
  /** What this process offers to actors that ask for resources. */
  readonly resources: Resources;
  #classes: string[] = [];
  #functions: string[] = [];
  /** Each threaded function's module key across machines (undefined: it has none, so it runs here). */
  readonly #fnModules = new Map<Location, string | undefined>();
  #subs: Subscription[] = [];
  readonly #publisher: Publisher;
  #beat: ReturnType<typeof setInterval> | undefined;
  #left = false;
  /** When this process last heard its own heartbeat: the proof that the others hear it. */
  #selfHeard = performance.now();
  /** Cut off longer than the failure timeout: it acts on nothing more until it starts again as a new member. */
  #fenced = false;
  #inbound: Subscription[] = [];
  #reconnectedAt = -Infinity;
  #registryOpening: Promise<Registry | undefined> | undefined = undefined;
  #askedWho = -Infinity;
  /** When each member this process takes for dead was last told so. */
  readonly #toldDead = new Map<string, number>();

  private constructor(
    readonly nc: NatsConnection,
    readonly options: ClusterOptions,
    readonly runtime: MemberRuntime,
  ) {
    this.prefix = `troupe.${options.name}`;
    this.name = options.node ?? `driver-${hostname()}-${process.pid}`;
    this.failureTimeout = options.failureTimeout ?? 5000;
    this.heartbeatMs = Math.max(20, Math.min(250, Math.floor(this.failureTimeout / 5)));
    this.placementTimeout = options.placementTimeout ?? 30_000;
    this.resources = { ...options.resources };
    this.membership = new Membership(this.me, this.heartbeatMs, this.failureTimeout, {
      joined: () => this.placement.changed(),
      probe: (id) => this.peer(id).transport.probe(),
      died: (info, why) => {
        this.#peers.get(info.id)?.died(why);
        this.registry?.ownerDied(info.id);
      },
      cutOff: () => this.#cutOff(),
    });
    this.placement = new Placement(this);
    const self = this;
    this.codec = new ClusterHandles({
      get me() {
        return self.me;
      },
      get left() {
        return self.#left;
      },
      actors: runtime.actors,
      peer: (id) => self.peer(id),
      peerIfAlive: (id) => (self.membership.alive(id) ? self.peer(id) : undefined),
      buildOf: (w) => self.registry?.buildOf(w),
      spawnOf: (aid) => self.hosting?.spawnOf(aid),
    });
    this.#publisher = {
      get me() {
        return self.#me;
      },
      maxPayload: nc.info?.max_payload ?? 1024 * 1024,
      publish: (subject, data, reply) => {
        publishQuietly(nc, subject, data, reply);
      },
    };
  }

  /** Connects, starts heartbeats, and resolves once the members that answer at once are known. */
  /** `host`: this member is a node, hosting what `host` makes for the others from its first heartbeat on. */
  static async join(options: ClusterOptions, runtime: MemberRuntime, host?: (codec: HandleCodec) => NodeHosting): Promise<Cluster> {
    const { connect, credsAuthenticator } = await import('@nats-io/transport-node');
    const failure = options.failureTimeout ?? 5000;
    const nc = await connect({
      servers: options.servers,
      name: `troupe ${options.name}`,
      // A server outage shorter than the failure timeout is ridden out; a dead server is noticed in
      // about two pings, not the client's default minutes.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: Math.max(500, Math.floor(failure / 3)),
      maxPingOut: 2,
      ...authOptions(options, credsAuthenticator),
    }).catch((e: unknown) => {
      throw new TroupeError(`init: cannot connect to the NATS server(s) ${String(options.servers)}: ${(e as Error).message}`, { cause: e });
    });
    const c = new Cluster(nc, options, runtime);
    // A driver watches the names from the start (its getActor reads that view, and it rebuilds detached
    // actors whose node died); a node on its first need only: loading JetStream's client in a node's
    // process measured its large messages' round trips about 1.5x slower (README, Speed).
    if (host === undefined) await c.openRegistry();
    else c.#host(host(c.codec));
    c.#start();
    // Everyone answers `who` with a heartbeat: a few heartbeats' time later the view holds the members.
    await new Promise((r) => setTimeout(r, 3 * c.heartbeatMs));
    return c;
  }

  /** The cluster's names (registry.ts), opened on first need; undefined without JetStream (`registryMissing`). */
  openRegistry(): Promise<Registry | undefined> {
    const self = this;
    return (this.#registryOpening ??= Registry.open(this.nc, this.options.name, {
      get me() {
        return self.me;
      },
      alive: (id) => this.membership.alive(id),
      nameOf: (id) => this.nameOf(id),
      // A node that hosts the class may build it itself (a lone survivor too); a driver's pool never does.
      respawnAt: (spawn) => {
        const key = `${spawn.url}#${spawn.cls}`;
        const choice = this.placement.choose({ mode: 'threaded', ...(spawn.res !== undefined ? { resources: spawn.res } : {}) }, key, !this.#classes.includes(key));
        return choice === undefined ? undefined : { node: choice.local ? this.me : choice.id, spawn: { ...spawn, aid: detachedId() } };
      },
      respawn: (node, spawn) => (node === this.me ? this.hosting?.spawn(spawn) : this.peer(node).send(spawn)),
      settleMs: this.failureTimeout,
      holds: () => this.#publishBeat(),
    }).then((r) => {
      if (typeof r === 'string') {
        this.registryMissing = r;
        return undefined;
      }
      if (this.#left) {
        r.stop();
        this.registryMissing = 'this process has left the cluster';
        return undefined;
      }
      return (this.registry = r);
    }, (e: unknown) => {
      // The bucket out of reach now (an outage, a connection closing): looked for again next time.
      this.#registryOpening = undefined;
      this.registryMissing = `the names registry could not be opened: ${(e as Error).message}`;
      return undefined;
    }));
  }

  /** Makes this member a node: it hosts the classes and functions its imports defined for other members. */
  #host(hosting: NodeHosting): void {
    this.hosting = hosting;
    ({ classes: this.#classes, functions: this.#functions } = hosting.index());
  }

  get me(): string {
    return this.#me;
  }

  #start(): void {
    this.#subs.push(this.nc.subscribe(`${this.prefix}.hb`, { callback: (err, msg) => void (err === null && this.#beatIn(msg.data)) }));
    this.#subscribeInbound();
    this.#beat = setInterval(() => {
      if (this.#cutOff()) return;
      this.#publishBeat();
      for (const p of this.#peers.values()) p.transport.order.resend();
    }, this.heartbeatMs);
    this.#beat.unref();
    void this.#watchConnection();
  }

  /** After an outage, what the server may have lost is sent again at once (reliable.ts). */
  async #watchConnection(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type !== 'reconnect') continue;
      this.#reconnectedAt = performance.now();
      for (const p of this.#peers.values()) p.transport.order.resend(true);
    }
  }

  /** This incarnation's own subjects; what arrives on an earlier incarnation's is dropped. */
  #subscribeInbound(): void {
    const p = this.prefix;
    const me = this.#me;
    this.#inbound = [
      this.nc.subscribe(`${p}.in.${me}`, { callback: (err, msg) => void (err === null && me === this.#me && this.#receive(msg.data)) }),
      this.nc.subscribe(`${p}.nr.${me}.*`, {
        callback: (err, msg) => {
          if (err !== null || me !== this.#me || msg.headers?.code !== 503) return;
          // Just after a reconnect, the others may not have subscribed again yet: not proof of a death.
          if (performance.now() - this.#reconnectedAt < Math.min(this.failureTimeout, RECONNECT_GRACE_MS)) return;
          const to = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
          const why = 'its process is gone (the NATS server says nobody serves it)';
          // A member never heard of (a handle's owner that died before this process joined, or rejoined):
          // its link dies alone, so that what was sent to it fails instead of waiting for ever.
          if (this.membership.knows(to)) this.membership.dead(to, why);
          else this.#peers.get(to)?.died(why);
        },
      }),
    ];
    this.#publishBeat();
    publishQuietly(this.nc, `${p}.hb`, encodeBeat({ t: 'who', id: me }));
  }

  /**
   * Whether this process has been cut off from the cluster longer than the failure timeout: it has not
   * heard its own heartbeat for that long (its event loop was frozen or blocked, or the server was out of
   * reach), so the others have taken it for dead, ended the actors it created and moved the ones it
   * hosted (A7, A8). It then fences itself: what is already on its way in is still read, but no call or
   * creation in it is run (the callers were told the actor died, and may have run it elsewhere); then it
   * ends everything it had with the others and joins again as a new member (#reincarnate).
   */
  #cutOff(): boolean {
    if (this.#fenced) return true;
    const silent = performance.now() - this.#selfHeard;
    if (silent <= this.failureTimeout || this.#left) return false;
    this.#fence(`this process was cut off from the cluster for ${Math.round(silent)} ms (failureTimeout ${this.failureTimeout} ms), so the others took it for dead`);
    return true;
  }

  /** Fences this process (#cutOff), for `why`: it acts on nothing more, and soon joins again. */
  #fence(why: string): void {
    if (this.#fenced || this.#left) return;
    this.#fenced = true;
    setImmediate(() => this.#reincarnate(why));
  }

  /** Tells member `id`, which this process takes for dead, that it is (at most once a heartbeat). */
  #tellDead(id: string): void {
    const now = performance.now();
    if (now - (this.#toldDead.get(id) ?? -Infinity) < this.heartbeatMs) return;
    this.#toldDead.set(id, now);
    if (this.#toldDead.size > 1000) this.#toldDead.delete(this.#toldDead.keys().next().value!);
    publishQuietly(this.nc, `${this.prefix}.hb`, encodeBeat({ t: 'dead', id }));
  }

  #reincarnate(why: string): void {
    if (this.#left) return;
    const old = this.#me;
    const peers = [...this.#peers.values()];
    this.#peers.clear();
    for (const s of this.#inbound) s.unsubscribe();
    this.#me = newId();
    this.membership.reset(this.#me);
    // Its tenants crash (and restart on a member heard from again, A7), its calls in flight fail, and
    // the actors it hosted for the others die (A8): they were told so already.
    for (const p of peers) p.died(why);
    // The detached actors it built die too: the others took them for dead with it, and build them again
    // elsewhere from their entries, which stay. The names of its own other actors are claimed again by the
    // new member.
    this.leaveDetached();
    for (const core of [...this.runtime.actors.values()]) {
      if (core.state === 'dead') continue;
      if (this.hosting?.spawnOf(core.id) !== undefined) core.die(new ActorDiedError(core, why));
      else if (core.name !== undefined && this.registry !== undefined) {
        // Lost to a live actor elsewhere: it dies naming it. The bucket out of reach: it lives on, unclaimed.
        this.registry.claim(nameEntry(core.name), this.codec.ownWire(core)).catch((e: unknown) => e instanceof NameTakenError && core.state !== 'dead' && core.die(new ActorDiedError(core, e.message)));
      }
    }
    this.#selfHeard = performance.now();
    this.#fenced = false;
    // Whoever still takes the old incarnation for alive learns now that it is gone.
    publishQuietly(this.nc, `${this.prefix}.hb`, encodeBeat({ t: 'bye', id: old }));
    this.#subscribeInbound();
  }

  /** What this member is now; `except`: an actor not to count (Placement.choose `self`). */
  info(except?: ActorCore): MemberInfo {
    let actors = 0;
    const held: Record<string, number> = {};
    for (const c of this.runtime.actors.values()) {
      if (c.options.mode !== 'threaded' || !c.here || c.state === 'dead' || c === except) continue;
      actors++;
      add(held, c.options.resources);
    }
    return {
      id: this.me,
      name: this.name,
      node: this.hosting !== undefined,
      workers: this.runtime.workerCount(),
      resources: this.resources,
      free: minus(this.resources, held),
      actors,
      streams: this.#servedStreams(),
      ...(this.registry?.holding === true ? { names: true as const } : {}),
      classes: this.#classes,
      functions: this.#functions,
    };
  }

  #servedStreams(): number {
    let n = 0;
    for (const p of this.#peers.values()) n += p.endpoint.servedStreams;
    return n;
  }

  #publishBeat(): void {
    if (!this.#left) publishQuietly(this.nc, `${this.prefix}.hb`, encodeBeat({ t: 'hb', m: this.info() }));
  }

  #beatIn(data: Uint8Array): void {
    let b;
    try {
      b = readBeat(data);
    } catch {
      this.dropped++;
      return;
    }
    if (b.t === 'hb' && b.m.id === this.#me) {
      this.#selfHeard = performance.now();
      return;
    }
    if (this.#cutOff()) return;
    if (b.t === 'dead' || (b.t === 'bye' && b.id === this.#me)) {
      // Others took this incarnation for dead (they ended what it had with them): it must not go on.
      if (b.id === this.#me) this.#fence('another member of the cluster took this process for dead');
      return;
    }
    if (b.t === 'hb') {
      // A member holds names: watch them too, so that this member rebuilds detached actors when one dies.
      if (b.m.names === true && this.registry === undefined) void this.openRegistry();
      if (!this.membership.heard(b.m)) {
        this.dropped++;
        if (this.membership.isDead(b.m.id)) this.#tellDead(b.m.id);
      } else {
        const peer = this.#peers.get(b.m.id);
        if (peer !== undefined) peer.name = b.m.name;
        this.placement.heard(b.m);
      }
    } else if (b.t === 'who') {
      if (b.id !== this.me) this.#publishBeat();
    } else if (b.id !== this.me) this.membership.dead(b.id, 'it left the cluster');
  }

  /** The link to member `id`. */
  peer(id: string): Peer {
    let p = this.#peers.get(id);
    if (p === undefined) {
      const name = this.membership.info(id)?.name ?? id;
      p = new Peer(id, name, this.#publisher, { to: `${this.prefix}.in.${id}`, noResponders: `${this.prefix}.nr.${this.me}.${id}` }, this.codec, () => this.hosting, this.runtime);
      this.#peers.set(id, p);
    }
    return p;
  }

  #receive(data: Uint8Array): void {
    let env;
    try {
      env = readEnvelope(data);
    } catch {
      this.dropped++;
      return;
    }
    const from = env.f;
    // A dead member's incarnation is over, and one never heard of is no member: what they send is dropped.
    if (!this.membership.alive(from)) {
      this.dropped++;
      if (this.membership.isDead(from)) this.#tellDead(from);
      else if (performance.now() - this.#askedWho > this.heartbeatMs) {
        // A member not heard of yet: everyone, beat now (at most once a heartbeat; what it sent is resent).
        this.#askedWho = performance.now();
        publishQuietly(this.nc, `${this.prefix}.hb`, encodeBeat({ t: 'who', id: this.me }));
      }
      return;
    }
    const peer = this.peer(from);
    // In the link's order, once each (nats-link.ts): a duplicate or an early payload gives nothing yet.
    const ms = peer.transport.receive(env, data.length, this.#bad);
    if (ms.length === 0) return;
    // Cut off: results still count (they are real outcomes, sent while the sender took this process for
    // alive), but nothing is run for anyone (the callers were told otherwise). Asked once a payload.
    const fenced = this.#cutOff();
    for (const m of ms) this.#dispatch(peer, m, fenced);
  }

  readonly #bad = (): void => void this.dropped++;

  #dispatch(peer: Peer, m: Msg, fenced: boolean): void {
    if (peer.dead) return;
    if (fenced && ACTS.has(m.t)) {
      this.dropped++;
      return;
    }
    try {
      peer.endpoint.receive(m);
    } catch {
      this.dropped++; // a malformed message never takes the member down
    }
  }

  /**
   * Where the next call of threaded function `at` runs (FunctionRouter): this process's pool while it has a
   * worker free, else the member defining it with the fewest of this process's calls in flight per worker,
   * this pool included.
   */
  route(at: Location, local: number): { runner: Peer; module: string } | undefined {
    const workers = this.runtime.workerCount();
    if (local < workers) return undefined;
    let module = this.#fnModules.get(at);
    if (!this.#fnModules.has(at)) this.#fnModules.set(at, (module = moduleKey(at.url)));
    if (module === undefined) return undefined;
    const key = `${module}#${at.name}`;
    let best: Peer | undefined;
    let least = local / workers;
    for (const m of this.membership.live()) {
      if (!m.node || !m.functions.includes(key)) continue;
      const p = this.peer(m.id);
      const load = p.inFlight / Math.max(1, m.workers);
      if (load < least) {
        best = p;
        least = load;
      }
    }
    return best === undefined ? undefined : { runner: best, module };
  }

  /**
   * A detached actor (ActorOptions.lifetime): built on a live node that can host it now, under an id chosen
   * here, and owned by that node; the handle returned calls it there at once (calls queue in its mailbox
   * while it is built). Throws when no live node can host it now.
   */
  spawnDetached(info: ClassInfo, options: ActorOptions, args: unknown[]): object {
    const mod = info.module === undefined ? undefined : moduleKey(info.module);
    if (mod === undefined) throw new TroupeError(`${info.className}: a detached actor's class must come from a module inside a package, which nodes import by the same key`);
    const key = `${mod}#${info.className}`;
    const choice = this.placement.choose(options, key, true);
    if (choice === undefined || choice.local) {
      throw new TroupeError(`${info.className}: no live node can host this detached actor now (${describeWanted(options)}); live members: ${this.placement.offers(key)}`);
    }
    const wireArgs = checkWireArgs(args, () => `${info.className} constructor`, this.codec);
    const peer = this.peer(choice.id);
    const aid = detachedId();
    peer.send({
      t: 'spawn',
      aid,
      line: aid,
      url: mod,
      cls: info.className,
      args: wireArgs,
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.maxRestarts !== undefined ? { maxRestarts: options.maxRestarts } : {}),
      ...(options.maxTaskRetries !== undefined ? { maxTaskRetries: options.maxTaskRetries } : {}),
      ...(options.maxConcurrency !== undefined ? { maxConcurrency: options.maxConcurrency } : {}),
      ...(options.concurrencyGroups !== undefined ? { groups: options.concurrencyGroups } : {}),
      ...(options.resources !== undefined ? { res: { ...options.resources } } : {}),
    });
    const methods = methodsFor(info, options);
    return this.codec.handleFor({ ...wireHandleFrom(info.className, methods, groupLimits(options), 'threaded'), $troupeHandle: aid, o: peer.id, l: aid, ...(options.name !== undefined ? { n: options.name } : {}) });
  }

  nameOf(id: string): string | undefined {
    return this.membership.info(id)?.name;
  }

  /** Where the entry of `core`, an actor of this process, is kept in the registry, if it has one: a named
   *  actor's under its name; a detached one's, with how to build it again should its node die (registry.ts). */
  #entryOf(core: ActorCore): { readonly key: string; readonly spawn: SpawnMsg | undefined } | undefined {
    const spawn = this.hosting?.spawnOf(core.id);
    const key = spawn !== undefined ? spawnEntry(spawn) : core.name !== undefined ? nameEntry(core.name) : undefined;
    return key === undefined ? undefined : { key, spawn };
  }

  /** Claims the entry of `core` before it is built (runtime.ts admit); it dies naming why it cannot.
   *  `gone`: whether it died meanwhile (then its entry is let go at once). */
  claim(core: ActorCore, gone: () => boolean): Promise<void> | undefined {
    const at = this.#entryOf(core);
    if (at === undefined) return undefined;
    const w = { ...this.codec.ownWire(core), ...(at.spawn !== undefined ? { spawn: { ...at.spawn, respawns: 0 } } : {}) };
    return this.openRegistry()
      .then((registry) => {
        if (registry === undefined) throw new TroupeError(`cluster-wide names need JetStream, and ${this.registryMissing}`);
        return registry.claim(at.key, w, core.options.getIfExists === true).then(() => {
          if (gone()) registry.release(at.key, core.id);
        });
      })
      .catch((e: unknown) => {
        // An unnamed one is built all the same, only not again elsewhere should its node die (no JetStream,
        // or its arguments do not fit in an entry); a name is the actor's identity, and must be claimed.
        if (core.name === undefined && !(e instanceof NameTakenError)) return;
        throw new ActorDiedError(core, (e as Error).message);
      });
  }

  /** The detached actors built here end with this member (it is fenced, or leaves): their entries stay, so
   *  that the others build them again elsewhere when they hear that this member is gone (ownerDied). */
  leaveDetached(): void {
    const r = this.registry;
    if (r === undefined || this.hosting === undefined) return;
    for (const core of this.runtime.actors.values()) {
      const at = this.#entryOf(core);
      if (at?.spawn !== undefined) r.forget(at.key, core.id);
    }
  }

  /** `core` is gone: its entry is free again. */
  unclaim(core: ActorCore): void {
    const at = this.registry === undefined ? undefined : this.#entryOf(core);
    if (at !== undefined) this.registry!.release(at.key, core.id);
  }

  place(core: ActorCore, key: string, chosen: string | undefined): Promise<Peer> {
    return this.placement.place(core, key, chosen);
  }

  /** Every member known, this one first. */
  nodes(): NodeInfo[] {
    const i = this.info();
    return [{ id: i.id, name: i.name, alive: true, node: i.node, workers: i.workers, resources: i.resources, free: i.free, actors: i.actors }, ...this.membership.list()];
  }

  /** Says goodbye (the others end what they placed here at once) and closes the connection. */
  async leave(): Promise<void> {
    if (this.#left) return;
    this.#left = true;
    clearInterval(this.#beat);
    this.registry?.stop();
    this.membership.stop();
    this.placement.stop();
    for (const p of this.#peers.values()) {
      p.transport.flush();
      p.transport.order.close(); // no acks or resends while the connection drains
    }
    // What this process still waits for from the others settles now: it will not hear the answers.
    for (const p of this.#peers.values()) p.died('this process was shut down (shutdown())');
    try {
      this.nc.publish(`${this.prefix}.hb`, encodeBeat({ t: 'bye', id: this.me }));
      await this.nc.drain();
    } catch {
      // the connection is already gone
    }
  }
}
