// A ref crosses to a worker once (R3, per worker): the first call on a worker that takes an ObjectRef as an
// argument sends its value with the ref's id; later calls on that worker send the id alone, and the worker
// passes them the value it kept (the same object, as in process, where a ref's value is passed by
// reference). The main thread tells the worker to let the value go when the ref is garbage collected
// here, or forgets what a worker held when the worker dies.
import { ObjectRef } from '../ref.js';

/** How a ref argument crosses: its id, and its value the first time it goes to that worker. */
export interface RefMarker {
  readonly $troupeRef: number;
  readonly v?: unknown;
}

/** The ref arguments of a call, by position, recorded before they are resolved. */
export type RefArgs = readonly (readonly [index: number, ref: ObjectRef<unknown>])[];

/** A worker, as the main thread sees it: which ref values it holds, and how to tell it to drop one. */
export interface RefHolder {
  readonly heldRefs: Set<number>;
  dropRef(id: number): void;
}

const ids = new WeakMap<ObjectRef<unknown>, number>();
const holders = new Map<number, Set<RefHolder>>();
let nextId = 1;
const collected = new FinalizationRegistry<number>((id) => {
  const hs = holders.get(id);
  holders.delete(id);
  if (hs !== undefined) for (const h of hs) if (h.heldRefs.delete(id)) h.dropRef(id);
});

/** The positions of `args` that hold refs (call it before the refs are resolved). */
export function refArgsOf(args: readonly unknown[]): RefArgs | undefined {
  let out: (readonly [number, ObjectRef<unknown>])[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof ObjectRef) (out ??= []).push([i, a]);
  }
  return out;
}

/** `args` (values, refs resolved) with each ref position as a marker for `holder`; a new array. */
export function markRefArgs(holder: RefHolder, args: readonly unknown[], refArgs: RefArgs): unknown[] {
  const out = args.slice();
  for (const [i, ref] of refArgs) {
    let id = ids.get(ref);
    if (id === undefined) {
      ids.set(ref, (id = nextId++));
      collected.register(ref, id);
    }
    if (holder.heldRefs.has(id)) {
      out[i] = { $troupeRef: id } satisfies RefMarker;
      continue;
    }
    holder.heldRefs.add(id);
    let hs = holders.get(id);
    if (hs === undefined) holders.set(id, (hs = new Set()));
    hs.add(holder);
    out[i] = { $troupeRef: id, v: args[i] } satisfies RefMarker;
  }
  return out;
}

/** The worker died: it holds nothing any more. */
export function forgetHolder(holder: RefHolder): void {
  for (const id of holder.heldRefs) holders.get(id)?.delete(holder);
  holder.heldRefs.clear();
}

// ---- the holder's side (a worker, a cluster node): one per link, since ids are the sender's ----------------

const keepers = new Set<KeptRefs>();

/** The ref values one link's sender has sent here, by the sender's ids. */
export class KeptRefs {
  readonly #kept = new Map<number, unknown>();

  constructor() {
    keepers.add(this);
  }

  /** Replaces the markers of a call's arguments by the values kept here (keeping new ones). */
  read(args: unknown[]): void {
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as RefMarker | null;
      if (a === null || typeof a !== 'object' || typeof a.$troupeRef !== 'number') continue;
      if ('v' in a) this.#kept.set(a.$troupeRef, a.v);
      args[i] = this.#kept.get(a.$troupeRef);
    }
  }

  /** The ref was collected on the sender's side: no call will name it again. */
  drop(id: number): void {
    this.#kept.delete(id);
  }

  /** The link is gone: nothing it sent is needed any more. */
  close(): void {
    this.#kept.clear();
    keepers.delete(this);
  }

  get size(): number {
    return this.#kept.size;
  }
}

/** How many ref values this thread keeps, over its links (for tests). */
export function keptRefs(): number {
  let n = 0;
  for (const k of keepers) n += k.size;
  return n;
}
