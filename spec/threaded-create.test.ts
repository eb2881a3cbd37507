// A8/A10: a worker's code creates threaded actors as the main thread does. `Class.remote()` inside a
// threaded actor returns a working handle at once; the main thread's pool builds the actor, which is owned
// by its creator (it dies when the creator dies), is found by name from anywhere (A9), and its handle may
// be returned to the main thread or called from the worker, streams included.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ActorDiedError, actorInfo, getActor, init, kill, shutdown, type ActorHandle } from '../lib/index.js';
import { settle, until, within } from './helpers/actors-util.js';
import { Foreman, type Hand } from './helpers/wire-actors.js';

beforeEach(() => init({ workers: 2 }));
afterEach(() => shutdown());

describe('A8 A10 threaded actors created by a worker\'s code', () => {
  test('A10 a threaded actor creates a threaded actor: its handle, returned to the main thread, calls it', async () => {
    const f = Foreman.remote();
    const h = (await within(f.hire.remote('a'), 'hire')) as ActorHandle<Hand>;
    assert.equal(await within(h.whoami.remote(), 'whoami from the main thread'), 'hand a');
    assert.equal(actorInfo(h).mode, 'threaded');
    assert.equal(actorInfo(h).className, 'Hand');
  });

  test('A10 the creating worker calls the new actor at once, while it is still being built, and consumes its stream', async () => {
    const f = Foreman.remote();
    assert.equal(await within(f.hireAndAsk.remote('b'), 'hire and ask'), 'hand b');
    assert.equal(await within(f.hireAndCount.remote(100), 'hire and count'), 4950);
  });

  test('A9 a name given in a worker is the main thread\'s: getActor finds it, and a second creation under it is a clear error naming it', async () => {
    const f = Foreman.remote();
    await within(f.hire.remote('named', 'crew-1'), 'hire under a name');
    assert.equal(await within(getActor<Hand>('crew-1').whoami.remote(), 'by name'), 'hand named');
    const text = await within(f.hireTwice.remote('crew-2'), 'hire twice');
    assert.match(text, /Hand\.remote\(\): the actor name 'crew-2' is taken by Hand 'crew-2'/);
  });

  test('A8 the actors a threaded actor created die when it is killed, their calls rejecting with ActorDiedError naming it', async () => {
    const f = Foreman.remote();
    const h = (await within(f.hire.remote('c'), 'hire')) as ActorHandle<Hand>;
    assert.equal(await h.whoami.remote(), 'hand c');
    kill(f);
    await until(() => actorInfo(h).state === 'dead', 'the created actor dies with its creator');
    const out = await settle(h.whoami.remote());
    assert.ok(!out.ok && out.error instanceof ActorDiedError, 'ActorDiedError');
    assert.match((out.error as Error).message, /its creator Foreman#\d+ died/);
  });
});
