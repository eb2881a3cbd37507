// G10 "a producer held at N makes one more item as soon as one is taken", across a thread, for a consumer
// that works synchronously after its take (a CPU-bound loop body, Atomics.wait): its event loop does not
// turn, so the credit for that take must not wait for the turn's end (lib/wire/credit.ts).
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { init, shutdown } from '../lib/index.js';
import { until } from './helpers/actors-util.js';
import { scratch } from './helpers/threaded-actors.js';
import { Recorder, recorded } from './helpers/wire-actors.js';

beforeEach(() => init({ workers: 1 }));
afterEach(() => shutdown());

describe('G10 credit while the consumer works synchronously', () => {
  for (const n of [1, 2, 16]) {
    test(`G10 backpressure ${n}: the producer makes one more while the consumer works on what it took`, async () => {
      const log = join(scratch(), 'log');
      const gen = Recorder.remote().produce.options({ backpressure: n }).remote(log, 1000);
      await until(() => recorded(log).length === n, `the producer makes its first ${n} items`, 10_000);
      // And they reach this thread (a producer is known to be held once its N items have arrived).
      await new Promise((r) => setTimeout(r, 100));
      const r = await gen.next();
      assert.equal(await r.value, 0);
      // The loop body: 1.5 s of synchronous work on item 0 (no yield to the event loop), like a CPU-bound
      // consumer or one in Atomics.wait. The producer on its own thread should make item n meanwhile.
      const end = Date.now() + 1500;
      let seen = recorded(log).length;
      while (Date.now() < end && seen < n + 1) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        seen = recorded(log).length;
      }
      assert.equal(seen, n + 1, `held at ${n}, one take: the producer makes item ${n} while the consumer works`);
      await gen.return();
    });
  }
});
