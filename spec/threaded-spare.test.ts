// A7 recovery: once a shared worker has died, the pool keeps one spare worker started with the modules the
// dead one had loaded, and the next restart takes it (no thread start and no imports on the way).
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import { ActorDiedError, init, shutdown } from '../lib/index.js';
import { settle, until, within } from './helpers/actors-util.js';
import { scratch } from './helpers/threaded-actors.js';

afterEach(() => {
  delete process.env.TROUPE_SPEC_LOADS;
  return shutdown();
});

const threads = (path: string): number[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map(Number) : []);

describe('A7 a spare worker after a crash', () => {
  test('A7 after a crash a spare worker preloads the class, and the next restart runs on it', async () => {
    const loads = join(scratch(), 'loads');
    process.env.TROUPE_SPEC_LOADS = loads;
    init({ workers: 1 });
    const { Phoenix } = await import('./helpers/spare-actors.js');
    const p = Phoenix.remote();
    const first = await within(p.thread.remote(), 'the first call');
    assert.deepEqual(threads(loads), [first]);
    const out = await within(settle(p.exit.remote()), 'the crashing call');
    assert.ok(!out.ok && out.error instanceof ActorDiedError);
    const second = await within(p.thread.remote(), 'a call on the rebuilt actor', 15_000);
    // The restart's worker, and then a spare that loads the module before anything is created on it.
    await until(() => threads(loads).length >= 3, 'a spare worker loads the module', 15_000);
    const spare = threads(loads).find((t) => t !== first && t !== second);
    assert.ok(spare !== undefined, `loads: ${threads(loads).join(', ')}`);
    await settle(p.exit.remote());
    const third = await within(p.thread.remote(), 'a call after the second crash', 15_000);
    assert.equal(third, spare, 'the second restart runs on the spare');
  });
});
