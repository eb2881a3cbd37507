// G8: wait() takes generators mixed with refs. A generator is ready when next() would answer at once
// (an item or the error item is waiting, or the stream is exhausted); numReturns and timeout apply.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { get, put, TaskError, wait, type ObjectRef, type ObjectRefGenerator } from '../lib/index.js';
import {
  ASYNC_KIND_MODES,
  assertDoneForever,
  assertItems,
  deferred,
  drain,
  forModes,
  holdFn,
  lift,
  MODES,
  newHost,
  register,
  start,
  SYNC_ACTOR_MODES,
  take,
  takeValue,
  ticks,
  until,
  withTimeout,
  type Body,
  type Deferred,
} from './helpers/streams-modes.js';

type Item = ObjectRef<any> | ObjectRefGenerator<any, any>;

/** A ref that stays pending until `gate` opens. */
function pendingRef(gate: Deferred): ObjectRef<string> {
  return holdFn.remote(register(gate.promise)) as ObjectRef<string>;
}

/** A producer that yields `before` items, waits for `gate`, then yields `after` more and returns 'end'. */
function gated(gate: Deferred, before: unknown[], after: unknown[]): Body<string> {
  return {
    *sync() {
      throw new Error('a sync producer cannot wait for a gate');
    },
    async *async() {
      for (const x of before) yield x;
      await gate.promise;
      for (const x of after) yield x;
      return 'end';
    },
  };
}

const sameItems = (got: readonly Item[], expected: readonly Item[], what: string) => {
  assert.equal(got.length, expected.length, `${what}: length`);
  expected.forEach((x, i) => assert.ok(got[i] === x, `${what}[${i}] is not the expected item`));
};

describe('G8 wait() with generators', () => {
  forModes(MODES, 'G8 a generator with an item waiting is ready, beside refs, in input order', async (mode) => {
    const gate = deferred();
    try {
      const { gen } = start<number, string>(mode, lift(function* () {
        yield 1;
        yield 2;
        return 'end';
      }));
      const pending = pendingRef(gate);
      const done = put('x');
      await until(() => gen.nextReady(), 'the first item is ready');
      const [ready, notReady] = await withTimeout(wait<Item>([pending, gen, done], { numReturns: 2 }), 5000, 'wait()');
      sameItems(ready, [gen, done], 'ready');
      sameItems(notReady, [pending], 'notReady');
      assert.equal(await takeValue(gen), 1, 'a ready generator answers next() with its item');
    } finally {
      gate.resolve();
    }
  });

  forModes(MODES, 'G8 an exhausted generator counts as ready (its next() answers done at once)', async (mode) => {
    const gate = deferred();
    try {
      const { gen } = start<number, string>(mode, lift(function* () {
        yield 1;
        return 'end';
      }));
      assertItems(await drain(gen), [1]);
      const pending = pendingRef(gate);
      const [ready, notReady] = await wait<Item>([pending, gen], { timeout: 0 });
      sameItems(ready, [gen], 'ready');
      sameItems(notReady, [pending], 'notReady');
      // Without a timeout too: wait() must not wait for an exhausted generator.
      const [ready2] = await withTimeout(wait<Item>([pending, gen]), 5000, 'wait() without timeout');
      sameItems(ready2, [gen], 'ready (no timeout)');
      await assertDoneForever(gen);
    } finally {
      gate.resolve();
    }
  });

  forModes(MODES, 'G8 a generator whose items were all taken and whose task has ended is ready (next() gives done)', async (mode) => {
    const { gen } = start<number, string>(mode, lift(function* () {
      yield 1;
      yield 2;
      return 'end';
    }));
    assert.equal(await takeValue(gen), 1);
    assert.equal(await takeValue(gen), 2);
    assert.equal(await gen.completed(), 'end');
    const [ready] = await wait([gen], { timeout: 0 });
    sameItems(ready, [gen], 'ready');
    const r = await withTimeout(gen.next(), 1000, 'next() of a ready, exhausted stream');
    assert.equal(r.done, true);
  });

  forModes(MODES, 'G8 a generator whose error item waits is ready', async (mode) => {
    const { gen } = start<number, void>(mode, lift(function* () {
      throw new Error('first');
    }));
    await assert.rejects(withTimeout(get(gen.completed()), 5000, 'completed()'), TaskError);
    const [ready, notReady] = await wait([gen], { timeout: 0 });
    sameItems(ready, [gen], 'ready');
    assert.equal(notReady.length, 0);
    const err = await take(gen);
    assert.equal(err.ok, false);
    assert.ok(!err.ok && err.error instanceof TaskError);
  });

  forModes(ASYNC_KIND_MODES, 'G8 a generator with nothing yielded yet is not ready; wait() returns when it yields', async (mode) => {
    const gate = deferred();
    const { gen } = start<string, string>(mode, gated(gate, [], ['a', 'b']));
    try {
      const other = put(1);
      const [ready0, notReady0] = await wait<Item>([gen, other], { timeout: 0 });
      sameItems(ready0, [other], 'ready with timeout 0');
      sameItems(notReady0, [gen], 'notReady with timeout 0');
      const [r1, n1] = await wait<Item>([gen], { timeout: 0 });
      assert.equal(r1.length, 0, 'timeout 0 answers at once: not ready');
      sameItems(n1, [gen], 'notReady');
      const waiting = wait([gen]);
      await ticks(5);
      gate.resolve();
      const [ready, notReady] = await withTimeout(waiting, 5000, 'wait() for the first yield');
      sameItems(ready, [gen], 'ready after the yield');
      assert.equal(notReady.length, 0);
      assert.equal(gen.nextReady(), true, 'ready in wait() means next() answers at once');
      assert.equal(await takeValue(gen), 'a');
    } finally {
      gate.resolve();
    }
    assertItems(await drain(gen), ['b']);
  });

  forModes(ASYNC_KIND_MODES, 'G8 a generator whose items were all taken while its producer still runs is not ready', async (mode) => {
    const gate = deferred();
    const { gen } = start<string, string>(mode, gated(gate, ['a'], ['b']));
    try {
      assert.equal(await takeValue(gen), 'a');
      await ticks(5);
      const [ready, notReady] = await wait([gen], { timeout: 0 });
      assert.equal(ready.length, 0);
      sameItems(notReady, [gen], 'notReady');
    } finally {
      gate.resolve();
    }
    assertItems(await drain(gen), ['b']);
  });

  forModes(ASYNC_KIND_MODES, 'G8 numReturns counts generators and refs alike; timeout returns the split so far', async (mode) => {
    const g1 = deferred();
    const g2 = deferred();
    const g3 = deferred();
    const s1 = start<string, string>(mode, gated(g1, [], ['one']));
    const s2 = start<string, string>(mode, gated(g2, [], ['two']));
    const ref = pendingRef(g3);
    try {
      const both = wait<Item>([s1.gen, ref, s2.gen], { numReturns: 2 });
      g2.resolve();
      await until(() => s2.gen.nextReady(), 'stream two is ready');
      await ticks(5);
      assert.equal(await Promise.race([both.then(() => 'settled'), ticks(5).then(() => 'pending')]), 'pending', 'one of two is not enough');
      g3.resolve();
      const [ready, notReady] = await withTimeout(both, 5000, 'wait(numReturns: 2)');
      sameItems(ready, [ref, s2.gen], 'ready');
      sameItems(notReady, [s1.gen], 'notReady');
      const t0 = Date.now();
      const [r, n] = await withTimeout(wait<Item>([s1.gen], { timeout: 50 }), 5000, 'wait(timeout: 50)');
      assert.ok(Date.now() - t0 >= 40, 'wait() with a timeout waits about that long');
      assert.equal(r.length, 0);
      sameItems(n, [s1.gen], 'notReady after the timeout');
    } finally {
      g1.resolve();
      g2.resolve();
      g3.resolve();
    }
    assertItems(await drain(s1.gen), ['one']);
    assertItems(await drain(s2.gen), ['two']);
  });

  // On a sync actor a stream behind a running call has not started: not ready until it yields.
  forModes(SYNC_ACTOR_MODES, 'G8 a stream queued behind a running call is not ready; it becomes ready once it runs', async (mode) => {
    const gate = deferred();
    const handle = newHost(mode);
    const busy = handle.hold.remote(register(gate.promise));
    const { gen } = start<number, string>(mode, lift(function* () {
      yield 1;
      return 'end';
    }), { handle });
    try {
      await ticks(5);
      const [ready, notReady] = await wait<Item>([gen, busy], { timeout: 0 });
      assert.equal(ready.length, 0);
      sameItems(notReady, [gen, busy], 'notReady');
      gate.resolve();
      const [r] = await withTimeout(wait([gen]), 5000, 'wait() for the queued stream');
      sameItems(r, [gen], 'ready');
    } finally {
      gate.resolve();
    }
    assertItems(await drain(gen), [1]);
  });
});
