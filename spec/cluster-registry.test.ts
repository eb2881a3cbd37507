// A7 for detached actors, at the registry (lib/cluster/registry.ts) against a real nats-server's KV bucket,
// with the member's side played by the spec: which member wins a rebuild and where it goes are the spec's to
// choose here, so the cases that a live cluster reaches only by a race (a node whose resources were taken
// between a member's choice and the spawn) are reached every time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Registry, spawnEntry, type NameEntry, type RegistrySide } from '../lib/cluster/registry.js';
import type { SpawnMsg } from '../lib/wire/protocol.js';
import { startNats, type NatsServer } from './helpers/cluster-nodes.js';

const SETTLE_MS = 100;

/** The member side of a registry: `places` says where each rebuild goes (undefined: nowhere yet). */
function side(me: string, alive: Set<string>, places: (s: SpawnMsg) => string | undefined) {
  const sent: { node: string; spawn: SpawnMsg }[] = [];
  let n = 0;
  const s: RegistrySide = {
    me,
    alive: (id) => alive.has(id),
    nameOf: (id) => id,
    respawnAt: (spawn) => {
      const node = places(spawn);
      return node === undefined ? undefined : { node, spawn: { ...spawn, aid: `${spawn.line}-${++n}` } };
    },
    respawn: (node, spawn) => void sent.push({ node, spawn }),
    settleMs: SETTLE_MS,
    holds: () => {},
  };
  return { s, sent };
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('registry: rebuilding detached actors', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  const open: Registry[] = [];

  before(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
  });
  after(async () => {
    for (const r of open) r.stop();
    await nc.close();
    await nats.stop();
  });

  async function registry(s: RegistrySide, cluster: string): Promise<Registry> {
    const r = await Registry.open(nc, cluster, s);
    assert.ok(typeof r !== 'string', `JetStream is on: ${String(r)}`);
    open.push(r);
    return r;
  }

  const spawn = (line: string, maxRestarts: number): SpawnMsg => ({ t: 'spawn', aid: line, line, url: 'pkg/actors.js', cls: 'Counter', args: [1], maxRestarts, res: { gpu: 1 } });
  const entryOf = (s: SpawnMsg, owner: string): NameEntry => ({ $troupeHandle: s.aid, className: s.cls, methods: [], o: owner, l: s.line, spawn: { ...s, respawns: 0 } });

  test('A7 a rebuild that its chosen node cannot build is placed again, counting no restart; while nobody can take it, it is looked at again', async () => {
    const alive = new Set(['a', 'b', 'c']);
    let target: string | undefined;
    const { s, sent } = side('b', alive, () => target);
    const r = await registry(s, 'reassign');
    const first = spawn('L1', 1);
    const k = spawnEntry(first)!;
    // Node a built it and holds its entry; a dies, and member b wins the rebuild and sends it to itself.
    const a = await registry(side('a', alive, () => undefined).s, 'reassign');
    const view = await registry(side('observer', alive, () => undefined).s, 'reassign');
    await a.claim(k, entryOf(first, 'a'));
    await until(() => view.entry(k)?.$troupeHandle === first.aid && r.entry(k)?.$troupeHandle === first.aid, 5000, 'the entry of the first build, seen by b and the observer');
    alive.delete('a');
    target = 'b';
    r.ownerDied('a');
    await until(() => sent.length === 1, 5000, 'the rebuild sent');
    assert.equal(sent[0]!.node, 'b');
    const rebuild = sent[0]!.spawn;
    assert.notEqual(rebuild.aid, first.aid, 'a new build of the same line');
    await until(() => view.entry(k)?.$troupeHandle === rebuild.aid, 5000, 'the entry naming the rebuild');
    assert.equal(view.entry(k)!.spawn!.respawns, 1, 'the node death counts one restart');

    // b cannot build it after all (its gpu was taken meanwhile), and nobody else can yet.
    target = undefined;
    r.reassign(k, rebuild.aid);
    await new Promise((res) => setTimeout(res, 3 * SETTLE_MS));
    assert.equal(sent.length, 1, 'nowhere to send it yet');
    assert.equal(view.entry(k)?.$troupeHandle, rebuild.aid, 'the entry stays while it waits (it was deleted: the actor was lost)');
    // c can now: the next look sends it there, under a new build, with the restart count unchanged.
    target = 'c';
    await until(() => sent.length === 2, 5000, 'the rebuild placed again');
    assert.equal(sent[1]!.node, 'c');
    await until(() => view.entry(k)?.$troupeHandle === sent[1]!.spawn.aid, 5000, 'the entry naming the build on c');
    assert.equal(view.entry(k)!.o, 'c');
    assert.equal(view.entry(k)!.spawn!.respawns, 1, 'a build that never ran is no restart: maxRestarts 1 still allows this one');

    // A stale reassign (of a build the entry no longer names) changes nothing.
    r.reassign(k, rebuild.aid);
    await new Promise((res) => setTimeout(res, 3 * SETTLE_MS));
    assert.equal(sent.length, 2);
    assert.equal(view.entry(k)!.$troupeHandle, sent[1]!.spawn.aid);
  });

  test('A7 a reassigned rebuild waiting for a member is placed once one can take it, though a read of the bucket failed meanwhile', async () => {
    const alive = new Set(['b', 'c']);
    let target: string | undefined;
    const { s, sent } = side('b', alive, () => target);
    const r = await registry(s, 'reassign-outage');
    const rebuild: SpawnMsg = { ...spawn('L2', 1), aid: 'L2-1' };
    const k = spawnEntry(rebuild)!;
    // The entry as the member that chose b for the rebuild wrote it (one restart counted), then b refused it.
    await r.claim(k, { ...entryOf(rebuild, 'b'), spawn: { ...rebuild, respawns: 1 } });
    r.reassign(k, rebuild.aid);
    await new Promise((res) => setTimeout(res, 2.5 * SETTLE_MS));
    // One read fails (a request timing out), then the bucket answers again, and c can take it.
    const kv = r.kv as unknown as { get(key: string): Promise<unknown> };
    const get = kv.get.bind(kv);
    let reads = 0;
    kv.get = (key) => (reads++ === 0 ? Promise.reject(new Error('TIMEOUT')) : get(key));
    await until(() => reads >= 1, 5000, 'the waiting rebuild looked at again');
    target = 'c';
    await until(() => sent.length === 1, 5000, 'the rebuild placed on c');
    assert.equal(sent[0]!.node, 'c');
  });
});
