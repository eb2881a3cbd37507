// G10 across a thread, exactly: a producer on a worker held at N items ahead of its consumer makes one more
// item as soon as the consumer takes one, and never more than N ahead of what was taken, whether the
// consumer is slow (the producer held at the edge) or keeps up (credit every half window).
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { init, shutdown } from '../lib/index.js';
import { until } from './helpers/actors-util.js';
import { scratch } from './helpers/threaded-actors.js';
import { Recorder, Relapse, recorded } from './helpers/wire-actors.js';

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

describe('G10 backpressure window across a thread, with a consumer that keeps up', () => {
  // The consumer credits every half window as well as at the edge (wire/credit.ts): the producer is rarely
  // held, and must still never be more than N ahead of what was taken.
  for (const n of [2, 3, 4, 7, 16]) {
    test(`G10 backpressure ${n}: a consumer taking each item as it comes never has more than ${n} made ahead of it`, async () => {
      const log = join(scratch(), 'log');
      const gen = Recorder.remote().produce.options({ backpressure: n }).remote(log, 300);
      let taken = 0;
      for await (const ref of gen) {
        assert.equal(await ref, taken);
        taken++;
        const made = recorded(log).length;
        assert.ok(made - taken <= n, `${made} made with ${taken} taken (window ${n})`);
      }
      assert.equal(taken, 300);
    });
  }
});

describe('G10 G12 the window across a restart', () => {
  test('G10 G12 after its worker died, a re-run stream counts items delivered and not taken against its window', async () => {
    const dir = scratch();
    const log = join(dir, 'log');
    const r = Relapse.options({ maxRestarts: 1, maxTaskRetries: 1 }).remote();
    const gen = r.items.options({ backpressure: 2 }).remote(10, log, join(dir, 'marker'));
    // The first attempt makes 0 and 1 and dies; the second skips them and must wait: nothing was taken.
    await until(() => recorded(log).length >= 4, 'the re-run skips the two items delivered', 15_000);
    await new Promise((res) => setTimeout(res, 300)); // room to run ahead, if the window were lost
    assert.deepEqual(recorded(log), ['0', '1', '0', '1']);
    const got: number[] = [];
    for await (const ref of gen) got.push(await ref);
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
