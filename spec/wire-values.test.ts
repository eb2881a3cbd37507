// A10, values cross as they were: the codec marks a value that holds handles by wrapping it as
// { $troupeHandles: v }; a user object that happens to have that key is user data, and arrives unchanged
// as an argument, a result, a stream item, and through a handle, both ways.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { init, shutdown } from '../lib/index.js';
import { within } from './helpers/actors-util.js';
import { echoFn } from './helpers/wire-actors.js';
import { Echo, MainEcho } from './helpers/create-actors.js';

beforeEach(() => init({ workers: 1 }));
afterEach(() => shutdown());

const data = { $troupeHandles: 5 };

describe('A10 a user object with a $troupeHandles key crosses unchanged', () => {
  test('A10 as an argument and result of a threaded function', async () => {
    assert.deepEqual(await within(echoFn.remote(data), 'echo'), data);
  });
  test('A10 as an argument and result of a threaded actor call', async () => {
    const e = Echo.remote();
    assert.deepEqual(await within(e.echo.remote({ $troupeHandles: { a: 1 } }), 'echo'), { $troupeHandles: { a: 1 } });
  });
  test('A10 as a stream item of a threaded actor', async () => {
    const e = Echo.remote();
    const out: unknown[] = [];
    for await (const r of e.items.remote(data)) out.push(await r);
    assert.deepEqual(out, [data]);
  });
  test('A10 through a handle from a worker to a main-thread actor and back', async () => {
    const e = Echo.remote();
    const m = MainEcho.remote();
    assert.deepEqual(await within(e.viaHandle.remote(m, data), 'via handle'), data);
  });
});
