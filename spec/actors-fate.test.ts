// A8 fate sharing (Ray's ownership): an actor created by another actor's code is owned by it and dies when
// its creator dies or restarts (its instance, and what it made, are gone), and so on down the tree; an
// actor the program's own code created lives until it is killed. In process and inside a worker.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Actor, ActorDiedError, actor, actorInfo, init, kill, shutdown, type ActorHandle } from '../lib/index.js';
import { settle, until, within } from './helpers/actors-util.js';
import { Supervisor } from './helpers/wire-actors.js';

beforeEach(() => init({ workers: 1 }));
afterEach(() => shutdown());

@actor({ mode: 'async' })
class Node extends Actor {
  // Handles typed loosely here: a class's handle type cannot appear in its own members.
  readonly kids: object[] = [];
  spawn(): object {
    const k = Node.remote();
    this.kids.push(k);
    return k;
  }
  async spawnDeep(levels: number): Promise<object[]> {
    if (levels === 0) return [];
    const k = this.spawn() as NodeHandle;
    return [k, ...((await k.spawnDeep.remote(levels - 1)) as object[])];
  }
  ping(): string {
    return 'pong';
  }
}

type NodeHandle = ActorHandle<Node>;

describe('A8 fate sharing', () => {
  test('A8 an actor created by another actor dies when its creator is killed, its calls rejecting with ActorDiedError naming the creator', async () => {
    const root = Node.remote();
    const kid = (await root.spawn.remote()) as NodeHandle;
    assert.equal(await kid.ping.remote(), 'pong');
    kill(root);
    await until(() => actorInfo(kid).state === 'dead', 'the child dies with its creator');
    const out = await settle(kid.ping.remote());
    assert.ok(!out.ok && out.error instanceof ActorDiedError);
    assert.match((out.error as Error).message, /its creator Node#\d+ died/);
  });

  test('A8 the whole tree below a killed actor dies', async () => {
    const root = Node.remote();
    const tree = (await within(root.spawnDeep.remote(3), 'a tree of three levels')) as NodeHandle[];
    assert.equal(tree.length, 3);
    kill(root);
    await until(() => tree.every((n) => actorInfo(n).state === 'dead'), 'every descendant dies');
  });

  test('A8 actors the program itself created live on when another actor dies', async () => {
    const a = Node.remote();
    const b = Node.remote();
    await Promise.all([a.ping.remote(), b.ping.remote()]);
    kill(a);
    assert.equal(await b.ping.remote(), 'pong');
    assert.equal(actorInfo(b).state, 'open');
  });

  test('A7 A8 a creator that restarts takes its children with it (their instance made them)', async () => {
    const root = Node.options({ maxRestarts: 1 }).remote();
    const kid = (await root.spawn.remote()) as NodeHandle;
    kill(root, { noRestart: false });
    await until(() => actorInfo(kid).state === 'dead', 'the child of the old instance dies');
    assert.equal(await root.ping.remote(), 'pong');
  });

  test('A8 inside a worker: an actor a threaded actor created there dies when its creator restarts', async () => {
    const s = Supervisor.remote();
    assert.equal(await within(s.spawn.remote(), 'spawn a leaf in the worker'), 'leaf');
    assert.equal(await s.leafState.remote(), 'open');
    kill(s, { noRestart: false });
    let state = '';
    for (let i = 0; i < 200 && state !== 'dead'; i++) {
      state = await within(s.leafState.remote(), 'the rebuilt supervisor answers', 15_000);
      if (state !== 'dead') await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(state, 'dead');
  });
});
