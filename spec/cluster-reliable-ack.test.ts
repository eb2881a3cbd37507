// The receiver's acks in a cluster link's order (lib/cluster/reliable.ts): a payload received is
// acknowledged on the next payload going back, or alone after ackDelayMs when nothing goes back; a
// duplicate (a resend whose ack was lost) is acknowledged again. Without its ack a sender publishes the
// payload again and again, so an ack owed must never be forgotten, and one carried by a payload must not go
// again alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reliable } from '../lib/cluster/reliable.js';

const DELAY = 5;
const policy = { windowBytes: 1 << 20, resendMs: 1e6, maxResendMs: 1e6, ackDelayMs: DELAY, ackBytes: 1 << 20 };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function side() {
  const published: { seq: number; ack: number }[] = [];
  const alone: number[] = [];
  const r = new Reliable<string>(
    {
      stamp: (_p, seq, ack) => {
        published.push({ seq, ack });
        return new Uint8Array(8);
      },
      publish: () => {},
      ackAlone: (ack) => alone.push(ack),
      now: () => performance.now(),
    },
    policy,
  );
  return { r, published, alone };
}

test('reliable: a payload received with nothing going back is acknowledged alone, once', async () => {
  const { r, alone } = side();
  assert.deepEqual(r.accept(1, 0, 'p1', 100), ['p1']);
  assert.deepEqual(r.accept(2, 0, 'p2', 100), ['p2']);
  await wait(DELAY * 4);
  assert.deepEqual(alone, [2], 'one ack alone for both');
  await wait(DELAY * 4);
  assert.deepEqual(alone, [2], 'and no more while nothing new came');
});

test('reliable: an ack that rode on a payload going back does not go again alone', async () => {
  const { r, alone, published } = side();
  r.accept(1, 0, 'p1', 100);
  r.send('reply', 10);
  assert.deepEqual(published, [{ seq: 1, ack: 1 }]);
  await wait(DELAY * 4);
  assert.deepEqual(alone, []);
});

test('reliable: a payload received after the last one going back is still acknowledged, within the delay', async () => {
  const { r, alone } = side();
  r.accept(1, 0, 'p1', 100);
  r.send('reply', 10); // carries ack 1; the timer set for p1 may still be running
  r.accept(2, 0, 'p2', 100);
  await wait(DELAY * 4);
  assert.deepEqual(alone, [2]);
  // Calls and replies in turn, as at one call in flight: every ack rides, none goes alone.
  for (let s = 3; s < 40; s++) {
    r.accept(s, 0, `p${s}`, 100);
    r.send(`reply ${s}`, 10);
    if (s % 8 === 0) await wait(DELAY / 2);
  }
  await wait(DELAY * 4);
  assert.deepEqual(alone, [2]);
});

test('reliable: a duplicate (its ack was lost) is acknowledged again', async () => {
  const { r, alone } = side();
  r.accept(1, 0, 'p1', 100);
  await wait(DELAY * 4);
  assert.deepEqual(alone, [1]);
  assert.deepEqual(r.accept(1, 0, 'p1', 100), [], 'a duplicate is not given again');
  await wait(DELAY * 4);
  assert.deepEqual(alone, [1, 1]);
  assert.equal(r.duplicates, 1);
  r.close();
});
