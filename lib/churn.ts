// A Map and a Set for entries that come and go once per call (calls in flight, tasks not yet settled).
// V8 rehashes a Map's or Set's table into a new one every few insertions, as deleted entries fill it, and
// leaves the old table pointing at the new one with its entries still in it (for iterators made before).
// Once a table is in the old generation (a mark-compact promotes the live tables: the benchmark harness's
// gc() is one; or the Map sat unchanged through two scavenges: the calls Map of the worker the pool did not
// choose lately), it is a root of every scavenge until the next mark-compact: each table after it survives,
// with every entry it ever held (each call's task, arguments, promise, result), all promoted, which brings
// on the next mark-compact, which promotes the tables live then, and so on (spec/churn.test.ts shows the
// mechanism alone; the benchmark case of threaded remote functions at 16 in flight, its cost). These start
// over on a fresh Map (a copy) after RENEW + size insertions, so a chain of tables holds at most that many
// entries, and a copy costs less than one entry per insertion (ChurnSet is a ChurnMap's keys). An iterator
// made before a copy goes on over the old Map, which sees no later change: iterate a copy ([...m]) to change
// the collection meanwhile (the callers here do).

/** Insertions between two copies, beyond the size (small: it bounds what one chain of tables keeps). */
const RENEW = 256;

export class ChurnMap<K, V> implements Iterable<[K, V]> {
  #m = new Map<K, V>();
  #sets = 0;

  get size(): number {
    return this.#m.size;
  }
  get(k: K): V | undefined {
    return this.#m.get(k);
  }
  has(k: K): boolean {
    return this.#m.has(k);
  }
  set(k: K, v: V): this {
    if (++this.#sets > RENEW + this.#m.size) {
      this.#sets = 0;
      this.#m = new Map(this.#m);
    }
    this.#m.set(k, v);
    return this;
  }
  delete(k: K): boolean {
    return this.#m.delete(k);
  }
  /** A fresh Map: Map.clear() too leaves the old table pointing at a new one. */
  clear(): void {
    this.#m = new Map();
    this.#sets = 0;
  }
  keys(): IterableIterator<K> {
    return this.#m.keys();
  }
  values(): IterableIterator<V> {
    return this.#m.values();
  }
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.#m.entries();
  }
}

export class ChurnSet<T> implements Iterable<T> {
  readonly #m = new ChurnMap<T, true>();

  get size(): number {
    return this.#m.size;
  }
  has(v: T): boolean {
    return this.#m.has(v);
  }
  add(v: T): this {
    this.#m.set(v, true);
    return this;
  }
  delete(v: T): boolean {
    return this.#m.delete(v);
  }
  clear(): void {
    this.#m.clear();
  }
  [Symbol.iterator](): IterableIterator<T> {
    return this.#m.keys();
  }
}
