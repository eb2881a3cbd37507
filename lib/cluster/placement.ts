// Where a threaded actor goes in a cluster. Candidates are the live members whose imports define its class
// (cluster nodes advertise their class keys) and this process's own pool. Per class or creation,
// `placement` says: 'local' (this process), 'spread' (round robin over the candidates), `{ node: name }`
// (that member), or by default the candidate with the fewest actors per worker; an actor that asks for
// `resources` goes only where that much is free. A creation that no member
// can take waits (the actor stays `starting`) until one can, or fails after the placement timeout naming
// what was asked and what the live members offer. Counts are the members' last heartbeats plus what this
// process placed on them since.
import type { ActorCore } from '../actor-core.js';
import type { ActorOptions } from '../model/options.js';
import { TroupeError } from '../errors.js';
import type { Cluster } from './cluster.js';
import type { Peer } from './peer.js';
import type { MemberInfo } from './protocol.js';
import { add, fits, minus, showResources } from './resources.js';

/** Where to build an actor: on this process, or on member `id`. */
export type Choice = { readonly local: true } | { readonly local: false; readonly id: string };

export class Placement {
  /** Actors this process placed on each member since its last heartbeat, and the resources they hold. */
  readonly #placed = new Map<string, { n: number; held: Record<string, number> }>();
  readonly #waiting = new Set<() => void>();
  #turn = 0;

  constructor(readonly cluster: Cluster) {}

  /** A member's heartbeat: its count includes what was placed on it before. */
  heard(m: MemberInfo): void {
    this.#placed.delete(m.id);
    this.changed();
  }

  /** Members came or went: waiting creations look again. */
  changed(): void {
    for (const w of [...this.#waiting]) w();
  }

  /** Where `core` goes now; undefined when no member can take it yet. `remoteOnly`: not this process.
   *  `self`: the actor being placed, when it is one of this process's already (a restart): what it holds
   *  here is its own to build again with. */
  choose(options: ActorOptions, key: string, remoteOnly = false, self?: ActorCore): Choice | undefined {
    const p = options.placement;
    const want = options.resources;
    const me = this.cluster.info(self);
    if (p === 'local') return remoteOnly || !fits(me.free, want) ? undefined : { local: true };
    type Cand = { id: string | undefined; name: string; load: number };
    const cands: Cand[] = [];
    for (const m of this.cluster.membership.live()) {
      if (!m.node || !m.classes.includes(key)) continue;
      const placed = this.#placed.get(m.id);
      if (!fits(minus(m.free, placed?.held), want)) continue;
      cands.push({ id: m.id, name: m.name, load: (m.actors + (placed?.n ?? 0)) / Math.max(1, m.workers) });
    }
    if (!remoteOnly && fits(me.free, want)) cands.unshift({ id: undefined, name: me.name, load: me.actors / Math.max(1, me.workers) });
    let pick: Cand | undefined;
    const leastLoaded = () => {
      for (const c of cands) if (pick === undefined || c.load < pick.load) pick = c;
    };
    if (p !== undefined && typeof p === 'object') {
      pick = cands.find((c) => c.name === p.node);
      if (pick === undefined && p.soft === true) leastLoaded();
    } else if (p === 'spread') {
      const sorted = cands.sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
      if (sorted.length > 0) pick = sorted[this.#turn++ % sorted.length];
    } else leastLoaded();
    if (pick === undefined) return undefined;
    if (pick.id === undefined) return { local: true };
    const placed = this.#placed.get(pick.id) ?? { n: 0, held: {} };
    placed.n++;
    add(placed.held, want);
    this.#placed.set(pick.id, placed);
    return { local: false, id: pick.id };
  }

  /** The member to build `core` on (never this process), once one can take it. */
  place(core: ActorCore, key: string, chosen: string | undefined): Promise<Peer> {
    if (chosen !== undefined && this.cluster.membership.alive(chosen)) return Promise.resolve(this.cluster.peer(chosen));
    return new Promise((resolve, reject) => {
      const attempt = (): boolean => {
        const c = this.choose(core.options, key, true);
        if (c === undefined || c.local) return false;
        resolve(this.cluster.peer(c.id));
        return true;
      };
      if (attempt()) return;
      const timeout = core.options.placementTimeout ?? this.cluster.placementTimeout;
      const waiter = () => {
        if (core.state === 'dead') {
          done();
          return;
        }
        if (attempt()) done();
      };
      const timer = setTimeout(() => {
        done();
        reject(new TroupeError(`no live member can host ${core.className} (${describe(core)}) after ${timeout} ms; live members: ${this.offers(key)}`));
      }, timeout);
      const done = () => {
        clearTimeout(timer);
        this.#waiting.delete(waiter);
      };
      this.#waiting.add(waiter);
    });
  }

  /** What the live members offer for class `key`, for an error message; this process last, which is no
   *  candidate where this is asked (place() and detached actors are for other members only). */
  offers(key: string): string {
    const show = (m: MemberInfo) => `${m.workers} workers, ${m.actors} actors, resources free ${showResources(m.free)} of ${showResources(m.resources)}`;
    const live = this.cluster.membership.live();
    const others = live.length === 0 ? 'none besides this process' : live.map((m) => `${m.name}${m.node ? '' : ' (a driver)'} ${m.classes.includes(key) ? 'hosts it' : 'does not host it'}, ${show(m)}`).join('; ');
    const me = this.cluster.info();
    return `${others}; this process (${me.name}, not a candidate) ${show(me)}`;
  }

  stop(): void {
    this.#waiting.clear();
  }
}

function describe(core: ActorCore): string {
  return describeWanted(core.options);
}

/** What a creation asks of placement, for an error message. */
export function describeWanted(options: ActorOptions): string {
  const p = options.placement;
  const where = p === undefined ? 'any member' : typeof p === 'object' ? `placement { node: '${p.node}'${p.soft ? ', soft: true' : ''} }` : `placement '${p}'`;
  const r = options.resources;
  return r === undefined ? where : `${where}, resources ${showResources(r)}`;
}
