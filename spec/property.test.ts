// Property test: random sequences of calls (several callers, sync and async actors), generator streams,
// cancels and kills, checked against a simple model. Every .remote() settles exactly once and only with an
// outcome the model allows; per-caller order holds on sync actors (A1); async actors start calls in
// submission order (A2); streams give their items in order and end exactly once (G3, G5, G6, G11);
// nothing hangs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Actor,
  ActorDiedError,
  ObjectRef,
  ObjectRefGenerator,
  TaskCancelledError,
  TaskError,
  actor,
  cancel,
  events,
  kill,
  shutdown,
  type ActorHandle,
  type TaskEndEvent,
} from '../lib/index.js';
import { settle, ticks, within } from './helpers/actors-util.js';

class Oops extends Error {
  override name = 'Oops';
}

/** What each actor incarnation did, recorded outside it so that it survives a kill. */
interface ActorLog {
  active: number;
  max: number;
  started: { caller: number; seq: number }[];
}
const logs = new Map<string, ActorLog>();

async function pause(n: number): Promise<void> {
  if (n === 0) await Promise.resolve();
  else await ticks(n);
}

class Worker extends Actor {
  readonly log: ActorLog;
  constructor(label: string) {
    super();
    this.log = { active: 0, max: 0, started: [] };
    logs.set(label, this.log);
  }
  #enter(caller: number, seq: number): void {
    this.log.started.push({ caller, seq });
    this.log.active++;
    this.log.max = Math.max(this.log.max, this.log.active);
  }
  async work(caller: number, seq: number, wait: number, fail: boolean): Promise<[number, number]> {
    this.#enter(caller, seq);
    try {
      await pause(wait);
      if (fail) throw new Oops(`${caller}:${seq}`);
      return [caller, seq];
    } finally {
      this.log.active--;
    }
  }
  quick(caller: number, seq: number, fail: boolean): [number, number] {
    this.#enter(caller, seq);
    this.log.active--;
    if (fail) throw new Oops(`${caller}:${seq}`);
    return [caller, seq];
  }
  *syncItems(n: number, failAt: number): Generator<number, number> {
    for (let i = 0; i < n; i++) {
      if (i === failAt) throw new Oops(`item ${i}`);
      yield i;
    }
    return n;
  }
  async *asyncItems(n: number, failAt: number, wait: number): AsyncGenerator<number, number> {
    for (let i = 0; i < n; i++) {
      await pause(wait);
      if (i === failAt) throw new Oops(`item ${i}`);
      yield i;
    }
    return n;
  }
}

@actor()
class SyncWorker extends Worker {}

@actor({ mode: 'async', maxConcurrency: 2 })
class AsyncWorker extends Worker {}

const SLOTS = 4; // slots 0 and 1 hold sync actors, 2 and 3 async ones
const isSyncSlot = (slot: number) => slot < 2;
const LIMIT = (slot: number) => (isSyncSlot(slot) ? 1 : 2);

type Command =
  | { kind: 'call'; caller: number; slot: number; quick: boolean; wait: number; fail: boolean }
  | { kind: 'stream'; caller: number; slot: number; sync: boolean; n: number; failAt: number; wait: number }
  | { kind: 'cancel'; pick: number }
  | { kind: 'kill'; slot: number; replace: boolean }
  | { kind: 'tick'; n: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      caller: fc.integer({ min: 0, max: 2 }),
      slot: fc.integer({ min: 0, max: SLOTS - 1 }),
      quick: fc.boolean(),
      wait: fc.integer({ min: 0, max: 3 }),
      fail: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('stream' as const),
      caller: fc.integer({ min: 0, max: 2 }),
      slot: fc.integer({ min: 0, max: SLOTS - 1 }),
      sync: fc.boolean(),
      n: fc.integer({ min: 0, max: 5 }),
      failAt: fc.integer({ min: 0, max: 8 }), // >= n: no failure
      wait: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill' as const), slot: fc.integer({ min: 0, max: SLOTS - 1 }), replace: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), n: fc.integer({ min: 0, max: 3 }) }) },
);

interface CallRecord {
  type: 'call';
  seq: number;
  caller: number;
  slot: number;
  label: string;
  fail: boolean;
  ref: ObjectRef<[number, number]>;
  cancelled: boolean;
  settlements: number;
  outcome?: { ok: true; value: [number, number] } | { ok: false; error: unknown };
}

interface StreamRecord {
  type: 'stream';
  seq: number;
  label: string;
  n: number;
  failAt: number;
  gen: ObjectRefGenerator<number, number>;
  cancelled: boolean;
  consumed: Promise<{ items: number[]; errors: unknown[]; afterEnd: boolean[] }>;
  completed: Promise<{ ok: true; value: number } | { ok: false; error: unknown }>;
}

/** Reads a stream to its end, then calls next() twice more: both must say done (G5). */
async function consume(gen: ObjectRefGenerator<number, number>): Promise<{ items: number[]; errors: unknown[]; afterEnd: boolean[] }> {
  const items: number[] = [];
  const errors: unknown[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) break;
    const s = await settle(r.value);
    if (s.ok) {
      if (errors.length > 0) items.push(-1000 - s.value); // an item after the error item: flagged below
      else items.push(s.value);
    } else errors.push(s.error);
  }
  const afterEnd = [(await gen.next()).done === true, (await gen.next()).done === true];
  return { items, errors, afterEnd };
}

/** How often each outcome was seen over all runs: the property must exercise every kind it checks. */
const seen: Record<string, number> = {};
const saw = (kind: string) => (seen[kind] = (seen[kind] ?? 0) + 1);

const taskEnds = new Map<number, number>();
const onTaskEnd = (e: TaskEndEvent) => taskEnds.set(e.taskId, (taskEnds.get(e.taskId) ?? 0) + 1);

events.on('task:end', onTaskEnd);
after(async () => {
  events.off('task:end', onTaskEnd);
  await shutdown();
});

async function runCommands(commands: Command[]): Promise<void> {
  await shutdown();
  logs.clear();
  taskEnds.clear();
  let incarnation = 0;
  const handles: ActorHandle<Worker>[] = [];
  const labels: string[] = [];
  const killed = new Set<string>();
  const spawn = (slot: number) => {
    const label = `slot${slot}.${incarnation++}`;
    handles[slot] = (isSyncSlot(slot) ? SyncWorker.remote(label) : AsyncWorker.remote(label)) as ActorHandle<Worker>;
    labels[slot] = label;
  };
  for (let s = 0; s < SLOTS; s++) spawn(s);

  let seq = 0;
  const outputs: (CallRecord | StreamRecord)[] = [];
  const okOrder: CallRecord[] = [];

  for (const c of commands) {
    switch (c.kind) {
      case 'call': {
        const h = handles[c.slot]!;
        const s = seq++;
        const ref = c.quick ? h.quick.remote(c.caller, s, c.fail) : h.work.remote(c.caller, s, c.wait, c.fail);
        const rec: CallRecord = { type: 'call', seq: s, caller: c.caller, slot: c.slot, label: labels[c.slot]!, fail: c.fail, ref, cancelled: false, settlements: 0 };
        ref.then(
          (value) => {
            rec.settlements++;
            rec.outcome = { ok: true, value };
            okOrder.push(rec);
          },
          (error: unknown) => {
            rec.settlements++;
            rec.outcome = { ok: false, error };
          },
        );
        outputs.push(rec);
        break;
      }
      case 'stream': {
        const h = handles[c.slot]!;
        const gen = c.sync ? h.syncItems.remote(c.n, c.failAt) : h.asyncItems.remote(c.n, c.failAt, c.wait);
        const rec: StreamRecord = {
          type: 'stream',
          seq: seq++,
          label: labels[c.slot]!,
          n: c.n,
          failAt: c.failAt,
          gen,
          cancelled: false,
          consumed: consume(gen),
          completed: settle(gen.completed()),
        };
        outputs.push(rec);
        break;
      }
      case 'cancel': {
        if (outputs.length === 0) break;
        const target = outputs[c.pick % outputs.length]!;
        target.cancelled = true;
        cancel(target.type === 'call' ? target.ref : target.gen);
        break;
      }
      case 'kill': {
        kill(handles[c.slot]!);
        killed.add(labels[c.slot]!);
        if (c.replace) spawn(c.slot);
        break;
      }
      case 'tick':
        await ticks(c.n);
        break;
    }
  }

  // Nothing hangs: every call and stream settles, within a bound generous enough for a noisy machine.
  const calls = outputs.filter((o): o is CallRecord => o.type === 'call');
  const streams = outputs.filter((o): o is StreamRecord => o.type === 'stream');
  await within(
    Promise.all([...calls.map((c) => settle(c.ref)), ...streams.map((s) => s.consumed), ...streams.map((s) => s.completed)]),
    `settling ${calls.length} calls and ${streams.length} streams`,
    2000,
  );
  await ticks(2); // let the late then-callbacks of this run land, should any settle twice

  // Calls: exactly one settlement, with an outcome the model allows.
  for (const c of calls) {
    const what = `call #${c.seq} (caller ${c.caller}, ${c.label}${c.fail ? ', failing' : ''}${c.cancelled ? ', cancelled' : ''}${killed.has(c.label) ? ', killed' : ''})`;
    assert.equal(c.settlements, 1, `${what} settled ${c.settlements} times`);
    const o = c.outcome!;
    saw(o.ok ? 'call ok' : `call ${(o.error as Error).name}`);
    if (o.ok) {
      assert.equal(c.fail, false, `${what} succeeded though its method throws`);
      assert.deepEqual(o.value, [c.caller, c.seq], `${what}: wrong value`);
    } else if (o.error instanceof TaskError) {
      assert.equal(c.fail, true, `${what}: TaskError from a method that does not throw`);
      assert.ok(o.error.cause instanceof Oops && o.error.cause.message === `${c.caller}:${c.seq}`, `${what}: wrong cause`);
    } else if (o.error instanceof TaskCancelledError) {
      assert.ok(c.cancelled, `${what}: TaskCancelledError without cancel()`);
    } else if (o.error instanceof ActorDiedError) {
      assert.ok(killed.has(c.label), `${what}: ActorDiedError from an actor never killed`);
    } else {
      assert.fail(`${what}: unexpected outcome ${String(o.error)}`);
    }
  }

  // A1: on a sync actor one call runs at a time, and each caller's calls start, and succeed, in submission order.
  // A2: an async actor starts calls in submission order, at most maxConcurrency at once.
  for (const [label, log] of logs) {
    const slot = Number(label.slice(4, label.indexOf('.')));
    assert.ok(log.max <= LIMIT(slot), `${label}: ${log.max} calls ran at once (limit ${LIMIT(slot)})`);
    const seqs = (xs: { seq: number }[]) => xs.map((x) => x.seq);
    const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);
    if (isSyncSlot(slot)) {
      for (let caller = 0; caller < 3; caller++) {
        const started = seqs(log.started.filter((x) => x.caller === caller));
        assert.ok(increasing(started), `${label}, caller ${caller}: calls started out of order: ${started.join(',')}`);
        const succeeded = seqs(okOrder.filter((r) => r.label === label && r.caller === caller));
        assert.ok(increasing(succeeded), `${label}, caller ${caller}: results arrived out of order: ${succeeded.join(',')}`);
      }
    } else {
      const started = seqs(log.started);
      assert.ok(increasing(started), `${label}: async actor started calls out of order: ${started.join(',')}`);
    }
  }

  // Streams: items 0..m-1 in order, at most one error item, at the end; done stays done; completed() agrees.
  for (const s of streams) {
    const what = `stream #${s.seq} (${s.label}, n=${s.n}, failAt=${s.failAt}${s.cancelled ? ', cancelled' : ''}${killed.has(s.label) ? ', killed' : ''})`;
    const { items, errors, afterEnd } = await s.consumed;
    const completed = await s.completed;
    const natural = Math.min(s.n, s.failAt);
    saw(errors.length === 0 ? 'stream ok' : `stream ${(errors[0] as Error).name}`);
    if (items.length > 0 && errors.length > 0) saw('stream items then error');
    assert.deepEqual(items, Array.from({ length: items.length }, (_, i) => i), `${what}: items out of order or after the error: ${items.join(',')}`);
    assert.ok(items.length <= natural, `${what}: ${items.length} items, more than the ${natural} the generator yields`);
    assert.ok(errors.length <= 1, `${what}: ${errors.length} error items`);
    assert.deepEqual(afterEnd, [true, true], `${what}: next() after done did not stay done`);
    if (errors.length === 0) {
      assert.equal(items.length, s.n, `${what}: ended early without an error item`);
      assert.ok(s.failAt >= s.n, `${what}: the generator throws, yet no error item`);
      assert.deepEqual(completed, { ok: true, value: s.n }, `${what}: completed() should resolve with the return value`);
    } else {
      const e = errors[0];
      if (e instanceof TaskError) {
        assert.ok(s.failAt < s.n && items.length === s.failAt, `${what}: unexpected TaskError after ${items.length} items`);
        assert.ok(e.cause instanceof Oops && e.cause.message === `item ${s.failAt}`, `${what}: wrong cause`);
      } else if (e instanceof TaskCancelledError) {
        assert.ok(s.cancelled, `${what}: TaskCancelledError without cancel()`);
      } else if (e instanceof ActorDiedError) {
        assert.ok(killed.has(s.label), `${what}: ActorDiedError from an actor never killed`);
      } else {
        assert.fail(`${what}: unexpected error item ${String(e)}`);
      }
      assert.equal(completed.ok, false, `${what}: completed() resolved though the stream failed`);
      assert.ok(!completed.ok && Object.getPrototypeOf(completed.error) === Object.getPrototypeOf(e), `${what}: completed() rejected with another error`);
    }
  }

  // The runtime ends each task once.
  for (const [taskId, n] of taskEnds) assert.equal(n, 1, `task ${taskId} ended ${n} times`);
  await shutdown();
}

test('A1 A2 G3 G5 G6 G11 random calls, streams, cancels and kills: each .remote() settles exactly once, in order, and nothing hangs', async () => {
  await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40, size: 'max' }), runCommands), { numRuns: 80 });
  for (const kind of ['call ok', 'call TaskError', 'call TaskCancelledError', 'call ActorDiedError', 'stream ok', 'stream TaskError', 'stream TaskCancelledError', 'stream ActorDiedError', 'stream items then error']) {
    assert.ok((seen[kind] ?? 0) > 0, `the random runs never produced '${kind}': ${JSON.stringify(seen)}`);
  }
});

test('A1 G3 G5 a fixed scenario through the same model: failing, cancelled and killed calls and streams', async () => {
  await runCommands([
    { kind: 'call', caller: 0, slot: 0, quick: false, wait: 2, fail: false },
    { kind: 'call', caller: 1, slot: 0, quick: true, wait: 0, fail: true },
    { kind: 'stream', caller: 2, slot: 0, sync: false, n: 4, failAt: 2, wait: 1 },
    { kind: 'call', caller: 0, slot: 0, quick: false, wait: 1, fail: false },
    { kind: 'cancel', pick: 3 },
    { kind: 'stream', caller: 0, slot: 2, sync: true, n: 5, failAt: 9, wait: 0 },
    { kind: 'call', caller: 1, slot: 2, quick: false, wait: 3, fail: false },
    { kind: 'call', caller: 2, slot: 2, quick: false, wait: 3, fail: false },
    { kind: 'call', caller: 0, slot: 2, quick: false, wait: 3, fail: false },
    { kind: 'stream', caller: 1, slot: 1, sync: false, n: 5, failAt: 9, wait: 2 },
    { kind: 'tick', n: 2 },
    { kind: 'kill', slot: 1, replace: true },
    { kind: 'call', caller: 1, slot: 1, quick: true, wait: 0, fail: false },
    { kind: 'kill', slot: 3, replace: false },
    { kind: 'call', caller: 2, slot: 3, quick: true, wait: 0, fail: false },
  ]);
});
