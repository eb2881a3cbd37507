// The conventions Node developers expect (issue 11): per-call `signal` and `timeout` (AbortSignal contract,
// reaching taskContext().signal), ObjectRef's catch/finally, and clear TypeErrors for the mistakes that used
// to pass silently: `await handle.m`, `handle.m(1)`, options that do nothing where they are given, and
// string values shown quoted in messages. `new A()` of an actor class is a plain object, on purpose.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Actor,
  actor,
  init,
  method,
  remote,
  shutdown,
  taskContext,
  TaskCancelledError,
  TaskError,
  TaskTimeoutError,
  type ObjectRef,
} from '../lib/index.js';
import { PingTarget, Relay, Waiter } from './helpers/conventions-actors.js';
import { within } from './helpers/actors-util.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let runs = 0;
let sawAbort = 0;

@actor({ mode: 'async' })
class Svc extends Actor {
  n = 0;
  incr(by = 1): number {
    runs++;
    return (this.n += by);
  }
  /** Waits until its signal aborts; counts that it saw it. */
  untilAborted(): Promise<string> {
    runs++;
    const { signal } = taskContext();
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        sawAbort++;
        resolve('aborted');
      });
    });
  }
  boom(): never {
    throw new Error('boom');
  }
  async *ticks(ms: number): AsyncGenerator<number> {
    runs++;
    const { signal } = taskContext();
    signal.addEventListener('abort', () => sawAbort++);
    try {
      for (let i = 0; ; i++) {
        await sleep(ms);
        yield i;
      }
    } finally {
      finals++;
    }
  }
}
let finals = 0;

const fnWait = remote(function fnWait(): Promise<string> {
  const { signal } = taskContext();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve('aborted')));
});
const fnAdd = remote((a: number, b: number) => a + b);
const fnRange = remote(function* fnRange(n: number) {
  for (let i = 0; i < n; i++) yield i;
});

async function rejection(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

describe('issue11 signal and timeout per call', () => {
  test('an already-aborted signal rejects the call at once with TaskCancelledError; the method never runs', async () => {
    const s = Svc.remote();
    const before = runs;
    const ctl = new AbortController();
    ctl.abort(new Error('client went away'));
    const e = await rejection(s.incr.options({ signal: ctl.signal }).remote(1));
    assert.ok(e instanceof TaskCancelledError, String(e));
    assert.match((e as Error).message, /Svc\.incr .*cancelled: its signal was already aborted/);
    assert.equal(((e as Error).cause as Error).message, 'client went away', 'the signal\'s reason is the cause');
    assert.equal(await s.incr.remote(1), 1, 'the aborted call never ran');
    assert.equal(runs - before, 1);
  });

  test('aborting the signal of a running call rejects it with TaskCancelledError and aborts taskContext().signal in the method', async () => {
    const s = Svc.remote();
    const ctl = new AbortController();
    const before = sawAbort;
    const ref = s.untilAborted.options({ signal: ctl.signal }).remote();
    await sleep(10);
    ctl.abort();
    const e = await rejection(ref);
    assert.ok(e instanceof TaskCancelledError, String(e));
    assert.match((e as Error).message, /its signal aborted/);
    assert.equal(sawAbort - before, 1, 'the method\'s signal aborted');
  });

  test('a timeout cancels the call and rejects with TaskTimeoutError naming the call and the time; the method\'s signal aborts', async () => {
    const s = Svc.remote();
    const before = sawAbort;
    const t0 = performance.now();
    const e = await rejection(s.untilAborted.options({ timeout: 100 }).remote());
    const dt = performance.now() - t0;
    assert.ok(e instanceof TaskTimeoutError, String(e));
    assert.ok(e instanceof TaskCancelledError, 'a timeout is a cancellation');
    assert.match((e as Error).message, /Svc\.untilAborted \(task \d+\) was cancelled: it timed out after 100 ms/);
    assert.equal((e as TaskTimeoutError).timeout, 100);
    assert.ok(dt >= 90 && dt < 5000, `rejected after ${dt} ms`);
    assert.equal(sawAbort - before, 1);
  });

  test('a call that ends within its timeout keeps its value, and a later abort of its signal changes nothing', async () => {
    const s = Svc.remote();
    const ctl = new AbortController();
    assert.equal(await s.incr.options({ timeout: 1000, signal: ctl.signal }).remote(2), 2);
    ctl.abort();
    await sleep(5);
    assert.equal(await s.incr.remote(1), 3);
  });

  test('a stream: aborting its signal gives the items so far, one TaskCancelledError item, then done; the producer\'s finally runs', async () => {
    const s = Svc.remote();
    const ctl = new AbortController();
    const f0 = finals;
    const gen = s.ticks.options({ signal: ctl.signal }).remote(2);
    const values: number[] = [];
    let error: unknown;
    try {
      for await (const ref of gen) {
        values.push(await ref);
        if (values.length === 3) ctl.abort();
      }
    } catch (e) {
      error = e;
    }
    assert.deepEqual(values.slice(0, 3), [0, 1, 2]);
    assert.ok(error instanceof TaskCancelledError, String(error));
    assert.equal((await gen.next()).done, true);
    await sleep(20);
    assert.equal(finals - f0, 1, 'the producer stopped at its next yield');
  });

  test('a stream with a timeout ends with a TaskTimeoutError item', async () => {
    const s = Svc.remote();
    let error: unknown;
    let n = 0;
    try {
      for await (const ref of s.ticks.options({ timeout: 200 }).remote(5)) {
        await ref;
        n++;
      }
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof TaskTimeoutError, String(error));
    assert.ok(n >= 1, `${n} items before the timeout`);
  });

  test('remote functions take signal and timeout in .options() too', async () => {
    const ctl = new AbortController();
    ctl.abort();
    assert.ok((await rejection(fnAdd.options({ signal: ctl.signal }).remote(1, 2))) instanceof TaskCancelledError);
    const e = await rejection(fnWait.options({ timeout: 50 }).remote());
    assert.ok(e instanceof TaskTimeoutError, String(e));
    assert.match((e as Error).message, /fnWait \(task \d+\) was cancelled: it timed out after 50 ms/);
    assert.equal(await fnAdd.options({ timeout: 1000 }).remote(1, 2), 3);
  });

  test('a threaded call\'s timeout aborts taskContext().signal in the worker', { timeout: 30_000 }, async () => {
    try {
      const w = Waiter.remote();
      assert.equal(await w.abortedCalls.remote(), 0, 'the actor is up on its worker');
      const e = await rejection(w.untilAborted.options({ timeout: 100 }).remote());
      assert.ok(e instanceof TaskTimeoutError, String(e));
      let seen = 0;
      for (let i = 0; i < 200 && seen === 0; i++) {
        seen = await w.abortedCalls.remote();
        if (seen === 0) await sleep(10);
      }
      assert.equal(seen, 1, 'the worker\'s method saw its signal abort');
    } finally {
      await shutdown();
    }
  });

  test('G11 inside a worker, a call through a handle takes signal and timeout: either cancels it there and where it runs', { timeout: 30_000 }, async () => {
    try {
      const r = Relay.remote();
      const target = PingTarget.remote();
      for (const k of ['timeout', 'signal'] as const) assert.equal(await r.tryOptions.remote(target, k), 'accepted');
      assert.equal(await within(r.cancelVia.remote(target, 'timeout'), 'the timeout'), 'TaskTimeoutError');
      assert.equal(await within(r.cancelVia.remote(target, 'signal'), 'the signal'), 'TaskCancelledError');
      assert.equal(await within(r.cancelVia.remote(target, 'aborted'), 'an aborted signal'), 'TaskCancelledError');
      // The owner's method saw its own signal abort, for the two calls that reached it (not the third).
      let seen = 0;
      for (let i = 0; i < 200 && seen < 2; i++) {
        seen = await target.abortedCalls.remote();
        if (seen < 2) await sleep(10);
      }
      assert.equal(seen, 2, 'both calls aborted where they ran');
      await sleep(50);
      assert.equal(await target.abortedCalls.remote(), 2, 'the call with an aborted signal never ran');
    } finally {
      await shutdown();
    }
  });

  test('bad signal and timeout values, and signal or timeout in @method or remote(), are TypeErrors naming the option', () => {
    const s = Svc.remote();
    assert.throws(() => s.incr.options({ timeout: -1 }), /Svc\.incr\.options\(\): timeout must be a number of milliseconds > 0, got -1/);
    assert.throws(() => s.incr.options({ timeout: '10' as unknown as number }), /got '10'/);
    assert.throws(() => s.incr.options({ signal: {} as AbortSignal }), /signal must be an AbortSignal/);
    assert.throws(() => method({ timeout: 5 } as never)(function f() {}, { name: 'f' } as ClassMethodDecoratorContext), /timeout is given per call/);
    assert.throws(() => remote(function f() {}, { signal: new AbortController().signal } as never), /signal is given per call/);
  });
});

describe('issue11 ObjectRef is a full thenable', () => {
  test('catch() gets the error and finally() runs once the ref settles', async () => {
    const s = Svc.remote();
    const e = await s.boom.remote().catch((x: unknown) => x);
    assert.ok(e instanceof TaskError);
    let ran = 0;
    assert.equal(await s.incr.remote(5).finally(() => ran++), 5);
    await assert.rejects(s.boom.remote().finally(() => ran++), TaskError);
    assert.equal(ran, 2);
    const caught: number | string = await s.incr.remote(1).catch(() => 'never');
    assert.equal(caught, 6);
  });

  test('a rejected ref nobody awaits still raises no unhandled rejection', async () => {
    const seen: unknown[] = [];
    const onUnhandled = (r: unknown) => seen.push(r);
    process.on('unhandledRejection', onUnhandled);
    try {
      const s = Svc.remote();
      const r: ObjectRef<never> = s.boom.remote();
      void r;
      await sleep(20);
      assert.deepEqual(seen, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('issue11 mistakes that used to pass silently are clear errors', () => {
  test('await handle.m (without .remote()) rejects with a TypeError that says to call .remote(); await handle still gives the handle', async () => {
    const s = Svc.remote();
    const e = await rejection(s.incr as unknown as PromiseLike<unknown>);
    assert.ok(e instanceof TypeError, String(e));
    assert.match((e as Error).message, /Svc\.incr is a remote method: call it with \.incr\.remote\(\.\.\.args\)/);
    assert.equal(await s, s, 'a handle is not thenable');
    const e2 = await rejection((s as unknown as Record<string, PromiseLike<unknown>>).nope!);
    assert.match((e2 as Error).message, /Svc has no method 'nope'/);
  });

  test('handle.m(1) says to call .remote() instead of "is not a function"', () => {
    const s = Svc.remote();
    assert.throws(() => (s.incr as unknown as (n: number) => void)(1), /Svc\.incr is a remote method: call it with \.incr\.remote\(\.\.\.args\)/);
    assert.throws(() => (s as unknown as Record<string, (n: number) => void>).nope!(1), /Svc has no method 'nope'/);
  });

  test('backpressure on a method that is not a generator is refused, naming the class, the method and the option', () => {
    const s = Svc.remote();
    assert.throws(() => s.incr.options({ backpressure: 4 }), (e: Error) => e instanceof TypeError && /Svc\.incr\.options\(\): backpressure applies to a stream, and Svc\.incr is not a generator method/.test(e.message));
    assert.doesNotThrow(() => s.ticks.options({ backpressure: 4 }));
    assert.throws(() => fnAdd.options({ backpressure: 2 }), /backpressure applies to a stream, and .* is not a generator function/);
    assert.throws(() => remote(function two() { return 2; }, { backpressure: 2 }), /remote\(two\): backpressure applies to a stream, and two is not a generator function/);
    assert.doesNotThrow(() => fnRange.options({ backpressure: 2 }));
    class BadBp extends Actor {
      @method({ backpressure: 2 }) one(): number {
        return 1;
      }
    }
    assert.throws(() => BadBp.remote(), /BadBp\.one: @method backpressure applies to a stream, and one is not a generator method/);
  });

  test('transfer on an in-process actor or function is refused with the reason', () => {
    const s = Svc.remote();
    assert.throws(() => s.incr.options({ transfer: true }), /Svc\.incr\.options\(\): transfer moves buffers to a worker thread, and Svc runs in this thread/);
    assert.throws(() => fnAdd.options({ transfer: true }), /transfer moves buffers to a worker thread, and .* runs in this thread/);
    class BadTransfer extends Actor {
      @method({ transfer: true }) one(b: Uint8Array): number {
        return b.length;
      }
    }
    assert.throws(() => BadTransfer.remote(), /BadTransfer\.one: @method transfer moves buffers to a worker thread, and BadTransfer runs in this thread \(mode 'sync'\)/);
  });

  test('string values in messages are quoted', async () => {
    const s = Svc.remote();
    assert.throws(() => s.ticks.options({ backpressure: '4' as unknown as number }), /got '4'/);
    assert.throws(() => s.ticks.options({ maxRetries: '1' as unknown as number }), /got '1'/);
    await shutdown();
    assert.throws(() => init({ workers: '2' as unknown as number }), /init: workers must be an integer >= 1, got '2'/);
  });

  test('new A() of an actor class is a plain instance, on purpose: its methods run directly, with no actor behind it', () => {
    const plain = new Svc();
    assert.equal(plain.incr(2), 2);
    assert.equal(plain.incr(3), 5);
    assert.equal(plain instanceof Svc, true);
  });
});

describe('issue11 what the backpressure guidance says', () => {
  test('G10 A1 a stream paused by backpressure holds an actor that runs one call at a time, until it is read or closed', async () => {
    @actor()
    class OneAtATime extends Actor {
      *items(n: number): Generator<number> {
        for (let i = 0; i < n; i++) yield i;
      }
      ping(): string {
        return 'pong';
      }
    }
    const a = OneAtATime.remote();
    const gen = a.items.options({ backpressure: 2 }).remote(100);
    let answered = false;
    const ping = a.ping.remote().then((v) => {
      answered = true;
      return v;
    });
    await sleep(30);
    assert.equal(answered, false, 'the later call waits behind the paused stream');
    await gen.return();
    assert.equal(await ping, 'pong', 'closing the stream lets it run');
  });
});

