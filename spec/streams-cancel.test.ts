// G11 cancel(gen) and G13 return() (`break` in for await), and generators where refs are expected (G13).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cancel, get, put, taskContext, TaskCancelledError, type ObjectRefGenerator } from '../lib/index.js';
import {
  ASYNC_KIND_MODES,
  assertDoneForever,
  assertItems,
  assertPrefixThenError,
  deferred,
  drain,
  echoFn,
  forModes,
  lift,
  MODES,
  newHost,
  runaway,
  runawayState,
  start,
  storedObjects,
  SYNC_ACTOR_MODES,
  SYNC_KIND_MODES,
  syncFn,
  asyncFn,
  register,
  takeValue,
  ticks,
  until,
  withTimeout,
  type Body,
} from './helpers/streams-modes.js';

const isCancelled = (e: unknown) => {
  assert.ok(e instanceof TaskCancelledError, `expected TaskCancelledError, got ${String(e)}`);
  return true;
};

describe('G11 cancel(gen)', () => {
  forModes(MODES, 'G11 cancel(gen) of a producer held by backpressure: the items produced, then one TaskCancelledError item, then done', async (mode) => {
    const state = runawayState();
    const { gen, handle } = start<number, string>(mode, runaway(state, 1000), { call: { backpressure: 3 } });
    assert.equal(await takeValue(gen), 0);
    assert.equal(await takeValue(gen), 1);
    await until(() => state.produced === 5, 'the producer is 3 items ahead');
    cancel(gen);
    assertItems(await drain(gen), [2, 3, 4], isCancelled);
    await assertDoneForever(gen);
    await assert.rejects(withTimeout(get(gen.completed()), 5000, 'completed()'), TaskCancelledError);
    await until(() => state.closed, "the cancelled producer's finally block ran");
    assert.equal(state.produced, 5, 'the producer stopped at its next yield: no item after the cancel');
    if (handle) assert.equal(await withTimeout(handle.ping.remote(), 5000, 'a later call'), 'pong', 'the actor serves later calls');
  });

  forModes(MODES, 'G11 cancel(gen) of a running producer: the values so far in order, one TaskCancelledError item, done; production stops', async (mode) => {
    const LIMIT = 5000;
    const state = runawayState();
    const { gen } = start<number, string>(mode, runaway(state, LIMIT));
    for (let i = 0; i < 3; i++) assert.equal(await takeValue(gen), i);
    cancel(gen);
    const producedAtCancel = state.produced;
    const rest = await drain(gen);
    const n = assertPrefixThenError(rest, isCancelled, 3);
    assert.ok(3 + n <= producedAtCancel, 'only items produced before the cancel are delivered');
    await assertDoneForever(gen);
    await until(() => state.closed, "the cancelled producer's finally block ran");
    assert.ok(state.produced < LIMIT && !state.finished, 'the producer was stopped');
  });

  forModes(ASYNC_KIND_MODES, 'G11 cancel(gen) while next() waits for an item that will not come: no hang, the TaskCancelledError item, then done', async (mode) => {
    const never = deferred();
    const state = { closed: false };
    const body: Body<string> = {
      *sync() {
        throw new Error('unused');
      },
      async *async() {
        try {
          yield 0;
          await never.promise;
          yield 1;
          return 'end';
        } finally {
          state.closed = true;
        }
      },
    };
    const { gen } = start<number, string>(mode, body);
    try {
      assert.equal(await takeValue(gen), 0);
      const pending = gen.next();
      await ticks(5);
      cancel(gen);
      const r = await withTimeout(pending, 5000, 'the pending next() after cancel');
      assert.equal(r.done, false);
      await assert.rejects(get(r.value!), TaskCancelledError);
      await assertDoneForever(gen);
      await assert.rejects(withTimeout(get(gen.completed()), 5000, 'completed()'), TaskCancelledError);
    } finally {
      never.resolve();
    }
    await until(() => state.closed, 'the producer was closed at its next yield');
    await assertDoneForever(gen, 1);
  });

  forModes(ASYNC_KIND_MODES, 'G11 cancel(gen) aborts taskContext().signal of an awaiting producer', async (mode) => {
    const state = { aborted: false, reason: undefined as unknown, closed: false, awaiting: false };
    const body: Body<string> = {
      *sync() {
        throw new Error('unused');
      },
      async *async() {
        const signal = taskContext().signal;
        try {
          yield 0;
          await new Promise<void>((_, reject) => {
            const t = setTimeout(() => reject(new Error('signal never aborted')), 5000);
            signal.addEventListener('abort', () => {
              clearTimeout(t);
              state.aborted = true;
              state.reason = signal.reason;
              reject(signal.reason);
            }, { once: true });
            state.awaiting = true;
          });
          yield 1;
          return 'end';
        } finally {
          state.closed = true;
        }
      },
    };
    const { gen } = start<number, string>(mode, body);
    assert.equal(await takeValue(gen), 0);
    // Awaiting, not still on its way from the yield (a loaded machine may take a while to resume it).
    await until(() => state.awaiting, 'the producer awaiting');
    cancel(gen);
    assertItems(await drain(gen), [], isCancelled);
    await until(() => state.closed, 'the producer ended');
    assert.equal(state.aborted, true, 'the signal aborted');
  });

  forModes(SYNC_KIND_MODES, 'G11 cancel(gen) aborts taskContext().signal of a sync producer', async (mode) => {
    const state = { abortedAtClose: false, closed: false };
    const body: Body<string> = {
      *sync() {
        const signal = taskContext().signal;
        try {
          for (let i = 0; i < 5000 && !signal.aborted; i++) yield i;
          return 'end';
        } finally {
          state.abortedAtClose = signal.aborted;
          state.closed = true;
        }
      },
      async *async() {
        throw new Error('unused');
      },
    };
    const { gen } = start<number, string>(mode, body, { call: { backpressure: 2 } });
    assert.equal(await takeValue(gen), 0);
    cancel(gen);
    const items = await drain(gen);
    assertPrefixThenError(items, isCancelled, 1);
    await until(() => state.closed, 'the producer ended');
    assert.equal(state.abortedAtClose, true, 'the signal had aborted when the producer was closed');
  });

  forModes(MODES, 'G11 cancel(gen) before the producer started: it never runs; exactly one TaskCancelledError item', async (mode) => {
    const state = runawayState();
    const { gen } = start<number, string>(mode, runaway(state, 10));
    cancel(gen);
    assertItems(await drain(gen), [], isCancelled);
    await assertDoneForever(gen);
    await ticks(5);
    assert.equal(state.started, false);
  });

  forModes(SYNC_ACTOR_MODES, 'G11 cancel(gen) of a stream queued behind a running call removes it; the actor goes on', async (mode) => {
    const gate = deferred();
    const handle = newHost(mode);
    const busy = handle.hold.remote(register(gate.promise));
    const state = runawayState();
    const { gen } = start<number, string>(mode, runaway(state, 10), { handle });
    const later = handle.ping.remote();
    try {
      await ticks(5);
      cancel(gen);
      assertItems(await drain(gen), [], isCancelled);
    } finally {
      gate.resolve();
    }
    assert.equal(await withTimeout(busy, 5000, 'the running call'), 'held');
    assert.equal(await withTimeout(later, 5000, 'the call after the cancelled stream'), 'pong');
    assert.equal(state.started, false, 'the cancelled stream never ran');
  });

  forModes(MODES, 'G11 cancel(gen) after the stream ended changes nothing', async (mode) => {
    const { gen } = start<number, string>(mode, lift(function* () {
      yield 0;
      yield 1;
      return 'end';
    }));
    assert.equal(await withTimeout(gen.completed(), 5000, 'completed()'), 'end');
    cancel(gen);
    assertItems(await drain(gen), [0, 1]);
    assert.equal(await gen.completed(), 'end');
  });
});

describe('G13 return() closes the stream', () => {
  forModes(MODES, 'G13 break in for await stops a backpressured producer at its next yield, runs its finally, releases unconsumed items', async (mode) => {
    const base = storedObjects();
    const state = runawayState();
    const { gen, handle } = start<number, string>(mode, runaway(state, 1000), { call: { backpressure: 4 } });
    const got: number[] = [];
    for await (const ref of gen) {
      got.push(await ref);
      if (got.length > 2) assert.fail('the loop went on after break');
      if (got.length === 2) {
        await until(() => state.produced === 6, 'the producer is 4 items ahead');
        assert.equal(storedObjects() - base, 4, 'four items produced and not taken are stored');
        break;
      }
    }
    assert.deepEqual(got, [0, 1]);
    assert.equal(storedObjects(), base, 'return() released the unconsumed items');
    await until(() => state.closed, "the producer's finally block ran");
    assert.equal(state.produced, 6, 'the producer made nothing after return()');
    assert.equal(state.finished, false);
    await assertDoneForever(gen);
    assert.equal(gen.isFinished(), true);
    assert.equal(gen.nextReady(), false);
    if (handle) assert.equal(await withTimeout(handle.ping.remote(), 5000, 'a later call'), 'pong');
  });

  forModes(MODES, 'G13 break in for await stops a free-running producer and releases what it had buffered', async (mode) => {
    const LIMIT = 5000;
    const base = storedObjects();
    const state = runawayState();
    const { gen } = start<number, string>(mode, runaway(state, LIMIT));
    let seen = 0;
    for await (const ref of gen) {
      assert.equal(await ref, seen++);
      if (seen === 3) break;
    }
    assert.equal(storedObjects(), base);
    await until(() => state.closed, "the producer's finally block ran");
    assert.ok(state.produced < LIMIT && !state.finished, 'production was cancelled');
    assert.equal(storedObjects(), base, 'nothing produced after return() is stored');
    await assertDoneForever(gen);
  });

  forModes(ASYNC_KIND_MODES, 'G13 return() while the producer awaits: it stops at its next yield (no later code runs)', async (mode) => {
    const base = storedObjects();
    const gate = deferred();
    const state = { reachedYield3: false, after3: false, closed: false };
    const body: Body<string> = {
      *sync() {
        throw new Error('unused');
      },
      async *async() {
        try {
          yield 0;
          yield 1;
          yield 2;
          await gate.promise;
          state.reachedYield3 = true;
          yield 3;
          state.after3 = true;
          yield 4;
          return 'end';
        } finally {
          state.closed = true;
        }
      },
    };
    const { gen } = start<number, string>(mode, body);
    try {
      assert.equal(await takeValue(gen), 0);
      await until(() => storedObjects() - base === 2, 'items 1 and 2 are buffered');
      const r = await gen.return();
      assert.deepEqual(r, { done: true, value: undefined });
      assert.equal(storedObjects(), base);
    } finally {
      gate.resolve();
    }
    await until(() => state.closed, "the producer's finally block ran");
    assert.equal(state.after3, false, 'the producer was stopped at the yield after return()');
    assert.equal(storedObjects(), base);
    await assertDoneForever(gen);
  });

  forModes(ASYNC_KIND_MODES, 'G13 return() answers a pending next() with done', async (mode) => {
    const gate = deferred();
    const body: Body<string> = {
      *sync() {
        throw new Error('unused');
      },
      async *async() {
        yield 0;
        await gate.promise;
        yield 1;
        return 'end';
      },
    };
    const { gen } = start<number, string>(mode, body);
    try {
      assert.equal(await takeValue(gen), 0);
      const pending = gen.next();
      await ticks(5);
      await gen.return();
      const r = await withTimeout(pending, 5000, 'the pending next() after return()');
      assert.equal(r.done, true, 'after return() a pending next() sees done, not an error item for the stream the consumer closed');
    } finally {
      gate.resolve();
    }
    await assertDoneForever(gen);
  });

  forModes(MODES, 'G13 return() of a finished stream is harmless: completed() keeps the return value', async (mode) => {
    const base = storedObjects();
    const { gen } = start<number, string>(mode, lift(function* () {
      yield 0;
      yield 1;
      return 'ret';
    }));
    assert.equal(await withTimeout(gen.completed(), 5000, 'completed()'), 'ret');
    assert.equal(storedObjects() - base, 2);
    assert.deepEqual(await gen.return(), { done: true, value: undefined });
    assert.equal(storedObjects(), base, 'the untaken items are released');
    await assertDoneForever(gen);
    assert.equal(await gen.completed(), 'ret');
  });
});

describe('G13 a generator is not a ref and cannot be passed', () => {
  const makeGen = (): ObjectRefGenerator<number, string> =>
    start<number, string>(MODES[4]!, lift(function* () {
      yield 1;
      return 'end';
    })).gen;
  const isClearTypeError = (e: unknown) => e instanceof TypeError && /ObjectRefGenerator|generator|stream/i.test(e.message);

  test('G13 get(gen) and get([ref, gen]) throw a TypeError at call time', async () => {
    const gen = makeGen();
    assert.throws(() => get(gen as never), isClearTypeError);
    assert.throws(() => get([put(1), gen] as never), isClearTypeError);
    assertItems(await drain(gen), [1], undefined);
  });

  test('G13 put(gen) throws a TypeError at call time', async () => {
    const gen = makeGen();
    assert.throws(() => put(gen), isClearTypeError);
    assertItems(await drain(gen), [1]);
  });

  forModes(MODES, 'G13 passing a generator as a call argument throws a TypeError at call time; nothing runs', async (mode) => {
    const gen = makeGen();
    if (mode.actor) {
      const handle = newHost(mode);
      assert.throws(() => handle.echo.remote(gen), isClearTypeError, 'a plain method');
      const stream = mode.kind === 'function*' ? handle.syncStream : handle.asyncStream;
      assert.throws(() => stream.remote(gen as never), isClearTypeError, 'a generator method');
      assert.equal(await handle.ping.remote(), 'pong');
    } else {
      assert.throws(() => echoFn.remote(gen), isClearTypeError, 'a plain remote function');
      const stream = mode.kind === 'function*' ? syncFn : asyncFn;
      assert.throws(() => stream.remote(gen as never), isClearTypeError, 'a generator remote function');
    }
    assertItems(await drain(gen), [1]);
  });

  // troupe's choice: in process, arguments and put() values are passed by reference and never walked (a
  // walk would cost every call O(size of its arguments)), so only a top-level stream is refused; across a
  // thread every value is walked, and a nested stream is a SerializationError (threaded specs).
  forModes(MODES.filter((m) => m.kind === 'function*'), 'G13 troupe: in process a stream nested inside an argument is passed by reference, untouched', async (mode) => {
    const gen = makeGen();
    const call = mode.actor ? newHost(mode).echo : echoFn;
    const back = (await call.remote([gen])) as unknown[];
    assert.equal(back[0], gen, 'the same stream object came back');
    assertItems(await drain(gen), [1]);
  });

  test('G13 troupe: put() of a value holding a stream keeps it by reference', async () => {
    const gen = makeGen();
    const value = { stream: gen };
    assert.equal(await get(put(value)), value);
    assertItems(await drain(gen), [1]);
  });
});
