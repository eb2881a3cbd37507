// A8 A9 A10 handles work everywhere: inside a worker, kill(h), actorInfo(h) and getActor(name) act on an
// actor of the main thread as they do on the main thread (they used to throw a raw TypeError, or say that a
// live actor did not exist).
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Actor, ActorDiedError, actor, actorInfo, init, shutdown } from '../lib/index.js';
import { settle, uniqueName, within } from './helpers/actors-util.js';
import { Caller, Holder, Operator } from './helpers/wire-actors.js';

beforeEach(() => init({ workers: 1 }));
afterEach(() => shutdown());

describe('A8 A9 A10 handle operations inside a worker', () => {
  test('A10 actorInfo(h) inside a worker describes the main-thread actor', async () => {
    const name = uniqueName('holder');
    const h = Holder.options({ name }).remote();
    await h.log.remote();
    const info = await within(Operator.remote().info.remote(h), 'actorInfo in a worker');
    assert.deepEqual(info, actorInfo(h));
    assert.equal(info.name, name);
    assert.equal(info.state, 'open');
  });

  test('A8 kill(h) inside a worker kills the main-thread actor', async () => {
    const h = Holder.remote();
    const held = h.hold.remote('k');
    await within(Operator.remote().killIt.remote(h), 'kill in a worker');
    const out = await within(settle(held), 'the held call settles');
    assert.ok(!out.ok && out.error instanceof ActorDiedError);
    assert.equal(actorInfo(h).state, 'dead');
  });

  test('A9 getActor(name) inside a worker finds a main-thread actor, or says the name is unknown', async () => {
    const name = uniqueName('named');
    const h = Holder.options({ name }).remote();
    void h.hold.remote('n');
    const op = Operator.remote();
    assert.deepEqual(await within(op.logOf.remote(name), 'getActor in a worker'), ['n:start']);
    assert.match(await op.missing.remote('no-such-name'), /^ActorNotFoundError: no live actor is named 'no-such-name'/);
    h.release.remote();
  });
});

describe('A4 concurrency groups through a handle in a worker', () => {
  test('A4 a call made in a worker through a handle may name a concurrency group its actor declares', async () => {
    @actor({ mode: 'async', concurrencyGroups: { io: 2 } })
    class Grouped extends Actor {
      async io(x: number): Promise<string> {
        return `io:${x}`;
      }
    }
    const m = Grouped.remote();
    assert.equal(await within(Caller.remote().viaGroup.remote(m), 'a grouped call from a worker'), 'io:1');
  });
});
