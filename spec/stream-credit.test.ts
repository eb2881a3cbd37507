// G10 across a link, the consumer's side (wire/credit.ts): when credit is sent, and how much. A held
// producer gets credit at every take; a producer inside its window gets it once half a window has been
// taken, so that a consumer that keeps up never waits a credit's round trip; credit is never more than the
// count taken. The stream is played by a plain object: only its counts matter here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamCore } from '../lib/stream.js';
import { giveCredit } from '../lib/wire/credit.js';

interface Counts {
  backpressure: number;
  produced: number;
  taken: number;
  onTake: ((taken: number) => void) | undefined;
  onDetach: (() => void) | undefined;
}

function consumer(backpressure: number): { core: Counts; sent: number[]; takenAtSend: number[]; arrive(): void; take(): void } {
  const core: Counts = { backpressure, produced: 0, taken: 0, onTake: undefined, onDetach: undefined };
  const sent: number[] = [];
  const takenAtSend: number[] = [];
  giveCredit(core as unknown as StreamCore, (taken) => {
    sent.push(taken);
    takenAtSend.push(core.taken);
  });
  return {
    core,
    sent,
    takenAtSend,
    arrive() {
      core.produced++;
      core.onTake?.(core.taken);
    },
    take() {
      assert.ok(core.taken < core.produced, 'a take needs an item that arrived');
      core.taken++;
      core.onTake?.(core.taken);
    },
  };
}

describe('G10 credit across a link', () => {
  test('G10 a consumer that takes each item as it arrives credits its producer every half window, before it is held', () => {
    const c = consumer(8);
    for (let i = 0; i < 24; i++) {
      c.arrive();
      c.take();
    }
    assert.deepEqual(c.sent, [4, 8, 12, 16, 20, 24]);
    // Each credit is what had been taken when it was sent, never more: the producer stays within 8 of it.
    assert.deepEqual(c.sent, c.takenAtSend);
  });

  test('G10 a producer held at its window gets credit at every take (one more item as soon as one is taken)', () => {
    const c = consumer(8);
    for (let i = 0; i < 8; i++) c.arrive(); // the producer is held: 8 ahead of 0 taken
    assert.deepEqual(c.sent, []);
    c.take();
    assert.deepEqual(c.sent, [1], 'the first take frees the held producer');
    c.arrive(); // it made one more: held again at 9
    c.take();
    assert.deepEqual(c.sent, [1, 2]);
    c.take(); // credited 2, the producer may make 10: its 10th item is on its way, so it is not held
    assert.deepEqual(c.sent, [1, 2]);
    c.arrive(); // held again at 10 with 3 taken
    assert.deepEqual(c.sent, [1, 2, 3]);
  });

  test('G10 an item still on its way when the consumer took one: its arrival shows the producer held, and credit goes then', () => {
    const c = consumer(4);
    for (let i = 0; i < 3; i++) c.arrive();
    c.take(); // 3 arrived, 1 taken: the 4th is on its way, the producer held at 4
    assert.deepEqual(c.sent, []);
    c.arrive();
    assert.deepEqual(c.sent, [1]);
  });

  test('G10 backpressure 1 and 2: every take is credited; an odd window credits every ceil(N/2) takes', () => {
    for (const n of [1, 2]) {
      const c = consumer(n);
      for (let i = 0; i < 5; i++) {
        c.arrive();
        c.take();
      }
      assert.deepEqual(c.sent, [1, 2, 3, 4, 5], `backpressure ${n}`);
    }
    const odd = consumer(5);
    for (let i = 0; i < 9; i++) {
      odd.arrive();
      odd.take();
    }
    assert.deepEqual(odd.sent, [3, 6, 9]);
  });

  test('G9 G10 a consumer that is gone frees its producer for good; without backpressure nothing is sent', () => {
    const c = consumer(16);
    c.arrive();
    c.core.onDetach?.();
    assert.deepEqual(c.sent, [Infinity]);
    const free = consumer(Infinity);
    for (let i = 0; i < 100; i++) {
      free.arrive();
      free.take();
    }
    assert.deepEqual(free.sent, []);
  });
});
