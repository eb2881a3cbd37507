// The threaded actor of the cluster benchmarks (cases/cluster.ts). A `troupe node` child process imports
// the compiled module (dist/benchmarks/workers/cluster-actors.js) and so does the driver, so both name the
// class by the same module key. No top-level side effects beyond the decorators. Its work matches what
// nats-echo.ts (the raw NATS baselines) does: echo a value, stream items { i, v: 2i }.
import { Actor, actor, method } from '../../lib/index.js';
import type { Item } from './nats-echo.js';

@actor({ mode: 'threaded' })
export class ClusterBench extends Actor {
  echo<T>(v: T): T {
    return v;
  }
  /** The process it lives on (a node's pid, or the driver's for an actor placed on its own pool). */
  where(): number {
    return process.pid;
  }
  /** A call that stays in flight for `ms` (the SIGKILL case kills its node meanwhile). */
  async slow(ms: number): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    return 'slow done';
  }
  /** Items without backpressure (the method option's default). */
  *items(n: number): Generator<Item> {
    for (let i = 0; i < n; i++) yield { i, v: i * 2 };
  }
  /** The same items, the producer never more than 256 ahead of the consumer. */
  @method({ backpressure: 256 })
  *paced(n: number): Generator<Item> {
    for (let i = 0; i < n; i++) yield { i, v: i * 2 };
  }
}
