// R3 per worker: an ObjectRef passed as an argument to many calls on one worker crosses to that worker
// once, and the worker passes each call the value it kept (the same object, as in process, where a ref's
// value is passed by reference); the worker lets the value go once the ref is collected on the main thread.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefinitionNotFoundError, get, init, put, remote, shutdown, type ObjectRef } from '../lib/index.js';
import { collectGarbage, settle, within } from './helpers/actors-util.js';
import { Keeper, echoFn } from './helpers/wire-actors.js';

beforeEach(() => init({ workers: 1 }));
afterEach(() => shutdown());

describe('R3 a ref crosses to a worker once', () => {
  test('R3 20 calls with one put() ref on one worker get the same object (copied once)', async () => {
    const k = Keeper.remote();
    const model = put({ data: [1, 2, 3], name: 'model' });
    const same = await within(get(Array.from({ length: 20 }, () => k.same.remote(model))), '20 calls');
    assert.deepEqual(same, [false, ...Array(19).fill(true)]);
    assert.equal(await k.size.remote(model as ObjectRef<{ data: number[] }>), 3);
  });

  test('R3 a value passed directly (not as a ref) is copied for each call', async () => {
    const k = Keeper.remote();
    const v = { data: [1] };
    assert.deepEqual(await get([k.same.remote(v), k.same.remote(v)]), [false, false]);
  });

  test('R3 the result ref of another call crosses once too', async () => {
    const src = Keeper.remote();
    const k = Keeper.remote();
    const r = src.size.remote({ data: [1, 2] });
    assert.deepEqual(await get([k.same.remote(r), k.same.remote(r), k.same.remote(r)]), [false, true, true]);
  });

  test('R3 the worker lets the value go when the ref is collected on the main thread', async () => {
    const k = Keeper.remote();
    const before = await k.kept.remote();
    await (async () => {
      const model = put({ data: new Array(1000).fill(7) });
      await k.same.remote(model);
      await k.forget.remote();
    })();
    assert.equal(await k.kept.remote(), before + 1);
    let kept = before + 1;
    for (let i = 0; i < 50 && kept > before; i++) {
      await collectGarbage(2);
      kept = await k.kept.remote();
    }
    assert.equal(kept, before, 'the worker still keeps the value of a collected ref');
  });
});

describe('R3 a ref kept by a worker whatever its first call met', () => {
  test('R3 a ref passed to a call that fails before it runs still reaches the next call on that worker', async () => {
    const broken = remote(function broken(x: unknown) {
      return x;
    }, { mode: 'threaded', module: 'file:///no/such/module-for-refs.js' });
    const r = put({ hello: 'world' });
    const out = await settle(broken.remote(r));
    assert.ok(!out.ok && out.error instanceof DefinitionNotFoundError, String(!out.ok && out.error));
    assert.deepEqual(await within(echoFn.remote(r), 'echo'), { hello: 'world' });
  });
});
