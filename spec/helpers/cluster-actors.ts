// Threaded actors used by spec/cluster-*.test.ts. A `troupe node` child process imports this module (its
// classes are what the node hosts), and so does the test (the driver): the same module key on both sides.
// No top-level side effects beyond the decorators.
import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { Actor, ActorNotFoundError, actor, findActor, getActor, kill, method, type ActorHandle } from '../../lib/index.js';

/** Holds what it was built with (a detached actor with a large argument). */
@actor({ mode: 'threaded' })
export class ClusterHolder extends Actor {
  constructor(readonly held: Uint8Array) {
    super();
  }
  size(): number {
    return this.held.length;
  }
}

@actor({ mode: 'threaded' })
export class ClusterCounter extends Actor {
  n: number;
  constructor(start = 0) {
    super();
    this.n = start;
  }
  add(k: number): number {
    this.n += k;
    return this.n;
  }
  /** Where it runs: the node's process id and thread. */
  where(): { pid: number; thread: number } {
    return { pid: process.pid, thread: threadId };
  }
  echo<T>(v: T): T {
    return v;
  }
  /** Calls the actor behind a handle it was given (A10, across processes). */
  async addVia(h: ActorHandle<ClusterCounter>, k: number): Promise<number> {
    return await h.add.remote(k);
  }
  /** Takes the first `n` items of another actor's stream, through a handle. */
  async firstOf(h: ActorHandle<ClusterCounter>, n: number): Promise<number[]> {
    const out: number[] = [];
    for await (const r of h.count.remote(n)) out.push(await r);
    return out;
  }
  /** Creates an actor of its own (it dies with this one, A8) and hands it out. */
  async spawnChild(start: number): Promise<ActorHandle<ClusterCounter>> {
    const child = ClusterCounter.remote(start);
    await child.add.remote(0);
    return child;
  }
  /** `n` slow calls at once through a handle, each settled with its outcome's text. */
  async slowVia(h: ActorHandle<ClusterCounter>, n: number, ms: number): Promise<string[]> {
    const calls = Array.from({ length: n }, () => h.slow.remote(ms).then(String, (e: unknown) => `${(e as Error).name}: ${(e as Error).message}`));
    return await Promise.all(calls);
  }
  /** Finds an actor by its cluster-wide name from this actor's code, and calls it. */
  async addNamed(name: string, k: number): Promise<number> {
    const h = await findActor<ClusterCounter>(name, { timeout: 5000 });
    return await h.add.remote(k);
  }
  /** Looks the name up in this process's local view (getActor) until it is there, at most `ms`; then
   *  calls the actor. */
  async addSeen(name: string, k: number, ms: number): Promise<number> {
    for (const end = Date.now() + ms; ; ) {
      try {
        return await getActor<ClusterCounter>(name).add.remote(k);
      } catch (e) {
        if (!(e instanceof ActorNotFoundError) || Date.now() > end) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
  /** Collects this thread's garbage (the process runs with --expose-gc), then lets finalizers run. */
  async collect(): Promise<void> {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) throw new Error('collect() needs node --expose-gc');
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  killVia(h: ActorHandle<ClusterCounter>): void {
    kill(h);
  }
  len(v: { length: number }): number {
    return v.length;
  }
  /** Waits `ms`, then leaves a mark outside every process (mark()). */
  async markAfter(path: string, tag: string, ms: number): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    return this.mark(path, tag);
  }
  /** `n` items, one every `ms`. */
  async *ticks(n: number, ms: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setTimeout(r, ms));
      yield i;
    }
  }
  /** Leaves a mark outside every process (a file): proof of whether a call ran at all. */
  mark(path: string, tag: string): string {
    appendFileSync(path, `${tag}\n`);
    return tag;
  }
  fail(msg: string): never {
    throw new RangeError(msg);
  }
  /** Ends its worker: the actor dies on the node. */
  crash(): never {
    process.exit(3);
  }
  async slow(ms: number): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    return 'slow done';
  }
  *count(n: number): Generator<number> {
    for (let i = 0; i < n; i++) yield i;
  }
  @method({ backpressure: 2 })
  *paced(n: number): Generator<number> {
    for (let i = 0; i < n; i++) yield i;
  }
  /** Streams until cancelled, slowly enough to be cut mid-stream. */
  async *forever(): AsyncGenerator<number> {
    for (let i = 0; ; i++) {
      await new Promise((r) => setTimeout(r, 5));
      yield i;
    }
  }
}

@actor({ mode: 'threaded' })
export class Broken extends Actor {
  constructor() {
    super();
    throw new TypeError('Broken cannot be built');
  }
  noop(): void {}
}
