// A threaded pipeline with wait(): a CPU-bound threaded remote function runs on the pool's workers for
// each chunk of input; the main thread takes results as they finish (wait() with numReturns 1, in
// completion order, not submission order) and feeds each into a threaded actor that keeps the running
// totals. `await ready()` starts the workers before the first chunk. Run: node dist/examples/threaded-pipeline.js
import { Actor, actor, ready, remote, shutdown, wait, type ObjectRef } from '../lib/index.js';
import { runIfMain, type Log } from './run-main.js';

/** A deterministic, CPU-bound digest of a chunk (stands for parsing, hashing, scoring...). */
export function digest(seed: number, rounds: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < rounds; i++) h = Math.imul(h ^ (h >>> 15), 2246822519) + i;
  return h >>> 0;
}

export const digestChunk = remote(function digestChunk(seed: number, rounds: number): { seed: number; value: number } {
  return { seed, value: digest(seed, rounds) };
}, { mode: 'threaded' });

@actor({ mode: 'threaded' })
export class Totals extends Actor {
  count = 0;
  xor = 0;
  add(value: number): number {
    this.count++;
    this.xor = (this.xor ^ value) >>> 0;
    return this.count;
  }
  summary(): { count: number; xor: number } {
    return { count: this.count, xor: this.xor };
  }
}

export async function main(log: Log, chunks = 12, rounds = 200_000) {
  await ready();
  const totals = Totals.remote();
  const seeds = Array.from({ length: chunks }, (_, i) => i + 1);
  let pending: ObjectRef<{ seed: number; value: number }>[] = seeds.map((s) => digestChunk.remote(s, rounds));
  const order: number[] = [];
  while (pending.length > 0) {
    const [done, rest] = await wait(pending, { numReturns: 1 });
    for (const ref of done) {
      const { seed, value } = await ref;
      order.push(seed);
      void totals.add.remote(value); // stage 2: a sync threaded actor takes them in the order sent (A1)
    }
    pending = rest;
  }
  const summary = await totals.summary.remote();
  const expected = seeds.reduce((x, s) => (x ^ digest(s, rounds)) >>> 0, 0);
  log(`${summary.count} chunks digested on the pool; completion order ${order.join(' ')}`);
  log(`xor of digests ${summary.xor} (computed locally: ${expected})`);
  await shutdown();
  return { summary, expected, order };
}

runIfMain(import.meta.url, (log) => main(log));
