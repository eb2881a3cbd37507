// Hand-written baselines that troupe is measured against in the same run: plain objects called directly, a
// hand-rolled FIFO mailbox (what an actor's mailbox costs when written by hand, with nothing else), and two
// hand-written ways to reach a worker thread: a raw MessagePort carrying msgpackr bytes, and a small
// postMessage pool. They do the least that the case needs, so they show the physical floor.
import { MessageChannel, Worker } from 'node:worker_threads';
import { pack, unpack } from 'msgpackr';

export class Plain {
  n = 0;
  incr(): number {
    return ++this.n;
  }
  value(i: number): number {
    return i;
  }
  async echo(x: number): Promise<number> {
    return x;
  }
  withArg(x: { id: number } | Uint8Array): number {
    return x instanceof Uint8Array ? x.byteLength : x.id;
  }
}

interface Job {
  readonly fn: () => unknown;
  readonly resolve: (v: any) => void;
  readonly reject: (e: unknown) => void;
}

/** A hand-rolled actor mailbox: calls run one at a time, in the order they were sent; a call whose result
 *  is a promise holds the mailbox until it settles. Each call returns a native promise of its result. */
export class Mailbox<T> {
  #jobs: (Job | undefined)[] = [];
  #head = 0;
  #busy = false;
  #scheduled = false;

  constructor(readonly target: T) {}

  call<R>(fn: (target: T) => R): Promise<Awaited<R>> {
    return new Promise<Awaited<R>>((resolve, reject) => {
      this.#jobs.push({ fn: () => fn(this.target), resolve, reject });
      if (!this.#busy && !this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(this.#drain);
      }
    });
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    while (!this.#busy && this.#head < this.#jobs.length) {
      const job = this.#jobs[this.#head]!;
      this.#jobs[this.#head++] = undefined;
      if (this.#head === this.#jobs.length) {
        this.#jobs.length = 0;
        this.#head = 0;
      }
      let r: unknown;
      try {
        r = job.fn();
      } catch (e) {
        job.reject(e);
        continue;
      }
      if (r instanceof Promise) {
        this.#busy = true;
        r.then(job.resolve, job.reject).finally(() => {
          this.#busy = false;
          this.#drain();
        });
      } else job.resolve(r);
    }
  };
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void; onItems?: (items: unknown[]) => void };

const echoWorker = new URL('./workers/echo-worker.js', import.meta.url);

/** One worker's requests, correlated by id over one message listener. */
class Conn {
  readonly pending = new Map<number, Pending>();
  #nextId = 1;
  dead: Error | undefined = undefined;

  constructor(
    readonly worker: Worker,
    readonly post: (m: unknown[], transfer?: ArrayBuffer[]) => void,
  ) {
    const fail = (e: Error) => {
      if (this.dead !== undefined) return;
      this.dead = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', (e) => fail(e));
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
  }

  receive(m: [number, number, unknown]): void {
    const [id, kind, value] = m;
    const p = this.pending.get(id);
    if (p === undefined) return;
    if (kind === 2) {
      p.onItems?.(value as unknown[]);
      return;
    }
    this.pending.delete(id);
    if (kind === 1) p.reject(new Error(String(value)));
    else p.resolve(value);
  }

  call(op: string, arg: unknown, onItems?: (items: unknown[]) => void, transfer?: ArrayBuffer[]): Promise<unknown> {
    if (this.dead !== undefined) return Promise.reject(this.dead);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onItems });
      this.post([id, op, arg], transfer);
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }
}

/** The raw floor of crossing a thread: one worker, requests and replies over a MessagePort, either as
 *  msgpackr bytes (moved) or, with `clone`, as small arrays by structured clone (the cheapest per message). */
export class RawPortClient {
  private constructor(
    readonly conn: Conn,
    readonly worker: Worker,
  ) {}

  static async start(codec: 'msgpackr' | 'clone' = 'msgpackr'): Promise<RawPortClient> {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(echoWorker, { workerData: { codec, port: port2 }, transferList: [port2] });
    const conn = new Conn(worker, codec === 'clone' ? (m) => port1.postMessage(m) : (m) => {
      const bytes = Uint8Array.prototype.slice.call(pack(m));
      port1.postMessage(bytes, [bytes.buffer]);
    });
    port1.on('message', codec === 'clone' ? (m: [number, number, unknown]) => conn.receive(m) : (b: Uint8Array) => conn.receive(unpack(b)));
    const c = new RawPortClient(conn, worker);
    if ((await c.call('add', { a: 1, b: 2 })) !== 3) throw new Error('raw MessagePort worker did not answer');
    port1.unref();
    return c;
  }

  call(op: string, arg: unknown): Promise<unknown> {
    return this.conn.call(op, arg);
  }

  /** Streams n items from the worker, `batch` per message; `onItems` sees each message's items. */
  stream(n: number, batch: number, onItems: (items: unknown[]) => void): Promise<unknown> {
    return this.conn.call('stream', { n, batch }, onItems);
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

/** A hand-rolled worker pool: `size` workers, structured-clone messages, each request to the worker with the
 *  fewest in flight, no limit on requests in flight (pipelined). */
export class PostMessagePool {
  private constructor(readonly conns: Conn[]) {}

  static async start(size: number): Promise<PostMessagePool> {
    const conns: Conn[] = [];
    for (let i = 0; i < size; i++) {
      const worker = new Worker(echoWorker, { workerData: { codec: 'clone' } });
      const conn = new Conn(worker, (m, transfer) => worker.postMessage(m, transfer));
      worker.on('message', (m: [number, number, unknown]) => conn.receive(m));
      conns.push(conn);
    }
    const pool = new PostMessagePool(conns);
    await Promise.all(conns.map(async (c) => {
      if ((await c.call('add', { a: 1, b: 2 })) !== 3) throw new Error('pool worker did not answer');
    }));
    return pool;
  }

  /** `transfer`: buffers to move to the worker instead of copying (they are detached here). */
  call(op: string, arg: unknown, transfer?: ArrayBuffer[]): Promise<unknown> {
    let best = this.conns[0]!;
    for (let i = 1; i < this.conns.length; i++) if (this.conns[i]!.inFlight < best.inFlight) best = this.conns[i]!;
    return best.call(op, arg, undefined, transfer);
  }

  async close(): Promise<void> {
    await Promise.all(this.conns.map((c) => c.worker.terminate()));
  }
}

/** Milliseconds from `new Worker` to the first reply of a fresh echo worker: the floor of any recovery that
 *  replaces a crashed worker. */
export async function workerStartMs(): Promise<number> {
  const t0 = performance.now();
  const worker = new Worker(echoWorker, { workerData: { codec: 'clone' } });
  const conn = new Conn(worker, (m) => worker.postMessage(m));
  worker.on('message', (m: [number, number, unknown]) => conn.receive(m));
  const r = await conn.call('add', { a: 1, b: 2 });
  const ms = performance.now() - t0;
  await worker.terminate();
  if (r !== 3) throw new Error('fresh worker answered wrongly');
  return ms;
}
