// G9: refs never taken are freed when the generator is garbage collected; a ref taken with next() outlives
// the generator; where troupe goes further than Ray, dropping a generator before its end cancels its task at
// the producer's next yield (a producer held by backpressure included), and output made after the drop is
// discarded (spec/streams-drop.test.ts has the finally blocks, endless and threaded producers). Run with
// `node --expose-gc`. GC is nondeterministic: each check loops gc() and a macrotask
// until the condition holds, within a bound.
//
// Generators are made and dropped inside small helper functions, so no frame of the test keeps them alive.
// Collection is observed with a FinalizationRegistry, not WeakRef.deref(): on Node 20 a deref() keeps its
// target alive across later macrotasks, which would make the check keep alive what it watches.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { get, wait, TaskCancelledError, type ObjectRef } from '../lib/index.js';
import {
  ASYNC_KIND_MODES,
  deferred,
  forModes,
  lift,
  MODES,
  sleep,
  start,
  storedObjects,
  until,
  withTimeout,
  type Body,
  type Deferred,
  type Mode,
} from './helpers/streams-modes.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function collectUntil(cond: () => boolean, what: string | (() => string), rounds = 100): Promise<void> {
  assert.ok(typeof gc === 'function', 'the GC specs need node --expose-gc');
  for (let i = 0; i < rounds; i++) {
    gc!();
    await sleep(5);
    if (cond()) return;
  }
  assert.fail(`after ${rounds} rounds of gc(), still not: ${typeof what === 'function' ? what() : what}`);
}

/** Has the ref settled? (Observed through a then() callback, which leaves the ref itself unwatched.) */
function refSettled(r: ObjectRef<unknown>): boolean {
  let seen = settledRefs.get(r);
  if (seen === undefined) {
    seen = { done: false };
    const s = seen;
    settledRefs.set(r, s);
    r.then(() => (s.done = true), () => (s.done = true));
  }
  return seen.done;
}
const settledRefs = new WeakMap<ObjectRef<unknown>, { done: boolean }>();

/** Lets earlier tests' garbage go, so that the baseline count is stable. */
async function settleBaseline(): Promise<number> {
  let last = -1;
  await collectUntil(() => {
    const now = storedObjects();
    const stable = now === last;
    last = now;
    return stable;
  }, 'the stored object count settles');
  return storedObjects();
}

interface Item {
  i: number;
  payload: number[];
}

/** Which watched objects have been collected. */
class Collected {
  readonly #gone = new Set<string>();
  readonly #registry = new FinalizationRegistry<string>((tag) => this.#gone.add(tag));
  watch(target: object, tag: string): void {
    this.#registry.register(target, tag);
  }
  gone(tag: string): boolean {
    return this.#gone.has(tag);
  }
  count(prefix: string): number {
    let n = 0;
    for (const t of this.#gone) if (t.startsWith(prefix)) n++;
    return n;
  }
}

interface Tracked {
  collected: Collected;
  produced: number;
  finished: boolean;
}

function tracked(n: number, gate?: Deferred, gateAfter = 0): { state: Tracked; body: Body<string> } {
  const state: Tracked = { collected: new Collected(), produced: 0, finished: false };
  const make = (i: number): Item => {
    const item = { i, payload: new Array(256).fill(i) };
    state.collected.watch(item, `item ${i}`);
    state.produced++;
    return item;
  };
  const body: Body<string> = gate
    ? {
        *sync() {
          throw new Error('a sync producer cannot wait for a gate');
        },
        async *async() {
          for (let i = 0; i < n; i++) {
            if (i === gateAfter) await gate.promise;
            yield make(i);
          }
          state.finished = true;
          return 'end';
        },
      }
    : lift(function* () {
        for (let i = 0; i < n; i++) yield make(i);
        state.finished = true;
        return 'end';
      });
  return { state, body };
}

/** Starts a stream and keeps only its completed() ref; the generator is watched as 'gen'. */
function startAndDrop(mode: Mode, state: Tracked, body: Body<string>, backpressure?: number): ObjectRef<string> {
  const { gen } = start<Item, string>(mode, body, backpressure === undefined ? {} : { call: { backpressure } });
  state.collected.watch(gen, 'gen');
  return gen.completed();
}

describe('G9 unconsumed items are freed with the generator', () => {
  forModes(MODES, 'G9 items never taken are freed when the generator is collected (storedObjects and the items themselves)', async (mode) => {
    const base = await settleBaseline();
    const N = 50;
    const { state, body } = tracked(N);
    const completed = startAndDrop(mode, state, body);
    assert.equal(await withTimeout(completed, 10_000, 'completed()'), 'end', 'G4: the producer ran to its end');
    assert.equal(storedObjects() - base, N, 'the untaken items are stored');
    await collectUntil(
      () => state.collected.gone('gen') && storedObjects() === base && state.collected.count('item ') === N,
      () => `the generator is collected (${state.collected.gone('gen')}), storedObjects is back to ${base} (now ${storedObjects()}) and all ${N} items are freed (freed: ${state.collected.count('item ')})`,
    );
  });

  forModes(MODES, 'G9 a ref taken with next() outlives the generator; the rest is freed', async (mode) => {
    const base = await settleBaseline();
    const N = 5;
    const { state, body } = tracked(N);
    const takeFirst = async () => {
      const { gen } = start<Item, string>(mode, body);
      state.collected.watch(gen, 'gen');
      const r = await withTimeout(gen.next(), 10_000, 'next()');
      assert.equal(r.done, false);
      return { first: r.value as ObjectRef<Item>, completed: gen.completed() };
    };
    const { first, completed } = await takeFirst();
    assert.equal(await withTimeout(completed, 10_000, 'completed()'), 'end');
    assert.equal(storedObjects() - base, N - 1);
    await collectUntil(
      () => state.collected.gone('gen') && storedObjects() === base && state.collected.count('item ') === N - 1,
      () => `the generator (${state.collected.gone('gen')}) and its ${N - 1} untaken items (freed: ${state.collected.count('item ')}) are collected, storedObjects ${storedObjects()} back to ${base}`,
    );
    assert.equal(state.collected.gone('item 0'), false, 'the taken item is kept by its ref');
    const v = await get(first);
    assert.equal(v.i, 0);
    assert.equal(v.payload.length, 256);
  });

  forModes(MODES, 'G9 (troupe) dropping a generator whose producer is held by backpressure cancels it: it stops at its next yield, completed() rejects with TaskCancelledError', async (mode) => {
    const base = await settleBaseline();
    const N = 20;
    const { state, body } = tracked(N);
    const completed = startAndDrop(mode, state, body, 2);
    await until(() => state.produced === 2, 'the producer pauses 2 items ahead');
    await sleep(20);
    assert.equal(state.produced, 2, 'held by backpressure');
    await collectUntil(
      () => state.collected.gone('gen') && refSettled(completed),
      () => `the generator is collected (${state.collected.gone('gen')}) and its task cancelled (produced ${state.produced})`,
    );
    await assert.rejects(withTimeout(completed, 10_000, 'completed()'), TaskCancelledError, 'dropping cancelled the task');
    assert.equal(state.finished, false, 'the producer did not run on to its end');
    assert.ok(state.produced <= 3, `produced ${state.produced}: it stopped at its next yield`);
    await collectUntil(
      () => storedObjects() === base && state.collected.count('item ') === state.produced,
      () => `the discarded output is freed (storedObjects ${storedObjects()}, items freed ${state.collected.count('item ')})`,
    );
  });

  forModes(ASYNC_KIND_MODES, 'G9 (troupe) dropping a running generator cancels its task at the next yield; output made after the drop is not stored', async (mode) => {
    const base = await settleBaseline();
    const gate = deferred();
    const N = 6;
    const { state, body } = tracked(N, gate, 2);
    try {
      const completed = startAndDrop(mode, state, body);
      await until(() => storedObjects() - base === 2, 'two items are stored before the producer waits');
      await collectUntil(
        () => state.collected.gone('gen') && storedObjects() === base,
        () => `the generator is collected (${state.collected.gone('gen')}) and its two items released (storedObjects ${storedObjects()}) while the producer still runs`,
      );
      assert.equal(state.finished, false);
      gate.resolve();
      await assert.rejects(withTimeout(completed, 10_000, 'completed()'), TaskCancelledError, 'the task was cancelled');
      assert.equal(state.produced, 3, 'the producer stopped at the yield after the drop');
      assert.equal(state.finished, false);
      assert.equal(storedObjects(), base, 'output made after the generator was dropped is discarded');
      await collectUntil(() => state.collected.count('item ') === 3, () => `every item is freed (${state.collected.count('item ')} of 3)`);
    } finally {
      gate.resolve();
    }
  });

  forModes(ASYNC_KIND_MODES, 'G8 G9 a generator that wait() gave up on is still collected when dropped', async (mode) => {
    const base = await settleBaseline();
    const gate = deferred();
    const { state, body } = tracked(3, gate, 0);
    try {
      const waitedThenDropped = async () => {
        const { gen } = start<Item, string>(mode, body);
        state.collected.watch(gen, 'gen');
        const [ready] = await wait([gen], { timeout: 10 });
        assert.equal(ready.length, 0, 'nothing yielded yet');
        return { completed: gen.completed() }; // wrapped: an ObjectRef is a thenable
      };
      const { completed } = await waitedThenDropped();
      await collectUntil(() => state.collected.gone('gen'), 'the dropped generator is collected although wait() had watched it');
      gate.resolve();
      await assert.rejects(withTimeout(completed, 10_000, 'completed()'), TaskCancelledError, 'the dropped stream was cancelled');
      assert.equal(storedObjects(), base, 'its output is discarded');
    } finally {
      gate.resolve();
    }
  });
});
