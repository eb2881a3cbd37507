// issue3: what crosses a thread is the value as it was at the call or the yield (as with postMessage),
// even though messages are batched and leave later: arguments, results and stream items are copied then.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { init, shutdown } from '../lib/index.js';
import { Tally } from './helpers/threaded-actors.js';

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
