// Threaded actors and threaded remote functions used by spec/regressions-review2.test.ts (the six bugs of
// the second review, fixed in 3f2f3fe). A worker imports this module to find them by name, so it has no
// top-level side effects (decorators and remote() only register).
//
// The G13 spec calls `fnLateGen` first thing in a new runtime, so that this module is still loading in the
// fresh worker when the call (and its cancel) arrive.
import { existsSync, writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { Actor, actor, remote, type ObjectRefGenerator } from '../../lib/index.js';
import { collectGarbage } from './actors-util.js';

const macrotask = (): Promise<void> => new Promise((r) => setImmediate(r));

/** What a producer's handle offers the Drinker: a stream method of one number argument, and ping(). */
export interface Spout {
  items: { options(o: { backpressure: number }): { remote(n: number): ObjectRefGenerator<unknown, number> } };
}

/** An error item as plain data (what crosses back to the test). */
export interface ErrorInfo {
  name: string;
  causeName: string | undefined;
  causeMessage: string | undefined;
}

export interface Drained {
  values: unknown[];
  error: ErrorInfo | undefined;
  /** Something (an item or a second error) came after the error item. */
  itemAfterError: boolean;
  /** next() gave `done` after the end, and again on a second call. */
  doneStays: boolean;
}

/**
 * A threaded consumer of a stream of another actor it was given a handle to (A10): the test steers it
 * call by call. It can also end its own worker (process.exit) and let go of its stream for the GC.
 */
@actor({ mode: 'threaded' })
export class Drinker extends Actor {
  gen: ObjectRefGenerator<unknown, number> | undefined = undefined;

  /** Opens a stream of `n` items of `source` with `backpressure`, and takes none of them. */
  open(source: Spout, n: number, backpressure: number): boolean {
    this.gen = source.items.options({ backpressure }).remote(n);
    return true;
  }

  /** Takes up to `k` items, one next() at a time. */
  async take(k: number): Promise<unknown[]> {
    const values: unknown[] = [];
    for (let i = 0; i < k; i++) {
      const r = await this.gen!.next();
      if (r.done) break;
      values.push(await r.value);
    }
    return values;
  }

  /** Takes the rest of the stream: its values, its first error item, and whether `done` stays. */
  async drain(): Promise<Drained> {
    const gen = this.gen!;
    const out: Drained = { values: [], error: undefined, itemAfterError: false, doneStays: false };
    for (;;) {
      const r = await gen.next();
      if (r.done) break;
      try {
        const v = await r.value;
        if (out.error !== undefined) out.itemAfterError = true;
        out.values.push(v);
      } catch (e) {
        if (out.error !== undefined) out.itemAfterError = true;
        const err = e as Error & { cause?: Error };
        out.error ??= { name: err.name, causeName: err.cause?.name, causeMessage: err.cause?.message };
      }
    }
    out.doneStays = (await gen.next()).done === true && (await gen.next()).done === true;
    return out;
  }

  /** Opens a stream with `backpressure`, takes its first item and lets go of it (for the GC to find). */
  async abandon(source: Spout, n: number, backpressure: number): Promise<unknown> {
    this.gen = source.items.options({ backpressure }).remote(n);
    const r = await this.gen.next();
    const first = r.done ? undefined : await r.value;
    this.gen = undefined;
    return first;
  }

  /** Runs the GC (the process runs with --expose-gc) for `rounds` turns of the event loop. */
  collect(rounds: number): Promise<boolean> {
    return collectGarbage(rounds);
  }

  /** Ends this worker. */
  exit(code: number): never {
    process.exit(code);
  }

  ping(): string {
    return 'drinker';
  }
}

/**
 * A threaded producer that counts its yields (the count is the instance's: a restart starts it at 0). The
 * first time its stream reaches item `crashAt` it ends its worker (a marker file says it did), so the
 * stream's next attempt (G12, maxTaskRetries) runs on a new worker. Its stream awaits a macrotask per item,
 * so `produced()` answers while the stream runs or waits for credit.
 */
@actor({ mode: 'threaded', maxConcurrency: 4 })
export class Geyser extends Actor {
  count = 0;
  constructor(
    readonly crashAt: number,
    readonly marker: string,
  ) {
    super();
  }

  async *items(n: number): AsyncGenerator<number, number> {
    for (let i = 0; i < n; i++) {
      if (i === this.crashAt && !existsSync(this.marker)) {
        writeFileSync(this.marker, '');
        process.exit(3);
      }
      this.count++;
      await macrotask();
      yield i;
    }
    return n;
  }

  produced(): number {
    return this.count;
  }
}

/** Yields a plain array with an own `constructor` property (no species to look up), then 3. */
@actor({ mode: 'threaded' })
export class Species extends Actor {
  *items(): Generator<unknown, string> {
    yield Object.assign([1, 2], { constructor: 5 });
    yield 3;
    return 'end';
  }
}

/**
 * Posts arrays of its own on the worker's parentPort (user code may use the port): they are not troupe's
 * messages. `slow` waits for a gate file, so that it is in flight while `forge` posts.
 */
@actor({ mode: 'threaded', maxConcurrency: 2 })
export class Forger extends Actor {
  async slow(gate: string): Promise<string> {
    const end = Date.now() + 10_000;
    while (!existsSync(gate)) {
      if (Date.now() > end) throw new Error(`waited 10 s for ${gate}`);
      await new Promise<void>((r) => setTimeout(r, 2));
    }
    return 'real';
  }

  /** Posts ['x', id, 'forged'] for every id from 1 to `upTo`: the shape of a result of call `id` to a reader that looks at [1] and [2] only. */
  forge(upTo: number): number {
    for (let id = 1; id <= upTo; id++) {
      parentPort!.postMessage(['x', id, 'forged']);
      // troupe's own shapes too: a lone result, a batch of one, an object result
      parentPort!.postMessage([2, id, 'forged']);
      parentPort!.postMessage([0, [2, id, 'forged']]);
      parentPort!.postMessage({ t: 'result', id, ok: true, v: 'forged' });
    }
    return upTo;
  }

  ping(): string {
    return 'forger';
  }
}

type Counters = { lateStarted?: number; lateFinished?: number; lateItems?: number };
const counters = globalThis as Counters;

/** A threaded generator that counts, in its worker, its starts, its yields and its `finally` runs. */
export const fnLateGen = remote(
  async function* fnLateGen(n: number): AsyncGenerator<number, number> {
    counters.lateStarted = (counters.lateStarted ?? 0) + 1;
    try {
      for (let i = 0; i < n; i++) {
        counters.lateItems = (counters.lateItems ?? 0) + 1;
        yield i;
      }
    } finally {
      counters.lateFinished = (counters.lateFinished ?? 0) + 1;
    }
    return n;
  },
  { mode: 'threaded' },
);

/** fnLateGen's counters in this worker. */
export const fnLateFinals = remote(
  function fnLateFinals(): { started: number; finished: number; items: number } {
    return { started: counters.lateStarted ?? 0, finished: counters.lateFinished ?? 0, items: counters.lateItems ?? 0 };
  },
  { mode: 'threaded' },
);

class Opaque {
  n = 1;
}

/** Yields 1, then a Proxy of a class instance (the wire check takes it; structured clone refuses it), then 3. */
@actor({ mode: 'threaded' })
export class Cloneless extends Actor {
  *items(): Generator<unknown, string> {
    yield 1;
    yield new Proxy(new Opaque(), {});
    yield 3;
    return 'end';
  }
}
