// Actor semantics (A1, A2, A4, A5, A6, A8, A9, A11), retries, taskContext(), cancel, events, actorInfo,
// shutdown/init, defineActor and option validation. Timing is checked by order and counts only.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Actor,
  ActorDiedError,
  ActorNotFoundError,
  TaskCancelledError,
  TaskError,
  TroupeError,
  actor,
  actorInfo,
  cancel,
  defineActor,
  events,
  get,
  getActor,
  init,
  kill,
  method,
  put,
  shutdown,
  taskContext,
  type ActorStateEvent,
  type TaskEndEvent,
  type TaskStartEvent,
} from '../lib/index.js';
import { Counter } from '../actors/index.js';
import { gate, open, openAllGates, settle, ticks, uniqueName, until, within } from './helpers/actors-util.js';

// ---- gates and probes: how a test holds a method at an await point and watches what runs ----


interface Probe {
  active: number;
  max: number;
  started: string[];
  ended: string[];
}
const probes = new Map<string, Probe>();
function probe(name: string): Probe {
  let p = probes.get(name);
  if (p === undefined) probes.set(name, (p = { active: 0, max: 0, started: [], ended: [] }));
  return p;
}
let probeSeq = 0;
const newProbe = (prefix: string) => `${prefix}#${++probeSeq}`;

/** Runs `body` as one observed call: counts how many run at once under `name`. */
async function observed<T>(name: string, label: string, body: () => Promise<T> | T): Promise<T> {
  const p = probe(name);
  p.started.push(label);
  p.active++;
  p.max = Math.max(p.max, p.active);
  try {
    return await body();
  } finally {
    p.active--;
    p.ended.push(label);
  }
}

afterEach(async () => {
  await shutdown();
  openAllGates();
});

async function rejectsWith<E>(p: PromiseLike<unknown>, cls: abstract new (...a: any[]) => E, what: string): Promise<E> {
  const r = await settle(within(p, what));
  assert.equal(r.ok, false, `${what}: expected a rejection with ${cls.name}, got a value`);
  const e = (r as { error: unknown }).error;
  assert.ok(e instanceof cls, `${what}: expected ${cls.name}, got ${String(e)}`);
  return e;
}

// ---- actors used below ----

@actor()
class Serial extends Actor {
  log: string[] = [];
  constructor(readonly probeName: string) {
    super();
  }
  async work(caller: string, seq: number, pause: number): Promise<string> {
    return observed(this.probeName, `${caller}:${seq}`, async () => {
      this.log.push(`${caller}:${seq}`);
      await ticks(pause);
      return `${caller}:${seq}`;
    });
  }
  async hold(key: string): Promise<string> {
    this.log.push(`hold:start`);
    await gate(key).promise;
    this.log.push(`hold:end`);
    return 'held';
  }
  mark(tag: string): string[] {
    this.log.push(tag);
    return [...this.log];
  }
  fail(message: string): never {
    throw new Error(message);
  }
  async *items(key: string): AsyncGenerator<number, void> {
    for (let i = 0; ; i++) {
      if (i === 2) await gate(key).promise;
      yield i;
    }
  }
}

@actor({ mode: 'async', maxConcurrency: 3 })
class Pool extends Actor {
  constructor(readonly probeName: string) {
    super();
  }
  async job(i: number, key: string): Promise<number> {
    return observed(this.probeName, `${i}`, async () => {
      await gate(key).promise;
      return i;
    });
  }
  async waitFor(key: string): Promise<string> {
    await gate(key).promise;
    return 'woken';
  }
  openGate(key: string): string {
    open(key);
    return 'opened';
  }
  async *items(key: string): AsyncGenerator<number, void> {
    for (let i = 0; ; i++) {
      if (i === 2) await gate(key).promise;
      yield i;
    }
  }
}

@actor({ mode: 'async' })
class Wide extends Actor {
  constructor(readonly probeName: string) {
    super();
  }
  async job(i: number, key: string): Promise<number> {
    return observed(this.probeName, `${i}`, async () => {
      await gate(key).promise;
      return i;
    });
  }
}

@actor({ mode: 'async', maxConcurrency: 4, concurrencyGroups: { io: 2, cpu: 1 } })
class Grouped extends Actor {
  constructor(readonly probeName: string) {
    super();
  }
  @method({ concurrencyGroup: 'io' })
  async fetch(i: number, key: string): Promise<string> {
    return observed(`${this.probeName}/io`, `fetch${i}`, async () => {
      await gate(key).promise;
      return `fetch${i}`;
    });
  }
  /** Runs in whatever group the call says; `tag` names the probe it counts under. */
  async work(tag: string, i: number, key: string): Promise<string> {
    return observed(`${this.probeName}/${tag}`, `work${i}`, async () => {
      await gate(key).promise;
      return `work${i}`;
    });
  }
  quick(): string {
    return 'quick';
  }
}

// ---- A1 ----

describe('A1 sync actors', () => {
  test('A1 sync actor runs one call at a time and each caller\'s calls in submission order', async () => {
    const pn = newProbe('serial');
    const h = Serial.remote(pn);
    const callers = ['a', 'b', 'c'];
    const submitted: Record<string, string[]> = { a: [], b: [], c: [] };
    const refs = [];
    for (let seq = 0; seq < 12; seq++) {
      for (const caller of callers) {
        if ((seq + caller.charCodeAt(0)) % 4 === 0) continue; // callers submit at different rates
        submitted[caller]!.push(`${caller}:${seq}`);
        refs.push(h.work.remote(caller, seq, seq % 3));
      }
    }
    const resolvedOrder: string[] = [];
    await within(Promise.all(refs.map((r) => r.then((v) => resolvedOrder.push(v)))), 'all calls');
    const p = probe(pn);
    assert.equal(p.max, 1, 'more than one call ran at once on a sync actor');
    for (const caller of callers) {
      const mine = (xs: string[]) => xs.filter((x) => x.startsWith(`${caller}:`));
      assert.deepEqual(mine(p.started), submitted[caller], `caller ${caller}: start order`);
      assert.deepEqual(mine(resolvedOrder), submitted[caller], `caller ${caller}: results order`);
    }
  });

  test('A1 an async method holds a sync actor until its promise settles', async () => {
    const h = Serial.remote(newProbe('serial'));
    const held = h.hold.remote('a1-hold');
    let marked = false;
    const mark = h.mark.remote('after');
    void mark.then(() => (marked = true));
    await ticks(10);
    assert.equal(marked, false, 'a sync call ran while an async method was still pending');
    assert.equal(actorInfo(h).running, 1);
    assert.equal(actorInfo(h).queued, 1);
    open('a1-hold');
    assert.equal(await within(held, 'hold'), 'held');
    assert.deepEqual(await within(mark, 'mark'), ['hold:start', 'hold:end', 'after']);
  });
});

// ---- A2 ----

describe('A2 async actors', () => {
  test('A2 async actor starts calls in submission order, at most maxConcurrency at once', async () => {
    const pn = newProbe('pool');
    const h = Pool.remote(pn);
    const refs = Array.from({ length: 10 }, (_, i) => h.job.remote(i, `a2-${i}`));
    const p = probe(pn);
    await until(() => p.started.length === 3, 'three calls started');
    await ticks(10);
    assert.equal(p.started.length, 3, 'more than maxConcurrency calls started');
    assert.equal(actorInfo(h).running, 3);
    assert.equal(actorInfo(h).queued, 7);
    // Finish them one by one: each freed slot goes to the next queued call, in submission order.
    for (let i = 0; i < 10; i++) {
      open(`a2-${i}`);
      await until(() => p.ended.length === i + 1, `call ${i} ended`);
    }
    assert.deepEqual(await within(get(refs), 'all jobs'), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(p.started, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(p.max, 3);
  });

  test('A2 async actor calls interleave at await points', async () => {
    const h = Pool.remote(newProbe('pool'));
    // waitFor awaits a gate that only the later openGate call opens: both finish only if they interleave.
    const waiting = h.waitFor.remote('a2-interleave');
    const opening = h.openGate.remote('a2-interleave');
    assert.deepEqual(await within(get([waiting, opening]), 'interleaved calls'), ['woken', 'opened']);
    // Later calls are answered while earlier ones are still at an await point.
    const blocked = h.job.remote(0, 'a2-blocked');
    let blockedDone = false;
    void blocked.then(() => (blockedDone = true));
    assert.equal(await within(h.openGate.remote('unused'), 'call past a blocked one'), 'opened');
    assert.equal(blockedDone, false);
    open('a2-blocked');
    assert.equal(await within(blocked, 'blocked job'), 0);
  });

  test('A2 an async actor runs up to 1000 calls at once by default', async () => {
    const pn = newProbe('wide');
    const h = Wide.remote(pn);
    const refs = Array.from({ length: 1003 }, (_, i) => h.job.remote(i, 'a2-wide'));
    const p = probe(pn);
    await until(() => p.started.length >= 1000, '1000 calls started');
    await ticks(10);
    assert.equal(p.started.length, 1000);
    open('a2-wide');
    const values = await within(get(refs), 'all wide calls');
    assert.equal(values.length, 1003);
    assert.equal(p.max, 1000);
  });
});

// ---- A4 ----

describe('A4 concurrency groups', () => {
  test('A4 a group limits its calls, joined by @method or per call with .options({ concurrencyGroup })', async () => {
    const pn = newProbe('grouped');
    const h = Grouped.remote(pn);
    const io = probe(`${pn}/io`);
    const fetches = [0, 1, 2].map((i) => h.fetch.remote(i, `a4-f${i}`));
    const perCall = h.work.options({ concurrencyGroup: 'io' }).remote('io', 9, 'a4-w9');
    await until(() => io.started.length === 2, 'two io calls started');
    await ticks(10);
    assert.deepEqual(io.started, ['fetch0', 'fetch1'], 'the io group (limit 2) ran more than 2 calls');
    open('a4-f0');
    await until(() => io.started.length === 3, 'third io call');
    open('a4-f1');
    await until(() => io.started.length === 4, 'fourth io call');
    assert.deepEqual(io.started, ['fetch0', 'fetch1', 'fetch2', 'work9'], 'per-call group joins the io queue in order');
    open('a4-f2');
    open('a4-w9');
    assert.deepEqual(await within(get([...fetches, perCall]), 'io calls'), ['fetch0', 'fetch1', 'fetch2', 'work9']);
    assert.equal(io.max, 2);
  });

  test('A4 a blocked group blocks neither another group nor the default group', async () => {
    const pn = newProbe('grouped');
    const h = Grouped.remote(pn);
    // io full (2 running, 1 queued)
    const ioCalls = [0, 1, 2].map((i) => h.fetch.remote(i, 'a4-io'));
    await until(() => probe(`${pn}/io`).started.length === 2, 'io full');
    assert.equal(await within(h.quick.remote(), 'default-group call while io is blocked'), 'quick');
    const cpu = h.work.options({ concurrencyGroup: 'cpu' }).remote('cpu', 1, 'a4-cpu');
    await until(() => probe(`${pn}/cpu`).started.length === 1, 'cpu call started while io is blocked');
    open('a4-cpu');
    assert.equal(await within(cpu, 'cpu call'), 'work1');
    // default group full (limit 4): io and cpu still run
    const defaults = [0, 1, 2, 3, 4].map((i) => h.work.remote('default', i, 'a4-default'));
    await until(() => probe(`${pn}/default`).started.length === 4, 'default group full');
    open('a4-io');
    assert.deepEqual(await within(get(ioCalls), 'io calls while the default group is blocked'), ['fetch0', 'fetch1', 'fetch2']);
    const cpu2 = h.work.options({ concurrencyGroup: 'cpu' }).remote('cpu', 2, 'a4-cpu');
    assert.equal(await within(cpu2, 'cpu call while the default group is blocked'), 'work2');
    assert.equal(probe(`${pn}/default`).started.length, 4);
    open('a4-default');
    assert.equal((await within(get(defaults), 'default calls')).length, 5);
  });

  test('A4 an undeclared concurrency group is a TypeError naming it', async () => {
    const h = Grouped.remote(newProbe('grouped'));
    assert.throws(() => h.work.options({ concurrencyGroup: 'gpu' }), (e: unknown) => e instanceof TypeError && /gpu/.test(e.message));
    @actor({ mode: 'async', concurrencyGroups: { io: 1 } })
    class BadGroup extends Actor {
      @method({ concurrencyGroup: 'disk' })
      read(): number {
        return 1;
      }
    }
    assert.throws(() => BadGroup.remote(), (e: unknown) => e instanceof TypeError && /disk/.test(e.message));
    const c = Counter.remote();
    assert.throws(() => c.incr.options({ concurrencyGroup: 'io' }), (e: unknown) => e instanceof TypeError && /'io'/.test(e.message));
  });
});

// ---- A5, A6 ----

class Oops extends Error {
  override name = 'Oops';
}

@actor()
class Faulty extends Actor {
  n = 0;
  incr(): number {
    return ++this.n;
  }
  boom(message: string): number {
    throw new Oops(message);
  }
  async asyncBoom(message: string): Promise<number> {
    await ticks(1);
    throw new Oops(message);
  }
  throwString(): number {
    throw 'just a string';
  }
}

describe('A5 application errors', () => {
  test('A5 an application error rejects with TaskError whose cause is the thrown error; the actor lives on', async () => {
    const h = Faulty.remote();
    assert.equal(await h.incr.remote(), 1);
    const e1 = await rejectsWith(h.boom.remote('sync fail'), TaskError, 'boom');
    assert.ok(e1.cause instanceof Oops);
    assert.equal((e1.cause as Oops).message, 'sync fail');
    assert.equal(e1.method, 'boom');
    assert.equal(e1.actorId, actorInfo(h).id);
    const e2 = await rejectsWith(h.asyncBoom.remote('async fail'), TaskError, 'asyncBoom');
    assert.ok(e2.cause instanceof Oops);
    assert.equal((e2.cause as Oops).message, 'async fail');
    const e3 = await rejectsWith(h.throwString.remote(), TaskError, 'throwString');
    assert.equal(e3.cause, 'just a string');
    assert.ok(e3 instanceof TroupeError);
    // the actor lives on, its state intact
    assert.equal(await within(h.incr.remote(), 'incr after errors'), 2);
    assert.equal(actorInfo(h).state, 'open');
  });
});

class BadInit extends Error {
  override name = 'BadInit';
}
let ctorFailsRuns = 0;
@actor()
class CtorFails extends Actor {
  constructor(message: string) {
    super();
    ctorFailsRuns++;
    throw new BadInit(message);
  }
  ping(): number {
    return 1;
  }
  *stream(): Generator<number, void> {
    yield 1;
  }
}

describe('A6 constructor errors', () => {
  test('A6 constructor throws: every call rejects with ActorDiedError whose cause is the constructor\'s error', async () => {
    const runsBefore = ctorFailsRuns;
    const h = CtorFails.remote('no database');
    const early = h.ping.remote(); // submitted before the constructor ran
    const e1 = await rejectsWith(early, ActorDiedError, 'call submitted before construction');
    assert.ok(e1.cause instanceof BadInit);
    assert.equal((e1.cause as BadInit).message, 'no database');
    assert.equal(e1.actorId, actorInfo(h).id);
    assert.equal(actorInfo(h).state, 'dead');
    const e2 = await rejectsWith(h.ping.remote(), ActorDiedError, 'call after death');
    assert.ok(e2.cause instanceof BadInit);
    // a stream on the dead actor: one error item, then done
    const gen = h.stream.remote();
    const first = await within(gen.next(), 'stream next');
    assert.equal(first.done, false);
    const e3 = await rejectsWith(first.value!, ActorDiedError, 'stream item');
    assert.ok(e3.cause instanceof BadInit);
    assert.equal((await within(gen.next(), 'stream end')).done, true);
    assert.equal(ctorFailsRuns - runsBefore, 1, 'the constructor ran more than once without maxRestarts');
  });
});

// ---- A8 ----

let restartableCtorArgs: number[] = [];
@actor({ maxRestarts: 1 })
class Restartable extends Actor {
  n: number;
  constructor(start: number) {
    super();
    restartableCtorArgs.push(start);
    this.n = start;
  }
  incr(): number {
    return ++this.n;
  }
  async hold(key: string): Promise<number> {
    await gate(key).promise;
    return this.n;
  }
  async heldOnce(key: string): Promise<number> {
    const { attempt } = taskContext();
    if (attempt === 0) await gate(key).promise;
    return attempt;
  }
}

describe('A8 kill', () => {
  test('A8 kill: running, queued and later calls reject with ActorDiedError', async () => {
    const h = Serial.remote(newProbe('serial'));
    const running = h.hold.remote('a8-never');
    const queued1 = h.mark.remote('q1');
    const queued2 = h.mark.remote('q2');
    await until(() => actorInfo(h).running === 1, 'hold running');
    kill(h);
    for (const [ref, what] of [[running, 'running'], [queued1, 'queued 1'], [queued2, 'queued 2']] as const) {
      const e = await rejectsWith(ref, ActorDiedError, `${what} call`);
      assert.equal(e.actorId, actorInfo(h).id);
    }
    await rejectsWith(h.mark.remote('later'), ActorDiedError, 'later call');
    assert.equal(actorInfo(h).state, 'dead');
    // the killed call's code finishing later changes nothing
    open('a8-never');
    await ticks(5);
    await rejectsWith(running, ActorDiedError, 'running call after its code finished');
  });

  for (const [label, make] of [
    ['sync', () => Serial.remote(newProbe('serial'))],
    ['async', () => Pool.remote(newProbe('pool'))],
  ] as const) {
    test(`A8 G6 kill ends an open stream with one ActorDiedError item (${label} actor)`, async () => {
      const h = make();
      const gen = h.items.remote(`a8-stream-${label}`);
      const got: number[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await within(gen.next(), 'item');
        assert.equal(r.done, false);
        got.push(await r.value!);
      }
      assert.deepEqual(got, [0, 1]);
      kill(h);
      const r = await within(gen.next(), 'item after kill');
      assert.equal(r.done, false, 'the stream ended without an error item');
      await rejectsWith(r.value!, ActorDiedError, 'error item');
      assert.equal((await within(gen.next(), 'end')).done, true);
      assert.equal((await within(gen.next(), 'end again')).done, true);
      await rejectsWith(gen.completed(), ActorDiedError, 'completed()');
    });
  }

  test('A8 A9 kill frees a named actor\'s name', async () => {
    const name = uniqueName('killed');
    const h = Counter.options({ name }).remote(100);
    assert.equal(await getActor<Counter>(name).incr.remote(), 101);
    kill(h);
    assert.throws(() => getActor(name), (e: unknown) => e instanceof ActorNotFoundError && e.message.includes(name));
    const h2 = Counter.options({ name }).remote(7);
    assert.equal(await within(getActor<Counter>(name).incr.remote(), 'new actor under the freed name'), 8);
    assert.equal(await h2.get.remote(), 8);
  });

  test('A8 kill(h, { noRestart: false }) restarts: constructor runs again with the original args, state is lost, calls in flight reject', async () => {
    restartableCtorArgs = [];
    const h = Restartable.remote(10);
    assert.equal(await h.incr.remote(), 11);
    assert.equal(await h.incr.remote(), 12);
    const inFlight = h.hold.remote('a8-restart-never');
    await until(() => actorInfo(h).running === 1, 'hold running');
    kill(h, { noRestart: false });
    assert.equal(actorInfo(h).state, 'restarting');
    const e = await rejectsWith(inFlight, ActorDiedError, 'call in flight during restart');
    assert.equal(e.actorId, actorInfo(h).id);
    assert.equal(await within(h.incr.remote(), 'call after restart'), 11, 'state was not lost on restart');
    assert.deepEqual(restartableCtorArgs, [10, 10]);
    const info = actorInfo(h);
    assert.equal(info.restarts, 1);
    assert.equal(info.state, 'open');
    // out of restarts: the next kill is final even with noRestart: false
    kill(h, { noRestart: false });
    assert.equal(actorInfo(h).state, 'dead');
    await rejectsWith(h.incr.remote(), ActorDiedError, 'call after the last restart');
    assert.deepEqual(restartableCtorArgs, [10, 10]);
  });

  test('A8 kill(h) without noRestart: false kills a restartable actor for good', async () => {
    restartableCtorArgs = [];
    const h = Restartable.remote(1);
    assert.equal(await h.incr.remote(), 2);
    kill(h);
    assert.equal(actorInfo(h).state, 'dead');
    await rejectsWith(h.incr.remote(), ActorDiedError, 'call after kill');
    assert.deepEqual(restartableCtorArgs, [1]);
    assert.equal(actorInfo(h).restarts, 0);
  });

  test('A8 A7 with maxTaskRetries declared by @actor a call in flight is retried after the restart', async () => {
    @actor({ maxRestarts: 1, maxTaskRetries: 1 })
    class Retrying extends Actor {
      async heldOnce(key: string): Promise<number> {
        const { attempt } = taskContext();
        if (attempt === 0) await gate(key).promise;
        return attempt;
      }
    }
    const h = Retrying.remote();
    const inFlight = h.heldOnce.remote('a8-retry-declared-never');
    await until(() => actorInfo(h).running === 1, 'heldOnce running');
    kill(h, { noRestart: false });
    assert.equal(await within(inFlight, 'retried call'), 1, 'the retry should run as attempt 1');
    assert.equal(actorInfo(h).restarts, 1);
  });

  test('A8 A7 with maxTaskRetries given to Class.options() a call in flight is retried after the restart', async () => {
    restartableCtorArgs = [];
    const h = Restartable.options({ maxTaskRetries: 1 }).remote(5);
    const inFlight = h.heldOnce.remote('a8-retry-never');
    await until(() => actorInfo(h).running === 1, 'heldOnce running');
    kill(h, { noRestart: false });
    assert.equal(await within(inFlight, 'retried call'), 1, 'the retry should run as attempt 1');
    assert.deepEqual(restartableCtorArgs, [5, 5]);
    assert.equal(actorInfo(h).restarts, 1);
  });
});

// ---- A9 ----

let namedCtorRuns = 0;
@actor()
class Named extends Actor {
  n = 0;
  constructor() {
    super();
    namedCtorRuns++;
  }
  incr(): number {
    return ++this.n;
  }
}

describe('A9 named actors', () => {
  test('A9 names are unique: a second actor with a taken name is an error naming the name', async () => {
    const name = uniqueName('unique');
    const first = Named.options({ name }).remote();
    assert.equal(await first.incr.remote(), 1);
    assert.throws(() => Named.options({ name }).remote(), (e: unknown) => e instanceof Error && e.message.includes(`'${name}'`));
    assert.throws(() => Counter.options({ name }).remote(), (e: unknown) => e instanceof Error && e.message.includes(name));
    assert.equal(await first.incr.remote(), 2, 'the first actor was disturbed by the duplicate');
  });

  test('A9 getIfExists returns the existing actor instead of creating one', async () => {
    const name = uniqueName('ifexists');
    const runs = namedCtorRuns;
    const a = Named.options({ name, getIfExists: true }).remote();
    assert.equal(await a.incr.remote(), 1);
    const b = Named.options({ name, getIfExists: true }).remote();
    assert.equal(await b.incr.remote(), 2, 'getIfExists made a new actor');
    assert.equal(actorInfo(b).id, actorInfo(a).id);
    assert.equal(namedCtorRuns - runs, 1);
  });

  test('A9 getActor(name) finds a live actor, or throws ActorNotFoundError naming it', async () => {
    const name = uniqueName('findme');
    const h = Named.options({ name }).remote();
    await h.incr.remote();
    const found = getActor<Named>(name);
    assert.equal(await found.incr.remote(), 2);
    assert.equal(actorInfo(found).name, name);
    const missing = uniqueName('missing');
    assert.throws(
      () => getActor(missing),
      (e: unknown) => e instanceof ActorNotFoundError && e instanceof TroupeError && e.message.includes(missing),
    );
  });
});

// ---- A11 ----

let adderRuns = 0;
@actor()
class Adder extends Actor {
  add(a: number, b: number): string {
    adderRuns++;
    return `${typeof a}:${typeof b}:${a + b}`;
  }
}

describe('A11 ref arguments', () => {
  test('A11 ObjectRef arguments are resolved before the method runs', async () => {
    const source = Pool.remote(newProbe('pool'));
    const slow = source.job.remote(40, 'a11-slow');
    const h = Adder.remote();
    const runs = adderRuns;
    const out = h.add.remote(slow, put(2));
    await ticks(10);
    assert.equal(adderRuns, runs, 'the method ran before its ref argument was ready');
    open('a11-slow');
    assert.equal(await within(out, 'add'), 'number:number:42');
  });

  test('A11 a rejecting ref argument rejects the call with that error; the method never runs', async () => {
    const f = Faulty.remote();
    const bad = f.boom.remote('arg failed');
    const badError = (await settle(bad)) as { ok: false; error: unknown };
    assert.ok(badError.error instanceof TaskError);
    const h = Adder.remote();
    const runs = adderRuns;
    const out = h.add.remote(1, bad);
    const e = await rejectsWith(out, TaskError, 'call with a failed ref argument');
    assert.equal(e, badError.error, 'the call should reject with the argument\'s own error');
    assert.equal(adderRuns, runs, 'the method ran despite a failed argument');
    assert.equal(await within(h.add.remote(1, 2), 'next call'), 'number:number:3');
  });
});

// ---- retries ----

class Transient extends Error {
  override name = 'Transient';
}
class Fatal extends Error {
  override name = 'Fatal';
}

@actor()
class Flaky extends Actor {
  runs = 0;
  tries = new Map<string, number>();
  /** Throws `kind` on its first `failures` runs for `key` (after an await); returns how many runs failed before. */
  async flaky(key: string, failures: number, kind: 'transient' | 'fatal'): Promise<number> {
    this.runs++;
    const n = this.tries.get(key) ?? 0;
    this.tries.set(key, n + 1);
    await ticks(1);
    if (n < failures) throw kind === 'transient' ? new Transient(`run ${n}`) : new Fatal(`run ${n}`);
    return n;
  }
  @method({ maxRetries: 2, retryExceptions: [Transient] })
  declared(key: string, failures: number): number {
    this.runs++;
    const n = this.tries.get(key) ?? 0;
    this.tries.set(key, n + 1);
    if (n < failures) throw new Transient(`run ${n}`);
    return n;
  }
  /** Reports taskContext().attempt (read before any await); fails until attempt `failures`. */
  async attemptAsync(failures: number): Promise<number> {
    const { attempt } = taskContext();
    await ticks(1);
    if (attempt < failures) throw new Transient(`attempt ${attempt}`);
    return attempt;
  }
  attemptSync(failures: number): number {
    const { attempt } = taskContext();
    if (attempt < failures) throw new Transient(`attempt ${attempt}`);
    return attempt;
  }
  count(): number {
    return this.runs;
  }
}

describe('maxRetries and retryExceptions', () => {
  test('issue2 maxRetries with retryExceptions: true retries an application error, then gives up with the last error', async () => {
    const h = Flaky.remote();
    const opts = { maxRetries: 2, retryExceptions: true };
    assert.equal(await within(h.flaky.options(opts).remote('a', 2, 'fatal'), 'retried'), 2);
    assert.equal(await h.count.remote(), 3);
    const e = await rejectsWith(h.flaky.options(opts).remote('b', 3, 'fatal'), TaskError, 'out of retries');
    assert.ok(e.cause instanceof Fatal);
    assert.equal((e.cause as Fatal).message, 'run 2');
    assert.equal(await h.count.remote(), 6);
  });

  test('issue2 retryExceptions as a list of classes retries those classes only', async () => {
    const h = Flaky.remote();
    const opts = { maxRetries: 3, retryExceptions: [Transient] };
    assert.equal(await within(h.flaky.options(opts).remote('a', 2, 'transient'), 'listed error'), 2);
    assert.equal(await h.count.remote(), 3);
    const e = await rejectsWith(h.flaky.options(opts).remote('b', 2, 'fatal'), TaskError, 'non-listed error');
    assert.ok(e.cause instanceof Fatal);
    assert.equal((e.cause as Fatal).message, 'run 0');
    assert.equal(await h.count.remote(), 4, 'a non-listed error was retried');
  });

  test('issue2 maxRetries without retryExceptions does not retry application errors', async () => {
    const h = Flaky.remote();
    await rejectsWith(h.flaky.options({ maxRetries: 3 }).remote('a', 1, 'transient'), TaskError, 'no retryExceptions');
    assert.equal(await h.count.remote(), 1);
  });

  test('issue2 @method({ maxRetries, retryExceptions }) sets the retry policy for every call', async () => {
    const h = Flaky.remote();
    assert.equal(await within(h.declared.remote('a', 2), 'declared retries'), 2);
    const e = await rejectsWith(h.declared.remote('b', 3), TaskError, 'declared retries exhausted');
    assert.equal((e.cause as Error).message, 'run 2');
    assert.equal(await h.count.remote(), 6);
  });

  test('issue2 taskContext().attempt counts the retries of a call (sync and async methods)', async () => {
    const h = Flaky.remote();
    const opts = { maxRetries: 2, retryExceptions: true };
    assert.equal(await within(h.attemptSync.options(opts).remote(2), 'sync retries'), 2);
    assert.equal(await within(h.attemptAsync.options(opts).remote(2), 'async retries'), 2);
  });
});

// ---- taskContext and cancel ----

@actor()
class Ctx extends Actor {
  aborted: unknown[] = [];
  /** taskContext() read in the method's synchronous part (before its first await), as documented. */
  async where(): Promise<{ taskId: number; actorId: string | undefined; attempt: number; aborted: boolean; isSignal: boolean }> {
    const ctx = taskContext();
    const signal = ctx.signal;
    await ticks(1);
    return { taskId: ctx.taskId, actorId: ctx.actorId, attempt: ctx.attempt, aborted: signal.aborted, isSignal: signal instanceof AbortSignal };
  }
  /** taskContext() read after an await: needs init({ asyncContext: true }). */
  async whereLater(): Promise<[number, number]> {
    const before = taskContext().taskId;
    await ticks(1);
    return [before, taskContext().taskId];
  }
  *genWhere(): Generator<number, void> {
    yield taskContext().taskId;
    yield taskContext().taskId;
  }
  async watch(key: string): Promise<string> {
    const { signal } = taskContext();
    signal.addEventListener('abort', () => this.aborted.push(signal.reason), { once: true });
    await gate(key).promise;
    return 'finished';
  }
  abortReasons(): unknown[] {
    return this.aborted;
  }
}

describe('taskContext()', () => {
  test('issue2 taskContext() gives taskId, actorId, attempt and an AbortSignal inside a method', async () => {
    const h = Ctx.remote();
    const [a, b] = await within(get([h.where.remote(), h.where.remote()]), 'where');
    assert.equal(a.actorId, actorInfo(h).id);
    assert.equal(a.attempt, 0);
    assert.equal(a.isSignal, true);
    assert.equal(a.aborted, false);
    assert.equal(typeof a.taskId, 'number');
    assert.notEqual(a.taskId, b.taskId);
  });

  test('issue2 taskContext() works in each step of a generator method', async () => {
    const h = Ctx.remote();
    const ids: number[] = [];
    for await (const r of h.genWhere.remote()) ids.push(await r);
    assert.equal(ids.length, 2);
    assert.equal(typeof ids[0], 'number');
    assert.equal(ids[0], ids[1]);
  });

  test('issue2 taskContext() after an await works with init({ asyncContext: true })', async () => {
    await shutdown();
    init({ asyncContext: true });
    const h = Ctx.remote();
    const [before, after] = await within(h.whereLater.remote(), 'whereLater');
    assert.equal(typeof before, 'number');
    assert.equal(after, before);
  });

  test('issue2 taskContext() outside a running method throws a clear error', () => {
    assert.throws(() => taskContext(), (e: unknown) => e instanceof TroupeError && /taskContext\(\)/.test(e.message) && /outside/.test(e.message));
  });

  test('issue2 cancel(ref) of a running call aborts taskContext().signal and rejects the ref with TaskCancelledError at once', async () => {
    const h = Ctx.remote();
    const ref = h.watch.remote('ctx-never');
    await until(() => actorInfo(h).running === 1, 'watch running');
    cancel(ref);
    // the method is still blocked on its gate: the ref must reject without waiting for it
    await rejectsWith(ref, TaskCancelledError, 'cancelled running call');
    open('ctx-never');
    const reasons = await within(h.abortReasons.remote(), 'abort reasons');
    assert.equal(reasons.length, 1, 'the signal did not abort');
    assert.ok(reasons[0] instanceof TaskCancelledError);
  });
});

describe('cancel()', () => {
  test('issue2 cancel(ref) of a queued call: it never runs and rejects with TaskCancelledError', async () => {
    const h = Serial.remote(newProbe('serial'));
    const running = h.hold.remote('cancel-queued');
    const queued = h.mark.remote('cancelled');
    const after = h.mark.remote('after');
    await until(() => actorInfo(h).running === 1, 'hold running');
    cancel(queued);
    await rejectsWith(queued, TaskCancelledError, 'cancelled queued call');
    assert.equal(actorInfo(h).queued, 1);
    open('cancel-queued');
    assert.equal(await within(running, 'hold'), 'held');
    assert.deepEqual(await within(after, 'after'), ['hold:start', 'hold:end', 'after']);
  });

  test('issue2 cancel(ref) of a queued call on an async actor removes it from its group', async () => {
    const pn = newProbe('pool');
    const h = Pool.remote(pn);
    const refs = [0, 1, 2, 3, 4].map((i) => h.job.remote(i, 'cancel-async'));
    await until(() => probe(pn).started.length === 3, 'pool full');
    cancel(refs[3]!);
    await rejectsWith(refs[3]!, TaskCancelledError, 'cancelled queued async call');
    open('cancel-async');
    assert.deepEqual(await within(get([refs[0]!, refs[1]!, refs[2]!, refs[4]!]), 'the others'), [0, 1, 2, 4]);
    assert.deepEqual(probe(pn).started, ['0', '1', '2', '4']);
  });

  test('issue2 cancel(ref) of a settled call leaves its value', async () => {
    const h = Counter.remote(1);
    const ref = h.incr.remote();
    assert.equal(await ref, 2);
    cancel(ref);
    assert.equal(await ref, 2);
    assert.equal(await h.get.remote(), 2);
  });
});

// ---- events ----

describe('events', () => {
  test('issue2 events actor:state reports starting -> open, then -> dead', async () => {
    const seen: ActorStateEvent[] = [];
    const listener = (e: ActorStateEvent) => seen.push(e);
    events.on('actor:state', listener);
    try {
      const h = Counter.remote();
      const id = actorInfo(h).id;
      await h.incr.remote();
      kill(h);
      await ticks(1);
      const mine = seen.filter((e) => e.actorId === id).map((e) => [e.from, e.to, e.className]);
      assert.deepEqual(mine, [
        ['starting', 'open', 'Counter'],
        ['open', 'dead', 'Counter'],
      ]);
    } finally {
      events.off('actor:state', listener);
    }
  });

  test('issue2 events task:start and task:end report each call, with ok and ms', async () => {
    const starts: TaskStartEvent[] = [];
    const ends: TaskEndEvent[] = [];
    const onStart = (e: TaskStartEvent) => starts.push(e);
    const onEnd = (e: TaskEndEvent) => ends.push(e);
    events.on('task:start', onStart);
    events.on('task:end', onEnd);
    try {
      const h = Faulty.remote();
      const id = actorInfo(h).id;
      await h.incr.remote();
      await settle(h.asyncBoom.remote('event fail'));
      const s = starts.filter((e) => e.actorId === id);
      const f = ends.filter((e) => e.actorId === id);
      assert.deepEqual(s.map((e) => e.method), ['incr', 'asyncBoom']);
      assert.deepEqual(f.map((e) => [e.method, e.ok]), [['incr', true], ['asyncBoom', false]]);
      assert.deepEqual(f.map((e) => e.taskId), s.map((e) => e.taskId));
      for (const e of f) assert.ok(typeof e.ms === 'number' && e.ms >= 0 && Number.isFinite(e.ms), `bad ms ${e.ms}`);
    } finally {
      events.off('task:start', onStart);
      events.off('task:end', onEnd);
    }
  });
});

// ---- actorInfo, shutdown, init ----

describe('actorInfo, shutdown and init', () => {
  test('issue2 actorInfo gives id, name, className, mode, state, queued, running, restarts through the lifecycle', async () => {
    const name = uniqueName('info');
    const h = Pool.options({ name }).remote(newProbe('pool'));
    const first = actorInfo(h);
    assert.equal(first.state, 'starting');
    assert.equal(first.name, name);
    assert.equal(first.className, 'Pool');
    assert.equal(first.mode, 'async');
    assert.equal(first.restarts, 0);
    assert.equal(typeof first.id, 'string');
    const refs = [0, 1, 2, 3, 4].map((i) => h.job.remote(i, 'info'));
    await until(() => actorInfo(h).running === 3, 'three running');
    assert.deepEqual(
      { state: actorInfo(h).state, running: actorInfo(h).running, queued: actorInfo(h).queued },
      { state: 'open', running: 3, queued: 2 },
    );
    open('info');
    await within(get(refs), 'jobs');
    assert.equal(actorInfo(h).running, 0);
    assert.equal(actorInfo(h).queued, 0);
    kill(h);
    assert.equal(actorInfo(h).state, 'dead');
    const c = Counter.remote();
    await c.incr.remote();
    const ci = actorInfo(c);
    assert.deepEqual(
      { name: ci.name, className: ci.className, mode: ci.mode, state: ci.state, queued: ci.queued, running: ci.running, restarts: ci.restarts },
      { name: undefined, className: 'Counter', mode: 'sync', state: 'open', queued: 0, running: 0, restarts: 0 },
    );
    assert.notEqual(ci.id, first.id);
  });

  test('issue2 shutdown() rejects pending work with ActorDiedError; a later call starts afresh', async () => {
    const name = uniqueName('shut');
    const h = Serial.options({ name }).remote(newProbe('serial'));
    const running = h.hold.remote('shutdown-never');
    const queued = h.mark.remote('queued');
    await until(() => actorInfo(h).running === 1, 'hold running');
    await shutdown();
    await rejectsWith(running, ActorDiedError, 'running call at shutdown');
    await rejectsWith(queued, ActorDiedError, 'queued call at shutdown');
    await rejectsWith(h.mark.remote('after'), ActorDiedError, 'call on an old handle');
    assert.throws(() => getActor(name), ActorNotFoundError);
    const again = Counter.options({ name }).remote(3);
    assert.equal(await within(again.incr.remote(), 'call after shutdown'), 4);
    assert.equal(actorInfo(getActor(name)).className, 'Counter');
  });

  test('issue2 init() twice is an error; init() after shutdown() starts a runtime', async () => {
    await shutdown();
    init();
    assert.throws(() => init(), (e: unknown) => e instanceof Error && /already/.test(e.message));
    const c = Counter.remote(1);
    assert.equal(await c.incr.remote(), 2);
    await shutdown();
    init();
    assert.equal(await Counter.remote(5).incr.remote(), 6);
  });
});

// ---- defineActor, unknown methods, bad options ----

describe('defineActor and bad input', () => {
  test('issue2 defineActor() makes a plain class (not extending Actor) an actor', async () => {
    const Plain = defineActor(
      class Plain {
        n: number;
        constructor(n: number) {
          this.n = n;
        }
        add(k: number): number {
          return (this.n += k);
        }
        *upTo(k: number): Generator<number, void> {
          for (let i = 0; i < k; i++) yield i;
        }
      },
    );
    const h = Plain.remote(1);
    assert.equal(await h.add.remote(2), 3);
    assert.equal(await h.add.remote(4), 7);
    const items: number[] = [];
    for await (const r of h.upTo.remote(3)) items.push(await r);
    assert.deepEqual(items, [0, 1, 2]);
    assert.deepEqual([actorInfo(h).className, actorInfo(h).mode], ['Plain', 'sync']);
    const name = uniqueName('plain');
    Plain.options({ name }).remote(10);
    assert.equal(await getActor<InstanceType<typeof Plain>>(name).add.remote(1), 11);

    const pn = newProbe('plain-async');
    const PlainAsync = defineActor(
      class PlainAsync {
        async job(i: number): Promise<number> {
          return observed(pn, `${i}`, async () => {
            await gate('plain-async').promise;
            return i;
          });
        }
      },
      { mode: 'async', maxConcurrency: 2 },
    );
    const a = PlainAsync.remote();
    assert.equal(actorInfo(a).mode, 'async');
    const refs = [0, 1, 2].map((i) => a.job.remote(i));
    await until(() => probe(pn).started.length === 2, 'two started');
    await ticks(5);
    assert.equal(probe(pn).started.length, 2);
    open('plain-async');
    assert.deepEqual(await within(get(refs), 'plain async'), [0, 1, 2]);
  });

  test('issue2 an unknown method via a handle throws a TypeError naming the method and the class', () => {
    const h = Counter.remote();
    assert.throws(
      () => (h as any).nope.remote(),
      (e: unknown) => e instanceof TypeError && /nope/.test(e.message) && /Counter/.test(e.message),
    );
  });

  // Threaded actors landed with issue 3 (their specs: spec/threaded-*.test.ts). A threaded class must live in a
  // module without top-level side effects (a worker imports it), hence the import of the helpers module.
  test('A3 mode \'threaded\' is supported: a threaded actor works and runs on a worker thread', async () => {
    const { Tally } = await import('./helpers/threaded-actors.js');
    const h = Tally.remote(1);
    assert.equal(await within(h.add.remote(2), 'threaded add'), 3);
    assert.equal((await within(h.where.remote(), 'threaded where')).isMainThread, false);
    assert.equal(actorInfo(h).mode, 'threaded');
  });

  test('issue2 bad actor and call options are TypeErrors naming the option: maxConcurrency on a sync actor, unknown keys, bad values', () => {
    assert.throws(() => {
      @actor({ maxConcurrency: 4 })
      class SyncMax extends Actor {}
      return SyncMax;
    }, (e: unknown) => e instanceof TypeError && /maxConcurrency/.test(e.message));
    assert.throws(() => {
      @actor({ maxConcurency: 4 } as any)
      class Typo extends Actor {}
      return Typo;
    }, (e: unknown) => e instanceof TypeError && /maxConcurency/.test(e.message));
    assert.throws(() => Counter.options({ nmae: 'x' } as any), (e: unknown) => e instanceof TypeError && /nmae/.test(e.message));
    assert.throws(() => Counter.options({ maxRestarts: -1 }), (e: unknown) => e instanceof TypeError && /maxRestarts/.test(e.message));
    assert.throws(() => Counter.options({ maxConcurrency: 2 }), (e: unknown) => e instanceof TypeError && /maxConcurrency/.test(e.message));
    assert.throws(() => defineActor(class U {}, { mode: 'parallel' as any }), (e: unknown) => e instanceof TypeError && /mode/.test(e.message));
    const h = Counter.remote();
    assert.throws(() => h.incr.options({ retries: 1 } as any), (e: unknown) => e instanceof TypeError && /retries/.test(e.message));
    assert.throws(() => h.range.options({ backpressure: 0 }), (e: unknown) => e instanceof TypeError && /backpressure/.test(e.message));
  });
});
