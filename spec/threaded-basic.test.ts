// Threaded actors and threaded remote functions (issue 3, rules A1, A3, A4, A5): calls run on a worker
// thread of the pool, keep per-caller order, never block the caller's event loop; the pool places actors;
// the worker finds classes by module and name; what crosses the thread (values, buffers, errors) and what
// cannot (SerializationError at call time); a script that never calls shutdown() exits by itself.
// Timing is checked by order and counts only; the bounds only make a broken runtime fail instead of hang.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import {
  ActorDiedError,
  SerializationError,
  TaskError,
  TroupeError,
  actorInfo,
  defineActor,
  get,
  init,
  remote,
  shutdown,
} from '../lib/index.js';
import { settle, within } from './helpers/actors-util.js';
import {
  Gated,
  Lonely,
  Pinned,
  Tally,
  drain,
  exists,
  range,
  fnAdd,
  fnAddAsync,
  fnCount,
  fnEcho,
  fnFail,
  fnFailAsync,
  fnTypes,
  fnWhere,
  scratch,
  touch,
  waitUntil,
} from './helpers/threaded-actors.js';

const helpersUrl = new URL('./helpers/threaded-actors.js', import.meta.url).href;

// One runtime for the file (a worker's start is paid once); tests that need a pool of their own start one.
before(() => init({ workers: 2 }));
after(() => shutdown());

async function fresh(workers = 2): Promise<void> {
  await shutdown();
  init({ workers });
}

async function rejectsWith<E>(p: PromiseLike<unknown>, cls: abstract new (...a: any[]) => E, what: string, ms = 10_000): Promise<E> {
  const r = await settle(within(p, what, ms));
  assert.equal(r.ok, false, `${what}: expected a rejection with ${cls.name}, got a value`);
  const e = (r as { error: unknown }).error;
  assert.ok(e instanceof cls, `${what}: expected ${cls.name}, got ${String(e)}`);
  return e;
}

function throwsSerialization(fn: () => unknown, position: RegExp, what: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SerializationError, `${what}: expected SerializationError, got ${String(e)}`);
    assert.match((e as Error).message, position, `${what}: the message names the argument's position`);
    return true;
  });
}

/** An application error as it arrives in TaskError.cause: name, message, stack and own properties kept. */
function assertQuota(e: unknown, where: string): void {
  assert.ok(e instanceof TaskError, `${where}: expected TaskError, got ${String(e)}`);
  const cause = (e as TaskError).cause as Error & { code?: unknown; detail?: unknown };
  assert.ok(cause instanceof Error, `${where}: the cause is an Error`);
  assert.equal(cause.name, 'QuotaError');
  assert.equal(cause.message, `over quota in ${where}`);
  assert.equal(cause.code, 'E_QUOTA');
  assert.deepEqual(cause.detail, { limit: 3, tags: ['a', where] });
  assert.match(cause.stack ?? '', /QuotaError: over quota/);
  assert.match(cause.stack ?? '', /threaded-actors/, 'the stack is the worker-side stack, pointing into the defining module');
}

describe('A3 threaded actors', () => {
  test('A3 issue3 a threaded actor lives on a worker thread, keeps its state and gets its constructor arguments', async () => {
    const h = Tally.remote(5, 'label', { deep: [1, 2] });
    const where = await within(h.where.remote(), 'where');
    assert.equal(where.isMainThread, false);
    assert.notEqual(where.threadId, threadId);
    assert.equal(await within(h.add.remote(2), 'add'), 7);
    assert.equal(await within(h.addAsync.remote(3), 'addAsync'), 10);
    assert.equal(await within(h.add.remote(0), 'add 0'), 10);
    assert.deepEqual(await within(h.args.remote(), 'args'), [5, 'label', { deep: [1, 2] }]);
    const info = actorInfo(h);
    assert.equal(info.mode, 'threaded');
    assert.equal(info.state, 'open');
    assert.equal(info.className, 'Tally');
  });

  test('A1 calls from one caller run in submission order, sync and async methods mixed', async () => {
    const h = Tally.remote();
    const expected: string[] = [];
    const refs: PromiseLike<number>[] = [];
    for (let i = 0; i < 24; i++) {
      if (i % 3 === 0) {
        refs.push(h.noteAsync.remote(`a${i}`, i % 4));
        expected.push(`a${i}:start`, `a${i}:end`);
      } else {
        refs.push(h.note.remote(`s${i}`));
        expected.push(`s${i}`);
      }
    }
    const lengths = await within(Promise.all(refs), 'all calls');
    assert.deepEqual(await within(h.entries.remote(), 'entries'), expected, 'an async method holds the actor until it settles (A1)');
    assert.deepEqual(lengths, [...lengths].sort((a, b) => a - b), 'each call saw the log of the calls before it');
  });

  test('A1 issue3 a thousand calls in flight at once all settle, in order, without a listener per call (no MaxListenersExceededWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const h = Tally.remote();
      const refs = range(1000).map(() => h.add.remote(1));
      const s = h.count.remote(5);
      const values = await within(get(refs), 'a thousand calls');
      assert.deepEqual(values, range(1000, 1), 'each call saw the ones before it (A1)');
      assert.deepEqual((await within(drain(s), 'a stream behind them')).values, range(5));
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings.filter((w) => w === 'MaxListenersExceededWarning'), []);
  });

  test('A3 a method that blocks its worker thread does not block the caller\'s event loop', async () => {
    const dir = scratch();
    const started = join(dir, 'started');
    const go = join(dir, 'go');
    const h = Tally.remote();
    const ref = h.spinUntil.remote(started, go);
    // The method cannot return before `go` exists, and the test writes `go` only after seeing `started`,
    // which the method writes while it runs: so this event loop ran while the method was blocking its thread.
    await waitUntil(() => exists(started), 'the method started');
    touch(go);
    assert.equal(await within(ref, 'spinUntil'), 'spun');
  });

  test('A3 maxConcurrency limits how many calls interleave inside the worker', async () => {
    const dir = scratch();
    const h = Gated.remote();
    const refs = ['c0', 'c1', 'c2', 'c3'].map((t) => h.hold.remote(t, dir));
    await waitUntil(() => exists(join(dir, 'started-c0')) && exists(join(dir, 'started-c1')), 'two calls started');
    for (const t of ['c0', 'c1', 'c2', 'c3']) {
      touch(join(dir, `go-${t}`));
      await within(refs[Number(t[1])]!, `call ${t}`);
    }
    const s = await within(h.stats.remote(), 'stats');
    assert.equal(s.peak, 2, 'maxConcurrency: 2 in the worker');
    assert.deepEqual(s.started, ['c0', 'c1', 'c2', 'c3'], 'calls start in submission order');
  });

  test('A4 a blocked concurrency group does not block another group inside the worker', async () => {
    const dir = scratch();
    const h = Gated.remote();
    const io1 = h.hold.options({ concurrencyGroup: 'io' }).remote('io1', dir);
    const io2 = h.hold.options({ concurrencyGroup: 'io' }).remote('io2', dir);
    const d1 = h.hold.remote('d1', dir);
    await waitUntil(() => exists(join(dir, 'started-io1')) && exists(join(dir, 'started-d1')), 'io1 and d1 started');
    touch(join(dir, 'go-d1'));
    assert.equal(await within(d1, 'd1'), 'd1', 'the default group ran while io was full');
    assert.deepEqual((await within(h.stats.remote(), 'stats')).started, ['io1', 'd1'], 'io2 waits for io1 (io: 1)');
    touch(join(dir, 'go-io1'));
    touch(join(dir, 'go-io2'));
    assert.deepEqual(await within(get([io1, io2]), 'io calls'), ['io1', 'io2']);
    assert.deepEqual((await within(h.stats.remote(), 'stats')).started, ['io1', 'd1', 'io2']);
  });
});

describe('issue3 the pool', () => {
  test('issue3 actors go to the least loaded worker: with init({ workers: 2 }) two actors get two threads, a third shares one', async () => {
    await fresh(2);
    const a = Tally.remote();
    const b = Tally.remote();
    const c = Tally.remote();
    const [ta, tb, tc] = (await within(get([a.where.remote(), b.where.remote(), c.where.remote()]), 'where')).map((w) => w.threadId);
    assert.notEqual(ta, tb);
    assert.ok(tc === ta || tc === tb, 'a third actor shares one of the two pool workers');
    for (const t of [ta, tb, tc]) assert.notEqual(t, threadId);
  });

  test('issue3 dedicated: true gives an actor a worker of its own, outside the pool size', async () => {
    await fresh(1);
    const a = Tally.remote();
    const b = Tally.remote();
    const d = Lonely.remote();
    const [ta, tb, td] = (await within(get([a.where.remote(), b.where.remote(), d.where.remote()]), 'where')).map((w) => w.threadId);
    assert.equal(ta, tb, 'workers: 1: the shared actors share the one pool worker');
    assert.notEqual(td, ta, 'the dedicated actor has a worker of its own');
  });

  test('issue3 threaded-only options (dedicated, resourceLimits, maxConcurrency) can be given per creation with Class.options()', async () => {
    await fresh(1);
    const a = Tally.remote();
    const d = Tally.options({ dedicated: true, resourceLimits: { maxOldGenerationSizeMb: 64 } }).remote();
    const [ta, td] = (await within(get([a.where.remote(), d.where.remote()]), 'where')).map((w) => w.threadId);
    assert.notEqual(td, ta, 'the dedicated actor has a worker of its own');
    const c = Tally.options({ maxConcurrency: 2 }).remote();
    assert.equal(await within(c.add.remote(1), 'maxConcurrency per creation'), 1);
  });

  test('issue3 threaded remote functions run on pool workers, spread across them', async () => {
    await fresh(2);
    const [w1, w2] = await within(get([fnWhere.remote(), fnWhere.remote()]), 'fnWhere');
    assert.equal(w1.isMainThread, false);
    assert.equal(w2.isMainThread, false);
    assert.notEqual(w1.threadId, w2.threadId, 'two calls in flight go to the two workers');
    assert.equal(await within(fnAdd.remote(2, 3), 'fnAdd'), 5);
    assert.equal(await within(fnAddAsync.remote(4, 5), 'fnAddAsync'), 9);
    const d = await within(drain(fnCount.remote(4)), 'fnCount');
    assert.deepEqual(d.values, [0, 1, 2, 3]);
  });

  test('issue3 a threaded remote function needs a name: an anonymous one is a clear error', () => {
    assert.throws(
      () => remote(() => 1, { mode: 'threaded' }),
      (e: unknown) => e instanceof Error && /name/.test(e.message) && /threaded/.test(e.message),
    );
  });
});

describe('issue3 finding the class in the worker', () => {
  test('issue3 module: import.meta.url given to @actor is where the worker finds the class', async () => {
    const w = await within(Pinned.remote().where.remote(), 'Pinned.where');
    assert.equal(w.isMainThread, false);
  });

  test('issue3 a class the worker cannot find in its module is a clear error naming the module and the class, at creation', async () => {
    const Ghost = defineActor(
      class Ghost {
        ping() {
          return 'pong';
        }
      },
      { mode: 'threaded', module: helpersUrl, maxRestarts: 2 },
    );
    const h = Ghost.remote();
    const e = await rejectsWith(h.ping.remote(), ActorDiedError, 'a call on Ghost');
    const text = `${e.message} ${String((e.cause as Error | undefined)?.message)}`;
    assert.match(text, /Ghost/);
    assert.ok(text.includes(helpersUrl), `the error names the module: ${text}`);
    await waitUntil(() => actorInfo(h).state === 'dead', 'Ghost is dead');
    assert.equal(actorInfo(h).restarts, 0, 'no restart can help a class that cannot be found');
  });

  test('issue3 a module the worker cannot import is a clear error naming the module and the class', async () => {
    const missing = new URL('./helpers/no-such-module.js', import.meta.url).href;
    const Lost = defineActor(
      class Lost {
        ping() {
          return 'pong';
        }
      },
      { mode: 'threaded', module: missing },
    );
    const e = await rejectsWith(Lost.remote().ping.remote(), ActorDiedError, 'a call on Lost');
    const text = `${e.message} ${String((e.cause as Error | undefined)?.message)}`;
    assert.match(text, /Lost/);
    assert.ok(text.includes(missing), `the error names the module: ${text}`);
  });
});

describe('issue3 what crosses the thread', () => {
  test('issue3 values round-trip: nested objects, arrays, Maps, Sets, Dates, RegExps, typed arrays, bigints, undefined', async () => {
    const value = {
      s: 'text',
      n: 1.5,
      b: true,
      nil: null,
      u: undefined,
      big: 2n ** 70n,
      list: [1, 'two', [3]],
      map: new Map<unknown, unknown>([['k', { v: 1 }], [2, 'two']]),
      set: new Set([1, 'a']),
      date: new Date(1_700_000_000_000),
      bytes: new Uint8Array([1, 2, 3]),
      floats: new Float64Array([0.5, -1]),
      re: /ab+c/gi,
    };
    const h = Tally.remote();
    assert.deepEqual(await within(h.echo.remote(value), 'actor echo'), value);
    assert.deepEqual(await within(fnEcho.remote(value), 'function echo'), value);
  });

  test('issue3 transfer: a Uint8Array argument is moved (the caller\'s copy is detached); without it, copied', async () => {
    const h = Tally.remote();
    await within(h.add.remote(0), 'actor open');
    const kept = new Uint8Array([1, 2, 3, 4]);
    assert.deepEqual(await within(h.sum.remote(kept), 'copied'), { length: 4, sum: 10 });
    assert.equal(kept.byteLength, 4, 'without transfer the caller keeps its buffer');
    const moved = new Uint8Array([5, 6, 7]);
    assert.deepEqual(await within(h.sum.options({ transfer: true }).remote(moved), 'transferred'), { length: 3, sum: 18 });
    assert.equal(moved.byteLength, 0, 'with transfer the caller\'s copy is detached');
    const back = await within(h.bytes.options({ transfer: true }).remote(300), 'transferred result');
    assert.ok(back instanceof Uint8Array);
    assert.equal(back.length, 300);
    assert.equal(back[260], 260 % 251);
    const fnMoved = new Uint8Array([9, 9]);
    const echoed = await within(fnEcho.options({ transfer: true }).remote(fnMoved), 'function transfer');
    assert.deepEqual(echoed, new Uint8Array([9, 9]));
    assert.equal(fnMoved.byteLength, 0);
  });

  test('issue3 SerializationError: a function or symbol argument throws at call time naming its position; nothing is sent, the actor is unaffected', async () => {
    const h = Tally.remote();
    assert.equal(await within(h.note.remote('before'), 'before'), 1);
    throwsSerialization(() => h.note.remote((() => 'x') as unknown as string), /argument 0/, 'a function');
    throwsSerialization(() => h.noteAsync.remote('tag', Symbol('s') as unknown as number), /argument 1/, 'a symbol');
    throwsSerialization(() => h.echo.remote({ a: [1, () => 2] }), /argument 0\.a\[1\]/, 'a nested function');
    throwsSerialization(() => h.echo.remote([Promise.resolve(1)]), /argument 0\[0\]/, 'a promise');
    throwsSerialization(() => h.echo.remote(new WeakMap()), /argument 0/, 'a WeakMap');
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    throwsSerialization(() => h.echo.remote(cyclic), /argument 0/, 'a cycle');
    assert.match(
      (() => {
        try {
          h.note.remote((() => 'x') as unknown as string);
        } catch (e) {
          return (e as Error).message;
        }
        return '';
      })(),
      /Tally\.note/,
      'the message names the method',
    );
    assert.equal(await within(h.note.remote('after'), 'after'), 2, 'a later call works');
    assert.deepEqual(await within(h.entries.remote(), 'entries'), ['before', 'after'], 'no failed call ran');
    const info = actorInfo(h);
    assert.equal(info.state, 'open');
    assert.equal(info.restarts, 0);
  });

  test('issue3 SerializationError: a generator object argument throws at call time naming its position', async () => {
    const h = Tally.remote();
    function* gen(): Generator<number> {
      yield 1;
    }
    throwsSerialization(() => h.echo.remote(gen()), /argument 0/, 'a generator object (actor)');
    throwsSerialization(() => fnTypes.remote(1, gen()), /argument 1/, 'a generator object (function)');
    assert.equal(await within(h.note.remote('after'), 'after'), 1, 'nothing was sent; a later call works');
  });

  test('issue3 SerializationError for threaded remote functions: position named, nothing sent, later calls work', async () => {
    throwsSerialization(() => fnAdd.remote(1, (() => 2) as unknown as number), /argument 1/, 'a function');
    throwsSerialization(() => fnCount.remote(Symbol('n') as unknown as number), /argument 0/, 'a symbol, stream function');
    throwsSerialization(() => fnEcho.remote({ deep: { fn: () => 0 } }), /argument 0\.deep\.fn/, 'a nested function');
    assert.equal(await within(fnAdd.remote(1, 2), 'a later call'), 3);
  });

  test('A5 issue3 an error thrown in a threaded method keeps its name, message, stack and own properties; the actor lives on', async () => {
    const h = Tally.remote();
    await h.add.remote(4);
    assertQuota(await within(h.fail.remote().then(() => undefined, (e) => e), 'fail'), 'Tally.fail');
    assertQuota(await within(h.failAsync.remote().then(() => undefined, (e) => e), 'failAsync'), 'Tally.failAsync');
    const e = (await h.fail.remote().then(() => undefined, (x) => x)) as TaskError;
    assert.equal(e.method, 'fail');
    assert.equal(e.actorId, actorInfo(h).id);
    assert.equal(await within(h.add.remote(1), 'after the errors'), 5, 'the actor and its state live on (A5)');
    assert.equal(actorInfo(h).restarts, 0);
  });

  test('issue3 troupe\'s own errors keep their class across the thread', async () => {
    const h = Tally.remote();
    const e = await within(h.contextAfterAwait.remote().then(() => undefined, (x) => x), 'contextAfterAwait');
    assert.ok(e instanceof TaskError, String(e));
    assert.ok((e as TaskError).cause instanceof TroupeError, `the cause is a TroupeError: ${String((e as TaskError).cause)}`);
    assert.match(((e as TaskError).cause as Error).message, /taskContext\(\)/);
  });

  test('issue3 an error thrown in a threaded remote function keeps its name, message, stack and own properties', async () => {
    assertQuota(await within(fnFail.remote().then(() => undefined, (e) => e), 'fnFail'), 'fnFail');
    assertQuota(await within(fnFailAsync.remote().then(() => undefined, (e) => e), 'fnFailAsync'), 'fnFailAsync');
  });
});

describe('issue3 idle workers do not keep the process alive', () => {
  test('issue3 a script that uses threaded actors and functions and never calls shutdown() exits by itself', { timeout: 40_000 }, async () => {
    const script = fileURLToPath(new URL('./helpers/threaded-exit-script.js', import.meta.url));
    const r = await new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [script], { timeout: 30_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
        resolve({ code: child.exitCode, signal: child.signalCode ?? (err as { signal?: string } | null)?.signal ?? null, stdout, stderr });
      });
    });
    assert.equal(r.signal, null, `the script did not exit by itself within 30 s (killed); stderr: ${r.stderr}`);
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout.trim()), {
      sum: 3,
      items: [0, 1, 2],
      fromFn: [0, 1],
      added: 42,
      failed: 'TaskError',
      bumped: 1,
      died: 'ActorDiedError',
      afterRestart: 1,
    });
  });
});
