// Object refs, in process: put, get and wait, named after Ray's microbenchmark cases.
import { get, put, remote, shutdown, wait, type ObjectRef } from '../../lib/index.js';
import { check, throughput, type Case } from '../harness.js';

export const objectCases: Case[] = [
  {
    name: 'single client put calls',
    area: 'objects',
    async run(opts) {
      const t = await throughput('troupe: put(i)', async (n) => {
        let last: ObjectRef<number> | undefined;
        for (let i = 0; i < n; i++) last = put(i);
        check((await get(last!)) === n - 1, 'the last put holds its value');
      }, { ...opts, ops: 10_000_000 });
      const b = await throughput('baseline: Promise.resolve(i)', async (n) => {
        let last: Promise<number> | undefined;
        for (let i = 0; i < n; i++) last = Promise.resolve(i);
        check((await last!) === n - 1, 'the last promise holds its value');
      }, { ...opts, ops: 10_000_000, role: 'baseline' });
      await shutdown();
      return { name: this.name, figures: [t, b], note: 'store a small value and get its ref, one at a time' };
    },
  },
  {
    name: 'single client get calls',
    area: 'objects',
    async run(opts) {
      const ref = put(7);
      const t = await throughput('troupe: await get(ref) of a ready ref', async (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += await get(ref);
        check(sum === 7 * n, 'every get returned the value');
      }, { ...opts, ops: 1_000_000 });
      const p = Promise.resolve(7);
      const b = await throughput('baseline: await a resolved promise', async (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += await p;
        check(sum === 7 * n, 'every await returned the value');
      }, { ...opts, ops: 1_000_000, role: 'baseline' });
      await shutdown();
      return { name: this.name, figures: [t, b], note: 'get the value of a ready ref, one at a time' };
    },
  },
  {
    name: 'single client wait 1k refs',
    area: 'objects',
    async run(opts) {
      // Ray's case: submit 1000 small tasks, then wait() for one ready ref at a time until none is left.
      // One operation is the whole batch of 1000.
      const small = remote(function small(i: number) {
        return i;
      });
      const t = await throughput('troupe: 1000 x wait(notReady) (ops = batches)', async (n) => {
        for (let k = 0; k < n; k++) {
          let notReady: ObjectRef<number>[] = [];
          for (let i = 0; i < 1000; i++) notReady.push(small.remote(i));
          let seen = 0;
          while (notReady.length > 0) {
            const [ready, rest] = await wait(notReady);
            check(ready.length === 1 && rest.length === notReady.length - 1, 'wait returned one ready ref');
            seen++;
            notReady = rest;
          }
          check(seen === 1000, 'all 1000 refs became ready');
        }
      }, { ...opts, ops: 30, minQuick: 1 });
      const smallAsync = async (i: number) => i;
      const b = await throughput('baseline: 1000 x Promise.race over the pending promises', async (n) => {
        for (let k = 0; k < n; k++) {
          let pending: Promise<number>[] = [];
          for (let i = 0; i < 1000; i++) pending.push(smallAsync(i));
          let seen = 0;
          while (pending.length > 0) {
            const at = await Promise.race(pending.map((p, j) => p.then(() => j)));
            pending.splice(at, 1);
            seen++;
          }
          check(seen === 1000, 'all 1000 promises settled');
        }
      }, { ...opts, ops: 30, minQuick: 1, role: 'baseline' });
      await shutdown();
      return { name: this.name, figures: [t, b], note: 'one op = 1000 refs submitted, then waited for one at a time' };
    },
  },
];
