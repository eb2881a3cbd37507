// Threaded actors for spec/threaded-journal.test.ts (the results journal, lib/threaded/journal.ts): results
// of every kind (numbers, objects, large strings), a producer whose result follows its items, a method that
// calls out through a handle before it returns, and a method that ends its worker by an uncaught error.
// Each run of `work` is recorded in a file (one write, as wire-actors.ts's Ledger), so a run is seen even
// when the worker dies right after. A worker imports this module to find the classes: no side effects.
import { openSync, writeSync } from 'node:fs';
import { Actor, actor, type ObjectRef } from '../../lib/index.js';

/** What Journaled calls through a handle it was given (a main-thread actor). */
export interface Noter {
  note: { remote(i: number): ObjectRef<number> };
}

@actor({ mode: 'threaded' })
export class Journaled extends Actor {
  #fd = -1;

  /** Opens the file `work` records its runs in. */
  open(path: string): boolean {
    this.#fd = openSync(path, 'a');
    return true;
  }

  number(i: number): number {
    return i;
  }

  object(i: number): { i: number; s: string; m: Map<string, number> } {
    return { i, s: `item ${i}`, m: new Map([['i', i]]) };
  }

  /** `i`, then `size` characters. */
  text(i: number, size: number): string {
    return `${i}:`.padEnd(size, 'x');
  }

  *items(n: number): Generator<number, string> {
    for (let i = 0; i < n; i++) yield i;
    return `done ${n}`;
  }

  /** Calls `noter.note(i)` (a callout; not awaited) and returns `i`. */
  via(noter: Noter, i: number): number {
    void noter.note.remote(i);
    return i;
  }

  /** Records `i` and returns it; at `i === crashAt`, ends the worker instead: `how` 'exit' calls
   *  process.exit, 'throw' throws from a later tick (an uncaught error: the worker's 'error', then 'exit'). */
  work(i: number, crashAt: number, how: 'exit' | 'throw'): number {
    if (i === crashAt) {
      if (how === 'exit') process.exit(5);
      process.nextTick(() => {
        throw new Error(`uncaught at ${i}`);
      });
      return i;
    }
    writeSync(this.#fd, `${i}\n`);
    return i;
  }
}
