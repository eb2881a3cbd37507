// A8/A10: a worker's code creates threaded actors as the main thread does. `Class.remote()` inside a
// threaded actor returns a working handle at once; the main thread's pool builds the actor, which is owned
// by its creator (it dies when the creator dies), is found by name from anywhere (A9), and its handle may
// be returned to the main thread or called from the worker, streams included.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ActorDiedError, actorInfo, getActor, init, kill, shutdown, type ActorHandle } from '../lib/index.js';
import { settle, ticks, until, within } from './helpers/actors-util.js';
import { Foreman, type Hand } from './helpers/wire-actors.js';
import { Nest, Recruiter } from './helpers/create-actors.js';

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

  test('A8 killing an in-process actor that lives in a worker kills the threaded actor its code created', async () => {
    const n = Nest.remote();
    const h = (await within(n.hireViaLocal.remote('x'), 'hire via the local boss', 15_000)) as ActorHandle<Hand>;
    assert.equal(await within(h.whoami.remote(), 'whoami'), 'hand x');
    await within(n.killBoss.remote(), 'kill the boss');
    await until(() => actorInfo(h).state === 'dead', 'the Hand dies with the LocalBoss that created it');
  });

  test('A8 down the tree: killing a threaded actor kills the in-process actor it made in its worker, and the threaded actor that one created', async () => {
    const n = Nest.remote();
    const h = (await within(n.hireViaLocal.remote('y'), 'hire via the local boss', 15_000)) as ActorHandle<Hand>;
    assert.equal(await within(h.whoami.remote(), 'whoami'), 'hand y');
    kill(n);
    await until(() => actorInfo(h).state === 'dead', 'the Hand dies with its creator\'s creator');
  });

  test('A8 a creation settles once with its real outcome while the main thread is busy: the worker waits, and the actor is made once', { timeout: 60_000 }, async () => {
    const r = Recruiter.remote();
    assert.equal(await within(r.tryHire.remote('warm'), 'a first creation', 15_000), 'created');
    const out = r.tryHire.remote('late-1');
    await ticks(2); // the call has left; the worker asks at once
    const end = Date.now() + 1500;
    while (Date.now() < end); // the main thread is busy while the worker waits for its answer
    assert.equal(await within(out, 'the worker\'s answer', 15_000), 'created');
    assert.equal(await within(getActor<Hand>('late-1').whoami.remote(), 'the one actor of that name'), 'hand late-1');
  });

  test('A8 forty Class.remote() in one worker method each give a working handle', { timeout: 60_000 }, async () => {
    const r = Recruiter.remote();
    const names = await within(r.hireMany.remote(40), 'forty hands answer', 30_000);
    assert.deepEqual(names, Array.from({ length: 40 }, (_, i) => `hand m${i}`));
  });

  test('A3 a script whose worker created threaded actors and called main-thread actors through handles exits by itself', { timeout: 60_000 }, () => {
    const script = fileURLToPath(new URL('./helpers/create-exit-script.js', import.meta.url));
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.signal, null, `killed after 30 s: the process did not exit (stdout: ${r.stdout}, stderr: ${r.stderr})`);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { who: 'hand a', many: ['hand m0', 'hand m1', 'hand m2'], via: [7] });
  });

  test('A8 a worker that dies takes with it the threaded actors its own in-process actors created', { timeout: 30_000 }, async () => {
    const n = Nest.options({ dedicated: true }).remote();
    const h = (await within(n.hireViaLocal.remote('z'), 'hire via the local boss', 15_000)) as ActorHandle<Hand>;
    assert.equal(await within(h.whoami.remote(), 'whoami'), 'hand z');
    void settle(n.exit.remote());
    await until(() => actorInfo(h).state === 'dead', 'the Hand dies with the worker of its creator');
  });
});
