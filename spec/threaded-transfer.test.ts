// transfer: true (what crosses a thread is the value at the call, moved instead of copied): a transferred
// call in flight when its worker died settles (it cannot run again: its buffers went with the worker);
// a call made while the actor is still starting moves its buffers at the call, so later writes by the
// caller never reach the worker; a transfer asked for through a handle inside a worker moves the buffer.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ActorDiedError, init, shutdown } from '../lib/index.js';
import { settle, within } from './helpers/actors-util.js';
import { scratch } from './helpers/threaded-actors.js';
import { Bytes } from './helpers/wire-actors.js';

beforeEach(() => init({ workers: 2 }));
afterEach(() => shutdown());

describe('A7 transfer and crashes', () => {
  test('A7 a transferred call whose worker died settles with ActorDiedError that says why it is not run again', async () => {
    const marker = join(scratch(), 'crashed');
    const b = Bytes.options({ maxTaskRetries: 2 }).remote();
    await b.sum.remote(new Uint8Array([1]));
    const out = await within(settle(b.crashOnce.options({ transfer: true }).remote(marker, new Uint8Array([1, 2, 3]))), 'the transferred call settles', 15_000);
    assert.equal(out.ok, false);
    assert.ok(!out.ok && out.error instanceof ActorDiedError, String(!out.ok && out.error));
    assert.match((out as { error: Error }).error.message, /transfer/);
    // The actor was rebuilt and works.
    assert.equal(await within(b.sum.remote(new Uint8Array([4, 5])), 'a call after the restart'), 9);
  });

  test('A7 a copied call (no transfer) in flight when its worker died runs again and settles with its value', async () => {
    const marker = join(scratch(), 'crashed');
    const b = Bytes.options({ maxTaskRetries: 2 }).remote();
    const out = await within(b.crashOnce.remote(marker, new Uint8Array([1, 2, 3])), 'the copied call settles', 15_000);
    assert.equal(out, 6);
  });
});

describe('issue3 transfer at the call', () => {
  test('issue3 a transfer call made while the actor starts moves its buffer at the call: later writes do not reach the worker', async () => {
    const b = Bytes.remote(300);
    const buf = new Uint8Array([1, 2, 3]);
    const ref = b.sum.options({ transfer: true }).remote(buf);
    assert.equal(buf.byteLength, 0, 'the caller\'s buffer is moved at the call');
    assert.equal(await within(ref, 'the sum', 15_000), 6);
  });

  test('issue3 transfer through a handle inside a worker moves the buffer', async () => {
    const a = Bytes.remote();
    const c = Bytes.remote();
    const out = await within(a.relay.remote(c, new Uint8Array([7, 8])), 'the relayed sum', 15_000);
    assert.deepEqual(out, { sum: 15, movedHere: true });
  });
});
