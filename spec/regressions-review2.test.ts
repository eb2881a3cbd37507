// Regressions of the second review (fixed in 3f2f3fe), one spec per bug:
//  - a worker that consumed a main-thread actor's stream with backpressure dies: its callout streams are
//    dropped (G9; since issue 11 that cancels them), so the producer is not held for credit for ever (G10, A10);
//  - a garbage-collected stream of a threaded producer is cancelled (G9, troupe: issue 11), so it never
//    runs on to a crash and a retry without a consumer (which first had the new attempt wait for credit);
//  - a callout item that the wire check lets by but structured clone refuses ends the worker's stream
//    with that error; the producer is not failed as if its own code threw, and is stopped (G6, G9);
//  - return() of a threaded function's stream while its module still loads in the worker cancels it: it
//    never starts (G13);
//  - arrays that user code posts on the worker's port are not read as troupe's results;
//  - a yielded plain array with an own `constructor` crosses as its elements (no species lookup);
//  - an item that cannot be copied (DataCloneError) ends its stream with that error, never skipped on a retry.
// Assertions are by counts, order and settlement; time bounds are only guards against hanging.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Actor, actor, actorInfo, init, kill, shutdown, type ActorHandle } from '../lib/index.js';
import { settle, within } from './helpers/actors-util.js';
import { exists, scratch, touch, waitUntil } from './helpers/threaded-actors.js';
import { Spring } from './helpers/threaded-callout-actors.js';
import { Cloneless, Drinker, Forger, Geyser, Species, fnLateFinals, fnLateGen, type Spout } from './helpers/review2-actors.js';

before(() => init({ workers: 2 }));
after(() => shutdown());

/** What main-thread producers did, by tag: items yielded, and runs of their `finally` blocks. */
const tallies = new Map<string, { produced: number; finals: number }>();
let tags = 0;
const tally = (tag: string): { produced: number; finals: number } => tallies.get(tag)!;

/** A sync main-thread producer: while its stream waits for credit it holds the actor, so a later call on
 *  it settles only once the stream has let it go. At index `badAt` it yields a Proxy of a class instance:
 *  the wire check takes it (an object), structured clone refuses it. */
@actor()
class Tap extends Actor {
  constructor(
    readonly tag: string,
    readonly badAt = -1,
  ) {
    super();
    tallies.set(tag, { produced: 0, finals: 0 });
  }
  *items(n: number): Generator<unknown, number> {
    const t = tally(this.tag);
    try {
      for (let i = 0; i < n; i++) {
        t.produced++;
        yield i === this.badAt ? new Proxy(new Opaque(), {}) : i;
      }
    } finally {
      t.finals++;
    }
    return n;
  }
  ping(): string {
    return 'tap';
  }
}

class Opaque {
  n = 1;
}

function newTap(badAt = -1): { tag: string; tap: ActorHandle<Tap> } {
  const tag = `tap${++tags}`;
  return { tag, tap: Tap.remote(tag, badAt) };
}

const spout = (h: unknown): Spout => h as Spout;

const gc = (globalThis as { gc?: () => void }).gc;

describe('A3 parentPort belongs to user code', () => {
  test('A3: messages that user code posts on the worker\'s parentPort, in any shape (troupe\'s own included), settle no call: troupe talks on a port of its own', { timeout: 30_000 }, async () => {
    const gate = join(scratch(), 'gate');
    const h = Forger.options({ dedicated: true }).remote();
    assert.equal(await within(h.ping.remote(), 'ping'), 'forger');
    let settled = false;
    const slow = h.slow.remote(gate);
    slow.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Every call id this process can have handed out so far (the worker is dedicated: only this actor's
    // calls are in flight on it, slow() among them).
    const upTo = 30_000;
    assert.equal(await within(h.forge.remote(upTo), 'forge'), upTo, 'forge() settles with its own result');
    // The forged messages went by parentPort, not troupe's port: give them time to arrive all the same.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(settled, false, 'slow() is still running: no forged message settled it');
    touch(gate);
    assert.equal(await within(slow, 'slow() after its gate opened'), 'real');
  });
});

describe('arrays cross by their elements', () => {
  test('G2/A3: a yielded plain array with an own `constructor` property crosses as its elements (no species lookup)', { timeout: 30_000 }, async () => {
    const gen = Species.remote().items.remote();
    const out: unknown[] = [];
    for await (const ref of gen) out.push(await within(ref, 'an item'));
    assert.equal(out.length, 2);
    assert.ok(Array.isArray(out[0]), `the first item is an array: ${String(out[0])}`);
    assert.deepEqual([...(out[0] as unknown[])], [1, 2]);
    assert.equal(out[1], 3);
    assert.equal(await within(gen.completed(), 'completed()'), 'end');
  });
});

describe('G9/A10/G10 a dead worker\'s callout streams do not hold their producers', () => {
  const ways: { name: string; options: { dedicated?: boolean; maxRestarts?: number }; end(d: ActorHandle<Drinker>): Promise<unknown> }[] = [
    {
      name: 'the consumer calls process.exit (a shared worker)',
      options: {},
      end: async (d) => {
        const r = await within(settle(d.exit.remote(3)), 'exit() settles');
        assert.equal(r.ok, false, 'exit() rejects: its worker died');
      },
    },
    {
      name: 'a dedicated consumer is killed',
      options: { dedicated: true },
      end: async (d) => kill(d),
    },
    {
      name: 'the consumer calls process.exit and restarts (maxRestarts 1)',
      options: { maxRestarts: 1 },
      end: async (d) => {
        const r = await within(settle(d.exit.remote(3)), 'exit() settles');
        assert.equal(r.ok, false, 'exit() rejects: its worker died');
        assert.equal(await within(d.ping.remote(), 'the restarted consumer'), 'drinker');
        assert.equal(actorInfo(d).restarts, 1);
      },
    },
  ];

  for (const way of ways) {
    test(`G9/A10/G10: ${way.name} while it holds a main-thread actor's stream (backpressure 2): a later call on the producer settles, and its generator was cancelled (G9, troupe)`, { timeout: 30_000 }, async () => {
      const { tag, tap } = newTap();
      const d = Drinker.options(way.options).remote();
      assert.equal(await within(d.open.remote(spout(tap), 100, 2), 'open'), true);
      assert.deepEqual(await within(d.take.remote(1), 'take 1'), [0]);
      await waitUntil(() => tally(tag).produced >= 2, 'the producer reaches its window');
      await within(d.ping.remote(), 'the consumer answers');
      assert.ok(tally(tag).produced <= 3, `produced ${tally(tag).produced} with 1 taken: the window holds the producer before the consumer dies`);
      await way.end(d);
      // A sync actor: ping() runs after the stream's task has ended.
      assert.equal(await within(tap.ping.remote(), 'a later call on the producer'), 'tap');
      const { produced, finals } = tally(tag);
      assert.equal(finals, 1, 'the generator\'s finally block ran once');
      assert.ok(produced <= 1 + 2 + 1, `produced ${produced} of 100: the stream nobody could read was cancelled within its window`);
    });
  }

  test('G9/A10/G10: a dedicated consumer is killed while it holds the stream of a threaded actor on another worker (through the main thread): a later call on the producer settles once its generator was cancelled (G9, troupe)', { timeout: 30_000 }, async () => {
    // maxConcurrency 1: a stream waiting for credit holds the actor, so ping() waits behind it.
    const spring = Spring.options({ dedicated: true, maxConcurrency: 1 }).remote();
    const d = Drinker.options({ dedicated: true }).remote();
    assert.equal(await within(d.open.remote(spout(spring), 100, 2), 'open'), true);
    assert.deepEqual(await within(d.take.remote(1), 'take 1'), [0]);
    kill(d);
    assert.equal(await within(spring.ping.remote(), 'a later call on the producer'), 'spring');
    const produced = await within(spring.produced.remote(), 'produced()');
    assert.ok(produced < 100, `produced ${produced} of 100: the stream nobody could read was cancelled`);
  });
});

describe('G9/G12 a garbage-collected stream of a threaded producer is cancelled, not run on (troupe)', () => {
  const N = 60;
  const CRASH_AT = 10;

  /** Waits until `later` (a call queued behind the dropped stream on a maxConcurrency-1 actor) settles,
   *  running `collect` between checks; then the producer stopped before its crash and was never retried. */
  async function cancelledBeforeCrash(g: ActorHandle<Geyser>, marker: string, collect: () => Promise<boolean>): Promise<'no gc' | undefined> {
    let settled = false;
    const later = g.produced.remote().then((v) => {
      settled = true;
      return v;
    });
    for (let round = 0; !settled; round++) {
      if (!(await collect())) return 'no gc';
      if (round > 500) assert.fail('a call after the dropped stream never ran: the producer was not cancelled');
    }
    const produced = await later;
    assert.ok(produced < CRASH_AT, `produced ${produced}: the dropped stream stopped within its window`);
    assert.equal(exists(marker), false, 'the producer never reached its crash');
    assert.equal(actorInfo(g).restarts, 0, 'nothing was retried');
    return undefined;
  }

  test('G9/A10: a worker consumer drops a threaded producer\'s stream (backpressure 2): the producer is cancelled before its crash, and a later call on it settles', { timeout: 40_000 }, async (t) => {
    const marker = join(scratch(), 'crashed');
    const g = Geyser.options({ dedicated: true, maxRestarts: 1, maxTaskRetries: 1 }).remote(CRASH_AT, marker);
    const d = Drinker.options({ dedicated: true }).remote();
    assert.equal(await within(d.abandon.remote(spout(g), N, 2), 'abandon'), 0);
    if ((await cancelledBeforeCrash(g, marker, () => within(d.collect.remote(5), 'collect'))) === 'no gc') return t.skip('the worker has no gc() (node --expose-gc)');
  });

  test('G9: a main-thread consumer\'s stream of a threaded producer (backpressure 2) is garbage-collected: the producer is cancelled before its crash, and a later call on it settles', { timeout: 40_000 }, async (t) => {
    if (gc === undefined) return t.skip('no gc() (node --expose-gc)');
    const marker = join(scratch(), 'crashed');
    const g = Geyser.options({ maxRestarts: 1, maxTaskRetries: 1 }).remote(CRASH_AT, marker);
    // In a function of its own, so that nothing here keeps the stream alive.
    const openAndTakeOne = async (): Promise<unknown> => {
      const gen = g.items.options({ backpressure: 2 }).remote(N);
      const r = await gen.next();
      return r.done ? 'done' : await r.value;
    };
    assert.equal(await within(openAndTakeOne(), 'the first item'), 0);
    await cancelledBeforeCrash(g, marker, async () => {
      gc();
      await new Promise<void>((r) => setTimeout(r, 1));
      return true;
    });
  });
});

describe('G6 a callout item that structured clone refuses', () => {
  test('G6/A10: an item the wire check lets by but structured clone refuses (a Proxy) ends the worker\'s stream with that DataCloneError; the producer is not failed as if it threw, and is stopped there: its finally block runs', { timeout: 30_000 }, async () => {
    const { tag, tap } = newTap(1);
    const d = Drinker.remote();
    assert.equal(await within(d.open.remote(spout(tap), 5, 100), 'open'), true);
    const r = await within(d.drain.remote(), 'the whole stream');
    assert.deepEqual(r.values, [0], 'the item before the bad one');
    assert.ok(r.error !== undefined, 'an error item');
    // The port's own error, as for an item the wire check refuses (a SerializationError): not a TaskError
    // that says the producer's code threw.
    assert.equal(r.error.name, 'DataCloneError', `the error item is the clone error, not the producer's failure: ${JSON.stringify(r.error)}`);
    assert.equal(r.itemAfterError, false, 'nothing after the error item');
    assert.equal(r.doneStays, true, 'the stream ended, and stays ended');
    // A sync actor: ping() runs after the stream's task has ended.
    assert.equal(await within(tap.ping.remote(), 'a later call on the producer'), 'tap');
    assert.equal(tally(tag).finals, 1, 'the producer\'s finally block ran');
    // Nobody can read the rest (G9, troupe): the producer stops at its next yield (item 2 is begun, never
    // sent), as it would in a worker; without the stop it would make all 5.
    assert.equal(tally(tag).produced, 3, 'the producer stopped at the yield after the item that could not cross');
  });
});

describe('G6/G12 a threaded item that cannot be copied', () => {
  test('G6/G12: an item that passes the wire check but cannot be copied (a Proxy: DataCloneError) ends the stream with that error, even with retries on; it is never skipped silently', { timeout: 30_000 }, async () => {
    const c = Cloneless.remote();
    const values: unknown[] = [];
    let error: unknown;
    try {
      for await (const ref of c.items.options({ maxRetries: 2, retryExceptions: true }).remote()) values.push(await ref);
    } catch (e) {
      error = e;
    }
    assert.deepEqual(values, [1], 'the item before the one that cannot be copied, and nothing after it');
    assert.equal((error as Error | undefined)?.name, 'DataCloneError', `the stream ends with the copy's error: ${String(error)}`);
  });
});

describe('G13/G10 return() of a threaded function\'s stream while its module loads', () => {
  test('G13/G10: a threaded generator function called with backpressure 2 and return()ed at once, before its module has loaded in a fresh worker, is cancelled there: it never starts, and the worker is not held', { timeout: 40_000 }, async () => {
    // A fresh worker, which has not loaded review2-actors yet: the call arrives while the module loads.
    await shutdown();
    init({ workers: 1 });
    try {
      const gen = fnLateGen.options({ backpressure: 2 }).remote(50);
      assert.deepEqual(await within(gen.return(), 'return()'), { done: true, value: undefined });
      const c = await within(settle(gen.completed()), 'completed()');
      assert.equal(c.ok, false);
      assert.equal((c as { error: Error }).error.name, 'TaskCancelledError');
      // Asked on the same worker after the call and its cancel, and answered once the module has loaded:
      // by then the cancelled call would have started. A call cancelled before it runs never runs.
      const seen = await within(fnLateFinals.remote(), 'fnLateFinals()');
      assert.deepEqual(seen, { started: 0, finished: 0, items: 0 }, 'the cancelled generator did not run');
      assert.equal(await within(fnLateFinals.remote().then(() => 'answered'), 'a later call'), 'answered');
    } finally {
      await shutdown();
      init({ workers: 2 });
    }
  });
});
