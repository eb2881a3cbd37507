// Actor calls in process, named after Ray's microbenchmark: one caller to one actor (sync and async actors,
// one call at a time, 1000 at once, a concurrency limit of 16), one caller to n actors, n callers to n actors
// (with and without arguments). Each case sits beside the same work done by hand in the same run.
import PQueue from 'p-queue';
import { Actor, actor, get, shutdown, type ActorHandle, type ObjectRef } from '../../lib/index.js';
import { Mailbox, Plain } from '../baselines.js';
import { check, fmtInt, throughput, type Case, type Figure, type RunOptions } from '../harness.js';

@actor()
class SyncActor extends Actor {
  n = 0;
  incr(): number {
    return ++this.n;
  }
  value(i: number): number {
    return i;
  }
  withArg(x: { id: number } | Uint8Array): number {
    return x instanceof Uint8Array ? x.byteLength : x.id;
  }
}

@actor({ mode: 'async' })
class AsyncActor extends Actor {
  async echo(x: number): Promise<number> {
    return x;
  }
  async withArg(x: { id: number }): Promise<number> {
    return x.id;
  }
}

@actor({ mode: 'async', maxConcurrency: 16 })
class Concurrent16 extends Actor {
  value(i: number): number {
    return i;
  }
}

/** Payloads of the with-args cases: the same for troupe and for the baselines. */
type ArgKind = 'none' | 'object' | 'bytes';
const KB = new Uint8Array(1024).fill(7);
const payload = (kind: ArgKind, i: number): { id: number; name: string; tags: string[] } | Uint8Array =>
  kind === 'object' ? { id: i, name: 'payload', tags: ['a', 'b'] } : KB;
const expectedSum = (kind: ArgKind, k: number): number => (kind === 'bytes' ? 1024 * k : (k * (k - 1)) / 2);

/** A caller of the n:n case: sends `k` calls spread over every server, awaits them all, returns the sum. */
@actor({ mode: 'async' })
class Client extends Actor {
  constructor(readonly servers: ActorHandle<SyncActor>[]) {
    super();
  }
  async batch(k: number, kind: ArgKind): Promise<number> {
    const refs: ObjectRef<number>[] = [];
    const s = this.servers;
    for (let i = 0; i < k; i++) {
      const server = s[i % s.length]!;
      refs.push(kind === 'none' ? server.value.remote(i) : server.withArg.remote(payload(kind, i)));
    }
    let sum = 0;
    for (const v of await get(refs)) sum += v;
    return sum;
  }
}

/** 1000 calls at once, then all awaited; n counts calls. */
async function batches(n: number, call: (i: number) => PromiseLike<number>, all: (xs: PromiseLike<number>[]) => Promise<number[]>): Promise<void> {
  for (let k = 0; k < n; k += 1000) {
    const ps: PromiseLike<number>[] = [];
    for (let j = 0; j < 1000; j++) ps.push(call(j));
    const out = await all(ps);
    check(out.length === 1000 && out[0] === 0 && out[999] === 999, 'results in order');
  }
}
const getAll = (xs: PromiseLike<number>[]) => get(xs as ObjectRef<number>[]);
const promiseAll = (xs: PromiseLike<number>[]) => Promise.all(xs);

const N = 4; // actors in the 1:n and n:n cases, and callers in n:n

function nnCase(name: string, kind: ArgKind, note: string): Case {
  return {
    name,
    area: 'actors',
    async run(opts: RunOptions) {
      const k = 1000; // calls per caller per round trip of the batch
      const servers = Array.from({ length: N }, () => SyncActor.remote());
      const clients = Array.from({ length: N }, () => Client.remote(servers));
      const t = await throughput(`troupe: ${N} async-actor callers x ${N} sync actors`, async (n) => {
        for (let done = 0; done < n; done += N * k) {
          const sums = await get(clients.map((c) => c.batch.remote(k, kind)));
          check(sums.every((s) => s === expectedSum(kind, k)), 'every call of every caller returned its value');
        }
      }, { ...opts, ops: 400_000, minQuick: N * k });
      const boxes = Array.from({ length: N }, () => new Mailbox(new Plain()));
      const byHand = async (c: number): Promise<number> => {
        const ps: Promise<number>[] = [];
        for (let i = 0; i < k; i++) {
          const box = boxes[(i + c) % N]!;
          const arg = payload(kind, i);
          ps.push(box.call((p) => (kind === 'none' ? p.value(i) : p.withArg(arg))));
        }
        let sum = 0;
        for (const v of await Promise.all(ps)) sum += v;
        return sum;
      };
      const b = await throughput(`baseline: hand-rolled FIFO mailboxes (${N} callers x ${N})`, async (n) => {
        for (let done = 0; done < n; done += N * k) {
          const sums = await Promise.all(Array.from({ length: N }, (_, c) => byHand(c)));
          check(sums.every((s) => s === expectedSum(kind, k)), 'every call returned its value');
        }
      }, { ...opts, ops: 400_000, minQuick: N * k, role: 'baseline' });
      await shutdown();
      return { name, figures: [t, b], note };
    },
  };
}

export const actorCases: Case[] = [
  {
    name: '1:1 actor calls sync',
    area: 'actors',
    async run(opts) {
      const c = SyncActor.remote();
      const t = await throughput('troupe: sync actor, await each call', async (n) => {
        const before = await c.incr.remote();
        for (let i = 0; i < n; i++) await c.incr.remote();
        check((await get(c.incr.remote())) === before + n + 1, 'every call ran once, in order');
      }, { ...opts, ops: 1_000_000 });
      const p = new Plain();
      const d = await throughput('baseline: await Promise.resolve(obj.m()) (direct call)', async (n) => {
        const before = p.n;
        for (let i = 0; i < n; i++) await Promise.resolve(p.incr());
        check(p.n === before + n, 'every call ran');
      }, { ...opts, ops: 1_000_000, role: 'baseline' });
      const box = new Mailbox(new Plain());
      const m = await throughput('baseline: hand-rolled FIFO mailbox', async (n) => {
        const before = box.target.n;
        for (let i = 0; i < n; i++) await box.call((o) => o.incr());
        check(box.target.n === before + n, 'every call ran');
      }, { ...opts, ops: 1_000_000, role: 'baseline' });
      await shutdown();
      return {
        name: this.name,
        figures: [t, d, m],
        target: { text: `>= ${fmtInt(1e6)} calls/s`, met: t.median >= 1e6 },
        note: 'a sync actor, one call at a time',
      };
    },
  },
  {
    name: '1:1 actor calls async',
    area: 'actors',
    async run(opts) {
      const c = SyncActor.remote();
      const t = await throughput('troupe: sync actor, 1000 calls then get() all', (n) => batches(n, (i) => c.value.remote(i), getAll), { ...opts, ops: 1_000_000, minQuick: 1000 });
      const box = new Mailbox(new Plain());
      const m = await throughput('baseline: hand-rolled FIFO mailbox, Promise.all', (n) => batches(n, (i) => box.call((o) => o.value(i)), promiseAll), { ...opts, ops: 1_000_000, minQuick: 1000, role: 'baseline' });
      const p = new Plain();
      const d = await throughput('baseline: direct calls, Promise.all', (n) => batches(n, (i) => Promise.resolve(p.value(i)), promiseAll), { ...opts, ops: 1_000_000, minQuick: 1000, role: 'baseline' });
      await shutdown();
      return { name: this.name, figures: [t, m, d], note: 'a sync actor, 1000 calls sent at once, then all awaited' };
    },
  },
  {
    name: '1:1 actor calls concurrent',
    area: 'actors',
    async run(opts) {
      const c = Concurrent16.remote();
      const t = await throughput('troupe: async-mode actor, maxConcurrency 16, 1000 calls at once', (n) => batches(n, (i) => c.value.remote(i), getAll), { ...opts, ops: 1_000_000, minQuick: 1000 });
      const q = new PQueue({ concurrency: 16 });
      const p = new Plain();
      const b = await throughput('baseline: bare p-queue (concurrency 16)', (n) => batches(n, (i) => q.add(() => p.value(i)) as Promise<number>, promiseAll), { ...opts, ops: 1_000_000, minQuick: 1000, role: 'baseline' });
      await shutdown();
      return { name: this.name, figures: [t, b], note: 'Ray runs sync methods on 16 threads; in process, an async-mode actor with maxConcurrency 16 running a sync method' };
    },
  },
  {
    name: '1:n actor calls async',
    area: 'actors',
    async run(opts) {
      const actors = Array.from({ length: N }, () => SyncActor.remote());
      const t = await throughput(`troupe: 1 caller, ${N} sync actors, 1000 calls at once`, (n) => batches(n, (i) => actors[i % N]!.value.remote(i), getAll), { ...opts, ops: 1_000_000, minQuick: 1000 });
      const boxes = Array.from({ length: N }, () => new Mailbox(new Plain()));
      const m = await throughput(`baseline: hand-rolled FIFO mailboxes (${N})`, (n) => batches(n, (i) => boxes[i % N]!.call((o) => o.value(i)), promiseAll), { ...opts, ops: 1_000_000, minQuick: 1000, role: 'baseline' });
      await shutdown();
      return { name: this.name, figures: [t, m], note: `one caller, ${N} sync actors, 1000 calls at once spread over them` };
    },
  },
  nnCase('n:n actor calls async', 'none', `${N} async-actor callers each send 1000 calls spread over ${N} sync actors, then await them`),
  nnCase('n:n actor calls async with args (small object)', 'object', 'as n:n, each call taking a fresh { id, name, tags } object'),
  nnCase('n:n actor calls async with args (1 KB Uint8Array)', 'bytes', 'as n:n, each call taking a 1 KB Uint8Array (in process it is passed by reference)'),
  {
    name: '1:1 async-actor calls sync',
    area: 'actors',
    async run(opts) {
      const a = AsyncActor.remote();
      const t = await throughput('troupe: async actor, await each call', async (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += await a.echo.remote(i);
        check(sum === (n * (n - 1)) / 2, 'every call returned its argument');
      }, { ...opts, ops: 500_000 });
      const p = new Plain();
      const d = await throughput('baseline: await obj.asyncMethod() (direct call)', async (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += await p.echo(i);
        check(sum === (n * (n - 1)) / 2, 'every call returned its argument');
      }, { ...opts, ops: 500_000, role: 'baseline' });
      const q = new PQueue({ concurrency: 1000 });
      const b = await throughput('baseline: bare p-queue, await each add()', async (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += (await q.add(() => p.echo(i))) as number;
        check(sum === (n * (n - 1)) / 2, 'every call returned its argument');
      }, { ...opts, ops: 500_000, role: 'baseline' });
      await shutdown();
      return { name: this.name, figures: [t, d, b], note: 'an async actor (async method), one call at a time' };
    },
  },
  {
    name: '1:1 async-actor calls async',
    area: 'actors',
    async run(opts) {
      const a = AsyncActor.remote();
      const t = await throughput('troupe: async actor, 1000 calls then get() all', (n) => batches(n, (i) => a.echo.remote(i), getAll), { ...opts, ops: 1_000_000, minQuick: 1000 });
      const q = new PQueue({ concurrency: 1000 });
      const p = new Plain();
      const b = await throughput('baseline: bare p-queue (concurrency 1000)', (n) => batches(n, (i) => q.add(() => p.echo(i)) as Promise<number>, promiseAll), { ...opts, ops: 1_000_000, minQuick: 1000, role: 'baseline' });
      const d = await throughput('baseline: direct async method, Promise.all', (n) => batches(n, (i) => p.echo(i), promiseAll), { ...opts, ops: 1_000_000, minQuick: 1000, role: 'baseline' });
      await shutdown();
      return {
        name: this.name,
        figures: [t, b, d],
        target: { text: `>= ${fmtInt(5e5)} calls/s`, met: t.median >= 5e5 },
        note: 'an async actor (maxConcurrency 1000), 1000 calls sent at once, then all awaited',
      };
    },
  },
  {
    name: '1:1 async-actor calls with args async',
    area: 'actors',
    async run(opts) {
      const a = AsyncActor.remote();
      const arg = (i: number) => ({ id: i, name: 'payload', tags: ['a', 'b'] });
      const t = await throughput('troupe: async actor, 1000 calls with a small object', (n) => batches(n, (i) => a.withArg.remote(arg(i)), getAll), { ...opts, ops: 1_000_000, minQuick: 1000 });
      const q = new PQueue({ concurrency: 1000 });
      const p = new AsyncActorPlain();
      const b = await throughput('baseline: bare p-queue (concurrency 1000)', (n) => batches(n, (i) => q.add(() => p.withArg(arg(i))) as Promise<number>, promiseAll), { ...opts, ops: 1_000_000, minQuick: 1000, role: 'baseline' });
      const d = await throughput('baseline: direct async method, Promise.all', (n) => batches(n, (i) => p.withArg(arg(i)), promiseAll), { ...opts, ops: 1_000_000, minQuick: 1000, role: 'baseline' });
      await shutdown();
      return { name: this.name, figures: [t, b, d] as Figure[], note: 'as 1:1 async-actor calls async, each call taking a fresh { id, name, tags } object' };
    },
  },
];

class AsyncActorPlain {
  async withArg(x: { id: number }): Promise<number> {
    return x.id;
  }
}
