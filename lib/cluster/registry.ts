// Actor names across the cluster, in a NATS KV bucket (JetStream): a name is claimed with the bucket's
// compare-and-set `create`, so of two members naming an actor at once exactly one wins, and the other's
// actor dies naming the winner. Every member watches the bucket and keeps a local view (getActor(name)
// reads it, a millisecond or so behind); findActor(name) waits on it. An entry is a handle's wire form
// with its owner; entries of members that have died are not handed out, and are removed (by whoever sees
// the death first, compare-and-set again, so a new owner's entry is never removed by mistake). A detached
// actor's entry also says how to build it again (`spawn`): when its node dies, the member that wins the
// compare-and-set builds it on another live node, while its restarts allow (Ray's detached actors). An
// unnamed detached actor that may restart has an entry too, under its line instead of a name, which no
// name can be: it is rebuilt the same way, and handles to it follow it by that entry.
import type { NatsConnection } from '@nats-io/transport-node';
import { ActorNotFoundError, TroupeError } from '../errors.js';
import { Packr } from 'msgpackr';
import type { SpawnMsg, WireHandle } from '../wire/protocol.js';

/** What the registry needs of its member. */
export interface RegistrySide {
  readonly me: string;
  /** Whether member `id` is alive (this one is). */
  alive(id: string): boolean;
  /** Member `id`'s name in nodes(). */
  nameOf(id: string): string | undefined;
  /** Where a detached actor whose node died is built again: a live node and the spawn to send it, or
   *  undefined when none can take it now. */
  respawnAt(spawn: SpawnMsg): { readonly node: string; readonly spawn: SpawnMsg } | undefined;
  /** Sends the spawn to `node` (after this member won the name for it). */
  respawn(node: string, spawn: SpawnMsg): void;
  /** How often (ms) a member looks again at a dead member's detached actor that no member could host. */
  readonly settleMs: number;
  /** This member holds its first entry: the others should start watching the bucket now, not at its next
   *  heartbeat (MemberInfo.names), so that their getActor sees it soon. */
  holds(): void;
}

/** An entry: the actor's handle, and for a detached actor how to build it again. */
export interface NameEntry extends WireHandle {
  readonly spawn?: SpawnMsg & { readonly respawns: number };
}

interface Entry {
  readonly w: NameEntry;
  readonly rev: number;
}

type KV = import('@nats-io/kv').KV;

/** A live actor of another member holds the name (not a failure of the registry's own). */
export class NameTakenError extends TroupeError {
  override name = 'NameTakenError';
}

/** The key of the entry of the actor named `name`. */
export const nameEntry = (name: string): string => Buffer.from(name, 'utf8').toString('base64url');
// Base64url has no '.': a line's key is never a name's.
const LINE = 'line.';
/** Where a detached actor's entry is kept, if it has one: under its name, or, unnamed, under its line while
 *  it may be built again (one that may not dies with its node, and needs none). */
export function spawnEntry(s: SpawnMsg): string | undefined {
  if (s.name !== undefined) return nameEntry(s.name);
  return (s.maxRestarts ?? 0) > 0 ? LINE + s.line : undefined;
}
const handleEntry = (w: WireHandle): string | undefined => (w.n !== undefined ? nameEntry(w.n) : w.l !== undefined ? LINE + w.l : undefined);
const nameOf = (k: string): string => Buffer.from(k, 'base64url').toString('utf8');
const describe = (k: string): string => (k.startsWith(LINE) ? `the registry entry of the detached actor ${k.slice(LINE.length)}` : `the actor name '${nameOf(k)}'`);
// Entries hold a detached actor's arguments, which may be binary: msgpack, each entry on its own.
const packr = new Packr({ moreTypes: true, useRecords: false, mapsAsObjects: true });
const encode = (w: NameEntry): Uint8Array => packr.pack(w);
const decode = (b: Uint8Array): NameEntry => {
  const w = packr.unpack(b) as NameEntry;
  if (w === null || typeof w !== 'object' || typeof w.$troupeHandle !== 'string' || typeof w.className !== 'string') throw new TypeError('not a name entry');
  return w;
};

export class Registry {
  readonly #view = new Map<string, Entry>();
  /** The entries this process holds (by key), for which of its actors, at which revision. */
  readonly #mine = new Map<string, { readonly id: string; readonly rev: number }>();
  readonly #waiting = new Set<() => void>();
  #stopped = false;
  #watch: { stop(): void } | undefined;

  private constructor(
    readonly kv: KV,
    readonly side: RegistrySide,
    /** The largest entry the server takes (its max_payload, less room for the message's own bytes). */
    readonly maxEntry: number,
  ) {}

  /** Opens (or makes) the cluster's bucket and starts watching it; undefined, and why, without JetStream. */
  static async open(nc: NatsConnection, cluster: string, side: RegistrySide): Promise<Registry | string> {
    const { Kvm } = await import('@nats-io/kv');
    let kv: KV;
    try {
      kv = await new Kvm(nc).create(`troupe_${cluster}_names`, { history: 1 });
    } catch (e) {
      return `its NATS server has no JetStream (start nats-server with -js): ${(e as Error).message}`;
    }
    const r = new Registry(kv, side, (nc.info?.max_payload ?? 1024 * 1024) - 4096);
    const watch = await kv.watch();
    r.#watch = watch;
    void (async () => {
      for await (const e of watch) {
        if (r.#stopped) break;
        if (e.operation === 'PUT') {
          try {
            r.#view.set(e.key, { w: decode(e.value), rev: e.revision });
          } catch {
            r.#view.delete(e.key); // not an entry of troupe's
          }
        } else r.#view.delete(e.key);
        for (const f of [...r.#waiting]) f();
      }
    })();
    return r;
  }

  /** Whether this process holds any entry. */
  get holding(): boolean {
    return this.#mine.size > 0;
  }

  /** The live actor named `name` in the local view, if any. */
  lookup(name: string): WireHandle | undefined {
    const e = this.entry(nameEntry(name));
    if (e === undefined) return undefined;
    const { spawn: _, ...w } = e;
    return w;
  }

  /** The live build of the detached actor `w` stands for, as the local view has it: itself, or the one
   *  built since its node died (of its line: not another actor given its name since). */
  buildOf(w: WireHandle): WireHandle | undefined {
    const k = handleEntry(w);
    const e = k === undefined ? undefined : this.entry(k);
    return e !== undefined && e.spawn?.line === w.l ? e : undefined;
  }

  /** The live actor whose entry is kept under `k` in the local view, if any. */
  entry(k: string): NameEntry | undefined {
    const e = this.#view.get(k);
    return e === undefined || !this.#live(k, e.w) ? undefined : e.w;
  }

  /**
   * Claims the entry `k` (nameEntry, spawnEntry) for the actor `w` (owned here). Resolves once it is this
   * actor's; rejects with an error naming the holder when a live actor of another member has it (a race
   * lost by milliseconds included).
   */
  async claim(k: string, w: NameEntry, getIfExists = false): Promise<void> {
    let bytes = encode(w);
    if (bytes.length > this.maxEntry && w.spawn !== undefined) {
      // Its arguments do not fit in an entry: it is named all the same, but not built again elsewhere.
      const { spawn: _, ...bare } = w;
      bytes = encode(bare);
    }
    let last: unknown;
    // Each turn loses a race (the entry was deleted, or another member took it over): a few are races,
    // more are a failure of the bucket's own (an entry over max_payload, a server that does not answer).
    for (let turn = 0; turn < 5; turn++) {
      try {
        this.#hold(k, w.$troupeHandle, await this.kv.create(k, bytes));
        return;
      } catch (e) {
        last = e;
        const cur = await this.kv.get(k);
        if (cur === null || cur.operation !== 'PUT') continue;
        const held = decode(cur.value);
        // Won already for this very actor: a detached actor built again (the member that chose it wrote
        // it), or one this process claimed again under its new incarnation.
        if (held.$troupeHandle === w.$troupeHandle && (held.o === w.o || held.o === this.side.me)) {
          this.#hold(k, w.$troupeHandle, cur.revision);
          return;
        }
        if (this.#live(k, held)) {
          const where = held.o === this.side.me ? 'this process' : (this.side.nameOf(held.o!) ?? 'another member of the cluster');
          const how = k.startsWith(LINE)
            ? 'it was built again there meanwhile'
            : getIfExists
              ? `findActor('${nameOf(k)}') gets that actor (getIfExists hands out only a holder this process already sees, and the two claims raced)`
              : `pass getIfExists: true, or findActor('${nameOf(k)}'), to get that actor`;
          throw new NameTakenError(`${describe(k)} is taken by ${held.className}#${held.$troupeHandle} on ${where}; ${how}`, { cause: e });
        }
        // Its owner is dead (or it is gone): take the name over, unless someone else just did.
        try {
          this.#hold(k, w.$troupeHandle, await this.kv.update(k, bytes, cur.revision));
          return;
        } catch (u) {
          last = u; // another member won the take-over (look again), or the update failed of itself
        }
      }
    }
    throw new TroupeError(`${describe(k)} could not be claimed in the cluster's registry: ${(last as Error).message}`, { cause: last });
  }

  /** The actor `id` is gone: its entry `k` is free again (only if it is still that actor's). */
  release(k: string, id: string): void {
    const m = this.#mine.get(k);
    if (m === undefined || m.id !== id) return;
    this.#mine.delete(k);
    this.kv.delete(k, { previousSeq: m.rev }).catch(() => {});
  }

  /** This process no longer holds the entry `k` of actor `id`, but leaves it in the bucket: the actor ends
   *  here, and the others are to build it again (this member is fenced, or leaves the cluster). */
  forget(k: string, id: string): void {
    if (this.#mine.get(k)?.id === id) this.#mine.delete(k);
  }

  /** This node, chosen to build entry `k`'s actor `id`, could not (what it asks for was taken meanwhile by
   *  a creation it had not heard of, or its imports do not define the class): placed again like an orphan,
   *  but no restart is counted, as none ran. Only this node looks after it (the entry names it, and it is
   *  alive), so a failed read or write of the bucket is tried again, not given up. */
  reassign(k: string, id: string): void {
    this.kv
      .get(k)
      .then((cur) => {
        if (this.#stopped || cur === null || cur.operation !== 'PUT') return;
        const w = decode(cur.value);
        if (w.$troupeHandle === id) this.#orphaned(k, { w, rev: cur.revision }, false);
      })
      .catch(() => this.#later(() => this.reassign(k, id)));
  }

  #later(f: () => void): void {
    setTimeout(() => this.#stopped || f(), this.side.settleMs).unref();
  }

  /** Lets the entry `k` go if it is still actor `id`'s (a rebuild its chosen node could not build). */
  drop(k: string, id: string): void {
    this.kv
      .get(k)
      .then((cur) => {
        if (cur !== null && cur.operation === 'PUT' && decode(cur.value).$troupeHandle === id) return this.kv.delete(k, { previousSeq: cur.revision });
      })
      .catch(() => {});
  }

  /** Member `id` died: the names of its actors are free again, but a detached actor that may restart is
   *  built again on another node by whichever member wins the compare-and-set for it. */
  ownerDied(id: string): void {
    for (const [k, e] of this.#view) if (e.w.o === id) this.#orphaned(k, e);
  }

  /** The entry `k` of a dead member's actor. A detached one that may restart is built again on a member
   *  that can host it, by whichever member wins the compare-and-set; while none can, it waits, looked at
   *  again every settleMs (a member may join, or free what it asks for) until another member took it over.
   *  Any other entry goes (by compare-and-set too: never a new owner's). */
  #orphaned(k: string, e: Entry, restart = true): void {
    const s = e.w.spawn;
    if (s === undefined || (restart && s.respawns >= (s.maxRestarts ?? 0))) {
      void this.kv.delete(k, { previousSeq: e.rev }).catch(() => {});
      return;
    }
    const again = this.side.respawnAt(s);
    if (again === undefined) {
      this.#later(() => {
        // A reassigned entry is this process's (its owner is alive): the bucket says whether it still is.
        if (!restart) return this.reassign(k, e.w.$troupeHandle);
        const now = this.#view.get(k);
        if (now !== undefined && now.rev === e.rev) this.#orphaned(k, now);
      });
      return;
    }
    const { h: _h, b: _b, ...rest } = e.w;
    const next: NameEntry = { ...rest, $troupeHandle: again.spawn.aid, o: again.node, spawn: { ...again.spawn, respawns: s.respawns + (restart ? 1 : 0) } };
    this.kv.update(k, encode(next), e.rev).then(
      () => this.side.respawn(again.node, again.spawn),
      // An orphan's: another member won, and builds it. A reassigned one's: nobody else writes it, so the
      // write failed of itself: looked at again.
      () => restart || this.#later(() => this.reassign(k, e.w.$troupeHandle)),
    );
  }

  /** The live actor named `name`, once the registry has one; rejects after `timeout` ms. */
  find(name: string, timeout: number): Promise<WireHandle> {
    const now = this.lookup(name);
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const look = () => {
        const w = this.lookup(name);
        if (w === undefined) return;
        done();
        resolve(w);
      };
      const timer = setTimeout(() => {
        done();
        reject(new ActorNotFoundError(name, `in the cluster after ${timeout} ms (findActor)`));
      }, timeout);
      const done = () => {
        clearTimeout(timer);
        this.#waiting.delete(look);
      };
      this.#waiting.add(look);
      // The bucket itself, in case the watch has not caught up yet.
      const k = nameEntry(name);
      this.kv.get(k).then(
        (e) => {
          if (e === null || e.operation !== 'PUT') return;
          try {
            this.#view.set(k, { w: decode(e.value), rev: e.revision });
          } catch {
            return;
          }
          look();
        },
        () => {},
      );
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#watch?.stop();
    for (const f of [...this.#waiting]) f();
    this.#waiting.clear();
  }

  /** This process holds the entry `k` for actor `id` now: findActor() calls waiting for it may look again. */
  #hold(k: string, id: string, rev: number): void {
    const first = this.#mine.size === 0;
    this.#mine.set(k, { id, rev });
    if (first) this.side.holds();
    for (const f of [...this.#waiting]) f();
  }

  /** An entry of this process is live while it holds the name; another member's while that member is. */
  #live(k: string, w: WireHandle): boolean {
    if (w.o === this.side.me) return this.#mine.get(k)?.id === w.$troupeHandle;
    return w.o !== undefined && this.side.alive(w.o);
  }
}
