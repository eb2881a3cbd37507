// Remote functions (Ray tasks), in process: one call at a time and 1000 at once.
import { get, remote, shutdown, type ObjectRef } from '../../lib/index.js';
import { check, throughput, type Case } from '../harness.js';

const small = remote(function small(i: number): number {
  return i + 1;
});
const direct = (i: number): number => i + 1;
const directAsync = async (i: number): Promise<number> => i + 1;

export const taskCases: Case[] = [
  {
    name: 'single client tasks sync',
    area: 'tasks',
    async run(opts) {
      const t = await throughput('troupe: await get(f.remote(i)), in process', async (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += await get(small.remote(i));
        check(sum === (n * (n + 1)) / 2, 'every task returned i + 1');
      }, { ...opts, ops: 500_000 });
      const b = await throughput('baseline: await Promise.resolve(f(i))', async (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += await Promise.resolve(direct(i));
        check(sum === (n * (n + 1)) / 2, 'every call returned i + 1');
      }, { ...opts, ops: 500_000, role: 'baseline' });
      await shutdown();
      return { name: this.name, figures: [t, b], note: 'a remote function called and awaited one call at a time' };
    },
  },
  {
    name: 'single client tasks async',
    area: 'tasks',
    async run(opts) {
      const batch = async (call: (i: number) => PromiseLike<number>, all: (xs: PromiseLike<number>[]) => Promise<number[]>, n: number) => {
        for (let k = 0; k < n; k += 1000) {
          const refs: PromiseLike<number>[] = [];
          for (let i = 0; i < 1000; i++) refs.push(call(i));
          const out = await all(refs);
          check(out.length === 1000 && out[0] === 1 && out[999] === 1000, 'results in order');
        }
      };
      const t = await throughput('troupe: get() of 1000 f.remote(i), in process', (n) =>
        batch((i) => small.remote(i), (xs) => get(xs as ObjectRef<number>[]), n), { ...opts, ops: 1_000_000, minQuick: 1000 });
      const b = await throughput('baseline: Promise.all of 1000 async calls', (n) =>
        batch(directAsync, (xs) => Promise.all(xs), n), { ...opts, ops: 1_000_000, minQuick: 1000, role: 'baseline' });
      await shutdown();
      return { name: this.name, figures: [t, b], note: 'a remote function called 1000 times, then all awaited at once' };
    },
  },
];
