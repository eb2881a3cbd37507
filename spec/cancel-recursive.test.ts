// G11 recursive cancellation (Ray's default): cancelling a call also cancels the calls and tasks it
// submitted that have not settled, and theirs, in process and across a thread; cancel(ref, { recursive:
// false }) cancels only that one. A call's children are those it submitted while its code ran (the
// synchronous part of a method by default, anywhere with init({ asyncContext: true }): see taskContext()).
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Actor, TaskCancelledError, actor, cancel, getActor, init, remote, shutdown, type ActorHandle } from '../lib/index.js';
import { settle, within } from './helpers/actors-util.js';
import { Caller, Holder, Spawner, ThreadedSpawner } from './helpers/wire-actors.js';

beforeEach(() => init({ workers: 1 }));
afterEach(() => shutdown());

/** Waits until `cond` (asked of an actor) holds, or fails naming `what` after `ms`. */
async function until(cond: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function started(h: ActorHandle<Holder>, n: number): Promise<void> {
  await until(async () => (await h.log.remote()).filter((l) => l.endsWith(':start')).length >= n, `${n} holds started`, 10_000);
}

describe('G11 recursive cancellation', () => {
  test('G11 cancel of an actor call cancels the calls it submitted (in process)', async () => {
    const h = Holder.remote();
    const s = Spawner.remote();
    const ref = s.spawn.remote(h, ['a', 'b']);
    await started(h, 2);
    cancel(ref);
    const out = await settle(ref);
    assert.ok(!out.ok && out.error instanceof TaskCancelledError);
    await until(async () => (await h.log.remote()).filter((l) => l.endsWith(':aborted')).length === 2, 'both children aborted', 5000);
    assert.deepEqual((await h.log.remote()).sort(), ['a:aborted', 'a:start', 'b:aborted', 'b:start']);
  });

  test('G11 cancel reaches grandchildren (two levels of actors)', async () => {
    const h = Holder.remote();
    const top = Spawner.remote();
    const mid = Spawner.remote();
    const ref = top.nest.remote(mid, h, ['x']);
    await started(h, 1);
    cancel(ref);
    await until(async () => (await h.log.remote()).includes('x:aborted'), 'the grandchild aborted', 5000);
  });

  test('G11 cancel(ref, { recursive: false }) leaves the children running', async () => {
    const h = Holder.remote();
    const s = Spawner.remote();
    const ref = s.spawn.remote(h, ['a']);
    await started(h, 1);
    cancel(ref, { recursive: false });
    assert.ok(!(await settle(ref)).ok);
    h.release.remote();
    await until(async () => (await h.log.remote()).includes('a:released'), 'the child released, not aborted', 5000);
    assert.ok(!(await h.log.remote()).includes('a:aborted'));
  });

  test('G11 cancel of a remote function cancels the tasks it submitted', async () => {
    const h = Holder.remote();
    const outer = remote(async function outer(holder: typeof h) {
      return holder.hold.remote('t');
    });
    const ref = outer.remote(h);
    await started(h, 1);
    cancel(ref);
    await until(async () => (await h.log.remote()).includes('t:aborted'), 'the child task aborted', 5000);
  });

  test('G11 cancel of a threaded call cancels the calls it made through a handle', async () => {
    const h = Holder.remote();
    const s = ThreadedSpawner.remote();
    const ref = s.spawn.remote(h, ['w1', 'w2']);
    await started(h, 2);
    cancel(ref);
    const out = await within(settle(ref), 'the threaded call settles');
    assert.ok(!out.ok && out.error instanceof TaskCancelledError);
    await until(async () => (await h.log.remote()).filter((l) => l.endsWith(':aborted')).length === 2, 'both callouts aborted', 5000);
  });

  test('G11 recursive: false across a thread leaves the callouts running', async () => {
    const h = Holder.remote();
    const s = ThreadedSpawner.remote();
    const ref = s.spawn.remote(h, ['w']);
    await started(h, 1);
    cancel(ref, { recursive: false });
    assert.ok(!(await settle(ref)).ok);
    // Give a wrongly sent cancel time to arrive before the release (it comes in microseconds).
    await new Promise((r) => setTimeout(r, 100));
    h.release.remote();
    await until(async () => (await h.log.remote()).includes('w:released'), 'the callout released, not aborted', 5000);
  });

  test('G11 cancel options are checked', () => {
    const ref = Holder.remote().log.remote();
    assert.throws(() => cancel(ref, { recursive: 'yes' as unknown as boolean }), /recursive must be a boolean/);
  });
});

describe('G11 children are only what a call made', () => {
  test('G11 with asyncContext, a worker started by a call does not make that call the parent of what the worker later asks for', async () => {
    await shutdown();
    init({ workers: 1, asyncContext: true });
    @actor({ mode: 'async' })
    class Starter extends Actor {
      async run(): Promise<string> {
        await Caller.options({ name: 'started-caller' }).remote().ping.remote();
        await new Promise((r) => setTimeout(r, 1000));
        return 'done';
      }
    }
    const parent = Starter.remote().run.remote();
    const h = Holder.remote();
    let caller;
    for (let i = 0; i < 200 && caller === undefined; i++) {
      try {
        caller = getActor<InstanceType<typeof Caller>>('started-caller');
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    assert.ok(caller);
    const out = caller.callHold.remote(h, 'top'); // made at top level, not by Starter.run
    await started(h, 1);
    cancel(parent);
    assert.ok(!(await settle(parent)).ok);
    await new Promise((r) => setTimeout(r, 100));
    h.release.remote();
    assert.equal(await within(out, 'the unrelated call'), 'top');
    assert.ok(!(await h.log.remote()).includes('top:aborted'));
  });
});
