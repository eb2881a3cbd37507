// issue3: what crosses a thread is the value as it was at the call or the yield (as with postMessage),
// even though messages are batched and leave later: arguments, results and stream items are copied then.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { init, shutdown } from '../lib/index.js';
import { sleepSync, Tally } from './helpers/threaded-actors.js';

before(() => init({ workers: 1 }));
after(() => shutdown());

test('issue3 an argument changed right after .remote() crosses as it was at the call (1 and many in flight)', async () => {
  const t = Tally.remote();
  const buf = new Uint8Array(8).fill(7);
  const lone = t.sum.remote(buf);
  buf.fill(0);
  assert.deepEqual(await lone, { length: 8, sum: 56 });
  const refs = [];
  for (let i = 1; i <= 20; i++) {
    buf.fill(i); // the same buffer, refilled before each call of one batch
    refs.push(t.sum.remote(buf));
  }
  buf.fill(0);
  const sums = (await Promise.all(refs)).map((r) => r.sum);
  assert.deepEqual(sums, Array.from({ length: 20 }, (_, i) => 8 * (i + 1)));
});

test('issue3 G3 a producer that refills and yields one buffer: each item holds what it held at its yield', async () => {
  const t = Tally.remote();
  const seen: number[][] = [];
  for await (const ref of t.reused.remote(300)) seen.push([...(await ref)]);
  assert.equal(seen.length, 300);
  seen.forEach((b, i) => assert.deepEqual(b, [i & 255, i & 255, i & 255, i & 255], `item ${i}`));
});

test('issue3 flat object and array arguments changed right after .remote() cross as they were (calls of one microtask leave together)', async () => {
  const t = Tally.remote();
  await t.add.remote(0); // built: calls leave at once (a call to an actor still starting is copied when made)
  const o = { n: 0 };
  const a = [0, 0];
  const refs = [];
  for (let i = 1; i <= 40; i++) {
    o.n = i;
    a[0] = i;
    a[1] = -i;
    refs.push(t.seen.remote(o, a));
  }
  o.n = 0;
  a.length = 0;
  assert.deepEqual(await Promise.all(refs), Array.from({ length: 40 }, (_, i) => `${i + 1}:${i + 1},${-(i + 1)}`));
});

test('issue3 results that wait while the main thread is behind hold what the method returned then, not what it holds later', async () => {
  const t = Tally.remote();
  await t.add.remote(0); // built
  for (const inFlight of [8, 64, 256]) {
    const refs = Array.from({ length: inFlight }, () => t.bump.remote());
    await Promise.resolve(); // the calls have left
    sleepSync(100); // the worker answers them all meanwhile, while this thread reads nothing
    const got = await Promise.all(refs);
    const first = got[0]!.n;
    assert.deepEqual(got.map((r) => r.n), Array.from({ length: inFlight }, (_, i) => first + i), `${inFlight} in flight`);
    assert.ok(got.every((r) => r.tag === 'state'));
  }
});

test('issue3 A1 calls with every kind of argument, sent in one go, run in the order they were made', async () => {
  const t = Tally.remote();
  const kinds = [(i: number) => i, (i: number) => ({ i }), (i: number) => new Map([[i, i]]), (i: number) => [i, [i]], (i: number) => new Uint8Array([i]), (i: number) => `s${i}`];
  const refs = [];
  for (let i = 0; i < 120; i++) refs.push(t.noteWith.remote(String(i), kinds[i % kinds.length]!(i)));
  await Promise.all(refs);
  assert.deepEqual(await t.entries.remote(), Array.from({ length: 120 }, (_, i) => String(i)));
});

test('issue3 G2 a stream and calls answered while the main thread is behind: every result right, items in order, then the end', async () => {
  const t = Tally.remote();
  await t.add.remote(0);
  const stream = t.count.remote(500);
  const refs = Array.from({ length: 64 }, () => t.add.remote(1));
  await Promise.resolve();
  sleepSync(100); // this thread reads nothing meanwhile
  const items: number[] = [];
  for await (const ref of stream) items.push(await ref);
  assert.deepEqual(items, Array.from({ length: 500 }, (_, i) => i));
  assert.deepEqual(await Promise.all(refs), Array.from({ length: 64 }, (_, i) => i + 1));
});
