// The results journal (A7, R1; lib/threaded/journal.ts): while the main thread is behind, a worker writes
// finished results to a ring in shared memory instead of holding them in its own memory. The ring is
// checked on one thread (order, stamps, wrap-around, the pad at the end, a full ring); then, across a
// worker, that journaled results settle in call order with their values, survive the worker's death
// (process.exit or an uncaught error right after them), still arrive in order when the ring is full, and
// never overtake a stream item or a callout the worker posted before them, nor are overtaken by one posted
// after. Each threaded test blocks the main thread (sleepSync) so that it is behind and the worker journals.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Actor, ActorDiedError, actor, init, shutdown } from '../lib/index.js';
import { runtime } from '../lib/runtime.js';
import { JournalReader, JournalWriter, newJournalBuffer } from '../lib/threaded/journal.js';
import type { WorkerSlot } from '../lib/threaded/pool.js';
import type { Msg, ResultMsg } from '../lib/wire/protocol.js';
import { settle, within } from './helpers/actors-util.js';
import { Journaled } from './helpers/journal-actors.js';
import { scratch, sleepSync } from './helpers/threaded-actors.js';
import { recorded } from './helpers/wire-actors.js';

const ok = (id: number, v: unknown): ResultMsg => ({ t: 'result', id, ok: true, v });

/** Everything `r` hands out now (stamps up to `limit`), as a list. */
function take(r: JournalReader, limit = 0x7fffffff, max = Infinity): ResultMsg[] {
  const out: ResultMsg[] = [];
  r.drain(limit, (m) => out.push(m), max);
  return out;
}

describe('A7 J0 the ring (journal.ts), on one thread', () => {
  test('A7 J0 entries come back once each, in order, numbers and encoded messages alike; a drain stops at a later stamp and at its max', () => {
    const sab = newJournalBuffer(1024);
    const w = new JournalWriter(sab);
    const r = new JournalReader(sab);
    assert.equal(r.ready(100), false);
    const msgs = [ok(1, 1.5), ok(2, { a: 1, b: [2, 3] }), ok(3, -0), { t: 'result', id: 4, ok: false, e: { name: 'Error', message: 'no' }, app: true } as ResultMsg, ok(5, 'five'), ok(6, new Map([[1, 2]]))];
    const stamps = [0, 0, 1, 1, 3, 3];
    msgs.forEach((m, i) => assert.ok(w.write(m, stamps[i]!)));
    assert.equal(r.ready(-1), false, 'nothing stamped before 0');
    assert.deepEqual(take(r, 0), msgs.slice(0, 2));
    assert.equal(r.ready(2), true);
    assert.deepEqual(take(r, 2, 1), msgs.slice(2, 3), 'max 1');
    assert.deepEqual(take(r, 2), msgs.slice(3, 4), 'stops at the entry stamped 3');
    assert.equal(r.ready(2), false);
    assert.deepEqual(take(r, 3), msgs.slice(4));
    assert.deepEqual(take(r), [], 'each entry is read once');
    assert.equal(r.entries, 6);
  });

  test('A7 J0 wrap-around: entries of every size through a small ring, across the Int32 wrap of its positions, with a pad where an entry would straddle the end', () => {
    const size = 256;
    const sab = newJournalBuffer(size, 0x7fffff00);
    const w = new JournalWriter(sab);
    const r = new JournalReader(sab);
    const got: ResultMsg[] = [];
    const sent: ResultMsg[] = [];
    let stamp = 0x7ffffff0; // stamps wrap too
    for (let i = 0; i < 400; i++) {
      const m = i % 3 === 0 ? ok(i, i) : ok(i, 'x'.repeat((i * 7) % 90));
      while (!w.write(m, stamp)) {
        const n = got.length;
        r.drain(stamp, (x) => got.push(x), 3);
        assert.ok(got.length > n, `a full ring frees space once read (entry ${i})`);
      }
      sent.push(m);
      if (i % 5 === 0) stamp = (stamp + 1) | 0;
    }
    r.drain(stamp, (x) => got.push(x), Infinity);
    assert.deepEqual(got, sent);
  });

  test('A7 J0 a full ring refuses an entry and writes nothing; an encoded message that did not fit never breaks the decoding of the next (the reader starts a new decoder there)', () => {
    const sab = newJournalBuffer(128);
    const w = new JournalWriter(sab);
    const r = new JournalReader(sab);
    assert.ok(w.write(ok(1, { a: 1, b: 2 }), 0));
    assert.equal(w.write(ok(2, { c: 'y'.repeat(200), d: 1 }), 0), false, 'larger than the ring');
    assert.ok(w.write(ok(3, { c: 'z', d: 3 }), 0), 'a smaller message with the same structure fits');
    const numbers: ResultMsg[] = [];
    for (let i = 4; w.write(ok(i, i), 0); i++) numbers.push(ok(i, i));
    assert.ok(numbers.length > 0 && numbers.length < 5, `numbers fill the rest of the ring (${numbers.length}), then one is refused`);
    assert.deepEqual(take(r), [ok(1, { a: 1, b: 2 }), ok(3, { c: 'z', d: 3 }), ...numbers]);
    assert.ok(w.write(ok(9, { a: 9, b: 9 }), 0), 'room again once read');
    assert.deepEqual(take(r), [ok(9, { a: 9, b: 9 })]);
  });

  test('A7 J0 a decoded buffer is the reader\'s own copy, not a view of the ring the worker writes again', () => {
    const sab = newJournalBuffer(256);
    const w = new JournalWriter(sab);
    const r = new JournalReader(sab);
    w.write(ok(1, new Uint8Array([1, 2, 3])), 0);
    const [m] = take(r);
    const v = m!.v as Uint8Array;
    for (let i = 0; i < 20; i++) {
      w.write(ok(i, new Uint8Array([9, 9, 9])), 0);
      take(r);
    }
    assert.deepEqual([...v], [1, 2, 3]);
    assert.ok(!(v.buffer instanceof SharedArrayBuffer));
  });
});

/** A main-thread actor a threaded one calls out to. */
@actor()
class Pad extends Actor {
  note(i: number): number {
    return i;
  }
}

/** The one worker (init({ workers: 1 })), once an actor lives on it. */
const theSlot = (): WorkerSlot => runtime().pool().forTask();

/** The worker's messages as the main thread dispatches them, port and journal alike: `t:id` or `t:value`. */
function watch(slot: WorkerSlot): string[] {
  const seen: string[] = [];
  const ch = slot.channel as unknown as { onMessage: (m: Msg) => void };
  const dispatch = ch.onMessage;
  ch.onMessage = (m) => {
    if (m.t === 'call') seen.push(`callout:${String(m.args[0])}`);
    else if (m.t === 'items') for (const v of m.vs) seen.push(`item:${m.id}:${String(v)}`);
    else if (m.t === 'result') seen.push(`result:${m.id}:${typeof m.v === 'string' ? m.v.slice(0, 12) : String(m.v)}`);
    dispatch(m);
  };
  return seen;
}

/** Lets the channel's microtask flush run: the calls made so far leave. */
const microtasks = async (n = 5) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('A7 results journaled while the main thread is behind', () => {
  beforeEach(() => init({ workers: 1 }));
  afterEach(() => shutdown());

  test('A7 J1 results journaled while the main thread is busy all settle, in call order, with their values', async () => {
    const a = Journaled.remote();
    await a.number.remote(-1);
    const slot = theSlot();
    const journaled = slot.journal.entries;
    const refs: PromiseLike<unknown>[] = [];
    for (let i = 0; i < 300; i++) refs.push(i % 3 === 0 ? a.object.remote(i) : a.number.remote(i));
    const order: number[] = [];
    refs.forEach((r, i) => void r.then(() => order.push(i)));
    await microtasks();
    sleepSync(50);
    const values = await within(Promise.all(refs), 'the 300 calls settle', 10_000);
    values.forEach((v, i) => assert.deepEqual(v, i % 3 === 0 ? { i, s: `item ${i}`, m: new Map([['i', i]]) } : i));
    assert.deepEqual(order, Array.from({ length: 300 }, (_, i) => i), 'settled in call order');
    assert.ok(slot.journal.entries - journaled > 100, `most results went by the journal (${slot.journal.entries - journaled})`);
  });

  for (const how of ['exit', 'throw'] as const) {
    test(`A7 J2 a worker that ${how === 'exit' ? 'calls process.exit' : 'dies of an uncaught error'} right after many journaled results: every call that ran settles with its value`, async () => {
      const log = join(scratch(), 'log');
      const a = Journaled.remote();
      await a.open.remote(log);
      const slot = theSlot();
      const journaled = slot.journal.entries;
      const refs = Array.from({ length: 200 }, (_, i) => a.work.remote(i, 150, how));
      await microtasks();
      sleepSync(50);
      const outcomes = await within(Promise.all(refs.map(settle)), 'the 200 calls settle', 10_000);
      const ran = recorded(log).map(Number);
      assert.deepEqual(ran.slice(0, 150), Array.from({ length: 150 }, (_, i) => i), 'calls 0-149 ran');
      const wrong = ran.filter((i) => !(outcomes[i]!.ok && outcomes[i]!.value === i));
      assert.deepEqual(wrong, [], `calls that ran did not settle with their value: ${wrong.map((i) => `${i}: ${String(!outcomes[i]!.ok && outcomes[i]!.error)}`).slice(0, 3).join('; ')}`);
      const ranSet = new Set(ran);
      for (let i = 151; i < 200; i++) {
        const o = outcomes[i]!;
        if (!ranSet.has(i)) assert.ok(!o.ok && o.error instanceof ActorDiedError, `call ${i} never ran: ActorDiedError, got ${String(o.ok ? o.value : o.error)}`);
      }
      assert.ok(slot.journal.entries - journaled > 50, `results were journaled (${slot.journal.entries - journaled})`);
    });
  }

  test('A7 J3 a journal that fills up (results of 200 KB, 40 in flight) still delivers every result, in order', async () => {
    const a = Journaled.remote();
    await a.number.remote(-1);
    const slot = theSlot();
    const journaled = slot.journal.entries;
    const size = 200_000;
    const refs = Array.from({ length: 40 }, (_, i) => a.text.remote(i, size));
    const order: number[] = [];
    refs.forEach((r, i) => void r.then(() => order.push(i)));
    await microtasks();
    sleepSync(50);
    const values = await within(Promise.all(refs), 'the 40 calls settle', 20_000);
    values.forEach((v, i) => assert.ok(v === `${i}:`.padEnd(size, 'x'), `result ${i}`));
    assert.deepEqual(order, Array.from({ length: 40 }, (_, i) => i), 'settled in call order');
    const n = slot.journal.entries - journaled;
    assert.ok(n > 0 && n < 40, `some results went by the journal, the rest by the port (${n} journaled)`);
  });

  // Results journaled before a message outnumber what the main thread dispatches per turn (a quarter of
  // the calls in flight): they must still all come before it.
  test('A7 J4 a result never overtakes the stream items its worker posted before it, nor is overtaken by those posted after it', async () => {
    const a = Journaled.remote();
    await a.number.remote(-1);
    const seen = watch(theSlot());
    for (let round = 0; round < 3; round++) {
      seen.length = 0;
      const before = Array.from({ length: 40 }, (_, i) => a.number.remote(1000 + i));
      const gen = a.items.remote(20);
      await microtasks();
      sleepSync(30);
      const items: number[] = [];
      for await (const ref of gen) items.push(await ref);
      assert.deepEqual(items, Array.from({ length: 20 }, (_, i) => i));
      assert.equal(await gen.completed(), 'done 20');
      assert.deepEqual(await Promise.all(before), Array.from({ length: 40 }, (_, i) => 1000 + i));
      const firstItem = seen.findIndex((s) => s.startsWith('item:'));
      const lastItem = seen.findLastIndex((s) => s.startsWith('item:'));
      const lastBefore = seen.findIndex((s) => s.endsWith(':1039'));
      const end = seen.findIndex((s) => s.endsWith(':done 20'));
      assert.ok(lastBefore >= 0 && lastBefore < firstItem, `round ${round}: the earlier calls' results before the items: ${seen.join(' ')}`);
      assert.ok(end > lastItem, `round ${round}: the stream's result after its items: ${seen.join(' ')}`);
    }
  });

  test('A7 J4 a result never overtakes a callout its worker posted before it, nor is overtaken by one posted after it', async () => {
    const a = Journaled.remote();
    await a.number.remote(-1);
    const pad = Pad.remote();
    const seen = watch(theSlot());
    for (let i = 0; i < 20; i++) assert.equal(await a.via.remote(pad, i), i);
    for (let i = 0; i < 20; i++) {
      const c = seen.indexOf(`callout:${i}`);
      const r = seen.findIndex((s) => s.startsWith('result:') && s.endsWith(`:${i}`));
      assert.ok(c >= 0 && c < r, `callout ${i} before its call's result: ${seen.join(' ')}`);
    }
    seen.length = 0;
    const refs = [...Array.from({ length: 40 }, (_, i) => a.number.remote(1000 + i)), a.via.remote(pad, 50)];
    await microtasks();
    sleepSync(30);
    assert.deepEqual(await within(Promise.all(refs), 'the calls settle'), [...Array.from({ length: 40 }, (_, i) => 1000 + i), 50]);
    const c = seen.indexOf('callout:50');
    const lastBefore = seen.findIndex((s) => s.endsWith(':1039'));
    assert.ok(lastBefore >= 0 && lastBefore < c, `the earlier calls' results before the callout: ${seen.join(' ')}`);
  });
});
