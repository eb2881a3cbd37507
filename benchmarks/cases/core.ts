// The in-process cases of the core runtime (issue 2's targets), each beside its same-run baseline.
import PQueue from 'p-queue';
import { Actor, actor, shutdown, get } from '../../lib/index.js';
import { check, gc, summarize, throughput, type Case } from '../harness.js';

@actor()
class SyncCounter extends Actor {
  n = 0;
  incr(): number {
    return ++this.n;
  }
  *range(k: number): Generator<number> {
    for (let i = 0; i < k; i++) yield i;
  }
  async *arange(k: number): AsyncGenerator<number> {
    for (let i = 0; i < k; i++) yield i;
  }
}

@actor({ mode: 'async' })
class AsyncEcho extends Actor {
  async echo(x: number): Promise<number> {
    return x;
  }
}

class Plain {
  n = 0;
  incr(): number {
    return ++this.n;
  }
  async echo(x: number): Promise<number> {
    return x;
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export const coreCases: Case[] = [
  {
    name: '1:1 actor calls sync (sync actor, awaited one at a time)',
    async run(opts) {
      const c = SyncCounter.remote();
      const t = await throughput('troupe', async (n) => {
        const before = await c.incr.remote();
        for (let i = 0; i < n; i++) await c.incr.remote();
        check((await get(c.incr.remote())) === before + n + 1, 'every call ran once, in order');
      }, { ...opts, ops: 1_000_000 });
      const p = new Plain();
      const b = await throughput('baseline: await Promise.resolve(obj.m())', async (n) => {
        for (let i = 0; i < n; i++) await Promise.resolve(p.incr());
      }, { ...opts, ops: 1_000_000 });
      await shutdown();
      return { name: this.name, figures: [t, b], target: { text: `>= ${fmt(1e6)} calls/s`, met: t.median >= 1e6 } };
    },
  },
  {
    name: '1:1 actor calls async (async actor, 1000 in flight)',
    async run(opts) {
      const a = AsyncEcho.remote();
      const window = async (call: (i: number) => PromiseLike<number>, n: number) => {
        for (let i = 0; i < n; i += 1000) {
          const ps: PromiseLike<number>[] = [];
          for (let j = 0; j < 1000; j++) ps.push(call(j));
          const out = await Promise.all(ps);
          check(out[999] === 999 && out[0] === 0, 'results in order');
        }
      };
      const ops = 1_000_000;
      const t = await throughput('troupe', (n) => window((j) => a.echo.remote(j), n), { ...opts, ops });
      const q = new PQueue({ concurrency: 1000 });
      const p = new Plain();
      const b = await throughput('baseline: bare p-queue (concurrency 1000)', (n) => window((j) => q.add(() => p.echo(j)) as Promise<number>, n), { ...opts, ops });
      const d = await throughput('baseline: direct async method', (n) => window((j) => p.echo(j), n), { ...opts, ops });
      await shutdown();
      return { name: this.name, figures: [t, b, d], target: { text: `>= ${fmt(5e5)} calls/s`, met: t.median >= 5e5 } };
    },
  },
  {
    name: 'generator items in-process (for await)',
    async run(opts) {
      const c = SyncCounter.remote();
      const consume = async (gen: AsyncIterable<number | PromiseLike<number>>, n: number) => {
        let expect = 0;
        for await (const r of gen) check((await r) === expect++, 'items in order');
        check(expect === n, 'every item arrived');
      };
      const t = await throughput('troupe (sync generator method)', (n) => consume(c.range.remote(n), n), { ...opts, ops: 2_000_000, rounds: 3 });
      const ta = await throughput('troupe (async generator method)', (n) => consume(c.arange.remote(n), n), { ...opts, ops: 2_000_000, rounds: 3 });
      async function* local(k: number) {
        for (let i = 0; i < k; i++) yield i;
      }
      const b = await throughput('baseline: local async generator', (n) => consume(local(n), n), { ...opts, ops: 2_000_000, rounds: 3 });
      await shutdown();
      return { name: this.name, figures: [t, ta, b], target: { text: `>= ${fmt(2e6)} items/s`, met: t.median >= 2e6 } };
    },
  },
  {
    name: 'actor creation (100,000 sync actors)',
    async run(opts) {
      const count = opts.quick ? 1000 : 100_000;
      const rounds = opts.quick ? 1 : 3;
      const ms: number[] = [];
      const kb: number[] = [];
      const plainKb: number[] = [];
      for (let r = 0; r < rounds; r++) {
        gc();
        const h0 = process.memoryUsage().heapUsed;
        const t0 = performance.now();
        const hs = [];
        for (let i = 0; i < count; i++) hs.push(SyncCounter.remote());
        await get(hs[count - 1]!.incr.remote()); // the last one is constructed and serving
        ms.push(performance.now() - t0);
        gc();
        kb.push((process.memoryUsage().heapUsed - h0) / count / 1024);
        check(hs.length === count, 'all created');
        await shutdown();
        hs.length = 0;
        gc();
        const p0 = process.memoryUsage().heapUsed;
        const plain = [];
        for (let i = 0; i < count; i++) plain.push(new Plain());
        gc();
        plainKb.push((process.memoryUsage().heapUsed - p0) / count / 1024);
        plain.length = 0;
      }
      const t = summarize(`troupe: ms for ${fmt(count)}`, 'ms', ms);
      const heap = summarize('troupe: heap per actor', 'KB', kb);
      const base = summarize('baseline: heap per plain object', 'KB', plainKb);
      const scaled = (t.median * 100_000) / count;
      return {
        name: this.name,
        figures: [t, heap, base],
        target: { text: '< 1000 ms and <= 8 KB each', met: scaled < 1000 && heap.median <= 8 },
      };
    },
  },
];
