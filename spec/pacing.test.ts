// G2 G10 pacing, step by step with a clock the spec moves (lib/pacing.ts): when a producer lets the event
// loop turn, when a worker's stream items leave one by one or batch, how many results wait together.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PACING, Pacing, setPacing, pacing as current } from '../lib/pacing.js';
import { Actor, actor, shutdown } from '../lib/index.js';

class FakeClock {
  t = 1000;
  now(): number {
    return this.t;
  }
}

afterEach(() => shutdown());

describe('G2 pacing rules with a fake clock', () => {
  test('G2 a step is busy only when a consumer waits and its synchronous part took longer than slowStepMs', () => {
    const clock = new FakeClock();
    const p = new Pacing(clock).producer();
    p.stepStarts(true);
    clock.t += DEFAULT_PACING.slowStepMs + 0.5;
    assert.equal(p.stepWasBusy(), true);
    p.stepStarts(true);
    clock.t += DEFAULT_PACING.slowStepMs / 2;
    assert.equal(p.stepWasBusy(), false);
    p.stepStarts(false); // nobody waits: never timed
    clock.t += 100;
    assert.equal(p.stepWasBusy(), false);
  });

  test('G11 a fast producer is checked at 1, 2, 4 ... up to turnCheckEvery items apart, and yields once producerTurnMs have passed', () => {
    const clock = new FakeClock();
    const p = new Pacing(clock, DEFAULT_PACING, () => {}).producer(); // the loop never turns by itself
    const every = DEFAULT_PACING.turnCheckEvery;
    const turns: number[] = [];
    const perItem = DEFAULT_PACING.producerTurnMs / 100; // 100 items make one window
    for (let i = 1; i <= 300; i++) {
      clock.t += perItem;
      if (p.itemMade()) {
        turns.push(i);
        p.turned();
      }
    }
    assert.ok(turns.length >= 2 && turns.length <= 3, `turns at ${turns.join(', ')}`);
    // Each turn comes after the window and at most turnCheckEvery items late.
    let last = 0;
    for (const t of turns) {
      assert.ok(t - last > 100 && t - last <= 100 + every, `turn at ${t}, the last at ${last}`);
      last = t;
    }
  });

  test('G11 a producer with slow steps yields after each item (a cancel from another thread reaches it at once)', () => {
    const clock = new FakeClock();
    const p = new Pacing(clock, DEFAULT_PACING, () => {}).producer();
    let turns = 0;
    for (let i = 0; i < 10; i++) {
      clock.t += 20; // a 20 ms step
      if (p.itemMade()) {
        turns++;
        p.turned();
      }
    }
    assert.equal(turns, 10);
  });

  test('G2 a producer whose awaits turn the event loop (a timer) owes no turn, however long it runs', () => {
    const clock = new FakeClock();
    const probes: (() => void)[] = [];
    const p = new Pacing(clock, DEFAULT_PACING, (f) => probes.push(f)).producer();
    let turns = 0;
    for (let i = 0; i < 50; i++) {
      clock.t += 5; // a 5 ms timer awaited: the loop turns meanwhile, and the probe fires
      for (const f of probes.splice(0)) f();
      if (p.itemMade()) turns++;
    }
    assert.equal(turns, 0);
  });

  test('G2 a worker stream flushes each item until fastRun fast items in a row, then batches; a slow item resets', () => {
    const clock = new FakeClock();
    const items = new Pacing(clock).items();
    const flushed: boolean[] = [];
    for (let i = 0; i < DEFAULT_PACING.fastRun + 10; i++) {
      clock.t += DEFAULT_PACING.fastItemMs / 10;
      flushed.push(items.flushNow());
    }
    assert.equal(flushed.filter(Boolean).length, DEFAULT_PACING.fastRun);
    assert.deepEqual(flushed.slice(-10), Array(10).fill(false));
    clock.t += DEFAULT_PACING.slowItemMs * 2; // a slow step: back to one by one
    assert.equal(items.flushNow(), true);
    clock.t += DEFAULT_PACING.fastItemMs / 10;
    assert.equal(items.flushNow(), true);
  });

  test('G10 G2 an item that fills the consumer\'s window leaves at once, and the wait for credit after it does not make the producer slow', () => {
    const clock = new FakeClock();
    const items = new Pacing(clock).items();
    for (let i = 0; i < DEFAULT_PACING.fastRun; i++) {
      clock.t += DEFAULT_PACING.fastItemMs / 10;
      items.flushNow();
    }
    clock.t += DEFAULT_PACING.fastItemMs / 10;
    assert.equal(items.flushNow(false), false, 'fast: batched');
    clock.t += DEFAULT_PACING.fastItemMs / 10;
    assert.equal(items.flushNow(true), true, 'the window is full: what waits must go');
    clock.t += DEFAULT_PACING.slowItemMs * 50; // held until the consumer takes some
    assert.equal(items.flushNow(false), false, 'still fast after the credit came: batched');
    clock.t += DEFAULT_PACING.slowItemMs * 2; // a slow step of the producer's own
    assert.equal(items.flushNow(false), true);
  });

  test('G10 results wait together only with holdMin calls in flight, a holdShare-th of them', () => {
    const p = new Pacing(new FakeClock());
    assert.equal(p.hold(DEFAULT_PACING.holdMin - 1), 0);
    assert.equal(p.hold(16), 16 / DEFAULT_PACING.holdShare);
    assert.equal(p.hold(64), 64 / DEFAULT_PACING.holdShare);
    assert.equal(p.chunk(1), 2);
    assert.equal(p.chunk(64), 16);
  });

  test('G2 in a stream: with a clock that says every step is slow, the event loop turns after each item a consumer waited for', async () => {
    @actor()
    class Steps extends Actor {
      *count(n: number) {
        for (let i = 0; i < n; i++) yield i;
      }
    }
    const clock = { t: 0, now() { return (this.t += 10); } }; // every reading 10 ms later: each step "slow"
    const old = setPacing(new Pacing(clock));
    try {
      const gen = Steps.remote().count.remote(5);
      const seen: string[] = [];
      let turns = 0;
      const tick = () => {
        turns++;
        if (turns < 50) setImmediate(tick);
      };
      setImmediate(tick);
      for await (const ref of gen) seen.push(String(await ref));
      assert.deepEqual(seen, ['0', '1', '2', '3', '4']);
      assert.ok(turns >= 4, `the event loop turned between items (${turns} turns)`);
    } finally {
      setPacing(old);
    }
    assert.equal(current, old);
  });
});
