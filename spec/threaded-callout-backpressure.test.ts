// Backpressure across a worker's callouts (G10, G9, G13, A10): a threaded actor given a handle to a
// producer (a main-thread actor, sync or async, or a threaded actor on another worker reached through the
// main thread) calls one of its generator methods with `backpressure: N`. The producer must never run more
// than N items ahead of the threaded consumer's next(), and a stream the consumer drops or closes must
// not hold the producer. Checked by counts, never by time: the producer counts its yields, the test steers
// the consumer item by item and waits (with a guard) for the producer to reach its window, then makes
// sure it stays there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Actor, SerializationError, actor, init, method, shutdown, type ActorHandle, type ObjectRef } from '../lib/index.js';
import { ticks, within } from './helpers/actors-util.js';
import { Sipper, Spring, type Source } from './helpers/threaded-callout-actors.js';

// One runtime for the file (a worker's start is paid once).
before(() => init({ workers: 2 }));
after(() => shutdown());

/** Yields counted by main-thread producers, by tag. */
const counts = new Map<string, number>();
let tags = 0;

function* countedItems(tag: string, n: number): Generator<number, number> {
  for (let i = 0; i < n; i++) {
    counts.set(tag, counts.get(tag)! + 1);
    yield i;
  }
  return n;
}

/** A sync main-thread producer: while its stream waits for credit, it holds the actor. */
@actor()
class Tap extends Actor {
  constructor(readonly tag: string) {
    super();
    counts.set(tag, 0);
  }
  *items(n: number, _after?: unknown): Generator<number, number> {
    return yield* countedItems(this.tag, n);
  }
  @method({ backpressure: 2 })
  *paced(n: number): Generator<number, number> {
    return yield* countedItems(this.tag, n);
  }
  *badAt(n: number, bad: number): Generator<number | (() => void), number> {
    for (let i = 0; i < n; i++) {
      counts.set(this.tag, counts.get(this.tag)! + 1);
      yield i === bad ? () => {} : i;
    }
    return n;
  }
  ping(): string {
    return 'source';
  }
}

/** An async main-thread producer. */
@actor({ mode: 'async' })
class AsyncTap extends Actor {
  constructor(readonly tag: string) {
    super();
    counts.set(tag, 0);
  }
  async *items(n: number): AsyncGenerator<number, number> {
    for (let i = 0; i < n; i++) {
      await Promise.resolve();
      counts.set(this.tag, counts.get(this.tag)! + 1);
      yield i;
    }
    return n;
  }
  ping(): string {
    return 'async source';
  }
}

interface Producer {
  readonly source: Source;
  produced(): Promise<number>;
  ping(): PromiseLike<string>;
}

interface Kind {
  readonly name: string;
  /** `holds`: a stream waiting for credit holds the producer actor (its other calls wait behind it). */
  make(holds: boolean): Producer;
}

const asSource = (h: unknown): Source => h as Source;

function mainProducer(make: (tag: string) => { ping: { remote(): ObjectRef<string> } }): (holds: boolean) => Producer {
  return () => {
    const tag = `p${++tags}`;
    const h = make(tag);
    return { source: asSource(h), produced: async () => counts.get(tag)!, ping: () => h.ping.remote() };
  };
}

const SYNC: Kind = { name: 'sync main-thread actor', make: mainProducer((tag) => Tap.remote(tag)) };
const ASYNC: Kind = { name: 'async main-thread actor', make: mainProducer((tag) => AsyncTap.remote(tag)) };
const THREADED: Kind = {
  name: 'threaded actor on another worker',
  make: (holds) => {
    // Its own worker, so that its calls cross twice: from the Sipper's worker to the main thread, and on.
    const h = Spring.options({ dedicated: true, ...(holds ? { maxConcurrency: 1 } : {}) }).remote();
    return { source: asSource(h), produced: () => within(h.produced.remote(), 'Spring.produced'), ping: () => h.ping.remote() };
  },
};
const KINDS = [SYNC, ASYNC, THREADED] as const;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Waits (polling, with a guard against hanging) until the producer has yielded at least `n` items. */
async function reach(p: Producer, n: number, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    if ((await p.produced()) >= n) return;
    if (Date.now() > end) assert.fail(`timed out waiting for the producer to reach ${n} items (${what}); it has ${await p.produced()}`);
    await new Promise<void>((r) => setTimeout(r, 2));
  }
}

/** Lets whatever is on its way between the threads arrive: a producer without a bound would run on. */
async function quiet(sipper: { ping: { remote(): ObjectRef<string> } }): Promise<void> {
  await ticks(10);
  await within(sipper.ping.remote(), 'the consumer answers');
  await ticks(10);
}

/**
 * Steps the consumer through a stream of `total` items opened with backpressure `n`, one or two items at a
 * time; before each step the producer must reach its window and stop there. Credit goes back every half
 * window (step = max(1, n >> 1)), so the producer stops between taken + n - step + 1 and taken + n items.
 */
async function stepThrough(p: Producer, sipper: ActorHandle<Sipper>, total: number, n: number): Promise<void> {
  const step = Math.max(1, n >> 1);
  const values: number[] = [];
  for (let k = 0; ; k++) {
    const taken = values.length;
    const low = Math.min(total, taken + n - step + 1);
    const high = Math.min(total, taken + n);
    await reach(p, low, `taken ${taken}`);
    await quiet(sipper);
    const produced = await p.produced();
    assert.ok(produced <= high, `produced ${produced} with ${taken} taken by the worker: more than ${n} ahead`);
    assert.ok(produced >= low, `produced ${produced} with ${taken} taken: the producer did not get its credit`);
    const r = await within(sipper.take.remote(1 + (k % 2)), `take (taken ${taken})`);
    values.push(...r.values);
    if (r.done) break;
  }
  assert.deepEqual(values, range(total), 'every item once, in order');
  assert.deepEqual(await within(sipper.rest.remote(), 'the end of the stream'), { values: [], completed: total });
}

describe('G10/A10 backpressure across a worker\'s callouts', () => {
  for (const kind of KINDS) {
    for (const n of [1, 3]) {
      test(`G10/A10: backpressure ${n} through a handle: a ${kind.name} never runs more than ${n} items ahead of the threaded consumer's next()`, { timeout: 30_000 }, async () => {
        const p = kind.make(false);
        const sipper = Sipper.remote();
        await within(sipper.open.remote(p.source, 12, { backpressure: n }), 'open');
        await stepThrough(p, sipper, 12, n);
      });
    }
  }

  test('G10/A10: backpressure 4 (credit every half window): a sync main-thread actor stays within 4 items of the threaded consumer', { timeout: 30_000 }, async () => {
    const p = SYNC.make(false);
    const sipper = Sipper.remote();
    await within(sipper.open.remote(p.source, 15, { backpressure: 4 }), 'open');
    await stepThrough(p, sipper, 15, 4);
  });

  test('G10/A10: a stream method\'s @method backpressure holds through a handle too (the worker credits the same window)', { timeout: 30_000 }, async () => {
    const p = SYNC.make(false);
    const sipper = Sipper.remote();
    await within(sipper.open.remote(p.source, 10, { method: 'paced' }), 'open');
    await stepThrough(p, sipper, 10, 2);
  });

  for (const kind of KINDS) {
    test(`G4/G3/A10: without backpressure a ${kind.name} runs ahead freely, and every item reaches the threaded consumer once, in order`, { timeout: 30_000 }, async () => {
      const p = kind.make(false);
      const sipper = Sipper.remote();
      await within(sipper.open.remote(p.source, 40), 'open');
      await reach(p, 40, 'no next() yet: production is eager');
      assert.deepEqual(await within(sipper.rest.remote(), 'the whole stream'), { values: range(40), completed: 40 });
    });
  }
});

describe('G9/G13/A10 a stream the threaded consumer drops does not hold its producer', () => {
  for (const kind of [SYNC, THREADED]) {
    test(`G13/G10/A10: the consumer breaks out of for-await: the ${kind.name} stops within its window, and a later call on it settles`, { timeout: 30_000 }, async () => {
      const p = kind.make(true);
      const sipper = Sipper.remote();
      assert.deepEqual(await within(sipper.breakAfter.remote(p.source, 50, 2, 3), 'breakAfter'), [0, 1, 2]);
      await within(p.ping(), 'a later call on the producer');
      const produced = await p.produced();
      assert.ok(produced <= 3 + 2, `produced ${produced}: more than 2 ahead of the 3 items taken`);
    });
  }

  test('G11/G10/A10: a stream closed before its callout left (a ref argument still pending) is never sent: its producer never runs and is not held', { timeout: 30_000 }, async () => {
    const p = SYNC.make(true);
    const sipper = Sipper.remote();
    // The Sipper's next call on the producer leaves after the closed stream's call (A1): it settles only if
    // that call, cancelled before it reached the main thread, did not hold the actor waiting for credit.
    assert.equal(await within(sipper.dropEarly.remote(p.source, 1), 'dropEarly'), 'source');
    const produced = await p.produced();
    assert.equal(produced, 0, `produced ${produced} items of a stream closed before its call left the worker`);
  });

  for (const kind of [SYNC, THREADED]) {
    test(`G5/G9/A10: an item of a ${kind.name} that cannot cross to the worker ends the stream with a SerializationError, and does not hold the producer`, { timeout: 30_000 }, async () => {
      const p = kind.make(true);
      const sipper = Sipper.remote();
      assert.deepEqual(await within(sipper.drainBad.remote(p.source, 10, 2, 1), 'drainBad'), { values: [0, 1], error: 'SerializationError' });
      await within(p.ping(), 'a later call on the producer');
    });
  }

  test('G5/G10: the other direction: an item of a threaded stream that cannot cross to the main thread ends it, and does not hold the threaded producer', { timeout: 30_000 }, async () => {
    const h = Spring.options({ maxConcurrency: 1 }).remote();
    const values: number[] = [];
    let error: unknown;
    try {
      for await (const ref of h.badAt.options({ backpressure: 1 }).remote(10, 2)) values.push((await ref) as number);
    } catch (e) {
      error = e;
    }
    assert.deepEqual(values, [0, 1]);
    assert.ok(error instanceof SerializationError, `expected a SerializationError item, got ${String(error)}`);
    assert.equal(await within(h.ping.remote(), 'a later call on the producer'), 'spring');
  });

  test('G9/A10 (troupe): a stream the threaded consumer lets go of (garbage-collected) is cancelled: the producer stops within its window and a later call on it settles', { timeout: 30_000 }, async (t) => {
    const p = SYNC.make(true);
    const sipper = Sipper.remote();
    assert.equal(await within(sipper.abandon.remote(p.source, 30, 2), 'abandon'), 0);
    // A sync actor: ping() runs once the dropped stream's task has ended.
    let pinged = false;
    const later = p.ping().then((v) => {
      pinged = true;
      return v;
    });
    for (let round = 0; !pinged; round++) {
      if (!(await within(sipper.collect.remote(5), 'collect'))) return t.skip('the worker has no gc() (node --expose-gc)');
      if (round > 100) assert.fail(`after ${round} rounds of gc() in the worker the producer still holds its actor (at ${await p.produced()} of 30 items)`);
    }
    assert.equal(await later, 'source');
    const produced = await p.produced();
    assert.ok(produced <= 1 + 2 + 1, `produced ${produced} of 30: the dropped stream stopped within its window`);
  });
});
