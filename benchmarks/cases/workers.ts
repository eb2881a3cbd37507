// Crossing a thread: the cases where troupe's threaded actors and tasks (issue 3, not built yet) will sit
// beside the physical floor (a raw MessagePort carrying msgpackr bytes, a hand-rolled postMessage pool)
// and the peers (piscina, tinypool, comlink). troupe's figure says plainly that it is not built yet, and a
// peer that cannot do a case says why, so no cell is left blank. Every figure here is measured with the
// same payload, the same number of workers and the same in-flight window.
import { releaseProxy } from 'comlink';
import { PostMessagePool, RawPortClient, workerStartMs } from '../baselines.js';
import {
  check,
  na,
  NOT_BUILT,
  samples,
  throughput,
  windowed,
  within,
  WINDOW,
  WORKERS,
  type Case,
  type Figure,
  type RunOptions,
} from '../harness.js';
import { comlink, piscina, tinypool, type TaskPool } from '../peers.js';

const troupeNA = (what: string): Figure => na(`troupe: ${what}`, 'troupe', NOT_BUILT);
const STATELESS = 'n/a: a stateless task pool has no stateful object to call';
const NO_STREAMS = 'n/a: no streaming API (a task or call returns one result)';
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** A stateless call `{ a: i, b: 1 } -> i + 1`, `window` in flight. */
async function statelessCalls(label: string, role: Figure['role'], call: (arg: { a: number; b: number }) => Promise<unknown>, window: number, opts: RunOptions, ops: number): Promise<Figure> {
  return throughput(label, (n) => windowed(n, window, (i) => call({ a: i, b: 1 }), (i, r) => r === i + 1), { ...opts, ops, role, minQuick: 200 });
}

async function withPool<T>(pool: TaskPool, f: (p: TaskPool) => Promise<T>): Promise<T> {
  try {
    return await f(pool);
  } finally {
    await pool.close();
  }
}

function tasksCase(name: string, window: number, ops: number, tuned: boolean): Case {
  return {
    name,
    area: 'workers',
    async run(opts) {
      const figures: Figure[] = [troupeNA(`threaded remote function, ${plural(WORKERS, 'worker')}, ${window} in flight`)];
      const raw = await RawPortClient.start();
      figures.push(await statelessCalls(`baseline: raw MessagePort + msgpackr (1 worker, ${window} in flight)`, 'baseline', (a) => raw.call('add', a), window, opts, ops));
      await raw.close();
      const pool = await PostMessagePool.start(WORKERS);
      figures.push(await statelessCalls(`baseline: hand-rolled postMessage pool (${plural(WORKERS, 'worker')}, ${window} in flight)`, 'baseline', (a) => pool.call('add', a), window, opts, ops));
      await pool.close();
      const perWorker = Math.max(1, Math.ceil(window / WORKERS));
      for (const make of [piscina, tinypool]) {
        figures.push(await withPool(make(WORKERS), (p) => statelessCalls(`${p.label}, ${window} in flight`, 'peer', (a) => p.run(a), window, opts, ops)));
        if (tuned) figures.push(await withPool(make(WORKERS, perWorker), (p) => statelessCalls(`${p.label}, ${window} in flight`, 'peer', (a) => p.run(a), window, opts, ops)));
      }
      return {
        name,
        figures,
        note: `a stateless task { a, b } -> a + b on a worker thread, ${window} call${window > 1 ? 's' : ''} in flight (a sliding window)`,
      };
    },
  };
}

/** Stateful calls: `incr(1)` on one object in one worker; checks the counter saw every call exactly once. */
async function statefulCalls(label: string, role: Figure['role'], incr: () => Promise<number>, window: number, opts: RunOptions, ops: number): Promise<Figure> {
  return throughput(label, async (n) => {
    const before = await incr();
    let sum = 0;
    await windowed(n, window, () => incr(), (_i, r) => {
      sum += r;
      return r > before && r <= before + n;
    });
    check(sum === n * before + (n * (n + 1)) / 2, 'every call incremented the counter exactly once');
  }, { ...opts, ops, role, minQuick: 200 });
}

function actorCallsCase(name: string, window: number, ops: number): Case {
  return {
    name,
    area: 'workers',
    async run(opts) {
      const figures: Figure[] = [troupeNA(`threaded actor, ${window} in flight`)];
      const raw = await RawPortClient.start();
      figures.push(await statefulCalls(`baseline: raw MessagePort + msgpackr, stateful worker (${window} in flight)`, 'baseline', () => raw.call('incr', 1) as Promise<number>, window, opts, ops));
      await raw.close();
      const c = comlink();
      figures.push(await statefulCalls(`${c.label}, ${window} in flight`, 'peer', () => c.api.counter.incr(1), window, opts, ops));
      await c.close();
      figures.push(na(`peer: piscina`, 'peer', STATELESS), na(`peer: tinypool`, 'peer', STATELESS));
      return { name, figures, note: `calls to one stateful object (a counter) living in a worker thread, ${window} in flight` };
    },
  };
}

export const workerCases: Case[] = [
  tasksCase('single client tasks sync (threaded)', 1, 10_000, false),
  tasksCase(`single client tasks async (threaded, ${WINDOW} in flight)`, WINDOW, 30_000, true),
  actorCallsCase('1:1 actor calls sync (threaded)', 1, 10_000),
  actorCallsCase(`1:1 actor calls async (threaded, ${WINDOW} in flight)`, WINDOW, 50_000),
  {
    name: 'generator items (threaded)',
    area: 'workers',
    async run(opts) {
      const figures: Figure[] = [troupeNA('threaded generator method, for await')];
      const raw = await RawPortClient.start();
      for (const batch of [1, 16]) {
        figures.push(await throughput(`baseline: raw MessagePort + msgpackr, ${batch === 1 ? 'one message per item' : `batches of ${batch}`}, no backpressure`, async (n) => {
          let expect = 0;
          const end = await raw.stream(n, batch, (items) => {
            for (const it of items as { i: number; v: number }[]) if (it.i !== expect++ || it.v !== it.i * 2) check(false, `item ${expect - 1} in order`);
          });
          check(end === n && expect === n, 'every item arrived');
        }, { ...opts, ops: 200_000, role: 'baseline', minQuick: 2000 }));
      }
      await raw.close();
      figures.push(na('peer: piscina', 'peer', NO_STREAMS), na('peer: tinypool', 'peer', NO_STREAMS), na('peer: comlink', 'peer', NO_STREAMS));
      return { name: this.name, figures, note: 'items { i, v } produced in a worker and received in order on the main thread; ops = items' };
    },
  },
  {
    name: 'CPU-bound parallel speedup (threaded, 2 workers vs 1)',
    area: 'workers',
    async run(opts) {
      const tasks = opts.quick ? 4 : 24;
      const ms = opts.quick ? 5 : 10;
      const speedup = async (label: string, role: Figure['role'], make: (workers: number) => Promise<{ run: (ms: number) => Promise<unknown>; close: () => Promise<unknown> }>): Promise<Figure> => {
        const one = await make(1);
        const two = await make(2);
        const wall = async (p: { run: (ms: number) => Promise<unknown> }) => {
          const t0 = performance.now();
          const out = await Promise.all(Array.from({ length: tasks }, () => p.run(ms)));
          check(out.every((x) => typeof x === 'number' && x > 0), 'every task ran its loop');
          return performance.now() - t0;
        };
        try {
          return await samples(label, 'x', async () => (await wall(one)) / (await wall(two)), { ...opts, rounds: 3, quickRounds: 1, warmup: 1, role });
        } finally {
          await one.close();
          await two.close();
        }
      };
      const figures: Figure[] = [troupeNA('2 threaded actors vs 1')];
      figures.push(await speedup('baseline: hand-rolled postMessage pool, 2 workers vs 1', 'baseline', async (w) => {
        const p = await PostMessagePool.start(w);
        return { run: (m) => p.call('spin', m), close: () => p.close() };
      }));
      for (const make of [piscina, tinypool]) {
        const name = make === piscina ? 'piscina' : 'tinypool';
        figures.push(await speedup(`peer: ${name}, 2 workers vs 1`, 'peer', async (w) => {
          const p = make(w);
          return { run: (m) => p.run({ spin: m }), close: () => p.close() };
        }));
      }
      return {
        name: this.name,
        figures,
        note: `${tasks} tasks of ${ms} ms of CPU each, all submitted at once: wall time on 1 worker / wall time on 2 (2.0 is perfect; this machine has ${WORKERS} core(s) for everything)`,
      };
    },
  },
  {
    name: 'worker crash recovery (threaded)',
    area: 'workers',
    async run(opts) {
      const HANG_MS = opts.quick ? 1000 : 3000;
      const figures: Figure[] = [troupeNA('threaded actor restart (maxRestarts)')];
      figures.push(await samples('baseline: new Worker to its first reply (the floor of any recovery)', 'ms', () => workerStartMs(), { ...opts, rounds: 5, quickRounds: 1, warmup: 1, role: 'baseline' }));
      // A call that makes its worker exit (process.exit(3)), then the next call: ms until its result.
      // A call that never settles within HANG_MS is reported as such (it would hang its caller).
      const recovery = async (label: string, crash: () => Promise<unknown>, next: () => Promise<unknown>, close: () => Promise<unknown>): Promise<Figure> => {
        try {
          return await samples(label, 'ms', async () => {
            const t0 = performance.now();
            const crashed = await within(crash().then(() => 'resolved', () => 'rejected'), HANG_MS);
            if (crashed === 'timeout') throw new Hung(`hangs: the call on the crashed worker never settled (waited ${HANG_MS / 1000} s)`);
            check(crashed === 'rejected', 'the call on the crashed worker rejects');
            const r = await within(next().then((v) => v, () => 'rejected'), HANG_MS);
            if (r === 'timeout' || r === 'rejected') throw new Hung(`no recovery: the next call ${r === 'timeout' ? `never settled (waited ${HANG_MS / 1000} s)` : 'rejected'}`);
            check(r === 3, 'the next call is served');
            return performance.now() - t0;
          }, { ...opts, rounds: 5, quickRounds: 1, warmup: 0, role: 'peer' });
        } catch (e) {
          if (e instanceof Hung) return na(label, 'peer', e.message);
          throw e;
        } finally {
          await within(close(), 1000).catch(() => undefined);
        }
      };
      for (const make of [piscina, tinypool]) {
        const p = make(1);
        figures.push(await recovery(`${p.label}: crashing task, then the next task`, () => p.run({ exit: 3 }), () => p.run({ a: 2, b: 1 }), () => p.close()));
      }
      const c = comlink();
      figures.push(await recovery(`${c.label}: crashing call, then the next call`, () => c.api.counter.exit(3), async () => 2 + (await c.api.counter.incr(1)), () => c.close()));
      return {
        name: this.name,
        figures,
        note: `ms from a call whose worker exits (process.exit(3)) to the result of the next call; a call that does not settle within ${HANG_MS / 1000} s is reported as hanging`,
      };
    },
  },
  {
    name: 'actor creation (threaded, warm pool)',
    area: 'workers',
    async run(opts) {
      const figures: Figure[] = [troupeNA('threaded actors on a warm pool')];
      const raw = await RawPortClient.start();
      figures.push(await throughput('baseline: raw MessagePort + msgpackr, create an object in a live worker', async (n) => {
        let last = 0;
        for (let i = 0; i < n; i++) last = (await raw.call('create', null)) as number;
        check(last > n - 1, 'each creation got a new id');
      }, { ...opts, ops: 5000, role: 'baseline', minQuick: 50 }));
      await raw.close();
      const c = comlink();
      figures.push(await throughput(`${c.label}: await new Remote.Counter() in a live worker`, async (n) => {
        const made = [];
        for (let i = 0; i < n; i++) made.push(await new c.api.Counter());
        check((await made[n - 1]!.incr(1)) === 1, 'the last object is live and fresh');
        for (const m of made) m[releaseProxy]();
      }, { ...opts, ops: 2000, role: 'peer', minQuick: 20 }));
      await c.close();
      figures.push(na('peer: piscina', 'peer', STATELESS), na('peer: tinypool', 'peer', STATELESS));
      return { name: this.name, figures, note: 'stateful objects created one at a time in a worker that is already running; ops = objects' };
    },
  },
];

class Hung extends Error {}
