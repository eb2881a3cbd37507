// Threaded actors used by spec/threaded-callout-backpressure.test.ts (G10, G9, A10 across a worker's
// callouts). A worker imports this module to find them by name, so it has no top-level side effects
// (decorators only register).
//
// Sipper consumes, inside a worker, a stream of a producer it was given a handle to; the test steers it
// call by call (open, take k, the rest) and counts what the producer has yielded. Spring is a threaded
// producer that counts its own yields, reached from the Sipper's worker through the main thread.
import { Actor, actor, type ObjectRef, type ObjectRefGenerator } from '../../lib/index.js';
import { collectGarbage } from './actors-util.js';

type Items = { remote(n: number, ...rest: unknown[]): ObjectRefGenerator<number, number> };

/** What the Sipper uses of a producer's handle (a main-thread actor, or a threaded Spring). */
export interface Source {
  items: Items & { options(o: { backpressure: number }): Items };
  /** A stream method whose @method options set backpressure (only main-thread producers have it). */
  paced: Items;
  /** Yields 0, 1, ... but at index `bad` a function, which cannot cross a thread. */
  badAt: { options(o: { backpressure: number }): { remote(n: number, bad: number): ObjectRefGenerator<number, number> } };
  ping: { remote(): ObjectRef<string> };
}

export interface Taken {
  values: number[];
  done: boolean;
}


@actor({ mode: 'threaded' })
export class Sipper extends Actor {
  gen: ObjectRefGenerator<number, number> | undefined = undefined;

  /** Opens a stream of `n` items of `source` (with `backpressure`, if given) and takes none of them. */
  open(source: Source, n: number, o: { backpressure?: number; method?: 'items' | 'paced' } = {}): boolean {
    const m = source[o.method ?? 'items'] as Source['items'];
    this.gen = o.backpressure === undefined ? m.remote(n) : m.options({ backpressure: o.backpressure }).remote(n);
    return true;
  }

  /** Takes up to `k` items, one next() at a time, in order. */
  async take(k: number): Promise<Taken> {
    const values: number[] = [];
    for (let i = 0; i < k; i++) {
      const r = await this.gen!.next();
      if (r.done) return { values, done: true };
      values.push(await r.value);
    }
    return { values, done: false };
  }

  /** Takes the rest of the stream; returns its items and its completed() value. */
  async rest(): Promise<{ values: number[]; completed: number }> {
    const gen = this.gen!;
    const values: number[] = [];
    for await (const ref of gen) values.push(await ref);
    this.gen = undefined;
    return { values, completed: await gen.completed() };
  }

  /** Takes `k` items of a stream of `n` and breaks out of `for await` (return(): G13). */
  async breakAfter(source: Source, n: number, backpressure: number, k: number): Promise<number[]> {
    const values: number[] = [];
    for await (const ref of source.items.options({ backpressure }).remote(n)) {
      values.push(await ref);
      if (values.length === k) break;
    }
    return values;
  }

  /**
   * Opens a stream whose callout must wait for a ref argument (the answer of another callout), and closes
   * it before the callout has left. Then calls `ping` on the same actor: that call leaves after the stream's
   * (A1), so it settles only if the stream's call did not hold the actor for ever.
   */
  async dropEarly(source: Source, backpressure: number): Promise<string> {
    const first = source.ping.remote();
    const gen = source.items.options({ backpressure }).remote(20, first);
    await gen.return();
    return source.ping.remote();
  }

  /** Takes a stream that has an item which cannot cross at index `bad`: the items before it, then its error. */
  async drainBad(source: Source, n: number, bad: number, backpressure: number): Promise<{ values: number[]; error: string }> {
    const values: number[] = [];
    try {
      for await (const ref of source.badAt.options({ backpressure }).remote(n, bad)) values.push(await ref);
    } catch (e) {
      return { values, error: (e as Error).name };
    }
    return { values, error: 'none' };
  }

  /** Opens a stream, takes one item and lets go of the stream without closing it (for the GC to find). */
  async abandon(source: Source, n: number, backpressure: number): Promise<number> {
    this.gen = source.items.options({ backpressure }).remote(n);
    const first = (await this.take(1)).values[0]!;
    this.gen = undefined;
    return first;
  }

  /** Runs the GC (the process runs with --expose-gc) for `rounds` turns of the event loop. */
  collect(rounds: number): Promise<boolean> {
    return collectGarbage(rounds);
  }

  ping(): string {
    return 'sipper';
  }
}

/** A threaded producer that counts its yields; two calls may run at once, so `produced()` answers while
 *  a stream waits for credit (created with maxConcurrency: 1, a waiting stream holds the actor). */
@actor({ mode: 'threaded', maxConcurrency: 2 })
export class Spring extends Actor {
  count = 0;

  *items(n: number): Generator<number, number> {
    for (let i = 0; i < n; i++) {
      this.count++;
      yield i;
    }
    return n;
  }

  *badAt(n: number, bad: number): Generator<number | (() => void), number> {
    for (let i = 0; i < n; i++) {
      this.count++;
      yield i === bad ? () => {} : i;
    }
    return n;
  }

  produced(): number {
    return this.count;
  }

  ping(): string {
    return 'spring';
  }
}
