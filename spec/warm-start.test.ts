// A warm start (issue 11): `await ready()` starts the pool's workers and resolves once every one takes
// calls, and `init({ prestart: true })` starts them at init, so the workers' start-up (150-170 ms each,
// more under tsx) is paid before the first request rather than in it. stats().workers counts the workers
// that are up.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { init, ready, shutdown, stats } from '../lib/index.js';
import { Waiter } from './helpers/conventions-actors.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('issue11 warm start', () => {
  test('ready() starts every pool worker and resolves when they take calls; calls then use them', { timeout: 30_000 }, async () => {
    await shutdown();
    init({ workers: 2 });
    assert.equal(stats().workers, 0, 'no worker before the first threaded use');
    await ready();
    assert.equal(stats().workers, 2, 'both workers are up when ready() resolves');
    await ready(); // again: nothing more to start
    const w = Waiter.remote();
    assert.equal(await w.abortedCalls.remote(), 0);
    assert.equal(stats().workers, 2, 'the actor went to a started worker');
    await shutdown();
    assert.equal(stats().workers, 0, 'a fresh runtime after shutdown has none');
  });

  test('init({ prestart: true }) starts the workers without a call', { timeout: 30_000 }, async () => {
    await shutdown();
    init({ workers: 2, prestart: true });
    for (let i = 0; i < 300 && stats().workers < 2; i++) await sleep(10);
    assert.equal(stats().workers, 2);
    await shutdown();
  });

  test('the first threaded call after ready() does not pay the worker start-up', { timeout: 30_000 }, async () => {
    const firstCall = async (warm: boolean): Promise<number> => {
      await shutdown();
      init({ workers: 1 });
      if (warm) await ready();
      const t0 = performance.now();
      assert.equal(await Waiter.remote().abortedCalls.remote(), 0);
      return performance.now() - t0;
    };
    const cold = await firstCall(false);
    const warm = await firstCall(true);
    await shutdown();
    assert.ok(warm < cold, `first call ${warm.toFixed(1)} ms after ready(), ${cold.toFixed(1)} ms cold`);
  });

  test('a bad prestart is a TypeError naming it, its value quoted', async () => {
    await shutdown();
    assert.throws(() => init({ prestart: 'yes' as unknown as boolean }), /init: prestart must be a boolean, got 'yes'/);
  });
});
