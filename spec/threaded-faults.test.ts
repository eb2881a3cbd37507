// Faults of threaded actors and threaded remote functions (issue 3 "Faults"; rules A6, A7, A8, G6, G12):
// a worker that dies (process.exit in a method, an uncaught exception outside a call, out of memory under
// resourceLimits, cancel(ref, { force: true }) of a busy loop) is detected once; every call in flight
// rejects with ActorDiedError (functions: WorkerCrashedError) whose cause says why; every open stream gets
// one error item and ends; nothing hangs. Restarts rebuild the actor with its constructor arguments, calls
// arriving meanwhile run in order after, calls in flight are retried when maxTaskRetries allows, a stream
// re-run never repeats an item index. kill() and shutdown() release actors and dedicated workers.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  ActorDiedError,
  TaskCancelledError,
  WorkerCrashedError,
  actorInfo,
  cancel,
  get,
  events,
  init,
  kill,
  shutdown,
  stats,
  type ActorHandle,
  type ActorStateEvent,
  type ObjectRefGenerator,
} from '../lib/index.js';
import { settle, within } from './helpers/actors-util.js';
import {
  BadStart,
  Fragile,
  FragileConcurrent,
  Hog,
  Lonely,
  Tally,
  drain,
  exists,
  fnAdd,
  fnCrashMidStream,
  fnCrashMidStreamSync,
  fnCrashOnce,
  fnExit,
  fnExitAsync,
  fnExitWhen,
  fnHang,
  fnHonour,
  fnItemsThenExit,
  fnItemsThenHang,
  fnSpin,
  fnThrowLater,
  fnWhere,
  range,
  scratch,
  touch,
  waitUntil,
  type Drained,
} from './helpers/threaded-actors.js';

beforeEach(() => init({ workers: 2 }));
afterEach(async () => {
  await shutdown();
  events.removeAllListeners('actor:state');
});

const T = { timeout: 30_000 };

async function rejectsWith<E>(p: PromiseLike<unknown>, cls: abstract new (...a: any[]) => E, what: string, ms = 10_000): Promise<E> {
  const r = await settle(within(p, what, ms));
  assert.equal(r.ok, false, `${what}: expected a rejection with ${cls.name}, got a value: ${JSON.stringify((r as { value?: unknown }).value)}`);
  const e = (r as { error: unknown }).error;
  assert.ok(e instanceof cls, `${what}: expected ${cls.name}, got ${String(e)}`);
  return e;
}

/** What the error's cause says (the reason the worker died). */
const why = (e: unknown): string => {
  const c = (e as { cause?: unknown }).cause;
  if (c instanceof Error) return `${c.name}: ${c.message}${c.cause instanceof Error ? ` / ${c.cause.name}: ${c.cause.message}` : ''}`;
  return String(c);
};

/** A stream that was cut by a system error (G6): some prefix of its items, exactly one error item of `cls`, then done for good. */
function assertCut(d: Drained<unknown>, cls: abstract new (...a: any[]) => unknown, what: string, items?: readonly unknown[]): void {
  if (items !== undefined) assert.deepEqual(d.values, items.slice(0, d.values.length), `${what}: items are a prefix, in order`);
  assert.equal(d.errors.length, 1, `${what}: exactly one error item, got ${d.errors.length}`);
  assert.ok(d.errors[0] instanceof cls, `${what}: the error item is ${cls.name}, got ${String(d.errors[0])}`);
  assert.equal(d.itemAfterError, false, `${what}: no item after the error item`);
  assert.equal(d.doneStays, true, `${what}: done, and done stays`);
}

/** Takes `k` items from a stream (values), leaving it open. */
async function take<T>(gen: ObjectRefGenerator<T, unknown>, k: number, what: string): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < k; i++) {
    const r = await within(gen.next(), `${what}: next() ${i}`);
    assert.equal(r.done, false, `${what}: item ${i} expected`);
    out.push(await within(r.value!, `${what}: item ${i}`));
  }
  return out;
}

/** The 'actor:state' transitions of one actor, as "from->to". */
function watchStates(h: ActorHandle<unknown>): string[] {
  const id = actorInfo(h).id;
  const seen: string[] = [];
  events.on('actor:state', (e: ActorStateEvent) => {
    if (e.actorId === id) seen.push(`${e.from}->${e.to}`);
  });
  return seen;
}

function connects(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}


// ---------------------------------------------------------------------------------------------------

describe('G6 process.exit inside a method', () => {
  for (const kind of ['sync', 'async'] as const) {
    test(`G6 issue3 process.exit in ${kind === 'sync' ? 'a sync' : 'an async'} method: it and every call in flight reject with ActorDiedError (cause: the exit code); a stream in flight gets one error item, then done`, T, async () => {
      const dir = scratch();
      const gate = join(dir, 'gate');
      const h = Fragile.remote('exit');
      assert.equal(await within(h.bump.remote(), 'bump'), 1);
      const x = kind === 'sync' ? h.exitWhen.remote(gate, 5) : h.exitWhenAsync.remote(gate, 5);
      const b = h.bump.remote();
      const s = h.items.remote(3);
      const c = h.bumpAsync.remote();
      touch(gate);
      for (const [p, what] of [[x, 'the exiting call'], [b, 'a sync call in flight'], [c, 'an async call in flight']] as const) {
        const e = await rejectsWith(p, ActorDiedError, what);
        assert.match(why(e), /code 5/, `${what}: the cause gives the exit code`);
      }
      const d = await within(drain(s), 'the stream in flight');
      assertCut(d, ActorDiedError, 'the stream in flight', [0, 1, 2]);
      assert.match(why(d.errors[0]), /code 5/);
      await waitUntil(() => actorInfo(h).state === 'dead', 'dead (maxRestarts 0)');
      await rejectsWith(h.bump.remote(), ActorDiedError, 'a later call');
    });
  }

  for (const kind of ['sync', 'async'] as const) {
    test(`G6 issue3 process.exit in ${kind === 'sync' ? 'a sync' : 'an async'} method while another call's stream is open mid-way: one error item, then done`, T, async () => {
      const h = FragileConcurrent.remote('mid');
      const s = h.itemsThenHang.remote(3);
      assert.deepEqual(await take(s, 3, 'open stream'), [0, 1, 2]);
      const hang = h.hang.remote();
      const x = kind === 'sync' ? h.exit.remote(6) : h.exitAsync.remote(6);
      await rejectsWith(x, ActorDiedError, 'the exiting call');
      const e = await rejectsWith(hang, ActorDiedError, 'a pending call in flight');
      assert.match(why(e), /code 6/);
      const d = await within(drain(s), 'the rest of the open stream');
      assertCut(d, ActorDiedError, 'the open stream', []);
      assert.deepEqual(d.values, []);
    });
  }

  for (const kind of ['sync', 'async'] as const) {
    test(`G6 issue3 ${kind === 'sync' ? 'a sync' : 'an async'} generator whose own worker exits under it: a prefix of its items, one ActorDiedError item, then done`, T, async () => {
      const h = Fragile.remote('self');
      const s = kind === 'sync' ? h.itemsThenExit.remote(3, 7) : h.itemsThenExitAsync.remote(3, 7);
      const d = await within(drain(s), 'the stream');
      assertCut(d, ActorDiedError, 'the stream', [0, 1, 2]);
      assert.match(why(d.errors[0]), /code 7/);
      if (kind === 'async') assert.deepEqual(d.values, [0, 1, 2], 'items produced before the exit (each a macrotask apart) reached the consumer');
    });
  }

  test('G6 issue3 process.exit in a threaded function: it and every call in flight on its worker reject with WorkerCrashedError; an open stream gets one error item', T, async () => {
    await shutdown();
    init({ workers: 1 });
    const dir = scratch();
    const gate = join(dir, 'gate');
    const s = fnItemsThenHang.remote(2);
    assert.deepEqual(await take(s, 2, 'open function stream'), [0, 1]);
    const hang = fnHang.remote();
    const x = fnExitWhen.remote(gate, 8);
    touch(gate);
    for (const [p, what] of [[x, 'the exiting call'], [hang, 'a call in flight on the same worker']] as const) {
      const e = await rejectsWith(p, WorkerCrashedError, what);
      assert.match(why(e), /code 8/, `${what}: the cause gives the exit code`);
    }
    assertCut(await within(drain(s), 'the open stream'), WorkerCrashedError, 'the open function stream', []);
    assert.equal(await within(fnAdd.remote(1, 1), 'a later call runs on a new worker'), 2);
  });

  test('G6 issue3 process.exit in sync and async threaded functions and in a threaded generator function', T, async () => {
    const e1 = await rejectsWith(fnExit.remote(9), WorkerCrashedError, 'fnExit');
    assert.match(why(e1), /code 9/);
    const e2 = await rejectsWith(fnExitAsync.remote(10), WorkerCrashedError, 'fnExitAsync');
    assert.match(why(e2), /code 10/);
    const d = await within(drain(fnItemsThenExit.remote(3, 11)), 'fnItemsThenExit');
    assertCut(d, WorkerCrashedError, 'fnItemsThenExit', [0, 1, 2]);
    assert.equal(await within(fnAdd.remote(2, 2), 'later'), 4);
  });
});

describe('G6 an uncaught exception outside a call', () => {
  test('G6 A7 issue3 an uncaught exception kills the worker once: calls and streams in flight get ActorDiedError whose cause is that error; one restart', T, async () => {
    const h = FragileConcurrent.options({ maxRestarts: 1 }).remote('late');
    const states = watchStates(h);
    assert.equal(await within(h.bump.remote(), 'bump'), 1);
    const later = h.throwLater.remote('late boom', 50);
    const hang = h.hang.remote();
    const s = h.itemsThenHang.remote(2);
    assert.equal(await within(later, 'throwLater returns first'), 'scheduled');
    const e = await rejectsWith(hang, ActorDiedError, 'a call in flight');
    const cause = e.cause as Error;
    assert.equal(cause.name, 'LateError');
    assert.equal(cause.message, 'late boom');
    assertCut(await within(drain(s), 'the open stream'), ActorDiedError, 'the open stream', [0, 1]);
    await waitUntil(() => actorInfo(h).state === 'open', 'restarted');
    assert.equal(await within(h.bump.remote(), 'after the restart'), 1, 'state lost');
    assert.equal(actorInfo(h).restarts, 1, 'the death was handled once, though both error and exit fired');
    assert.equal(states.filter((t) => t.endsWith('->restarting')).length, 1, `one restart: ${states.join(', ')}`);
  });

  test('G6 issue3 an uncaught exception in a threaded function\'s worker: a call in flight there rejects with WorkerCrashedError whose cause is that error', T, async () => {
    await shutdown();
    init({ workers: 1 });
    const later = fnThrowLater.remote('late fn boom', 50);
    const hang = fnHang.remote();
    assert.equal(await within(later, 'fnThrowLater returns first'), 'scheduled');
    const e = await rejectsWith(hang, WorkerCrashedError, 'a call in flight');
    assert.equal((e.cause as Error).name, 'LateError');
    assert.equal((e.cause as Error).message, 'late fn boom');
    assert.equal(await within(fnAdd.remote(3, 4), 'later'), 7);
  });
});

describe('G6 out of memory under resourceLimits', () => {
  test('G6 A7 issue3 out of memory on a dedicated worker with maxOldGenerationSizeMb: 16: calls in flight reject with ActorDiedError whose cause says out of memory; the actor restarts', T, async () => {
    const h = Hog.options({ maxRestarts: 1 }).remote('hog');
    assert.equal(await within(h.bump.remote(), 'bump'), 1);
    const x = h.hog.remote();
    const b = h.bump.remote();
    const s = h.items.remote(2);
    for (const [p, what] of [[x, 'the hog'], [b, 'a call in flight']] as const) {
      const e = await rejectsWith(p, ActorDiedError, what, 20_000);
      assert.match(why(e), /out of memory/i, `${what}: the cause says out of memory: ${why(e)}`);
    }
    assertCut(await within(drain(s), 'a stream in flight'), ActorDiedError, 'a stream in flight', [0, 1]);
    await waitUntil(() => actorInfo(h).state === 'open', 'restarted');
    assert.equal(await within(h.bump.remote(), 'after the restart'), 1);
    assert.equal(actorInfo(h).restarts, 1);
  });
});

describe('cancel(ref, { force: true })', () => {
  for (const kind of ['sync', 'async'] as const) {
    test(`issue3 cancel(ref, { force: true }) of ${kind === 'sync' ? 'a sync' : 'an async'} method stuck in a busy loop: the ref rejects with TaskCancelledError, its worker is ended, calls in flight reject with ActorDiedError, the actor restarts`, T, async () => {
      const dir = scratch();
      const started = join(dir, 'started');
      const h = Fragile.options({ maxRestarts: 1 }).remote('spin');
      const states = watchStates(h);
      assert.equal(await within(h.bump.remote(), 'bump'), 1);
      const r = kind === 'sync' ? h.spin.remote(started) : h.spinAsync.remote(started);
      const b = h.bump.remote();
      const s = h.items.remote(2);
      await waitUntil(() => exists(started), 'the busy loop started');
      cancel(r, { force: true });
      await rejectsWith(r, TaskCancelledError, 'the cancelled call');
      const e = await rejectsWith(b, ActorDiedError, 'a call in flight behind it');
      assert.match(why(e), /force/, `the cause says the worker was ended by cancel: ${why(e)}`);
      assertCut(await within(drain(s), 'a stream in flight'), ActorDiedError, 'a stream in flight', [0, 1]);
      await waitUntil(() => actorInfo(h).state === 'open', 'restarted');
      assert.equal(await within(h.bump.remote(), 'after the restart'), 1);
      assert.equal(actorInfo(h).restarts, 1);
      assert.ok(states.includes('open->restarting'), states.join(', '));
    });
  }

  test('G11 issue3 cancel(gen, { force: true }) of a threaded stream stuck in a busy loop: the items taken, one TaskCancelledError item, then done; the actor restarts', T, async () => {
    const dir = scratch();
    const started = join(dir, 'started');
    const h = Fragile.options({ maxRestarts: 1 }).remote('spin-stream');
    const gen = h.spinItems.remote(3, started);
    assert.deepEqual(await take(gen, 3, 'the stream'), [0, 1, 2]);
    const b = h.bump.remote();
    await waitUntil(() => exists(started), 'the busy loop started');
    cancel(gen, { force: true });
    assertCut(await within(drain(gen), 'the rest of the stream'), TaskCancelledError, 'the cancelled stream', []);
    await rejectsWith(b, ActorDiedError, 'a call in flight behind it');
    await waitUntil(() => actorInfo(h).state === 'open', 'restarted');
    assert.equal(await within(h.bump.remote(), 'after the restart'), 1);
    assert.equal(actorInfo(h).restarts, 1);
  });

  test('issue3 cancel(ref, { force: true }) aborts taskContext().signal first: a method that honours it within the grace period keeps its worker', T, async () => {
    const dir = scratch();
    const started = join(dir, 'started');
    const h = Fragile.options({ maxRestarts: 1 }).remote('honour');
    assert.equal(await within(h.bump.remote(), 'bump'), 1);
    const r = h.honour.remote(started);
    await waitUntil(() => exists(started), 'the method started');
    cancel(r, { force: true });
    await rejectsWith(r, TaskCancelledError, 'the cancelled call');
    assert.equal(await within(h.aborts.remote(), 'aborts'), 1, 'the method saw its signal abort and returned');
    assert.equal(await within(h.bump.remote(), 'bump after'), 2, 'same worker, same instance: state kept');
    assert.equal(actorInfo(h).restarts, 0);
  });

  test('issue3 cancel(ref, { force: true }) of a threaded function in a busy loop: TaskCancelledError; a call in flight on its worker gets WorkerCrashedError; later calls work', T, async () => {
    await shutdown();
    init({ workers: 1 });
    const dir = scratch();
    const started = join(dir, 'started');
    const r = fnSpin.remote(started);
    const hang = fnHang.remote();
    await waitUntil(() => exists(started), 'the busy loop started');
    cancel(r, { force: true });
    await rejectsWith(r, TaskCancelledError, 'the cancelled call');
    await rejectsWith(hang, WorkerCrashedError, 'a call in flight on the same worker');
    assert.equal(await within(fnAdd.remote(5, 5), 'later'), 10);
  });

  test('A3 placement: cheap threaded function calls may stay on the last worker, but a call is not placed behind a busy loop while another worker is free', T, async () => {
    await shutdown();
    init({ workers: 2 });
    const dir = scratch();
    const started = join(dir, 'started');
    await within(get([fnWhere.remote(), fnWhere.remote()]), 'both workers up');
    for (let i = 0; i < 50; i++) await within(fnAdd.remote(i, 1), 'cheap calls');
    const r = fnSpin.remote(started);
    await waitUntil(() => exists(started), 'the busy loop started');
    for (let i = 0; i < 10; i++) assert.equal(await within(fnAdd.remote(i, 1), `call ${i} beside the busy loop`, 5_000), i + 1);
    cancel(r, { force: true });
    await rejectsWith(r, TaskCancelledError, 'the cancelled call');
  });

  test('issue3 cancel(ref, { force: true }) of a threaded function that honours its signal keeps its worker', T, async () => {
    await shutdown();
    init({ workers: 1 });
    const dir = scratch();
    const started = join(dir, 'started');
    const done = join(dir, 'done');
    const before = (await within(fnWhere.remote(), 'where')).threadId;
    const r = fnHonour.remote(started, done);
    await waitUntil(() => exists(started), 'the function started');
    cancel(r, { force: true });
    await rejectsWith(r, TaskCancelledError, 'the cancelled call');
    await waitUntil(() => exists(done), 'the function saw its signal abort');
    assert.equal((await within(fnWhere.remote(), 'where after')).threadId, before, 'the same worker');
  });
});

describe('A7 restarts', () => {
  test('A7 issue3 a restarted threaded actor is rebuilt with its original constructor arguments, state lost; restarts counted; state passes through restarting', T, async () => {
    const h = Fragile.options({ maxRestarts: 2 }).remote('orig', { k: [1, 2] });
    const states = watchStates(h);
    assert.equal(await within(h.bump.remote(), 'bump'), 1);
    assert.equal(await within(h.bump.remote(), 'bump'), 2);
    const first = await within(h.state.remote(), 'state');
    await rejectsWith(h.exit.remote(3), ActorDiedError, 'exit');
    const again = await within(h.state.remote(), 'state after the restart');
    assert.equal(again.n, 0, 'state lost');
    assert.equal(again.label, 'orig');
    assert.deepEqual(again.extra, { k: [1, 2] }, 'the original constructor arguments');
    assert.notEqual(again.born, first.born, 'a new instance');
    assert.equal(actorInfo(h).restarts, 1);
    assert.equal(actorInfo(h).state, 'open');
    assert.deepEqual(states, ['starting->open', 'open->restarting', 'restarting->open']);
  });

  test('A7 issue3 calls that arrive while a threaded actor restarts wait, then run in order after', T, async () => {
    const dir = scratch();
    const file = join(dir, 'log');
    const h = Fragile.options({ maxRestarts: 1 }).remote('queue');
    await within(h.bump.remote(), 'bump');
    await rejectsWith(h.exit.remote(4), ActorDiedError, 'exit');
    // The death was handled before the rejection reached us; the rebuild needs a reply from a worker, which
    // cannot have arrived yet (no macrotask has run since).
    assert.equal(actorInfo(h).state, 'restarting');
    const queued = range(5).map((i) => h.record.remote(file, `q${i}`));
    const stream = h.items.remote(3);
    const bump = h.bump.remote();
    assert.deepEqual(await within(Promise.all(queued), 'the queued calls'), ['q0', 'q1', 'q2', 'q3', 'q4']);
    assert.deepEqual((await within(drain(stream), 'the queued stream')).values, [0, 1, 2]);
    assert.equal(await within(bump, 'the queued bump'), 1, 'on the new instance');
    assert.equal(readFileSync(file, 'utf8'), 'q0\nq1\nq2\nq3\nq4\n', 'they ran once each, in order');
  });

  test('A7 issue3 calls made from an actor:state listener as the threaded actor enters restarting wait, then run in order after', T, async () => {
    const dir = scratch();
    const file = join(dir, 'log');
    const h = Fragile.options({ maxRestarts: 1 }).remote('listener');
    await within(h.bump.remote(), 'bump');
    const queued: PromiseLike<string>[] = [];
    let stateSeen = '';
    events.on('actor:state', (e: ActorStateEvent) => {
      if (e.actorId !== actorInfo(h).id || e.to !== 'restarting' || queued.length > 0) return;
      stateSeen = actorInfo(h).state;
      for (let i = 0; i < 3; i++) queued.push(h.record.remote(file, `q${i}`));
    });
    await rejectsWith(h.exit.remote(4), ActorDiedError, 'exit');
    assert.equal(stateSeen, 'restarting');
    assert.deepEqual(await within(Promise.all(queued), 'the calls made while restarting'), ['q0', 'q1', 'q2']);
    assert.equal(readFileSync(file, 'utf8'), 'q0\nq1\nq2\n');
  });

  for (const kind of ['sync', 'async'] as const) {
    test(`A7 issue3 calls in flight when the worker died are retried after the restart when maxTaskRetries allows, else they reject (${kind} method)`, T, async () => {
      const dir = scratch();
      const file = join(dir, 'log');
      const h = Fragile.options({ maxRestarts: 1, maxTaskRetries: 1 }).remote('retry');
      await within(h.record.remote(file, 'before'), 'before');
      const crash = kind === 'sync' ? h.crashOnce.remote(join(dir, 'marker'), 3) : h.crashOnceAsync.remote(join(dir, 'marker'), 3);
      const after = h.record.remote(file, 'after');
      const noRetry = h.record.options({ maxTaskRetries: 0 }).remote(file, 'not retried');
      const last = h.record.remote(file, 'last');
      assert.deepEqual(await within(crash, 'the crashing call, retried'), { attempt: 1, n: 1 });
      assert.equal(await within(after, 'a call in flight, retried'), 'after');
      await rejectsWith(noRetry, ActorDiedError, 'a call in flight with maxTaskRetries: 0');
      assert.equal(await within(last, 'the last call'), 'last');
      assert.equal(readFileSync(file, 'utf8'), 'before\nafter\nlast\n', 'retried calls ran once, in submission order');
      assert.equal(actorInfo(h).restarts, 1);
    });
  }

  test('A7 issue3 without maxTaskRetries a call in flight when the worker died rejects with ActorDiedError', T, async () => {
    const dir = scratch();
    const h = Fragile.options({ maxRestarts: 1 }).remote('noretry');
    await rejectsWith(h.crashOnce.remote(join(dir, 'marker'), 3), ActorDiedError, 'crashOnce');
    assert.deepEqual(await within(h.crashOnce.remote(join(dir, 'marker'), 3), 'a new call'), { attempt: 0, n: 1 });
  });

  test('A7 issue3 after the last restart the threaded actor is dead: calls and streams reject with ActorDiedError', T, async () => {
    const h = Fragile.options({ maxRestarts: 2 }).remote('last');
    const states = watchStates(h);
    for (let i = 0; i < 3; i++) {
      await rejectsWith(h.exit.remote(2), ActorDiedError, `exit ${i}`);
      if (i < 2) assert.equal(await within(h.bump.remote(), `bump after restart ${i + 1}`), 1);
    }
    await waitUntil(() => actorInfo(h).state === 'dead', 'dead');
    assert.equal(actorInfo(h).restarts, 2);
    const e = await rejectsWith(h.bump.remote(), ActorDiedError, 'a call on the dead actor');
    assert.match(e.message, /Fragile/);
    assertCut(await within(drain(h.items.remote(2)), 'a stream on the dead actor'), ActorDiedError, 'a stream on the dead actor', []);
    assert.equal(states.filter((t) => t.endsWith('->restarting')).length, 2);
    assert.ok(states.at(-1)!.endsWith('->dead'));
  });

  test('A6 A7 issue3 a threaded constructor that throws: restarts up to maxRestarts, then calls reject with ActorDiedError whose cause is the constructor\'s error', T, async () => {
    const h = BadStart.remote('ctor says no');
    const e = await rejectsWith(h.ping.remote(), ActorDiedError, 'a call');
    const cause = e.cause as Error & { code?: string };
    assert.equal(cause.name, 'QuotaError');
    assert.equal(cause.message, 'ctor says no');
    assert.equal(cause.code, 'E_CTOR');
    assert.equal(actorInfo(h).state, 'dead');
    assert.equal(actorInfo(h).restarts, 3);
  });
});

describe('G12 stream retries after a crash', () => {
  test('G12 issue3 a threaded stream whose worker died is re-run on the restarted actor; no item index is seen twice (async generator)', T, async () => {
    const dir = scratch();
    const h = Fragile.options({ maxRestarts: 1, maxTaskRetries: 1 }).remote('g12');
    const gen = h.crashMidStream.remote(8, 3, dir);
    const d = await within(drain(gen, (v) => touch(join(dir, `ack-${v.i}`))), 'the retried stream');
    assert.deepEqual(d.errors, []);
    assert.deepEqual(d.values.map((v) => v.i), range(8), 'each index once, in order');
    assert.deepEqual(d.values.map((v) => v.attempt), [0, 0, 0, 1, 1, 1, 1, 1], 'items 0-2 from the first run (delivered before the crash), the rest from the re-run');
    assert.equal(await within(gen.completed(), 'completed'), 'run 1');
    assert.equal(actorInfo(h).restarts, 1);
  });

  test('G12 issue3 a threaded stream whose worker died is re-run on the restarted actor; no item index is seen twice (sync generator)', T, async () => {
    const dir = scratch();
    const h = Fragile.options({ maxRestarts: 1, maxTaskRetries: 1 }).remote('g12s');
    const gen = h.crashMidStreamSync.remote(8, 3, dir);
    const d = await within(drain(gen), 'the retried stream');
    assert.deepEqual(d.errors, []);
    assert.deepEqual(d.values.map((v) => v.i), range(8), 'each index once, in order');
    assert.ok(d.values.slice(3).every((v) => v.attempt === 1), 'items 3.. come from the re-run');
    assert.ok(exists(join(dir, 'crashed')), 'the first run did crash');
  });

  test('G12 issue3 a threaded generator function re-run after its worker died (maxRetries) never repeats an item index', T, async () => {
    const dir = scratch();
    const d = await within(drain(fnCrashMidStream.options({ maxRetries: 1 }).remote(6, 2, dir), (v) => touch(join(dir, `ack-${v}`))), 'async');
    assert.deepEqual(d.errors, []);
    assert.deepEqual(d.values, range(6));
    const dir2 = scratch();
    const d2 = await within(drain(fnCrashMidStreamSync.options({ maxRetries: 1 }).remote(6, 2, dir2)), 'sync');
    assert.deepEqual(d2.errors, []);
    assert.deepEqual(d2.values, range(6));
    assert.ok(exists(join(dir2, 'crashed')));
  });

  test('G12 issue3 a threaded function call whose worker died is retried with maxRetries, else WorkerCrashedError', T, async () => {
    const dir = scratch();
    await rejectsWith(fnCrashOnce.remote(join(dir, 'a'), 3), WorkerCrashedError, 'no retries');
    assert.deepEqual(await within(fnCrashOnce.options({ maxRetries: 1 }).remote(join(dir, 'b'), 3), 'retried'), { attempt: 1 });
  });

  test('G6 G12 if the re-run of a stream fails too, the consumer gets the items once, then one error item, then done', T, async () => {
    const h = Fragile.options({ maxRestarts: 2, maxTaskRetries: 1 }).remote('twice');
    const d = await within(drain(h.itemsThenExitAsync.remote(3, 5)), 'the stream');
    assertCut(d, ActorDiedError, 'the stream', [0, 1, 2]);
    assert.deepEqual(d.values, [0, 1, 2], 'no index twice');
    assert.equal(actorInfo(h).restarts, 2);
  });
});

describe('A8 kill() and shutdown() release threaded actors', () => {
  test('A8 issue3 kill(handle) of a threaded actor: calls in flight and later calls reject with ActorDiedError, an open stream ends with one error item; another actor on the same worker lives on', T, async () => {
    await shutdown();
    init({ workers: 1 });
    const other = Tally.remote();
    assert.equal(await within(other.add.remote(5), 'other'), 5);
    const h = FragileConcurrent.remote('killed');
    const s = h.itemsThenHang.remote(2);
    assert.deepEqual(await take(s, 2, 'open stream'), [0, 1]);
    const hang = h.hang.remote();
    const actorsBefore = stats().actors;
    const where = await within(h.state.remote(), 'state');
    kill(h);
    await rejectsWith(hang, ActorDiedError, 'a call in flight');
    assertCut(await within(drain(s), 'the open stream'), ActorDiedError, 'the open stream', []);
    await rejectsWith(h.bump.remote(), ActorDiedError, 'a later call');
    assert.equal(stats().actors, actorsBefore - 1, 'the actor is released');
    assert.equal(actorInfo(h).state, 'dead');
    const ow = await within(other.where.remote(), 'other where');
    assert.equal(ow.threadId, where.threadId, 'the other actor shared the worker');
    assert.equal(await within(other.add.remote(1), 'other after the kill'), 6, 'the shared worker and its other actor live on');
  });

  test('A8 issue3 kill(handle, { noRestart: false }) restarts a threaded actor that has restarts left', T, async () => {
    const h = Fragile.options({ maxRestarts: 1 }).remote('kill-restart');
    assert.equal(await within(h.bump.remote(), 'bump'), 1);
    kill(h, { noRestart: false });
    assert.equal(await within(h.bump.remote(), 'bump after'), 1, 'rebuilt: state lost');
    assert.equal(actorInfo(h).restarts, 1);
  });

  test('issue3 kill(handle) of a dedicated threaded actor ends its worker', T, async () => {
    const sock = join(scratch(), 'w.sock');
    const h = Lonely.remote();
    await within(h.listen.remote(sock), 'listen');
    assert.equal(await connects(sock), true, 'the dedicated worker is alive');
    kill(h);
    await waitUntil(async () => !(await connects(sock)), 'the dedicated worker ended');
  });

  test('A8 issue3 shutdown() rejects threaded calls and streams in flight, and ends the workers; a later threaded actor starts afresh', T, async () => {
    const sock = join(scratch(), 'w.sock');
    const lonely = Lonely.remote();
    await within(lonely.listen.remote(sock), 'listen');
    const h = FragileConcurrent.remote('shut');
    const s = h.itemsThenHang.remote(1);
    assert.deepEqual(await take(s, 1, 'open stream'), [0]);
    const hang = h.hang.remote();
    const fn = fnHang.remote();
    await shutdown();
    await rejectsWith(hang, ActorDiedError, 'an actor call in flight');
    assertCut(await within(drain(s), 'the open stream'), ActorDiedError, 'the open stream', []);
    const r = await settle(within(fn, 'a threaded function call in flight'));
    assert.equal(r.ok, false, 'a threaded function call in flight rejects');
    await waitUntil(async () => !(await connects(sock)), 'the dedicated worker ended');
    init({ workers: 2 });
    assert.equal(await within(Tally.remote(1).add.remote(1), 'a new actor'), 2);
  });
});
