// issue3: regressions found by the review of pacing (flow.ts) and LoneBatch (channel.ts). While the main
// thread is behind, a worker holds results to send them together; a held result must still leave before
// the worker runs anything that arrived after it (a call that blocks, or ends the worker), and a batch must
// never lose its calls. Each test blocks the main thread (sleepSync) so that it is behind.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cancel, init, shutdown, type ActorHandle, type ObjectRef } from '../lib/index.js';
import { settle, ticks, within } from './helpers/actors-util.js';
import { Fragile, Tally, scratch, sleepSync, touch } from './helpers/threaded-actors.js';

before(() => init({ workers: 1 }));
after(() => shutdown());

/** Lets the channel's microtask flush run: the next call leaves as a message of its own. */
const microtasks = async (n = 5) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

/** On one worker: A blocks it until released; then `b()` and `c()`, each its own message; then 5 more calls
 *  (8 in flight, so the worker may hold results). A is released while this thread is blocked: A's result
 *  arrives unread, and B's is answered while this thread is behind. */
async function behindAfterBlock(t: ActorHandle<Tally>, dir: string, b: () => ObjectRef<unknown>, c: () => ObjectRef<unknown>) {
  const a = t.spinUntil.remote(join(dir, 'startedA'), join(dir, 'goA'));
  await microtasks();
  const bRef = b();
  await microtasks();
  const cRef = c();
  await microtasks();
  const rest = Array.from({ length: 5 }, () => t.add.remote(0));
  while (!existsSync(join(dir, 'startedA'))) sleepSync(1);
  touch(join(dir, 'goA'));
  sleepSync(100);
  return { a, b: bRef, c: cRef, rest };
}

test('issue3 G2 a result the worker holds while the main thread is behind is not kept waiting by a later call that blocks the worker', async () => {
  const t = Tally.remote();
  await t.add.remote(0);
  const dir = scratch();
  const { a, b, c, rest } = await behindAfterBlock(t, dir, () => t.add.remote(1), () => t.spinUntil.remote(join(dir, 'startedC'), join(dir, 'goC')));
  try {
    assert.equal(await within(b, 'the result of B, which returned before C blocked the worker', 1500), 1);
  } finally {
    touch(join(dir, 'goC'));
  }
  await Promise.all([a, c, ...rest]);
});

test('issue3 A7 a call that returned just before its worker crashed resolves with its value (its result was held)', async () => {
  const t = Tally.remote();
  const f = Fragile.remote('victim');
  await Promise.all([t.add.remote(0), f.bump.remote()]); // both on the one worker
  const { a, b, c, rest } = await behindAfterBlock(t, scratch(), () => f.bump.remote(), () => f.exit.remote(1));
  assert.equal(await b, 2, 'bump() ran: its result must not be lost with the worker');
  await settle(a);
  assert.equal((await settle(c)).ok, false);
  await Promise.all(rest.map(settle));
});

test('issue3 A10 cancel(ref, { force: true }) of a call that returned (its result held) does not end the worker', async () => {
  const t = Tally.remote();
  const born = await t.identity.remote();
  const dir = scratch();
  const { a, b, c, rest } = await behindAfterBlock(t, dir, () => t.add.remote(1), () => t.spinUntil.remote(join(dir, 'startedC'), join(dir, 'goC')));
  cancel(b, { force: true });
  const outcomes = Promise.all([a, b, c, ...rest].map(settle));
  await new Promise((r) => setTimeout(r, 400)); // past the force grace (100 ms)
  touch(join(dir, 'goC'));
  const got = await outcomes;
  assert.deepEqual([got[0], got[2]], [{ ok: true, value: 'spun' }, { ok: true, value: 'spun' }], 'C ran to its end: the worker was not ended');
  assert.equal(await t.identity.remote(), born, 'the same actor instance (no restart)');
});

test('issue3 a value whose getter changes between the check and the copy does not lose the other calls of its batch', async () => {
  const t = Tally.remote();
  await t.add.remote(0);
  let n = 0;
  const odd = {
    get g(): unknown {
      return ++n >= 3 ? () => 1 : n; // a number when checked, a function if read a third time
    },
  };
  const calls = [t.echo.remote(1), t.echo.remote(odd), t.echo.remote(3)]; // the last two wait in one batch
  const got = await within(Promise.all(calls.map(settle)), 'every call of the batch settles', 3000);
  assert.deepEqual([got[0], got[2]], [{ ok: true, value: 1 }, { ok: true, value: 3 }]);
  assert.deepEqual(got[1], { ok: true, value: { g: 2 } }, 'the value as read once when it was sent');
});

test('issue3 A1 G2 results of a sync actor settle in call order, with streams, errors and every kind of value, while the main thread lags', async () => {
  const t = Tally.remote();
  await t.add.remote(0);
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const kinds = [(i: number) => i, (i: number) => ({ i }), (i: number) => [i, i], (i: number) => new Map([[i, i]]), (i: number) => ({ nested: { i } }), (i: number) => `s${i}`, (i: number) => new Date(i)];
  for (let round = 0; round < 30; round++) {
    const settled: number[] = [];
    const all: Promise<unknown>[] = [];
    const n = 8 + Math.floor(rnd() * 120);
    for (let i = 0; i < n; i++) {
      const r = rnd();
      if (r < 0.05) {
        const len = 20 + Math.floor(rnd() * 300);
        const gen = t.count.remote(len);
        all.push((async () => {
          const items: number[] = [];
          for await (const ref of gen) items.push(await ref);
          assert.deepEqual(items, Array.from({ length: len }, (_, k) => k), `round ${round}: a stream's items in order, then its end`);
        })());
      } else if (r < 0.1) {
        all.push(Promise.resolve(t.fail.remote()).then(() => assert.fail('no error'), () => settled.push(i)));
      } else {
        const v = kinds[i % kinds.length]!(i);
        all.push(Promise.resolve(t.echo.remote(v)).then((got) => {
          assert.deepEqual(got, v);
          settled.push(i);
        }));
      }
      if (rnd() < 0.05) await Promise.resolve();
      if (rnd() < 0.02) sleepSync(1 + rnd() * 5);
    }
    await Promise.resolve();
    sleepSync(rnd() * 20);
    await Promise.all(all);
    assert.deepEqual(settled, [...settled].sort((x, y) => x - y), `round ${round}: results settled in call order`);
  }
  await ticks();
});
