// Creating actors in process: how many per second, and how much heap each one holds while alive.
import { Actor, actor, get, shutdown } from '../../lib/index.js';
import { Mailbox, Plain } from '../baselines.js';
import { check, fmtInt, gc, samples, type Case } from '../harness.js';

@actor()
class Counter extends Actor {
  n = 0;
  incr(): number {
    return ++this.n;
  }
}

const COUNT = 100_000;

export const creationCases: Case[] = [
  {
    name: 'actor creation rate',
    area: 'creation',
    async run(opts) {
      const count = opts.quick ? 1000 : COUNT;
      const rounds = { ...opts, rounds: 5, quickRounds: 1, warmup: 1 };
      const t = await samples(`troupe: sync actors created per second (${fmtInt(count)}, until the last serves)`, 'ops/s', async () => {
        gc();
        const t0 = performance.now();
        const hs = [];
        for (let i = 0; i < count; i++) hs.push(Counter.remote());
        check((await get(hs[count - 1]!.incr.remote())) === 1, 'the last actor is constructed and serving');
        const ms = performance.now() - t0;
        check(hs.length === count, 'all created');
        await shutdown();
        return (count * 1000) / ms;
      }, rounds);
      const m = await samples('baseline: plain object + hand-rolled FIFO mailbox', 'ops/s', async () => {
        gc();
        const t0 = performance.now();
        const boxes = [];
        for (let i = 0; i < count; i++) boxes.push(new Mailbox(new Plain()));
        check((await boxes[count - 1]!.call((p) => p.incr())) === 1, 'the last mailbox serves');
        return (count * 1000) / (performance.now() - t0);
      }, { ...rounds, role: 'baseline' });
      const msFor100k = (100_000 * 1000) / t.median;
      return {
        name: this.name,
        figures: [t, m],
        target: { text: `100,000 in < 1000 ms (>= ${fmtInt(1e5)}/s)`, met: msFor100k < 1000 },
        note: `${fmtInt(count)} sync actors created in a loop; the time ends when the last one has served a call`,
      };
    },
  },
  {
    name: 'heap per actor',
    area: 'creation',
    async run(opts) {
      const count = opts.quick ? 1000 : COUNT;
      const rounds = { ...opts, rounds: 3, quickRounds: 1, warmup: 0 };
      const t = await samples('troupe: heap per live sync actor', 'KB', async () => {
        gc();
        const h0 = process.memoryUsage().heapUsed;
        const hs = [];
        for (let i = 0; i < count; i++) hs.push(Counter.remote());
        await get(hs[count - 1]!.incr.remote());
        gc();
        const kb = (process.memoryUsage().heapUsed - h0) / count / 1024;
        check(hs.length === count, 'all alive while measured');
        await shutdown();
        return kb;
      }, rounds);
      const per = async (make: () => unknown): Promise<number> => {
        gc();
        const h0 = process.memoryUsage().heapUsed;
        const xs = [];
        for (let i = 0; i < count; i++) xs.push(make());
        gc();
        const kb = (process.memoryUsage().heapUsed - h0) / count / 1024;
        check(xs.length === count, 'all alive while measured');
        return kb;
      };
      const m = await samples('baseline: plain object + hand-rolled FIFO mailbox', 'KB', () => per(() => new Mailbox(new Plain())), { ...rounds, role: 'baseline' });
      const p = await samples('baseline: plain object', 'KB', () => per(() => new Plain()), { ...rounds, role: 'baseline' });
      return {
        name: this.name,
        figures: [t, m, p],
        target: { text: '<= 8 KB each', met: t.median <= 8 },
        note: `heap used after gc with ${fmtInt(count)} idle actors alive, per actor`,
      };
    },
  },
];
