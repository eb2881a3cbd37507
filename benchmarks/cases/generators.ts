// Streaming generators in process: items per second through `for await` (with and without backpressure),
// time to the first item, and the peak memory of a long stream of 1 KB items with `backpressure: 16`
// against none, which is the seed's first promise: yielding early keeps memory low.
import { Actor, actor, shutdown, type ActorHandle, type ObjectRef } from '../../lib/index.js';
import { check, fmtInt, memoryInUse, samples, settleMemory, throughput, type Case } from '../harness.js';

const spin = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

@actor()
class Producer extends Actor {
  *range(k: number): Generator<number> {
    for (let i = 0; i < k; i++) yield i;
  }
  async *arange(k: number): AsyncGenerator<number> {
    for (let i = 0; i < k; i++) yield i;
  }
  /** k items of 1 KB, each a fresh buffer whose first byte is its index mod 256. */
  *kilobytes(k: number): Generator<Uint8Array> {
    for (let i = 0; i < k; i++) {
      const b = new Uint8Array(1024);
      b[0] = i & 255;
      yield b;
    }
  }
  /** k items, each after `ms` of CPU work. */
  *work(k: number, ms: number): Generator<number> {
    for (let i = 0; i < k; i++) {
      spin(ms);
      yield i;
    }
  }
  /** The same work returned all at once. */
  workAll(k: number, ms: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < k; i++) {
      spin(ms);
      out.push(i);
    }
    return out;
  }
}

async function* localRange(k: number): AsyncGenerator<number> {
  for (let i = 0; i < k; i++) yield i;
}

const consume = async (gen: AsyncIterable<number | PromiseLike<number>>, n: number): Promise<void> => {
  let expect = 0;
  for await (const r of gen) check((await r) === expect++, 'items in order');
  check(expect === n, 'every item arrived');
};

function itemsCase(name: string, label: string, stream: (p: ActorHandle<Producer>, n: number) => AsyncIterable<ObjectRef<number>>, target?: number): Case {
  return {
    name,
    area: 'generators',
    async run(opts) {
      const p = Producer.remote();
      const t = await throughput(label, (n) => consume(stream(p, n), n), { ...opts, ops: 2_000_000, rounds: 3, minQuick: 1000 });
      const b = await throughput('baseline: local async generator, for await', (n) => consume(localRange(n), n), { ...opts, ops: 2_000_000, rounds: 3, minQuick: 1000, role: 'baseline' });
      await shutdown();
      return {
        name,
        figures: [t, b],
        ...(target !== undefined ? { target: { text: `>= ${fmtInt(target)} items/s`, met: t.median >= target } } : {}),
        note: 'items consumed with for await, each ref awaited; ops = items',
      };
    },
  };
}

export const generatorCases: Case[] = [
  itemsCase('generator items (sync generator method)', 'troupe: sync generator method, no backpressure', (p, n) => p.range.remote(n), 2e6),
  itemsCase('generator items (sync generator method, backpressure 16)', 'troupe: sync generator method, backpressure 16', (p, n) => p.range.options({ backpressure: 16 }).remote(n)),
  itemsCase('generator items (async generator method)', 'troupe: async generator method, no backpressure', (p, n) => p.arange.remote(n)),
  itemsCase('generator items (async generator method, backpressure 16)', 'troupe: async generator method, backpressure 16', (p, n) => p.arange.options({ backpressure: 16 }).remote(n)),
  {
    name: 'generator time to first item',
    area: 'generators',
    async run(opts) {
      const k = 50;
      const ms = 0.2; // CPU work before each item: the whole call takes k * ms = 10 ms
      const p = Producer.remote();
      const t = await samples('troupe: stream of 50 items, 0.2 ms of work each', 'ms', async () => {
        const t0 = performance.now();
        const gen = p.work.remote(k, ms);
        const first = await gen.next();
        const dt = performance.now() - t0;
        check(!first.done && (await first.value) === 0, 'the first item is item 0');
        let n = 1;
        for await (const r of gen) check((await r) === n++, 'items in order');
        check(n === k, 'every item arrived');
        return dt;
      }, { ...opts, rounds: 30, quickRounds: 3, warmup: 3 });
      const b = await samples('baseline: local sync generator, same work', 'ms', () => {
        function* local() {
          for (let i = 0; i < k; i++) {
            spin(ms);
            yield i;
          }
        }
        const t0 = performance.now();
        const g = local();
        const first = g.next();
        const dt = performance.now() - t0;
        check(!first.done && first.value === 0, 'the first item is item 0');
        let n = 1;
        for (const v of g) check(v === n++, 'items in order');
        return dt;
      }, { ...opts, rounds: 30, quickRounds: 3, warmup: 3, role: 'baseline' });
      const c = await samples('contrast: troupe method returning all 50 items at once', 'ms', async () => {
        const t0 = performance.now();
        const all = await p.workAll.remote(k, ms);
        const dt = performance.now() - t0;
        check(all.length === k && all[k - 1] === k - 1, 'all items returned');
        return dt;
      }, { ...opts, rounds: 30, quickRounds: 3, warmup: 3, role: 'contrast' });
      await shutdown();
      return {
        name: this.name,
        figures: [t, b, c],
        note: 'ms from .remote() to the first item of a 50-item stream with 0.2 ms of work per item (10 ms in all)',
      };
    },
  },
  {
    name: 'generator peak memory (1,000,000 items of 1 KB, backpressure 16)',
    area: 'generators',
    async run(opts) {
      const k = opts.quick ? 20_000 : 1_000_000;
      const p = Producer.remote();
      // The consumer does I/O-like waiting (a macrotask every 100 items), as a consumer writing to a socket
      // would. Without backpressure the producer runs ahead for as long as the consumer waits.
      // `start` makes the stream only once memory has settled: a stream made earlier would already be
      // producing (eagerly, without backpressure) while the baseline is read.
      const peakMb = async (start: () => AsyncIterable<Uint8Array | PromiseLike<Uint8Array>>): Promise<number> => {
        await settleMemory();
        const base = memoryInUse();
        let peak = base;
        let i = 0;
        for await (const r of start()) {
          const b = await r;
          if (b.byteLength !== 1024 || b[0] !== (i & 255)) check(false, `item ${i} is the 1 KB item ${i}`);
          if (++i % 100 === 0) {
            await new Promise<void>((resolve) => setImmediate(resolve));
            const m = memoryInUse();
            if (m > peak) peak = m;
          }
        }
        check(i === k, 'every item arrived');
        return (peak - base) / 1048576;
      };
      const rounds = { ...opts, rounds: 3, quickRounds: 1, warmup: 0 };
      const t = await samples('troupe: backpressure 16', 'MB', () => peakMb(() => p.kilobytes.options({ backpressure: 16 }).remote(k)), rounds);
      const none = await samples('contrast: troupe without backpressure', 'MB', () => peakMb(() => p.kilobytes.remote(k)), { ...rounds, role: 'contrast' });
      async function* local(n: number): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < n; i++) {
          const b = new Uint8Array(1024);
          b[0] = i & 255;
          yield b;
        }
      }
      const b = await samples('baseline: local async generator (pulls one at a time)', 'MB', () => peakMb(() => local(k)), { ...rounds, role: 'baseline' });
      await shutdown();
      return {
        name: this.name,
        figures: [t, none, b],
        note: `peak JS heap + ArrayBuffer memory (uncollected garbage included) above the settled start while ${fmtInt(k)} items of 1 KB stream to a consumer that waits a macrotask every 100 items`,
      };
    },
  },
];
