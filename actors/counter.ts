// Counter: the smallest useful actor; state that only its own calls touch (A1). Used by the README,
// the specs and the benchmarks.
import { Actor, actor } from '../lib/index.js';

@actor()
export class Counter extends Actor {
  n: number;
  constructor(start = 0) {
    super();
    this.n = start;
  }
  incr(by = 1): number {
    return (this.n += by);
  }
  get(): number {
    return this.n;
  }
  /** Yields 0..k-1. */
  *range(k: number): Generator<number, number> {
    for (let i = 0; i < k; i++) yield i;
    return k;
  }
}
