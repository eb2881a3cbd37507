// Who is in the cluster, and who has died: every member sends a heartbeat (its MemberInfo) on the cluster's
// heartbeat subject, and every member keeps a view of the others from them, with its own timers (NATS 2.9
// sends no event when a KV entry expires). A member silent for `failureTimeout` is dead. One silent for
// two heartbeats is probed: if its process is gone, the server answers that nobody serves its subject and
// it is declared dead at once (cluster.ts hears that answer). A dead member stays listed, `alive: false`,
// for a while; anything it sends later is dropped (its incarnation is over: a new process is a new member).
import type { MemberInfo } from './protocol.js';

/** A member as nodes() lists it. */
export interface NodeInfo {
  readonly id: string;
  readonly name: string;
  readonly alive: boolean;
  /** A `troupe node` (true), or a driver's own pool (false). */
  readonly node: boolean;
  readonly workers: number;
  readonly resources: Readonly<Record<string, number>>;
  /** What of `resources` the actors living there do not hold. */
  readonly free: Readonly<Record<string, number>>;
  readonly actors: number;
}

interface Seen {
  info: MemberInfo;
  last: number;
  alive: boolean;
  /** When it died (it leaves the list after KEEP_DEAD_MS). */
  died: number;
  probed: number;
}

const KEEP_DEAD_MS = 60_000;

export interface MembershipEvents {
  /** A member was heard of for the first time. */
  joined(info: MemberInfo): void;
  /** Probe `id`: it has been silent for two heartbeats. */
  probe(id: string): void;
  /** `id` is dead: `why` says how it was found so. */
  died(info: MemberInfo, why: string): void;
  /** True while this process itself has been cut off longer than the failure timeout (frozen, or away
   *  from the server): the others' silence then says nothing about them, and no one is judged. */
  cutOff(): boolean;
}

export class Membership {
  readonly #seen = new Map<string, Seen>();
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(
    public me: string,
    readonly heartbeatMs: number,
    readonly failureTimeout: number,
    readonly on: MembershipEvents,
    readonly now: () => number = () => performance.now(),
  ) {
    this.#timer = setInterval(() => this.check(), Math.max(10, Math.floor(heartbeatMs / 2)));
    this.#timer.unref();
  }

  /** A heartbeat of `info`. Returns false when its sender is dead (what it says is dropped). */
  heard(info: MemberInfo): boolean {
    if (info.id === this.me) return true;
    const s = this.#seen.get(info.id);
    if (s === undefined) {
      this.#seen.set(info.id, { info, last: this.now(), alive: true, died: 0, probed: 0 });
      this.on.joined(info);
      return true;
    }
    if (!s.alive) return false;
    s.info = info;
    s.last = this.now();
    return true;
  }

  /** Any message from `id` shows it alive (not only its heartbeats); false if it is dead or unknown. */
  alive(id: string): boolean {
    return this.#seen.get(id)?.alive === true;
  }

  /** Whether `id` was heard of (alive or dead). */
  knows(id: string): boolean {
    return this.#seen.has(id);
  }

  isDead(id: string): boolean {
    return this.#seen.get(id)?.alive === false;
  }

  info(id: string): MemberInfo | undefined {
    return this.#seen.get(id)?.info;
  }

  /** Declares `id` dead (silent, gone from the server, or it said goodbye). */
  dead(id: string, why: string): void {
    const s = this.#seen.get(id);
    if (s === undefined || !s.alive) return;
    s.alive = false;
    s.died = this.now();
    this.on.died(s.info, why);
  }

  check(): void {
    if (this.on.cutOff()) return;
    const now = this.now();
    for (const [id, s] of this.#seen) {
      if (!s.alive) {
        if (now - s.died > KEEP_DEAD_MS) this.#seen.delete(id);
        continue;
      }
      const silent = now - s.last;
      if (silent > this.failureTimeout) this.dead(id, `it sent nothing for ${Math.round(silent)} ms (failureTimeout ${this.failureTimeout} ms)`);
      else if (silent > 2 * this.heartbeatMs && now - s.probed > this.heartbeatMs) {
        s.probed = now;
        this.on.probe(id);
      }
    }
  }

  /** The live members. */
  live(): MemberInfo[] {
    return [...this.#seen.values()].filter((s) => s.alive).map((s) => s.info);
  }

  list(): NodeInfo[] {
    return [...this.#seen.values()].map(({ info, alive }) => ({
      id: info.id,
      name: info.name,
      alive,
      node: info.node,
      workers: info.workers,
      resources: info.resources,
      free: alive ? info.free : info.resources,
      actors: alive ? info.actors : 0,
    }));
  }

  /** Forgets every member: this process starts again as a new member (cluster.ts, after a cut-off). */
  reset(me: string): void {
    this.me = me;
    this.#seen.clear();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
