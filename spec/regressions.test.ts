// Regressions found in review: each test names the rule it protects.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Actor, actor, cancel, init, shutdown, TaskCancelledError, type ObjectRef } from '../lib/index.js';
import { Counter } from '../actors/index.js';
import { within } from './helpers/actors-util.js';
import { Tally } from './helpers/threaded-actors.js';

after(() => shutdown());

const never = <T>(): ObjectRef<T> => {
  @actor({ mode: 'async' })
  class Never extends Actor {
    async hang(): Promise<T> {
      return new Promise<T>(() => {});
    }
  }
  return Never.remote().hang.remote() as ObjectRef<T>;
};

test('A11 G11 cancelling a call that waits for a ref argument that never settles frees its sync actor', async () => {
  const c = Counter.remote(0);
  const stuck = c.incr.remote(never<number>());
  const next = c.incr.remote(1);
  await new Promise((r) => setImmediate(r));
  cancel(stuck);
  await assert.rejects(async () => stuck, TaskCancelledError);
  assert.equal(await within(next, 'the next call', 5000), 1, 'the next call ran');
});

test('A10 issue3 a stream item that holds an actor handle arrives as a working handle', async () => {
  await shutdown();
  init({ workers: 1 });
  const counter = Counter.remote(10);
  const t = Tally.remote();
  const seen: number[] = [];
  for await (const ref of t.handles.remote(counter, 3)) {
    const item = (await ref) as { i: number; h: typeof counter };
    seen.push(await item.h.incr.remote(1));
  }
  assert.deepEqual(seen, [11, 12, 13]);
});

test('G9 G10 issue3 a dropped threaded stream with backpressure does not wedge its actor', async () => {
  await shutdown();
  init({ workers: 1 });
  const t = Tally.remote();
  await t.add.remote(0);
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, 'run with --expose-gc');
  (() => {
    const gen = t.count.options({ backpressure: 2 }).remote(200);
    void gen.next(); // take one item, then drop the stream with its producer held by credit
  })();
  let done: number | undefined;
  const call = t.add.remote(5).then((v) => (done = v));
  for (let i = 0; i < 200 && done === undefined; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(await within(call, 'the call after the dropped stream', 10_000), 5, 'the call after the dropped stream ran');
});
