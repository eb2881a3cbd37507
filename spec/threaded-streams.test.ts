// Streams across the thread (issue 3; G1, G2, G3, G5, G7, G10, G11, G12, G13): threaded actor methods and
// threaded remote functions, each as a sync `function*` and an `async function*`. Items arrive as they are
// produced (checked by a handshake: the producer waits for the consumer's acknowledgement of an item before
// going on, so the item must have crossed first), in order, with credit-based backpressure across the thread.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TaskCancelledError, TaskError, cancel, init, shutdown, type ObjectRefGenerator } from '../lib/index.js';
import { settle, within } from './helpers/actors-util.js';
import {
  QuotaError,
  Tally,
  drain,
  exists,
  fnCount,
  fnCountAsync,
  fnFailAfter,
  fnHandshake,
  fnHandshakeAsync,
  fnProduce,
  fnProduceAsync,
  range,
  readNumber,
  scratch,
  touch,
  waitUntil,
} from './helpers/threaded-actors.js';

// One runtime for the file (a worker's start is paid once).
before(() => init({ workers: 2 }));
after(() => shutdown());

type Kind = 'function*' | 'async function*';
interface Mode {
  readonly host: 'threaded actor' | 'threaded function';
  readonly kind: Kind;
  readonly name: string;
}
const MODES: readonly Mode[] = (['threaded actor', 'threaded function'] as const).flatMap((host) =>
  (['function*', 'async function*'] as const).map((kind) => ({ host, kind, name: `${host}, ${kind}` })),
);

function forModes(title: string, fn: (mode: Mode) => Promise<void>, modes: readonly Mode[] = MODES): void {
  for (const mode of modes) test(`${title} (${mode.name})`, { timeout: 30_000 }, () => fn(mode));
}

type Gen<T, R = unknown> = ObjectRefGenerator<T, R>;
const asGen = <T, R = unknown>(g: unknown): Gen<T, R> => g as Gen<T, R>;

/** The streaming call of `mode`: on a fresh Tally for actors, else the threaded function. */
function streamOf(mode: Mode, method: 'count' | 'handshake' | 'produce', options: { backpressure?: number } | undefined, ...args: unknown[]): Gen<number, string> {
  const sync = mode.kind === 'function*';
  if (mode.host === 'threaded actor') {
    const h = Tally.remote() as unknown as Record<string, { remote(...a: unknown[]): unknown; options(o: object): { remote(...a: unknown[]): unknown } }>;
    const m = h[sync ? method : `${method}Async`]!;
    return asGen(options === undefined ? m.remote(...args) : m.options(options).remote(...args));
  }
  const fns = { count: [fnCount, fnCountAsync], handshake: [fnHandshake, fnHandshakeAsync], produce: [fnProduce, fnProduceAsync] } as const;
  const f = fns[method][sync ? 0 : 1] as unknown as { remote(...a: unknown[]): unknown; options(o: object): { remote(...a: unknown[]): unknown } };
  return asGen(options === undefined ? f.remote(...args) : f.options(options).remote(...args));
}

describe('G1 G3 G7 items in order, the return value', () => {
  forModes('G1 G3 G7 issue3 a threaded stream gives its items in yield order, then done; completed() gives the return value', async (mode) => {
    const gen = streamOf(mode, 'count', undefined, 50);
    const d = await within(drain(gen), 'the stream');
    assert.deepEqual(d.values, range(50));
    assert.deepEqual(d.errors, []);
    assert.equal(d.doneStays, true, 'done stays done');
    assert.equal(await within(gen.completed(), 'completed'), 'counted 50');
  });

  forModes('G3 issue3 a long threaded stream (items batched across the port) keeps every item, in order', async (mode) => {
    const n = mode.kind === 'function*' ? 5000 : 600;
    const d = await within(drain(streamOf(mode, 'count', undefined, n)), 'the stream', 20_000);
    assert.equal(d.values.length, n);
    assert.ok(d.values.every((v, i) => v === i), 'items in order, none lost or repeated');
  });

  test('A1 G3 issue3 streams and calls from one caller on a threaded actor run in submission order', async () => {
    const h = Tally.remote();
    const a = h.note.remote('a');
    const s1 = h.count.remote(3);
    const b = h.note.remote('b');
    const s2 = h.countAsync.remote(2);
    const c = h.note.remote('c');
    const [d1, d2] = await within(Promise.all([drain(s1), drain(s2)]), 'streams');
    assert.deepEqual(d1.values, [0, 1, 2]);
    assert.deepEqual(d2.values, [0, 1]);
    assert.deepEqual(await within(Promise.all([a, b, c]), 'calls'), [1, 2, 3]);
  });
});

describe('G2 items arrive as they are produced', () => {
  // A producer stuck waiting for an acknowledgement blocks its worker: give the next tests a new pool.
  afterEach(async () => {
    await shutdown();
    init({ workers: 2 });
  });
  forModes('G2 issue3 each item reaches the consumer while the producer is still running (it waits for the item\'s acknowledgement)', async (mode) => {
    const dir = scratch();
    const n = 4;
    const gen = streamOf(mode, 'handshake', undefined, n, dir);
    // The producer does not go past item i until `ack-i` exists, and the test writes `ack-i` only once it
    // holds item i: so every item crossed the thread before the producer ended. A producer whose items only
    // leave when it ends would wait for an acknowledgement forever (its guard then fails the stream).
    const d = await within(
      drain(gen, (v) => touch(join(dir, `ack-${v}`))),
      'the handshake stream',
      15_000,
    );
    assert.deepEqual(d.errors, [], `no error item: ${String(d.errors[0])}`);
    assert.deepEqual(d.values, range(n));
    assert.equal(await within(gen.completed(), 'completed'), 'shook');
  });
});

describe('G10 backpressure across the thread', () => {
  for (const N of [1, 3]) {
    forModes(`G10 issue3 with backpressure: ${N} the worker-side producer never runs more than ${N} items ahead of next()`, async (mode) => {
      const dir = scratch();
      const progress = join(dir, 'progress');
      const total = 12;
      const gen = streamOf(mode, 'produce', { backpressure: N }, total, progress);
      const values: number[] = [];
      let peakAhead = 0;
      for (;;) {
        const taken = values.length;
        // Credit must reach the producer: it runs up to its window (or to its end)...
        await waitUntil(() => readNumber(progress) >= Math.min(total, taken + N), `the producer reached item ${Math.min(total, taken + N)} (taken ${taken})`, 10_000);
        // ...and no further: a producer without credit would have produced everything by now.
        const ahead = readNumber(progress) - taken;
        peakAhead = Math.max(peakAhead, ahead);
        assert.ok(ahead <= N, `produced ${readNumber(progress)} with ${taken} taken: more than ${N} ahead`);
        const r = await within(gen.next(), 'next()');
        if (r.done) break;
        values.push(await within(r.value, 'item'));
      }
      assert.deepEqual(values, range(total));
      assert.equal(peakAhead, N, 'the producer did use its whole window');
      assert.equal(await within(gen.completed(), 'completed'), 'produced');
    });
  }
});

describe('G5 application errors in threaded streams', () => {
  test('G5 issue3 an error after k yields: k items, one error item (TaskError with the cause\'s name, message and own properties), then done', async () => {
    const h = Tally.remote();
    const cases: [string, Gen<number, never>][] = [
      ['Tally.failAfter', asGen(h.failAfter.remote(3))],
      ['Tally.failAfterAsync', asGen(h.failAfterAsync.remote(3))],
      ['fnFailAfter', asGen(fnFailAfter.remote(3))],
    ];
    for (const [where, gen] of cases) {
      const d = await within(drain(gen), where);
      assert.deepEqual(d.values, [0, 1, 2], where);
      assert.equal(d.errors.length, 1, `${where}: one error item`);
      assert.equal(d.itemAfterError, false);
      assert.equal(d.doneStays, true);
      const e = d.errors[0] as TaskError;
      assert.ok(e instanceof TaskError, `${where}: ${String(e)}`);
      const cause = e.cause as QuotaError;
      assert.equal(cause.name, 'QuotaError');
      assert.equal(cause.message, `over quota in ${where}`);
      assert.equal(cause.code, 'E_QUOTA');
      assert.deepEqual(cause.detail, { limit: 3, tags: ['a', where] });
      const c = await settle(within(gen.completed(), `${where} completed`));
      assert.equal(c.ok, false);
      assert.ok((c as { error: unknown }).error instanceof TaskError);
    }
    assert.equal(await within(h.add.remote(1), 'the actor lives on'), 1);
  });

  test('G5 issue3 an error before the first yield gives exactly one error item', async () => {
    const h = Tally.remote();
    for (const gen of [asGen(h.failAfter.remote(0)), asGen(h.failAfterAsync.remote(0)), asGen(fnFailAfter.remote(0))]) {
      const d = await within(drain(gen), 'the stream');
      assert.deepEqual(d.values, []);
      assert.equal(d.errors.length, 1);
      assert.ok(d.errors[0] instanceof TaskError);
      assert.equal(d.doneStays, true);
    }
  });

  test('G12 issue3 a threaded stream retried after an application error (maxRetries, retryExceptions by class) never repeats an item index', async () => {
    const dir = scratch();
    const h = Tally.remote();
    const gen = h.flakyItems.options({ maxRetries: 1, retryExceptions: [QuotaError] }).remote(6, 3, join(dir, 'failed-once'));
    const d = await within(drain(gen), 'the retried stream');
    assert.deepEqual(d.errors, []);
    assert.deepEqual(d.values.map((v) => v.i), range(6), 'each index once, in order');
    assert.deepEqual(d.values.map((v) => v.attempt), [0, 0, 0, 1, 1, 1], 'items 3.. come from the second run');
    assert.equal(await within(gen.completed(), 'completed'), 'run 1');
  });
});

describe('G11 G13 cancelling and closing threaded streams', () => {
  test('G11 issue3 cancel(gen) of a running threaded stream: items taken so far in order, then TaskCancelledError, then done', async () => {
    const dir = scratch();
    const h = Tally.remote();
    const gen = h.endless.remote(dir);
    const first: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await within(gen.next(), 'next');
      first.push(await within(r.value!, 'item'));
    }
    cancel(gen);
    const rest = await within(drain(gen), 'after cancel');
    const all = [...first, ...rest.values];
    assert.deepEqual(all, range(all.length), 'a prefix of the items, in order');
    assert.equal(rest.errors.length, 1, 'one error item');
    assert.ok(rest.errors[0] instanceof TaskCancelledError, String(rest.errors[0]));
    assert.equal(rest.doneStays, true);
    await waitUntil(() => exists(join(dir, 'finally')), 'the producer\'s finally ran in the worker');
    assert.equal(await within(h.add.remote(2), 'the actor is free again'), 2);
  });

  test('G13 issue3 break in for await closes a threaded stream: the producer stops at its next yield and its finally runs', async () => {
    const dir = scratch();
    const h = Tally.remote();
    const seen: number[] = [];
    for await (const ref of h.endless.remote(dir)) {
      seen.push(await within(ref, 'item'));
      if (seen.length === 4) break;
    }
    assert.deepEqual(seen, [0, 1, 2, 3]);
    await waitUntil(() => exists(join(dir, 'finally')), 'the producer\'s finally ran in the worker');
    assert.equal(await within(h.add.remote(1), 'the actor is free again'), 1);
  });
});
