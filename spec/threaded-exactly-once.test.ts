// Exactly once (A7, R1): a call whose method returned or threw settles with that outcome even if its worker
// dies right after, and a call that finished never runs again on a restart (its result is never held back
// in the worker's memory while user code runs: lib/threaded/channel.ts release()).
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ActorDiedError, TaskError, actorInfo, init, shutdown } from '../lib/index.js';
import { settle, within } from './helpers/actors-util.js';
import { scratch } from './helpers/threaded-actors.js';
import { Caller, DiesInConstructor, Ledger, recorded } from './helpers/wire-actors.js';

beforeEach(() => init({ workers: 1 }));
afterEach(() => shutdown());

describe('A7 exactly once: finished calls survive their worker', () => {
  for (const retries of [0, 3]) {
    test(`A7 100 fast calls before a call that exits: every call that ran settles with its value (maxTaskRetries ${retries})`, async () => {
      const dir = scratch();
      const log = join(dir, 'log');
      const marker = join(dir, 'exited');
      const l = Ledger.options({ maxRestarts: retries, maxTaskRetries: retries }).remote(log);
      await l.work.remote(-1, 1000, marker); // built
      const refs = [];
      for (let i = 0; i < 100; i++) refs.push(l.work.remote(i, 100, marker));
      const exiting = l.work.remote(100, 100, marker);
      const outcomes = await within(Promise.all(refs.map(settle)), 'the 100 calls settle', 20_000);
      const ran = new Set(recorded(log).map(Number));
      const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [i]));
      const failedThatRan = failed.filter((i) => ran.has(i));
      assert.deepEqual(failedThatRan, [], `calls that had run were reported failed: ${failedThatRan.join(', ')}`);
      for (const [i, o] of outcomes.entries()) if (o.ok) assert.equal(o.value, i);
      const last = await within(settle(exiting), 'the exiting call settles', 20_000);
      if (retries === 0) {
        assert.equal(last.ok, false);
        assert.ok(!last.ok && last.error instanceof ActorDiedError, String(!last.ok && last.error));
      } else assert.deepEqual(last, { ok: true, value: 100 });
      // Nothing that finished ran twice.
      const counts = new Map<string, number>();
      for (const t of recorded(log)) counts.set(t, (counts.get(t) ?? 0) + 1);
      const twice = [...counts].filter(([, n]) => n > 1).map(([t]) => t);
      assert.deepEqual(twice, [], `ran twice: ${twice.join(', ')}`);
    });
  }

  test('A7 calls that threw before the worker died reject with their TaskError, not ActorDiedError', async () => {
    const dir = scratch();
    const log = join(dir, 'log');
    const marker = join(dir, 'exited');
    const l = Ledger.remote(log);
    await l.work.remote(-1, 1000, marker);
    const refs = [];
    for (let i = 0; i < 50; i++) refs.push(l.fail.remote(i));
    void settle(l.work.remote(50, 50, marker));
    const outcomes = await within(Promise.all(refs.map(settle)), 'the calls settle', 20_000);
    const ran = new Set(recorded(log).map(Number));
    for (const [i, o] of outcomes.entries()) {
      assert.equal(o.ok, false);
      if (ran.has(i)) assert.ok(!o.ok && o.error instanceof TaskError, `call ${i} ran and threw, got ${String(!o.ok && o.error)}`);
    }
  });
});

describe('A7 a worker death names the call that ran', () => {
  test('A7 every actor on a worker that died is told which actor and call was running', async () => {
    const dir = scratch();
    const a = Ledger.remote(join(dir, 'a'));
    const b = Ledger.remote(join(dir, 'b'));
    await Promise.all([a.work.remote(-1, 1000, join(dir, 'm')), b.work.remote(-1, 1000, join(dir, 'm'))]);
    const info = actorInfo(a);
    const exiting = a.work.remote(7, 7, join(dir, 'marker'));
    const other = b.work.remote(1, 1000, join(dir, 'm2'));
    const [x, y] = await within(Promise.all([settle(exiting), settle(other)]), 'both settle', 15_000);
    for (const [what, o] of [['the exiting call', x], ['a call of another actor on that worker', y]] as const) {
      assert.ok(!o.ok && o.error instanceof ActorDiedError, `${what}: ${String(!o.ok && o.error)}`);
      assert.match((o.error as Error).message, new RegExp(`while it ran Ledger#${info.id}\\.work \\(task \\d+\\)`), what);
    }
  });
});

describe('A7 a worker death blames no call that was only waiting', () => {
  test('A7 a call awaiting a timer when another actor\'s constructor ends the worker is not named as the one that ran', async () => {
    const c = Caller.remote();
    await c.ping.remote();
    const waiting = c.wait.remote(1000);
    await new Promise((r) => setTimeout(r, 100));
    DiesInConstructor.remote();
    const out = await within(settle(waiting), 'the waiting call settles', 15_000);
    assert.ok(!out.ok && out.error instanceof ActorDiedError);
    assert.doesNotMatch((out.error as Error).message, /while it ran Caller/);
  });
});
