// G12 retries of streaming calls: the generator is run again and the consumer never sees an item index
// twice (items already delivered are skipped); if the last attempt fails, the remaining refs carry its error.
// Application errors: maxRetries + retryExceptions. System errors (the actor restarts): maxTaskRetries.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { Actor, actor, ActorDiedError, get, kill, method, remote, taskContext, TaskError, type CallOptions, type ObjectRefGenerator } from '../lib/index.js';
import {
  ACTOR_MODES,
  assertDoneForever,
  assertItems,
  drain,
  forModes,
  lift,
  lookup,
  MODES,
  newHost,
  register,
  StreamHost,
  assertPrefixThenError,
  type Handle,
  start,
  takeValue,
  withTimeout,
  type Body,
  type Mode,
} from './helpers/streams-modes.js';

class FlakyError extends Error {
  override name = 'FlakyError';
}
class VeryFlakyError extends FlakyError {
  override name = 'VeryFlakyError';
}

interface Attempts {
  /** taskContext().attempt seen by each run of the producer. */
  seen: number[];
}

/**
 * A deterministic producer of items 0..total-1 that, on run r, throws `failure(r)` after `failAfter[r]` yields
 * (no failure when failAfter[r] is undefined).
 */
function flaky(total: number, failAfter: number[], failure: (run: number) => unknown = (r) => new FlakyError(`run ${r}`)): { runs: Attempts; body: Body<string> } {
  const runs: Attempts = { seen: [] };
  const body = lift(function* () {
    const run = runs.seen.length;
    runs.seen.push(taskContext().attempt);
    for (let i = 0; i < total; i++) {
      if (failAfter[run] === i) throw failure(run);
      yield i;
    }
    return `done on run ${run}`;
  });
  return { runs, body };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('G12 retries after application errors', () => {
  for (const consume of ['as the items come', 'after the task ended'] as const) {
    forModes(MODES, `G12 maxRetries 2 + retryExceptions true: each index exactly once, in order (consumed ${consume})`, async (mode) => {
      const { runs, body } = flaky(6, [2, 4]);
      const { gen } = start<number, string>(mode, body, { call: { maxRetries: 2, retryExceptions: true } });
      if (consume === 'after the task ended') assert.equal(await withTimeout(gen.completed(), 10_000, 'completed()'), 'done on run 2');
      assertItems(await drain(gen), range(6));
      await assertDoneForever(gen);
      assert.equal(await gen.completed(), 'done on run 2', 'completed() has the successful attempt return value');
      assert.deepEqual(runs.seen, [0, 1, 2], 'three runs; taskContext().attempt counts them');
    });
  }

  forModes(MODES, 'G12 items delivered before the failure are not delivered again when the consumer took them early', async (mode) => {
    const { runs, body } = flaky(5, [3]);
    const { gen } = start<number, string>(mode, body, { call: { maxRetries: 1, retryExceptions: true, backpressure: 1 } });
    assert.equal(await takeValue(gen), 0);
    assert.equal(await takeValue(gen), 1);
    assert.equal(await takeValue(gen), 2);
    assertItems(await drain(gen), [3, 4]);
    assert.deepEqual(runs.seen, [0, 1]);
  });

  forModes(MODES, 'G12 when every attempt fails the remaining ref carries the last attempt error, after each index once', async (mode) => {
    const { runs, body } = flaky(10, [1, 3, 2]);
    const { gen } = start<number, string>(mode, body, { call: { maxRetries: 2, retryExceptions: true } });
    assertItems(await drain(gen), [0, 1, 2], (e) => {
      assert.ok(e instanceof TaskError, `expected TaskError, got ${String(e)}`);
      assert.ok(e.cause instanceof FlakyError);
      assert.equal((e.cause as Error).message, 'run 2', 'the error of the last attempt');
    });
    await assertDoneForever(gen);
    await assert.rejects(get(gen.completed()), TaskError);
    assert.deepEqual(runs.seen, [0, 1, 2], 'maxRetries 2: three runs, no more');
  });

  forModes(MODES, 'G12 retryExceptions lists classes: a listed class (or subclass) is retried, another error is not', async (mode) => {
    const kinds = [new VeryFlakyError('listed subclass'), new FlakyError('listed'), new TypeError('not listed')];
    const { runs, body } = flaky(8, [1, 2, 3], (r) => kinds[r]);
    const { gen } = start<number, string>(mode, body, { call: { maxRetries: 5, retryExceptions: [FlakyError] } });
    assertItems(await drain(gen), [0, 1, 2], (e) => {
      assert.ok(e instanceof TaskError);
      assert.ok(e.cause instanceof TypeError, 'the unlisted error ends the stream');
      assert.equal((e.cause as Error).message, 'not listed');
    });
    assert.deepEqual(runs.seen, [0, 1, 2], 'the unlisted error was not retried although retries were left');
  });

  forModes(MODES, 'G12 maxRetries without retryExceptions does not retry application errors', async (mode) => {
    const { runs, body } = flaky(5, [2]);
    const { gen } = start<number, string>(mode, body, { call: { maxRetries: 3 } });
    assertItems(await drain(gen), [0, 1], (e) => assert.ok(e instanceof TaskError && e.cause instanceof FlakyError));
    assert.deepEqual(runs.seen, [0]);
  });
});

// Retry options declared with @method and remote(fn, options).
class RetryingBase extends Actor {
  @method({ maxRetries: 2, retryExceptions: [FlakyError] })
  *retried(key: string): Generator<unknown, unknown, undefined> {
    return yield* lookup<Body>(key).sync();
  }
  @method({ maxRetries: 2, retryExceptions: [FlakyError] })
  async *retriedAsync(key: string): AsyncGenerator<unknown, unknown, undefined> {
    return yield* lookup<Body>(key).async();
  }
}
@actor()
class SyncRetrying extends RetryingBase {}
@actor({ mode: 'async' })
class AsyncRetrying extends RetryingBase {}
const retriedFn = remote(function* retried(key: string): Generator<unknown, unknown, undefined> {
  return yield* lookup<Body>(key).sync();
}, { maxRetries: 2, retryExceptions: [FlakyError] });
const retriedAsyncFn = remote(async function* retriedAsync(key: string): AsyncGenerator<unknown, unknown, undefined> {
  return yield* lookup<Body>(key).async();
}, { maxRetries: 2, retryExceptions: [FlakyError] });

function startRetrying(mode: Mode, body: Body<string>): ObjectRefGenerator<number, string> {
  const key = register(body);
  if (mode.actor) {
    const h = mode.host === 'sync actor' ? SyncRetrying.remote() : AsyncRetrying.remote();
    return (mode.kind === 'function*' ? h.retried : h.retriedAsync).remote(key) as ObjectRefGenerator<number, string>;
  }
  return (mode.kind === 'function*' ? retriedFn : retriedAsyncFn).remote(key) as ObjectRefGenerator<number, string>;
}

describe('G12 retry options declared on the method or the remote function', () => {
  forModes(MODES, 'G12 @method / remote(fn) retry options apply to every call without duplicates', async (mode) => {
    const { runs, body } = flaky(5, [1, 3]);
    const gen = startRetrying(mode, body);
    assertItems(await drain(gen), range(5));
    assert.equal(await gen.completed(), 'done on run 2');
    assert.deepEqual(runs.seen, [0, 1, 2]);
  });
});

// Actors whose restart and task-retry options are declared on the class.
@actor({ maxRestarts: 1, maxTaskRetries: 1 })
class SyncRestarting extends StreamHost {}
@actor({ mode: 'async', maxRestarts: 1, maxTaskRetries: 1 })
class AsyncRestarting extends StreamHost {}
@actor({ maxRestarts: 1, maxTaskRetries: 5 })
class SyncRestartOnce extends StreamHost {}
@actor({ mode: 'async', maxRestarts: 1, maxTaskRetries: 5 })
class AsyncRestartOnce extends StreamHost {}

type RetryVia = 'declared with @actor' | 'given at creation with .options()' | 'given per call';

function restartingHost(mode: Mode, via: RetryVia): { handle: Handle; call?: CallOptions } {
  const sync = mode.host === 'sync actor';
  if (via === 'declared with @actor') return { handle: sync ? SyncRestarting.remote() : AsyncRestarting.remote() };
  if (via === 'given at creation with .options()') return { handle: newHost(mode, { maxRestarts: 1, maxTaskRetries: 1 }) };
  return { handle: newHost(mode, { maxRestarts: 1 }), call: { maxTaskRetries: 1 } };
}

describe('G12 retries after system errors (maxTaskRetries)', () => {
  for (const via of ['declared with @actor', 'given at creation with .options()', 'given per call'] as const) {
    forModes(ACTOR_MODES, `G12 A7 the actor restarts mid-stream, maxTaskRetries ${via}: the stream runs again, each index exactly once, in order`, async (mode) => {
      const TOTAL = 10;
      const runs: number[] = [];
      const body = lift(function* () {
        runs.push(taskContext().attempt);
        for (let i = 0; i < TOTAL; i++) yield i;
        return 'end';
      });
      const { handle, call } = restartingHost(mode, via);
      const { gen } = start<number, string>(mode, body, { handle, call: { ...call, backpressure: 2 } });
      const got: number[] = [];
      for (let i = 0; i < 3; i++) got.push(await takeValue(gen));
      kill(handle, { noRestart: false });
      const rest = await drain(gen);
      for (const s of rest) {
        assert.ok(s.ok, `no error item after a retried restart, got ${String(!s.ok && s.error)}`);
        got.push(s.value);
      }
      assert.deepEqual(got, range(TOTAL), 'each index exactly once, in order');
      assert.equal(await withTimeout(gen.completed(), 5000, 'completed()'), 'end');
      assert.equal(runs.length, 2, 'the producer ran again after the restart');
      assert.equal(runs[1], 1, 'taskContext().attempt is 1 on the retry');
      assert.equal(await withTimeout(handle.ping.remote(), 5000, 'a call after the restart'), 'pong');
    });
  }

  forModes(ACTOR_MODES, 'G12 out of restarts: after a retried restart, the next death leaves the remaining ref with ActorDiedError', async (mode) => {
    const body = lift(function* () {
      for (let i = 0; i < 1000; i++) yield i;
      return 'end';
    });
    const handle = mode.host === 'sync actor' ? SyncRestartOnce.remote() : AsyncRestartOnce.remote();
    const { gen } = start<number, string>(mode, body, { handle, call: { backpressure: 2 } });
    assert.equal(await takeValue(gen), 0);
    kill(handle, { noRestart: false }); // restart 1 of 1: the stream is retried
    for (let i = 1; i <= 5; i++) assert.equal(await takeValue(gen), i, `item ${i} after the first restart`);
    kill(handle, { noRestart: false }); // no restart left: the actor dies
    const rest = await drain(gen);
    assertPrefixThenError(rest, (e) => {
      assert.ok(e instanceof ActorDiedError, `expected ActorDiedError, got ${String(e)}`);
      return true;
    }, 6);
    await assertDoneForever(gen);
    await assert.rejects(get(gen.completed()), ActorDiedError);
  });
});
