// Actors for spec/regressions-flow.test.ts: methods that are fast, then block (and return or throw), an async
// method that blocks after an await, and a constructor that blocks its worker.
import { Actor, actor } from '../../lib/index.js';
import { sleepSync } from './threaded-actors.js';

let signal: (() => void) | undefined;

@actor({ mode: 'threaded' })
export class PaceProbe extends Actor {
  /** ms === 0: returns at once; else blocks ms, then throws. */
  slowThrow(ms: number): number {
    if (ms === 0) return 0;
    sleepSync(ms);
    throw new Error(`threw after ${ms} ms`);
  }
  /** ms === 0: returns at once; else blocks ms, then returns. */
  slowReturn(ms: number): number {
    if (ms === 0) return 0;
    sleepSync(ms);
    return ms;
  }
  /** An async method: waits for fire(), then blocks the worker for ms. */
  async blockAfterSignal(ms: number): Promise<string> {
    await new Promise<void>((r) => (signal = r));
    sleepSync(ms);
    return 'blocked';
  }
  /** A fast sync method that wakes blockAfterSignal (if it waits). */
  fire(): number {
    signal?.();
    signal = undefined;
    return 1;
  }
  one(): number {
    return 1;
  }
  len(...args: unknown[]): number {
    return args.length;
  }
  withDefault(a: number, b = 5): number {
    return a + b;
  }
  self(): boolean {
    return this instanceof PaceProbe;
  }
}

@actor({ mode: 'threaded' })
export class SlowBirth extends Actor {
  constructor(ms: number) {
    super();
    sleepSync(ms);
  }
  one(): number {
    return 1;
  }
}
