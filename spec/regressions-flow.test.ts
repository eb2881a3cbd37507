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
import { PaceProbe } from './helpers/pace-actors.js';
import { Fragile, Tally, scratch, sleepSync, touch } from './helpers/threaded-actors.js';

before(() => init({ workers: 1 }));
after(() => shutdown());

/** Lets the channel's microtask flush run: the next call leaves as a message of its own. */
const microtasks = async (n = 5) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

/** On one worker: A blocks it until released; then each of `calls`, each its own message; then calls to
 *  reach `inFlight` (8 or more: the worker may hold results, up to a quarter of them). A is released while this thread is blocked: A's
 *  result arrives unread, and the next results are answered while this thread is behind. */
async function behind(t: ActorHandle<Tally>, dir: string, calls: Array<() => unknown>, inFlight = 8) {
  const a = t.spinUntil.remote(join(dir, 'startedA'), join(dir, 'goA'));
  await microtasks();
  const out: unknown[] = [];
  for (const c of calls) {
    out.push(c());
    await microtasks();
  }
  const rest = Array.from({ length: Math.max(0, inFlight - 1 - calls.length) }, () => t.add.remote(0));
  while (!existsSync(join(dir, 'startedA'))) sleepSync(1);
  touch(join(dir, 'goA'));
  sleepSync(100);
  return { a, out, rest };
}

/** How long `p` takes from now, in ms. */
async function timed(p: unknown): Promise<number> {
  const t0 = performance.now();
  await within(p as PromiseLike<unknown>, 'a result', 5000);
  return performance.now() - t0;
}

test('issue3 G2 a result the worker holds while the main thread is behind is not kept waiting by a later call that blocks the worker', async () => {
  const t = Tally.remote();
  await t.add.remote(0);
  const dir = scratch();
  const { a, out, rest } = await behind(t, dir, [() => t.add.remote(1), () => t.spinUntil.remote(join(dir, 'startedC'), join(dir, 'goC'))]);
  try {
    assert.equal(await within(out[0] as ObjectRef<number>, 'the result of B, which returned before C blocked the worker', 1500), 1);
  } finally {
    touch(join(dir, 'goC'));
  }
  await Promise.all([a, out[1], ...rest]);
});

test('issue3 A7 a call that returned just before its worker crashed resolves with its value (its result was held)', async () => {
  const t = Tally.remote();
  const f = Fragile.remote('victim');
  await Promise.all([t.add.remote(0), f.bump.remote()]); // both on the one worker
  const { a, out, rest } = await behind(t, scratch(), [() => f.bump.remote(), () => f.exit.remote(1)]);
  assert.equal(await (out[0] as ObjectRef<number>), 2, 'bump() ran: its result must not be lost with the worker');
  await settle(a);
  assert.equal((await settle(out[1] as ObjectRef<never>)).ok, false);
  await Promise.all(rest.map(settle));
});

test('issue3 A10 cancel(ref, { force: true }) of a call that returned (its result held) does not end the worker', async () => {
  const t = Tally.remote();
  const born = await t.identity.remote();
  const dir = scratch();
  const { a, out, rest } = await behind(t, dir, [() => t.add.remote(1), () => t.spinUntil.remote(join(dir, 'startedC'), join(dir, 'goC'))]);
  const [b, c] = out as ObjectRef<unknown>[];
  cancel(b!, { force: true });
  const outcomes = Promise.all([a, b!, c!, ...rest].map(settle));
  await new Promise((r) => setTimeout(r, 400)); // past the force grace (100 ms)
  touch(join(dir, 'goC'));
  const got = await outcomes;
  assert.deepEqual([got[0], got[2]], [{ ok: true, value: 'spun' }, { ok: true, value: 'spun' }], 'C ran to its end: the worker was not ended');
  assert.equal(await t.identity.remote(), born, 'the same actor instance (no restart)');
});

for (const kind of ['slowReturn', 'slowThrow'] as const) {
  test(`issue3 G2 a method whose last call blocked (${kind}) is not taken as fast: held results leave before its next call`, async () => {
    const t = Tally.remote();
    const p = PaceProbe.remote();
    await t.add.remote(0);
    await settle(p[kind].remote(0)); // fast
    await settle(p[kind].remote(300)); // blocked 300 ms (and returned, or threw)
    const { a, out, rest } = await behind(t, scratch(), [() => t.add.remote(1), () => settle(p[kind].remote(1500))]);
    const ms = await timed(out[0]);
    await Promise.all([a, out[1], ...rest]);
    assert.ok(ms < 1000, `B's result came ${ms.toFixed(0)} ms after the main thread was free (C blocked the worker 1500 ms)`);
  });
}

test('issue3 G2 a result is not kept behind an async method that a later message wakes and that then blocks the worker', async () => {
  const t = Tally.remote();
  const p = PaceProbe.remote();
  const q = PaceProbe.remote();
  await Promise.all([t.add.remote(0), p.one.remote(), q.fire.remote()]); // add and fire: fast
  // C (async) starts and waits; B (fast) returns; D (fast) wakes C, which then blocks the worker 1500 ms.
  const { a, out, rest } = await behind(t, scratch(), [() => p.blockAfterSignal.remote(1500), () => t.add.remote(1), () => q.fire.remote()], 32);
  const ms = await timed(out[1]);
  await Promise.all([a, out[0], out[2], ...rest]);
  assert.ok(ms < 1000, `B's result came ${ms.toFixed(0)} ms after the main thread was free (C blocked the worker 1500 ms after an await)`);
});

test('issue3 this, arguments.length and default parameters reach a threaded method as they are passed', async () => {
  const p = PaceProbe.remote();
  assert.equal(await p.self.remote(), true);
  assert.equal(await p.len.remote(1, 2, 3), 3);
  assert.equal(await p.len.remote(), 0);
  assert.equal(await p.withDefault.remote(1), 6);
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
