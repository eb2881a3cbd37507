// Stream errors: G5 (application error after k yields) and G6 (the actor dies or is killed).
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ActorDiedError, get, kill, TaskError } from '../lib/index.js';
import {
  ACTOR_MODES,
  assertDoneForever,
  assertItems,
  assertPrefixThenError,
  deferred,
  drain,
  forModes,
  lift,
  MODES,
  runaway,
  runawayState,
  start,
  take,
  takeValue,
  ticks,
  until,
  withTimeout,
  type Body,
} from './helpers/streams-modes.js';

class BoomError extends Error {
  override name = 'BoomError';
}

const isTaskErrorOf = (thrown: Error) => (e: unknown) => {
  assert.ok(e instanceof TaskError, `expected a TaskError, got ${String(e)}`);
  assert.ok(e.cause instanceof BoomError, `cause should be the thrown BoomError, got ${String(e.cause)}`);
  assert.equal((e.cause as Error).message, thrown.message);
  return true;
};

const isActorDied = (e: unknown) => {
  assert.ok(e instanceof ActorDiedError, `expected ActorDiedError, got ${String(e)}`);
  return true;
};

describe('G5 an application error ends the stream with one error item', () => {
  for (const k of [0, 1, 3]) {
    for (const when of ['while the producer runs', 'after the task ended'] as const) {
      forModes(MODES, `G5 error after ${k} yields, consumed ${when}: ${k} values, one error item, then done forever`, async (mode) => {
        const thrown = new BoomError(`boom after ${k}`);
        const state = { threw: 0 };
        const body = lift(function* () {
          for (let i = 0; i < k; i++) yield i;
          state.threw++;
          throw thrown;
        });
        const { gen, handle } = start<number, void>(mode, body);
        if (when === 'after the task ended') {
          await assert.rejects(withTimeout(get(gen.completed()), 10_000, 'completed()'), TaskError);
        }
        for (let i = 0; i < k; i++) assert.equal(await takeValue(gen, `item ${i}`), i);
        const err = await take(gen, 'the error item');
        assert.equal(err.ok, false, 'item k is the error');
        if (!err.ok) isTaskErrorOf(thrown)(err.error);
        await assertDoneForever(gen, 4);
        assert.equal(state.threw, 1, 'no retry without retry options');
        await assert.rejects(get(gen.completed()), isTaskErrorOf(thrown));
        if (handle) assert.equal(await withTimeout(handle.ping.remote(), 5000, 'a later call'), 'pong', 'A5: the actor lives on');
      });
    }
  }

  forModes(MODES, 'G5 for await yields the error item as a ref (the loop itself does not throw) and then ends', async (mode) => {
    const thrown = new BoomError('in loop');
    const body = lift(function* () {
      yield 'a';
      yield 'b';
      throw thrown;
    });
    const { gen } = start<string, void>(mode, body);
    const outcomes: string[] = [];
    for await (const ref of gen) {
      try {
        outcomes.push(await ref);
      } catch (e) {
        isTaskErrorOf(thrown)(e);
        outcomes.push('error');
      }
      if (outcomes.length > 3) assert.fail(`more items than the two values and the error: ${JSON.stringify(outcomes)}`);
    }
    assert.deepEqual(outcomes, ['a', 'b', 'error']);
    await assertDoneForever(gen);
  });

  forModes(MODES, 'G5 an error thrown before the first yield gives exactly one error ref', async (mode) => {
    const thrown = new BoomError('at once');
    const body: Body<void> = {
      // eslint-disable-next-line require-yield
      *sync() {
        throw thrown;
      },
      // eslint-disable-next-line require-yield
      async *async() {
        await ticks(1);
        throw thrown;
      },
    };
    const { gen } = start<never, void>(mode, body);
    assertItems(await drain(gen), [], isTaskErrorOf(thrown));
    await assertDoneForever(gen);
  });

  forModes(MODES, 'G5 a non-Error value thrown by the producer is the TaskError cause', async (mode) => {
    const body = lift(function* () {
      yield 1;
      throw 'plain string';
    });
    const { gen } = start<number, void>(mode, body);
    assertItems(await drain(gen), [1], (e) => {
      assert.ok(e instanceof TaskError);
      assert.equal(e.cause, 'plain string');
    });
  });
});

describe('G6 a dying actor ends its streams with an ActorDiedError item', () => {
  forModes(ACTOR_MODES, 'G6 kill(handle) mid-stream: the values so far in order, then one ActorDiedError item, then done forever', async (mode) => {
    const LIMIT = 5000;
    const state = runawayState();
    const { gen, handle } = start<number, string>(mode, runaway(state, LIMIT));
    for (let i = 0; i < 3; i++) assert.equal(await takeValue(gen), i);
    kill(handle!);
    const producedAtKill = state.produced;
    const rest = await drain(gen);
    const values = 3 + assertPrefixThenError(rest, isActorDied, 3);
    assert.ok(values <= producedAtKill + 1, `saw ${values} values, but only ${producedAtKill} were yielded before the kill`);
    await assertDoneForever(gen);
    await assert.rejects(withTimeout(get(gen.completed()), 5000, 'completed()'), ActorDiedError);
    await until(() => state.closed, "the killed producer's finally block ran");
    assert.ok(state.produced < LIMIT, 'the killed producer stopped');
    assert.equal(state.finished, false);
    await assert.rejects(get(handle!.ping.remote()), ActorDiedError, 'A8: later calls reject');
  });

  forModes(ACTOR_MODES.filter((m) => m.kind === 'async function*'), 'G6 kill(handle) while next() waits for an item that will not come: next() gets the ActorDiedError item', async (mode) => {
    const never = deferred();
    const state = { after: false };
    const body: Body<string> = {
      *sync() {
        throw new Error('unused');
      },
      async *async() {
        yield 0;
        yield 1;
        await never.promise;
        state.after = true;
        yield 2;
        return 'end';
      },
    };
    const { gen, handle } = start<number, string>(mode, body);
    try {
      assert.equal(await takeValue(gen), 0);
      assert.equal(await takeValue(gen), 1);
      const pending = gen.next();
      await ticks(5);
      kill(handle!);
      const r = await withTimeout(pending, 5000, 'the pending next() after kill');
      assert.equal(r.done, false);
      await assert.rejects(get(r.value!), ActorDiedError);
      await assertDoneForever(gen);
      await assert.rejects(withTimeout(get(gen.completed()), 5000, 'completed()'), ActorDiedError);
    } finally {
      never.resolve();
    }
    await ticks(5);
    await assertDoneForever(gen, 1);
  });

  forModes(ACTOR_MODES, 'G6 kill(handle) before the stream started: it never runs; exactly one ActorDiedError item', async (mode) => {
    const state = runawayState();
    const { gen, handle } = start<number, string>(mode, runaway(state, 10));
    kill(handle!);
    assertItems(await drain(gen), [], isActorDied);
    await assertDoneForever(gen);
    await assert.rejects(get(gen.completed()), ActorDiedError);
    await ticks(5);
    assert.equal(state.started, false, 'the producer of a killed actor never starts');
  });

  forModes(ACTOR_MODES, 'G6 a stream queued behind a running call when the actor is killed gets one ActorDiedError item', async (mode) => {
    const state1 = runawayState();
    const state2 = runawayState();
    const first = start<number, string>(mode, runaway(state1, 5000), { call: { backpressure: 1 } });
    const handle = first.handle!;
    const second = start<number, string>(mode, runaway(state2, 5), { handle });
    await until(() => state1.produced >= 1, 'the first stream has started');
    kill(handle);
    const items = await drain(first.gen);
    assertPrefixThenError(items, isActorDied);
    const items2 = await drain(second.gen);
    // On a sync actor the second stream was queued: it never ran. On an async actor it may have run (it
    // interleaves); either way its items are a prefix, then one ActorDiedError, unless it had already ended.
    if (mode.host === 'sync actor') {
      assertItems(items2, [], isActorDied);
      assert.equal(state2.started, false);
    } else if (state2.finished && items2.every((s) => s.ok)) {
      assertItems(items2, [0, 1, 2, 3, 4]);
    } else {
      assertPrefixThenError(items2, isActorDied);
    }
    await assertDoneForever(first.gen);
    await assertDoneForever(second.gen);
  });

  forModes(ACTOR_MODES, 'G6 a generator call on a killed actor returns a stream of exactly one ActorDiedError item', async (mode) => {
    const state = runawayState();
    const { handle } = start(mode, runaway(runawayState(), 1));
    kill(handle!);
    const { gen } = start<number, string>(mode, runaway(state, 3), { handle });
    assertItems(await drain(gen), [], isActorDied);
    await assertDoneForever(gen);
    assert.equal(gen.isFinished(), true);
    await assert.rejects(get(gen.completed()), ActorDiedError);
    assert.equal(state.started, false);
  });

  forModes(ACTOR_MODES, 'G6 kill with a restart but no task retries ends the running stream with an ActorDiedError item', async (mode) => {
    const state = runawayState();
    const { gen, handle } = start<number, string>(mode, runaway(state, 5000), {
      actorOptions: { maxRestarts: 1 },
      call: { backpressure: 2 },
    });
    assert.equal(await takeValue(gen), 0);
    kill(handle!, { noRestart: false });
    const rest = await drain(gen);
    assertPrefixThenError(rest, isActorDied, 1);
    await assertDoneForever(gen);
    assert.equal(await withTimeout(handle!.ping.remote(), 5000, 'a call after the restart'), 'pong', 'the actor restarted');
  });
});
