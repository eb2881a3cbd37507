// G10 across a thread, exactly: a producer on a worker held at N items ahead of its consumer makes one more
// item as soon as the consumer takes one, and never more than N ahead of what was taken.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { init, shutdown } from '../lib/index.js';
import { until } from './helpers/actors-util.js';
import { scratch } from './helpers/threaded-actors.js';
import { Recorder, recorded } from './helpers/wire-actors.js';

beforeEach(() => init({ workers: 1 }));
afterEach(() => shutdown());

describe('G10 backpressure window across a thread', () => {
  for (const n of [1, 2, 4, 5, 8]) {
    test(`G10 backpressure ${n}: after each take the producer makes exactly one more item`, async () => {
      const log = join(scratch(), 'log');
      const gen = Recorder.remote().produce.options({ backpressure: n }).remote(log, 1000);
      await until(() => recorded(log).length === n, `the producer makes its first ${n} items`, 10_000);
      for (let taken = 1; taken <= 3 * n + 2; taken++) {
        const r = await gen.next();
        assert.equal(r.done, false);
        assert.equal(await r.value, taken - 1);
        await until(() => recorded(log).length >= taken + n, `after ${taken} taken the producer reaches ${taken + n}`, 10_000);
        assert.equal(recorded(log).length, taken + n, `never more than ${n} ahead of ${taken} taken`);
      }
      await gen.return();
    });
  }
});
