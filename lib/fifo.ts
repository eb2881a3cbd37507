// A first-in first-out queue on a growable ring buffer: O(1) push and shift with no array resizing on the
// steady path (Array.prototype.shift is O(n), and emptying an array by `length = 0` costs on every call).
// Mailboxes and concurrency groups queue their calls in it.
export class Fifo<T> {
  #items: (T | undefined)[] = new Array(8);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & (this.#items.length - 1)] = item;
    this.#size++;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#size--;
    return item;
  }

  /** Removes one item wherever it is (O(n): for cancelling a queued call). */
  remove(item: T): boolean {
    const all = this.drain();
    const i = all.indexOf(item);
    if (i >= 0) all.splice(i, 1);
    for (const x of all) this.push(x);
    return i >= 0;
  }

  /** Empties the queue, returning what it held in order. */
  drain(): T[] {
    const out: T[] = [];
    for (let x = this.shift(); x !== undefined; x = this.shift()) out.push(x);
    return out;
  }

  #grow(): void {
    const old = this.#items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = next;
    this.#head = 0;
  }
}
