// G11 and G13 across a thread: a producer on a worker that yields without awaiting anything else still
// hears cancel() and return() within milliseconds (its worker's event loop turns while it produces), as an
// in-process producer does; without that it ran on to its own end.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { cancel, init, shutdown, TaskCancelledError } from '../lib/index.js';
import { settle, until } from './helpers/actors-util.js';
import { exists, scratch } from './helpers/threaded-actors.js';
import { Spinner } from './helpers/wire-actors.js';

beforeEach(() => init({ workers: 1 }));
afterEach(() => shutdown());

// Twenty million items: many seconds of production; a producer that heard the stop makes a small part of it.
const N = 20_000_000;

describe('G11 G13 a busy producer on a worker hears the consumer', () => {
  for (const how of ['cancel', 'return'] as const) {
    test(`G11 G13 ${how}() stops a threaded producer that never awaits, well before its end`, async () => {
      const done = join(scratch(), 'done');
      const gen = Spinner.remote().spin.remote(done, N);
      for (let i = 0; i < 10; i++) assert.equal(await (await gen.next()).value, i);
      if (how === 'cancel') {
        cancel(gen);
        const rest = [];
        for (let r = await gen.next(); !r.done; r = await gen.next()) rest.push(await settle(r.value));
        const last = rest.at(-1);
        assert.ok(last && !last.ok && last.error instanceof TaskCancelledError);
      } else await gen.return();
      // The rule is about time: "within milliseconds"; the bound is generous for a noisy 2-core machine.
      await until(() => exists(done), 'the producer runs its finally block', 3000);
      const made = Number(readFileSync(done, 'utf8'));
      assert.ok(made < N / 4, `the producer made ${made} of ${N} items after the stop`);
    });
  }
});

describe('G11 a producer with slow steps on a worker', () => {
  test('G11 cancel() stops a threaded producer whose every step blocks its thread for 20 ms within a few items', async () => {
    const done = join(scratch(), 'done');
    const gen = Spinner.remote().slowSpin.remote(done, 1000, 20);
    assert.equal(await (await gen.next()).value, 0);
    cancel(gen);
    for (let r = await gen.next(); !r.done; r = await gen.next()) await settle(r.value);
    await until(() => exists(done), 'the producer runs its finally block', 5000);
    const made = Number(readFileSync(done, 'utf8'));
    assert.ok(made < 10, `the producer made ${made} items of 20 ms after the cancel`);
  });
});
