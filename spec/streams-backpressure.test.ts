// G10 backpressure: with `backpressure: N` the producer pauses after a yield while produced - consumed >= N
// (consumed = taken with next()). Checked by counts, never by time: the producer records how many items it
// has yielded, the consumer how many next() calls it has made.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Actor, actor, method, remote, type ObjectRefGenerator } from '../lib/index.js';
import {
  assertItems,
  drain,
  forModes,
  lift,
  lookup,
  MODES,
  newHost,
  register,
  start,
  takeValue,
  ticks,
  until,
  withTimeout,
  type Body,
  type Mode,
} from './helpers/streams-modes.js';

interface Counts {
  produced: number;
  /** next() calls the consumer has made. */
  issued: number;
  /** The most the producer was ever ahead of the consumer's next() calls, seen at each yield. */
  maxAhead: number;
  finished: boolean;
}

function counted(total: number): { counts: Counts; body: Body<number> } {
  const counts: Counts = { produced: 0, issued: 0, maxAhead: 0, finished: false };
  const body = lift(function* () {
    for (let i = 0; i < total; i++) {
      counts.produced++;
      counts.maxAhead = Math.max(counts.maxAhead, counts.produced - counts.issued);
      yield i;
    }
    counts.finished = true;
    return total;
  });
  return { counts, body };
}

/** Waits until the producer has stopped at `expected` items, then makes sure it stays there. */
async function assertStallsAt(counts: Counts, expected: number, what: string): Promise<void> {
  await until(() => counts.produced >= expected, `${what}: the producer reaches ${expected} items`);
  await ticks(20);
  assert.equal(counts.produced, expected, `${what}: the producer must pause at ${expected} items`);
}

async function next(gen: ObjectRefGenerator<number, number>, counts: Counts): Promise<IteratorResult<unknown>> {
  counts.issued++;
  return withTimeout(gen.next(), 10_000, `next() #${counts.issued}`);
}

describe('G10 the producer is never more than N items ahead', () => {
  for (const n of [1, 3]) {
    forModes(MODES, `G10 backpressure ${n}: the producer pauses ${n} item(s) ahead of the consumer and resumes as it takes`, async (mode) => {
      const TOTAL = 24;
      const { counts, body } = counted(TOTAL);
      const { gen } = start<number, number>(mode, body, { call: { backpressure: n } });
      await assertStallsAt(counts, n, 'before any next()');
      const got: number[] = [];
      for (let k = 1; k <= TOTAL + 1; k++) {
        const r = await next(gen, counts);
        if (r.done) break;
        got.push(await (r.value as PromiseLike<number>));
        if (k % 5 === 0) await assertStallsAt(counts, Math.min(k + n, TOTAL), `after ${k} items taken`);
        else await ticks(k % 3);
      }
      assert.deepEqual(got, Array.from({ length: TOTAL }, (_, i) => i));
      assert.ok(counts.maxAhead <= n, `the producer ran ${counts.maxAhead} items ahead of the consumer (backpressure ${n})`);
      assert.equal(counts.finished, true);
      assert.equal(await gen.completed(), TOTAL);
    });
  }

  forModes(MODES, 'G10 backpressure 1 behaves like a local generator: each item is made only once the one before was taken', async (mode) => {
    const log: string[] = [];
    const body = lift(function* () {
      for (let i = 0; i < 5; i++) {
        log.push(`yield ${i}`);
        yield i;
      }
      return 'end';
    });
    const { gen } = start<number, string>(mode, body, { call: { backpressure: 1 } });
    for (let i = 0; i < 5; i++) {
      const made = () => log.filter((e) => e.startsWith('yield')).length;
      await until(() => made() >= i + 1, `item ${i} is made`);
      await ticks(10);
      assert.equal(made(), i + 1, `after ${i} items taken, exactly ${i + 1} made`);
      log.push(`take ${i}`);
      assert.equal(await takeValue(gen), i);
    }
    assertItems(await drain(gen), []);
    assert.deepEqual(
      log,
      ['yield 0', 'take 0', 'yield 1', 'take 1', 'yield 2', 'take 2', 'yield 3', 'take 3', 'yield 4', 'take 4'],
    );
  });

  forModes(MODES, 'G10 a stalled backpressured stream does not stop the task from completing once the consumer drains it', async (mode) => {
    const { counts, body } = counted(10);
    const { gen } = start<number, number>(mode, body, { call: { backpressure: 2 } });
    await assertStallsAt(counts, 2, 'no consumer');
    assert.equal(counts.finished, false);
    assertItems(await drain(gen), Array.from({ length: 10 }, (_, i) => i));
    assert.equal(await withTimeout(gen.completed(), 5000, 'completed()'), 10);
  });
});

// @method and remote() defaults, and .options() overriding them.
class LimitedBase extends Actor {
  @method({ backpressure: 2 })
  *limited(key: string): Generator<unknown, unknown, undefined> {
    return yield* lookup<Body>(key).sync();
  }
  @method({ backpressure: 2 })
  async *limitedAsync(key: string): AsyncGenerator<unknown, unknown, undefined> {
    return yield* lookup<Body>(key).async();
  }
}
@actor()
class SyncLimited extends LimitedBase {}
@actor({ mode: 'async' })
class AsyncLimited extends LimitedBase {}

const limitedFn = remote(function* limited(key: string): Generator<unknown, unknown, undefined> {
  return yield* lookup<Body>(key).sync();
}, { backpressure: 2 });
const limitedAsyncFn = remote(async function* limitedAsync(key: string): AsyncGenerator<unknown, unknown, undefined> {
  return yield* lookup<Body>(key).async();
}, { backpressure: 2 });

function startLimited(mode: Mode, body: Body<number>, override?: number): ObjectRefGenerator<number, number> {
  const key = register(body);
  const o = override === undefined ? undefined : { backpressure: override };
  if (mode.actor) {
    const h = mode.host === 'sync actor' ? SyncLimited.remote() : AsyncLimited.remote();
    const m = mode.kind === 'function*' ? h.limited : h.limitedAsync;
    return (o ? m.options(o) : m).remote(key) as ObjectRefGenerator<number, number>;
  }
  const f = mode.kind === 'function*' ? limitedFn : limitedAsyncFn;
  return (o ? f.options(o) : f).remote(key) as ObjectRefGenerator<number, number>;
}

describe('G10 backpressure from @method, remote() options and per-call .options()', () => {
  forModes(MODES, 'G10 the declared backpressure (@method or remote(fn, options)) applies to every call', async (mode) => {
    const { counts, body } = counted(10);
    const gen = startLimited(mode, body);
    await assertStallsAt(counts, 2, 'declared backpressure 2');
    assertItems(await drain(gen), Array.from({ length: 10 }, (_, i) => i));
  });

  forModes(MODES, 'G10 .options({ backpressure }) overrides the declared one for that call', async (mode) => {
    const { counts, body } = counted(10);
    const gen = startLimited(mode, body, 4);
    await assertStallsAt(counts, 4, 'per-call backpressure 4');
    assertItems(await drain(gen), Array.from({ length: 10 }, (_, i) => i));
  });
});

describe('G10 a bad backpressure is a TypeError at call time', () => {
  const BAD = [0, -1, 1.5];
  const isBackpressureTypeError = (e: unknown) => e instanceof TypeError && /backpressure/.test(e.message);

  for (const bad of BAD) {
    forModes(MODES, `G10 .options({ backpressure: ${bad} }).remote() throws a TypeError and runs nothing`, async (mode) => {
      const { counts, body } = counted(3);
      const handle = mode.actor ? newHost(mode) : undefined;
      assert.throws(() => start(mode, body, { handle, call: { backpressure: bad } }), isBackpressureTypeError);
      await ticks(5);
      assert.equal(counts.produced, 0, 'the rejected call never ran');
      if (handle) assert.equal(await handle.ping.remote(), 'pong', 'the actor is unharmed');
    });

    test(`G10 @method({ backpressure: ${bad} }) is a TypeError when the class is defined`, () => {
      assert.throws(() => {
        @actor()
        class Bad extends Actor {
          @method({ backpressure: bad })
          *gen(): Generator<number> {
            yield 1;
          }
        }
        return Bad;
      }, isBackpressureTypeError);
      assert.throws(() => {
        @actor({ mode: 'async' })
        class BadAsync extends Actor {
          @method({ backpressure: bad })
          async *gen(): AsyncGenerator<number> {
            yield 1;
          }
        }
        return BadAsync;
      }, isBackpressureTypeError);
    });

    test(`G10 remote(fn, { backpressure: ${bad} }) is a TypeError`, () => {
      assert.throws(() => remote(function* g() {
        yield 1;
      }, { backpressure: bad }), isBackpressureTypeError);
      assert.throws(() => remote(async function* g() {
        yield 1;
      }, { backpressure: bad }), isBackpressureTypeError);
    });
  }
});
