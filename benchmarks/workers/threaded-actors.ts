// troupe's threaded actors and threaded remote functions used by the benchmark cases (cases/workers.ts).
// A pool worker imports this module to find each one by name, so it has no top-level side effects: the
// decorators and remote() only register. The operations match echo-worker.ts (the baselines) and
// pool-task.ts / comlink-worker.ts (the peers): the same payloads, the same work.
import { threadId } from 'node:worker_threads';
import { Actor, actor, remote } from '../../lib/index.js';

function spin(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x++;
  return x;
}

/** The stateless task of the task cases: { a, b } -> a + b (pool-task.ts does the same). */
export const addTask = remote(
  function addTask(arg: { a: number; b: number }): number {
    return arg.a + arg.b;
  },
  { mode: 'threaded' },
);

/** A stateful counter on a worker thread (as comlink-worker.ts's Counter and echo-worker.ts's 'incr'). */
@actor({ mode: 'threaded' })
export class ThreadedCounter extends Actor {
  n = 0;
  incr(by: number): number {
    return (this.n += by);
  }
  value(i: number): number {
    return i;
  }
  /** The worker thread it lives on. */
  where(): number {
    return threadId;
  }
}

/** Ray's "concurrent" actor: sync methods, up to 16 calls at once (they interleave inside the worker). */
@actor({ mode: 'threaded', maxConcurrency: 16 })
export class ThreadedConcurrent16 extends Actor {
  value(i: number): number {
    return i;
  }
}

/** Streams items { i, v: 2i } (echo-worker.ts's 'stream' op makes the same items). */
@actor({ mode: 'threaded' })
export class ThreadedProducer extends Actor {
  *items(n: number): Generator<{ i: number; v: number }> {
    for (let i = 0; i < n; i++) yield { i, v: i * 2 };
  }
}

/** CPU-bound work: spins for `ms` and returns how many loops it made (> 0). */
@actor({ mode: 'threaded' })
export class Spinner extends Actor {
  spin(ms: number): number {
    return spin(ms);
  }
  where(): number {
    return threadId;
  }
}

/** A counter whose `exit` ends its worker (process.exit in a method); rebuilt once after a crash. */
@actor({ mode: 'threaded', maxRestarts: 1 })
export class Crashy extends Actor {
  n = 0;
  incr(by: number): number {
    return (this.n += by);
  }
  exit(code: number): never {
    process.exit(code);
  }
}

/** The server of the threaded n:n with-args cases: the byte length of a buffer whose ends hold 7 (-1 if not:
 *  a payload that did not arrive whole). echo-worker.ts's 'bytes' op does the same. */
@actor({ mode: 'threaded' })
export class ByteServer extends Actor {
  withArg(x: Uint8Array): number {
    return x instanceof Uint8Array && x[0] === 7 && x[x.length - 1] === 7 ? x.byteLength : -1;
  }
}
