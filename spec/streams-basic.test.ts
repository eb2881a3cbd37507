// Streaming basics: G1 (generator calls stream), G2 (items as soon as yielded), G3 (yield order),
// G4 (eager execution), G7 (completed(), nextReady(), isFinished()), values().
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { get, ObjectRef, ObjectRefGenerator, TaskError } from '../lib/index.js';
import {
  ACTOR_MODES,
  ASYNC_KIND_MODES,
  assertDoneForever,
  assertItems,
  deferred,
  drain,
  forModes,
  isSettled,
  lift,
  MODES,
  newHost,
  start,
  storedObjects,
  SYNC_ACTOR_MODES,
  SYNC_KIND_MODES,
  take,
  takeValue,
  ticks,
  until,
  withTimeout,
  type Body,
} from './helpers/streams-modes.js';

describe('G1 generator functions stream', () => {
  forModes(MODES, 'G1 .remote() of a generator returns an ObjectRefGenerator at once; each item is an ObjectRef', async (mode) => {
    const body = lift(function* () {
      yield 'a';
      yield 'b';
      return 'r';
    });
    const { gen } = start<string, string>(mode, body);
    assert.ok(gen instanceof ObjectRefGenerator);
    assert.equal(typeof gen[Symbol.asyncIterator], 'function');
    assert.equal(gen[Symbol.asyncIterator](), gen, 'the generator is its own async iterator');
    const got: string[] = [];
    for await (const ref of gen) {
      assert.ok(ref instanceof ObjectRef, 'for await yields refs, not values');
      got.push(await get(ref));
      if (got.length > 2) assert.fail(`more items than yielded: ${JSON.stringify(got)}`);
    }
    assert.deepEqual(got, ['a', 'b']);
  });

  forModes(ASYNC_KIND_MODES, 'G1 .remote() returns the stream while the producer is still blocked before its first yield', async (mode) => {
    const g = deferred();
    const body: Body<string> = {
      *sync() {
        throw new Error('unused');
      },
      async *async() {
        await g.promise;
        yield 'a';
        return 'r';
      },
    };
    const { gen } = start<string, string>(mode, body);
    assert.ok(gen instanceof ObjectRefGenerator, '.remote() must not wait for the producer');
    await ticks(5);
    assert.equal(gen.nextReady(), false);
    g.resolve();
    assert.equal(await takeValue(gen), 'a');
    await assertDoneForever(gen);
  });

  forModes(ACTOR_MODES, 'G1 a plain method on the same actor still returns an ObjectRef, not a stream', async (mode) => {
    const h = newHost(mode);
    const ref = h.ping.remote();
    assert.ok(ref instanceof ObjectRef);
    assert.ok(!(ref instanceof ObjectRefGenerator));
    assert.equal(await ref, 'pong');
  });
});

describe('G2 an item is available as soon as it is yielded', () => {
  // An async producer yields item 0, then waits for the consumer to say it has item 0 (bounded by a
  // timeout, so that a runtime that holds items back fails the check instead of deadlocking).
  forModes(ASYNC_KIND_MODES, 'G2 the consumer gets item 0 before the producer yields item 1 (handshake)', async (mode) => {
    const received = deferred();
    const state = { produced: 0, handshake: false };
    const body: Body<string> = {
      *sync() {
        throw new Error('unused');
      },
      async *async() {
        state.produced++;
        yield 0;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 5000)));
        state.handshake = await Promise.race([received.promise.then(() => true), timedOut]);
        clearTimeout(timer);
        state.produced++;
        yield 1;
        return 'end';
      },
    };
    const { gen } = start<number, string>(mode, body);
    const first = await withTimeout(gen.next(), 10_000, 'next() for item 0');
    assert.equal(first.done, false);
    const producedAtItem0 = state.produced;
    assert.equal(await get(first.value as ObjectRef<number>), 0);
    received.resolve();
    assert.equal(producedAtItem0, 1, 'item 0 must reach the consumer before the producer yields item 1');
    assert.equal(await isSettled(gen.completed()), false, 'the task is still running when item 0 arrives');
    assertItems(await drain(gen), [1]);
    assert.equal(state.handshake, true, 'the producer went on because the consumer had item 0, not by timeout');
    assert.equal(await gen.completed(), 'end');
  });

  // A sync producer cannot wait; it yields until the consumer has item 0 (bounded). If items were held back
  // until the task ends, the consumer would only see item 0 after the producer had run to its limit.
  forModes(SYNC_KIND_MODES, 'G2 the consumer gets item 0 while the producer is still yielding', async (mode) => {
    const LIMIT = 20_000;
    const state = { produced: 0, received: false };
    const body: Body<string> = {
      *sync() {
        for (let i = 0; i < LIMIT && !state.received; i++) {
          state.produced++;
          yield i;
        }
        return 'end';
      },
      async *async() {
        throw new Error('unused');
      },
    };
    const { gen } = start<number, string>(mode, body);
    const first = await withTimeout(gen.next(), 10_000, 'next() for item 0');
    assert.equal(first.done, false);
    state.received = true;
    const producedAtItem0 = state.produced;
    const running = !(await isSettled(gen.completed()));
    assert.equal(await get(first.value as ObjectRef<number>), 0);
    assert.ok(producedAtItem0 < LIMIT, `item 0 arrived only after the producer had yielded all ${LIMIT} items`);
    assert.ok(running, 'the task must still be running when item 0 arrives');
    const rest = await drain(gen);
    assertItems(rest, Array.from({ length: rest.length }, (_, i) => i + 1));
    assert.equal(await gen.completed(), 'end');
  });
});

describe('G3 items come out in yield order', () => {
  forModes(MODES, 'G3 items arrive in yield order with many next() calls in flight at once', async (mode) => {
    const N = 40;
    const body = lift(function* () {
      for (let i = 0; i < N; i++) yield i;
      return 'end';
    });
    const { gen } = start<number, string>(mode, body);
    const got: number[] = [];
    for (let round = 0; round < 100; round++) {
      const batch = await withTimeout(Promise.all(Array.from({ length: 7 }, () => gen.next())), 10_000, 'a batch of next() calls');
      let done = false;
      for (const r of batch) {
        if (r.done) done = true;
        else {
          assert.equal(done, false, 'no item may follow done');
          got.push(await get(r.value as ObjectRef<number>));
        }
      }
      if (done) break;
    }
    assert.deepEqual(got, Array.from({ length: N }, (_, i) => i));
  });

  // Several streams at once on one actor (interleaving on an async actor, queued on a sync one) or as
  // concurrent remote-function calls; producers wait a varying number of macrotasks between yields.
  forModes(MODES, 'G3 concurrent streams each keep their own yield order, whatever the concurrency', async (mode) => {
    const STREAMS = 5;
    const N = 20;
    const handle = mode.actor ? newHost(mode) : undefined;
    const bodyFor = (s: number): Body<number> => ({
      *sync() {
        for (let i = 0; i < N; i++) yield `${s}:${i}`;
        return s;
      },
      async *async() {
        for (let i = 0; i < N; i++) {
          await ticks((i * 7 + s * 3) % 4);
          yield `${s}:${i}`;
        }
        return s;
      },
    });
    const gens = Array.from({ length: STREAMS }, (_, s) => start<string, number>(mode, bodyFor(s), { handle }).gen);
    const results = await Promise.all(gens.map((g) => drain(g)));
    results.forEach((items, s) => assertItems(items, Array.from({ length: N }, (_, i) => `${s}:${i}`)));
    for (let s = 0; s < STREAMS; s++) assert.equal(await gens[s]!.completed(), s);
  });
});

describe('G4 execution is eager', () => {
  forModes(MODES, 'G4 the producer runs to its end although nobody calls next(); its items wait in the store', async (mode) => {
    const N = 10;
    const state = { produced: 0 };
    const base = storedObjects();
    const body = lift(function* () {
      for (let i = 0; i < N; i++) {
        state.produced++;
        yield i;
      }
      return 'end';
    });
    const { gen } = start<number, string>(mode, body);
    assert.equal(await withTimeout(gen.completed(), 10_000, 'completed()'), 'end');
    assert.equal(state.produced, N);
    assert.equal(storedObjects() - base, N, 'the items produced and not yet taken are stored');
    assert.equal(gen.isFinished(), false);
    assertItems(await drain(gen), Array.from({ length: N }, (_, i) => i));
    assert.equal(storedObjects(), base, 'taking the items empties the store');
  });

  forModes(SYNC_ACTOR_MODES, 'G4 an unconsumed stream does not hold a sync actor: the next call runs once the producer has ended', async (mode) => {
    const handle = newHost(mode);
    const state = { produced: 0, finished: false };
    const body = lift(function* () {
      for (let i = 0; i < 5; i++) {
        state.produced++;
        yield i;
      }
      state.finished = true;
      return 'end';
    });
    const { gen } = start<number, string>(mode, body, { handle });
    assert.equal(await withTimeout(handle.ping.remote(), 10_000, 'a call queued behind the stream'), 'pong');
    assert.equal(state.finished, true, 'A1: the later call ran after the stream task ended');
    assertItems(await drain(gen), [0, 1, 2, 3, 4]);
  });
});

describe('G7 G13 completed(), nextReady(), isFinished()', () => {
  // backpressure 1 keeps the task running until the consumer has taken the items, whatever the mode.
  forModes(MODES, 'G7 G13 completed() settles only when the task has ended, with the generator return value', async (mode) => {
    const body = lift(function* () {
      yield 0;
      yield 1;
      yield 2;
      return { sum: 3 };
    });
    const { gen } = start<number, { sum: number }>(mode, body, { call: { backpressure: 1 } });
    const completed = gen.completed();
    assert.ok(completed instanceof ObjectRef);
    assert.equal(gen.completed(), completed, 'completed() gives the same ref each time');
    assert.equal(await takeValue(gen), 0);
    assert.equal(await takeValue(gen), 1);
    await ticks(5);
    assert.equal(await isSettled(completed), false, 'item 2 is not taken: the task has not ended');
    assert.equal(await takeValue(gen), 2);
    assert.deepEqual(await withTimeout(completed, 10_000, 'completed()'), { sum: 3 });
    await assertDoneForever(gen);
    assert.deepEqual(await get(gen.completed()), { sum: 3 }, 'completed() still resolves after the end');
  });

  forModes(MODES, 'G7 completed() rejects with the TaskError of a generator that threw', async (mode) => {
    const boom = new RangeError('boom');
    const body = lift(function* () {
      yield 0;
      throw boom;
    });
    const { gen } = start<number, void>(mode, body);
    await assert.rejects(withTimeout(get(gen.completed()), 10_000, 'completed()'), (e: unknown) => {
      assert.ok(e instanceof TaskError, `expected TaskError, got ${String(e)}`);
      assert.equal((e as Error).cause, boom);
      return true;
    });
    const items = await drain(gen);
    assertItems(items, [0], (e) => assert.ok(e instanceof TaskError));
  });

  forModes(MODES, 'G7 nextReady() and isFinished() follow the stream to its end', async (mode) => {
    const body = lift(function* () {
      yield 'a';
      yield 'b';
      return 'r';
    });
    const { gen } = start<string, string>(mode, body, { call: { backpressure: 1 } });
    await until(() => gen.nextReady(), 'item a is ready');
    assert.equal(gen.isFinished(), false);
    assert.equal(await takeValue(gen), 'a');
    await until(() => gen.nextReady(), 'item b is ready');
    assert.equal(gen.isFinished(), false, 'item b is not taken yet');
    assert.equal(await takeValue(gen), 'b');
    assert.equal(await withTimeout(gen.completed(), 10_000, 'completed()'), 'r');
    assert.equal(gen.isFinished(), true, 'every output has been taken');
    assert.equal(gen.nextReady(), false, 'no item is left (as Ray next_ready() on a finished generator)');
    await assertDoneForever(gen);
    assert.equal(gen.isFinished(), true);
  });

  forModes(MODES, 'G7 nextReady() and isFinished() count the error item as an output', async (mode) => {
    const body = lift(function* () {
      yield 'a';
      throw new Error('late');
    });
    const { gen } = start<string, string>(mode, body);
    await assert.rejects(withTimeout(get(gen.completed()), 10_000, 'completed()'), TaskError);
    assert.equal(gen.nextReady(), true);
    assert.equal(gen.isFinished(), false);
    assert.equal(await takeValue(gen), 'a');
    assert.equal(gen.nextReady(), true, 'the error item is ready');
    assert.equal(gen.isFinished(), false, 'the error item is an output not yet taken');
    const err = await take(gen);
    assert.equal(err.ok, false);
    assert.equal(gen.isFinished(), true);
    assert.equal(gen.nextReady(), false);
    await assertDoneForever(gen);
  });

  forModes(ASYNC_KIND_MODES, 'G7 nextReady() is false while the producer has yielded nothing', async (mode) => {
    const g = deferred();
    const body: Body<string> = {
      *sync() {
        throw new Error('unused');
      },
      async *async() {
        await g.promise;
        yield 'a';
        return 'r';
      },
    };
    const { gen } = start<string, string>(mode, body);
    await ticks(5);
    assert.equal(gen.nextReady(), false);
    assert.equal(gen.isFinished(), false);
    g.resolve();
    await until(() => gen.nextReady(), 'item a is ready');
    assert.equal(await takeValue(gen), 'a');
    assert.equal(await gen.completed(), 'r');
    await assertDoneForever(gen);
  });
});

describe('values()', () => {
  forModes(MODES, 'G2 G5 values() gives the values directly and throws the TaskError at the error item', async (mode) => {
    const boom = new Error('at 2');
    const body = lift(function* () {
      yield 'x';
      yield 'y';
      throw boom;
    });
    const { gen } = start<string, void>(mode, body);
    const got: string[] = [];
    await assert.rejects(
      withTimeout(
        (async () => {
          for await (const v of gen.values()) {
            got.push(v);
            if (got.length > 2) assert.fail(`more values than yielded: ${JSON.stringify(got)}`);
          }
        })(),
        10_000,
        'values()',
      ),
      (e: unknown) => e instanceof TaskError && (e as Error).cause === boom,
    );
    assert.deepEqual(got, ['x', 'y']);
  });

  forModes(MODES, 'G1 values() of a stream that ends normally gives every value in order', async (mode) => {
    const body = lift(function* () {
      for (let i = 0; i < 6; i++) yield i * i;
      return 'done';
    });
    const { gen } = start<number, string>(mode, body);
    const got: number[] = [];
    for await (const v of gen.values()) {
      got.push(v);
      if (got.length > 6) assert.fail(`more values than yielded: ${JSON.stringify(got)}`);
    }
    assert.deepEqual(got, [0, 1, 4, 9, 16, 25]);
    assert.equal(await gen.completed(), 'done');
  });
});
