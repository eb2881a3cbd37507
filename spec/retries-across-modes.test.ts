// Retries and kills count the same in every mode (A4, A7, A8, G12): application retries (maxRetries) and
// restarts (maxTaskRetries) share one attempt count, on a threaded actor as on a sync or async one;
// per-call options win over @method options across the thread; a method that kills its own actor rejects
// with ActorDiedError in every mode, or runs again on the rebuilt actor when restarts and retries allow.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ActorDiedError, init, put, shutdown } from '../lib/index.js';
import { settle, uniqueName, within } from './helpers/actors-util.js';
import { scratch } from './helpers/threaded-actors.js';
import { Relapse, Scripted, SelfKillAsync, SelfKillSync, recorded } from './helpers/wire-actors.js';

beforeEach(() => init({ workers: 2 }));
afterEach(() => shutdown());

/** Runs Scripted.run (or a twin) with `steps` and returns how many runs happened and the outcome. */
async function runScript(kind: 'threaded' | 'sync' | 'async', steps: string[], opts: { maxTaskRetries: number; maxRetries?: number }) {
  const dir = scratch();
  const script = join(dir, 'script');
  const log = join(dir, 'log');
  writeFileSync(script, steps.join(','));
  let out;
  if (kind === 'threaded') {
    const s = Scripted.options({ maxRestarts: 10, maxTaskRetries: opts.maxTaskRetries }).remote();
    const m = opts.maxRetries === undefined ? s.run : s.run.options({ maxRetries: opts.maxRetries });
    out = await within(settle(m.remote(script, log)), 'the scripted call settles', 20_000);
  } else {
    const name = uniqueName(`scripted-${kind}`);
    const o = { name, maxRestarts: 10, maxTaskRetries: opts.maxTaskRetries };
    const h = kind === 'sync' ? SelfKillSync.options(o).remote(name) : SelfKillAsync.options(o).remote(name);
    const m = opts.maxRetries === undefined ? h.scripted : h.scripted.options({ maxRetries: opts.maxRetries });
    out = await within(settle<number>(m.remote(script, log)), 'the scripted call settles', 20_000);
  }
  return { runs: recorded(log), out };
}

describe('A7 G12 one attempt count for application retries and restarts, in every mode', () => {
  const cases: { steps: string[]; maxTaskRetries: number; maxRetries?: number }[] = [
    { steps: ['raise', 'exit', 'raise', 'ok'], maxTaskRetries: 1, maxRetries: 2 },
    { steps: ['raise', 'exit', 'raise', 'raise', 'ok'], maxTaskRetries: 3, maxRetries: 3 },
    { steps: ['exit', 'raise', 'ok'], maxTaskRetries: 1, maxRetries: 1 },
    { steps: ['raise', 'raise', 'exit', 'ok'], maxTaskRetries: 5 },
  ];
  for (const c of cases) {
    test(`A7 G12 ${c.steps.join(' > ')} (maxRetries ${c.maxRetries ?? 'from @method: 5'}, maxTaskRetries ${c.maxTaskRetries}): threaded runs as often as sync and async`, async () => {
      const sync = await runScript('sync', c.steps, c);
      const async_ = await runScript('async', c.steps, c);
      const threaded = await runScript('threaded', c.steps, c);
      assert.deepEqual(async_.runs, sync.runs, 'async vs sync');
      assert.deepEqual(threaded.runs, sync.runs, 'threaded vs sync');
      assert.equal(threaded.out.ok, sync.out.ok);
      if (sync.out.ok && threaded.out.ok) assert.equal(threaded.out.value, sync.out.value);
    });
  }
});

describe('A4 per-call options win over @method options across the thread', () => {
  test('A4 maxRetries: 0 per call overrides @method maxRetries: 5 on a threaded actor', async () => {
    const dir = scratch();
    const script = join(dir, 'script');
    const log = join(dir, 'log');
    writeFileSync(script, 'raise,raise,ok');
    const s = Scripted.remote();
    const out = await settle(s.run.options({ maxRetries: 0 }).remote(script, log));
    assert.equal(out.ok, false);
    assert.deepEqual(recorded(log), ['raise']);
  });

  test('A4 retryExceptions: false per call overrides @method retryExceptions: true on a threaded actor', async () => {
    const dir = scratch();
    const script = join(dir, 'script');
    const log = join(dir, 'log');
    writeFileSync(script, 'raise,raise,ok');
    const s = Scripted.remote();
    const out = await settle(s.run.options({ retryExceptions: false }).remote(script, log));
    assert.equal(out.ok, false);
    assert.deepEqual(recorded(log), ['raise']);
  });
});

describe('A8 a method that kills its own actor', () => {
  for (const [kind, make] of [
    ['sync', (n: string) => SelfKillSync.options({ name: n }).remote(n)],
    ['async', (n: string) => SelfKillAsync.options({ name: n }).remote(n)],
  ] as const) {
    test(`A8 ${kind}: the call that killed its actor rejects with ActorDiedError`, async () => {
      const name = uniqueName(`selfkill-${kind}`);
      const h = make(name);
      const out = await settle(h.boom.remote());
      assert.equal(out.ok, false, `resolved with ${String(out.ok && out.value)}`);
      assert.ok(!out.ok && out.error instanceof ActorDiedError);
    });
  }

  test('A8 async: killed before its first await, the call rejects with ActorDiedError', async () => {
    const name = uniqueName('selfkill-async-sync-part');
    const h = SelfKillAsync.options({ name }).remote(name);
    const out = await settle(h.boomSync.remote());
    assert.ok(!out.ok && out.error instanceof ActorDiedError, String(out.ok ? out.value : out.error));
  });

  for (const kind of ['sync', 'async'] as const) {
    test(`A7 A8 ${kind}: with restarts and retries, the call runs again on the rebuilt actor`, async () => {
      const { runs, out } = await runScript(kind, ['exit', 'ok'], { maxTaskRetries: 1 });
      assert.deepEqual(runs, ['exit', 'ok']);
      assert.deepEqual(out, { ok: true, value: 2 });
    });
  }
});

describe('A7 a retried call with a ref argument', () => {
  test('A7 a call retried after its worker died, whose ref argument holds a handle, settles, and so do the calls behind it', async () => {
    const marker = join(scratch(), 'crashed');
    const c = Relapse.options({ maxTaskRetries: 1 }).remote();
    await c.ping.remote();
    const r = put({ peer: Scripted.remote() });
    const use = c.use.remote(r, marker);
    const ping = c.ping.remote();
    assert.equal(await within(use, 'the retried call', 15_000), 'got object');
    assert.equal(await within(ping, 'the call behind it', 15_000), 'pong');
  });
});
