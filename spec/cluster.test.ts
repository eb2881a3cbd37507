// The cluster on NATS (issue 10): a private nats-server and `troupe node` child processes; the test process
// is the driver. Threaded actors placed on nodes keep the rules they keep between threads (A3, A5, G1,
// G10), placement does what the options say, and failures settle every call once: a node killed (SIGKILL)
// fails its calls and streams with ActorDiedError naming it, and an actor allowed to restart moves to a
// live node with its call retried (A7); a driver that dies takes its actors on nodes with it (A8); garbage on troupe's subjects is dropped, never fatal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { Actor, ActorDiedError, ActorNotFoundError, TaskError, WorkerCrashedError, actor, actorInfo, findActor, getActor, init, kill, nodes, put, shutdown } from '../lib/index.js';
import { ClusterCounter, ClusterHolder } from './helpers/cluster-actors.js';
import { within } from './helpers/actors-util.js';
import { encodeBeat } from '../lib/cluster/envelope.js';
import { runtime } from '../lib/runtime.js';
import { napPid, squares } from './helpers/cluster-functions.js';
import { startNats, startNode, type NatsServer, type NodeProcess } from './helpers/cluster-nodes.js';

@actor()
class LocalCounter extends Actor {
  n = 0;
}

const CLUSTER = 'spec';
const FAILURE_MS = 2000;

let nats: NatsServer;
const started: NodeProcess[] = [];

async function node(name: string, extra: string[] = []): Promise<NodeProcess> {
  const n = await startNode(nats.url, CLUSTER, name, ['--failure-timeout', String(FAILURE_MS), ...extra]);
  started.push(n);
  return n;
}

/** Until `cond` holds (membership follows heartbeats), at most `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const live = (name: string) => nodes().some((n) => n.name === name && n.alive);

describe('cluster on NATS', () => {
  before(async () => {
    nats = await startNats();
    await Promise.all([node('n1'), node('n2')]);
    await init({ workers: 1, cluster: { servers: nats.url, name: CLUSTER, node: 'driver', failureTimeout: FAILURE_MS } });
    await until(() => live('n1') && live('n2'), 5000, 'both nodes in nodes()');
  });
  after(async () => {
    await shutdown();
    for (const n of started) n.proc.kill('SIGKILL');
    await Promise.all(started.map((n) => n.exited));
    await nats.stop();
  });

  test('nodes() lists this driver first, then the live nodes with their workers', () => {
    const list = nodes();
    assert.equal(list[0]!.name, 'driver');
    assert.equal(list[0]!.node, false);
    for (const name of ['n1', 'n2']) {
      const n = list.find((x) => x.name === name)!;
      assert.equal(n.alive, true);
      assert.equal(n.node, true);
      assert.equal(n.workers, 1);
    }
  });

  test('A3 A5 an actor placed on a node: state, errors with their class, actorInfo().node', async () => {
    const c = ClusterCounter.options({ placement: { node: 'n1' } }).remote(5);
    assert.equal(await c.add.remote(2), 7);
    assert.equal(await c.add.remote(3), 10);
    const where = await c.where.remote();
    assert.equal(where.pid, started.find((n) => n.name === 'n1')!.pid);
    assert.equal(actorInfo(c).node, 'n1');
    await assert.rejects(c.fail.remote('no stock'), (e: unknown) => e instanceof TaskError && (e.cause as Error).name === 'RangeError' && /no stock/.test((e.cause as Error).message));
  });

  test('G1 G10 streams from a node arrive in order, with backpressure, to their end', async () => {
    const c = ClusterCounter.options({ placement: { node: 'n2' } }).remote();
    const got: number[] = [];
    for await (const r of c.count.remote(300)) got.push(await r);
    assert.deepEqual(got, Array.from({ length: 300 }, (_, i) => i));
    const paced: number[] = [];
    for await (const r of c.paced.remote(20)) paced.push(await r);
    assert.deepEqual(paced, Array.from({ length: 20 }, (_, i) => i));
  });

  test('troupe status lists the members with their actors and the streams they serve, as a table and as JSON', async () => {
    const c = ClusterCounter.options({ placement: { node: 'n2' } }).remote();
    const stream = c.forever.remote();
    const it = stream[Symbol.asyncIterator]();
    await (await it.next()).value;
    const bin = fileURLToPath(new URL('../bin/troupe.js', import.meta.url));
    const run = (extra: string[]) =>
      new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, [bin, 'status', '--servers', nats.url, '--cluster', CLUSTER, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`troupe status exited ${code}`))));
      });
    await until(() => nodes().find((n) => n.name === 'n2')!.actors >= 1, 5000, "n2's heartbeat counting the actor");
    const json = JSON.parse(await run(['--json'])) as { name: string; node: boolean; actors: number; streams: number }[];
    const n2 = json.find((m) => m.name === 'n2')!;
    assert.equal(n2.node, true);
    assert.ok(n2.actors >= 1 && n2.streams >= 1, `n2 serves the stream: ${JSON.stringify(n2)}`);
    assert.ok(json.some((m) => m.name === 'driver' && !m.node));
    const table = await run([]);
    assert.match(table, /member\(s\) in cluster spec/);
    assert.match(table, /NAME +ID +KIND +WORKERS +ACTORS +STREAMS/);
    assert.match(table, /\bn2 +\w+ +node +1 +\d+ +[1-9]/);
    await stream.return();
  });

  test('values cross as between threads; an argument over max_payload is chunked, not refused', async () => {
    const c = ClusterCounter.options({ placement: { node: 'n1' } }).remote();
    const v = { m: new Map([[1, { x: 2 }]]), s: new Set(['a']), d: new Date(5), f: new Float64Array([1.5]), u: undefined, n: null };
    assert.deepEqual(await c.echo.remote(v), v);
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    const back = (await c.echo.remote(big)) as Uint8Array;
    assert.equal(back.length, big.length);
    assert.ok(back.every((b, i) => b === i % 251));
  });

  test('placement: spread alternates over the members, local stays in this process', async () => {
    const spread = Array.from({ length: 6 }, () => ClusterCounter.options({ placement: 'spread' }).remote());
    const pids = await Promise.all(spread.map((c) => c.where.remote().then((w) => w.pid)));
    assert.equal(new Set(pids).size, 3, `spread over the driver and two nodes: ${pids.join(',')}`);
    const local = ClusterCounter.options({ placement: 'local' }).remote();
    assert.equal((await local.where.remote()).pid, process.pid);
  });

  test('placement { node } names where the actor is built at once; { node, soft: true } goes elsewhere when that member is not there', async () => {
    const pinned = ClusterCounter.options({ placement: { node: 'n1' } }).remote();
    assert.equal(actorInfo(pinned).node, 'n1', 'known as soon as it is placed, before it is built');
    const n1 = started.find((n) => n.name === 'n1')!.pid;
    assert.equal((await pinned.where.remote()).pid, n1);
    const soft = ClusterCounter.options({ placement: { node: 'n1', soft: true } }).remote();
    assert.equal((await soft.where.remote()).pid, n1);
    const elsewhere = ClusterCounter.options({ placement: { node: 'nowhere', soft: true } }).remote();
    assert.equal(await elsewhere.add.remote(3), 3);
    assert.ok(['driver', 'n1', 'n2'].includes(actorInfo(elsewhere).node!), `placed on a live member: ${actorInfo(elsewhere).node}`);
  });

  test('placement on a member that never appears fails after placementTimeout, naming what was asked', async () => {
    const c = ClusterCounter.options({ placement: { node: 'nowhere' }, placementTimeout: 300 }).remote();
    assert.equal(actorInfo(c).node, undefined, 'not placed anywhere while it waits');
    await assert.rejects(c.add.remote(1), (e: unknown) => e instanceof ActorDiedError && /could host it/.test(e.message) && /nowhere/.test(e.message) && /n1/.test(e.message));
    assert.equal(actorInfo(c).state, 'dead');
  });

  test('resources: an actor asking for { gpu: 1 } goes only where a gpu is free, waits while none is, and one asking too much fails naming what members offer', async () => {
    const n6 = await node('n6', ['--resources', 'gpu=1,mem=4']);
    await until(() => live('n6'), 5000, 'n6 in nodes()');
    assert.deepEqual(nodes().find((n) => n.name === 'n6')!.resources, { gpu: 1, mem: 4 });
    const a = ClusterCounter.options({ resources: { gpu: 1 } }).remote();
    assert.equal((await a.where.remote()).pid, n6.pid);
    assert.equal(actorInfo(a).node, 'n6');
    await until(() => nodes().find((n) => n.name === 'n6')!.free.gpu === 0, 5000, "n6's heartbeat showing its gpu held");
    const b = ClusterCounter.options({ resources: { gpu: 1, mem: 2 } }).remote();
    const bWhere = b.where.remote();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(actorInfo(b).state, 'starting', 'no gpu free anywhere: it waits');
    kill(a);
    assert.equal((await bWhere).pid, n6.pid, 'placed once the gpu is free again');
    const c = ClusterCounter.options({ resources: { gpu: 2 }, placementTimeout: 300 }).remote();
    await assert.rejects(c.add.remote(1), (e: unknown) => e instanceof ActorDiedError && /resources gpu=2/.test(e.message) && /n6 hosts it, .*resources free gpu=0,mem=2 of gpu=1,mem=4/.test(e.message) && /this process \(driver, not a candidate/.test(e.message));
    kill(b);
    await until(() => nodes().find((n) => n.name === 'n6')!.free.gpu === 1, 5000, 'the gpu free again once b is killed');
    n6.proc.kill('SIGKILL');
  });

  test('cluster options are checked where they are given, naming the option', () => {
    assert.throws(() => ClusterCounter.options({ resources: { gpu: -1 } }), /ClusterCounter.*resources\.gpu must be a finite number >= 0/);
    assert.throws(() => ClusterCounter.options({ resources: 2 as unknown as Record<string, number> }), /resources must be an object of resource name to amount/);
    assert.throws(() => ClusterCounter.options({ placementTimeout: 0 }), /placementTimeout must be a number of milliseconds > 0/);
    assert.throws(() => ClusterCounter.options({ placement: 'everywhere' as 'spread' }), /placement must be 'local', 'spread' or \{ node: name, soft\?: boolean \}/);
    assert.throws(() => LocalCounter.options({ resources: { gpu: 1 } }), /resources needs mode 'threaded'/);
  });

  test('threaded remote functions run on a node that defines them once this pool is busy; G1 a stream from one arrives in order; a node killed mid-call fails it with WorkerCrashedError naming the node, or runs it again (maxRetries)', async () => {
    const n7 = await node('n7', ['--import', fileURLToPath(new URL('./helpers/cluster-functions.js', import.meta.url))]);
    await until(() => live('n7'), 5000, 'n7 in nodes()');
    const busy = napPid.remote(3000); // this process's one worker
    assert.equal(await napPid.remote(1), n7.pid, 'run on the one node that defines it');
    const got: number[] = [];
    for await (const r of squares.remote(200)) got.push(await r);
    assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i * i));
    const doomed = napPid.remote(60_000);
    const moved = napPid.options({ maxRetries: 1 }).remote(300);
    await new Promise((r) => setTimeout(r, 200));
    n7.proc.kill('SIGKILL');
    await assert.rejects(doomed, (e: unknown) => e instanceof WorkerCrashedError && /napPid/.test(e.message) && /n7/.test(e.message));
    assert.equal(await moved, process.pid, 'run again on a live member: this process');
    assert.equal(await busy, process.pid);
  });

  test('A10 handles cross processes: an actor on a node calls, streams from and kills actors it was handed, wherever they live; a handle back at its owner is its own', async () => {
    const here = ClusterCounter.options({ placement: 'local' }).remote(100);
    const there = ClusterCounter.options({ placement: { node: 'n2' } }).remote(200);
    const caller = ClusterCounter.options({ placement: { node: 'n1' } }).remote();
    assert.equal(await caller.addVia.remote(here, 1), 101, 'n1 calls an actor on the driver');
    assert.equal(await caller.addVia.remote(there, 2), 202, 'n1 calls an actor on n2');
    // Straight from n1 to n2, not through this driver (its owner): count what reaches this driver meanwhile.
    const me = nodes()[0]!.id;
    const nc = await connect({ servers: nats.url });
    let toDriver = 0;
    const sub = nc.subscribe(`troupe.${CLUSTER}.in.${me}`, { callback: () => void toDriver++ });
    await nc.flush();
    for (let i = 0; i < 20; i++) await caller.addVia.remote(there, 0);
    sub.unsubscribe();
    await nc.close();
    assert.ok(toDriver < 40, `20 calls from n1 to n2 sent ${toDriver} messages to this driver: only the 20 results of its own calls to n1, and acks`);
    assert.equal(await here.add.remote(0), 101);
    assert.deepEqual(await caller.firstOf.remote(there, 5), [0, 1, 2, 3, 4], 'G1 a stream through a handle, in order');
    assert.equal(await caller.echo.remote(here), here, 'the same handle, back at its owner');
    // The actor restarts (a new build): a call sent straight to the old one is sent to its owner instead.
    const moving = ClusterCounter.options({ placement: { node: 'n2' }, maxRestarts: 1 }).remote(300);
    assert.equal(await caller.addVia.remote(moving, 1), 301);
    kill(moving, { noRestart: false });
    await until(() => actorInfo(moving).state === 'open' && actorInfo(moving).restarts === 1, 5000, 'the actor rebuilt');
    assert.equal(await caller.addVia.remote(moving, 1), 301, 'rebuilt from its arguments, reached through its owner');
    await caller.killVia.remote(there);
    await assert.rejects(there.add.remote(1), ActorDiedError);
    await assert.rejects(caller.addVia.remote(there, 1), (e: unknown) => e instanceof TaskError && (e.cause as Error).name === 'ActorDiedError');
  });

  test('A8 an actor on a node creates actors of its own; their handles reach the driver, and they die with their creator', async () => {
    const parent = ClusterCounter.options({ placement: { node: 'n1' } }).remote();
    const child = await parent.spawnChild.remote(7);
    assert.equal(await child.add.remote(1), 8, 'called from the driver, through its owner n1');
    assert.equal(await parent.addVia.remote(child, 1), 9);
    kill(parent);
    await until(() => actorInfo(parent).state === 'dead', 5000, 'the parent dead');
    // Calls go straight to where the child lives: its death reaches them once its node has heard of it.
    let end: unknown;
    for (const stop = Date.now() + 5000; end === undefined && Date.now() < stop; ) {
      end = await child.add.remote(1).then(() => undefined, (e: unknown) => e);
      if (end === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(end instanceof ActorDiedError, `the child died with its creator: ${String(end)}`);
  });

  test("lifetime 'detached': built on a node that owns it; it outlives its creator's shutdown() and SIGKILL, while the creator's own actors die", async () => {
    const d = ClusterCounter.options({ lifetime: 'detached', placement: { node: 'n1' } }).remote(5);
    assert.equal(await d.add.remote(1), 6, 'called at once, built on n1');
    assert.equal((await d.where.remote()).pid, started.find((n) => n.name === 'n1')!.pid);
    assert.equal(actorInfo(d).node, 'n1');
    assert.throws(() => ClusterCounter.options({ lifetime: 'detached', placement: { node: 'nowhere' } }).remote(), /no live node can host this detached actor now \(placement \{ node: 'nowhere' \}\)/);
    const n8 = await node('n8');
    await until(() => live('n8'), 5000, 'n8 in nodes()');
    const count = () => nodes().find((n) => n.name === 'n8' && n.alive)?.actors;
    const script = fileURLToPath(new URL('./helpers/cluster-driver-script.js', import.meta.url));
    for (const how of ['--shutdown', 'detached']) {
      const child = spawn(process.execPath, [script, nats.url, CLUSTER, String(FAILURE_MS), 'n8', how], { stdio: ['ignore', 'pipe', 'inherit'] });
      const gone = new Promise((r) => child.once('exit', r));
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`the second driver exited (${code}) before it was ready`)));
      });
      if (how === 'detached') child.kill('SIGKILL');
      const code = await gone;
      if (how === '--shutdown') assert.equal(code, 0, 'a driver that calls shutdown() exits cleanly (nothing fires on a draining connection)');
    }
    // Each driver left one detached actor on n8; their own actors died with them.
    await until(() => count() === 2, FAILURE_MS + 5000, "n8 keeping the two detached actors, and only those");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(count(), 2);
    // The one the killed driver named is found by name from here, alive.
    const kept = await findActor<ClusterCounter>('kept-by-n8', { timeout: 5000 });
    assert.equal(await kept.add.remote(0), 42, 'built with 40, then add(2) by its creator');
    assert.equal(getActor('kept-by-n8'), kept, 'getActor reads the same from the local view');
    n8.proc.kill('SIGKILL');
  });

  test('names are cluster-wide: of two members claiming one name at once exactly one wins and the other actor dies naming the holder; findActor waits, then fails naming the name; a killed actor frees its name', async () => {
    const a = ClusterCounter.options({ lifetime: 'detached', placement: { node: 'n1' }, name: 'race' }).remote(1);
    const b = ClusterCounter.options({ lifetime: 'detached', placement: { node: 'n2' }, name: 'race' }).remote(2);
    const outcomes = await Promise.allSettled([a.add.remote(0), b.add.remote(0)]);
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, `one winner: ${outcomes.map((o) => o.status).join(', ')}`);
    const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    assert.ok(lost.reason instanceof ActorDiedError && /the actor name 'race' is taken/.test(lost.reason.message), String(lost.reason));
    const winner = await findActor<ClusterCounter>('race', { timeout: 2000 });
    assert.equal(await winner.add.remote(0), (outcomes.find((o) => o.status === 'fulfilled') as PromiseFulfilledResult<number>).value);
    const seeker = ClusterCounter.options({ placement: { node: 'n2' } }).remote();
    assert.equal(await seeker.addNamed.remote('race', 0), await winner.add.remote(0), 'found by its name from an actor on a node');
    assert.throws(() => ClusterCounter.options({ name: 'race' }).remote(), /the actor name 'race' is taken by ClusterCounter/);
    assert.equal(ClusterCounter.options({ name: 'race', getIfExists: true }).remote(), winner, 'getIfExists: the one handle to it');
    // A name freed by a kill can be taken again at once, over and over.
    for (let i = 0; i < 20; i++) {
      const again = ClusterCounter.options({ name: 'again', placement: 'local' }).remote(i);
      assert.equal(await again.add.remote(0), i, `creation ${i} of the name 'again'`);
      kill(again);
    }
    // An actor killed while its name is being claimed frees the name all the same.
    const brief = ClusterCounter.options({ name: 'brief', placement: 'local' }).remote();
    await Promise.resolve();
    kill(brief);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await ClusterCounter.options({ name: 'brief', placement: 'local' }).remote(5).add.remote(0), 5);
    // getActor on a node reads its local view of the registry, which follows a claim made elsewhere.
    const seenBy = ClusterCounter.options({ placement: { node: 'n2' } }).remote(0);
    const seen = ClusterCounter.options({ name: 'seen-from-n2', placement: 'local' }).remote(5);
    assert.equal(await seen.add.remote(0), 5);
    assert.equal(await seenBy.addSeen.remote('seen-from-n2', 1, 5000), 6, "an actor on n2 finds the driver's named actor with getActor");
    await assert.rejects(findActor('nobody', { timeout: 200 }), (e: unknown) => e instanceof ActorNotFoundError && /'nobody'/.test(e.message) && /200 ms/.test(e.message));
    const later = findActor<ClusterCounter>('late', { timeout: 5000 });
    const made = ClusterCounter.options({ name: 'late', placement: { node: 'n2' } }).remote(9);
    assert.equal(await (await later).add.remote(0), 9, 'findActor waited for the name to appear');
    kill(made);
    kill(winner);
    await until(() => { try { getActor('race'); return false; } catch { return true; } }, 5000, "the name 'race' free again");
    const again = ClusterCounter.options({ name: 'race', placement: { node: 'n1' } }).remote(3);
    assert.equal(await again.add.remote(0), 3);
  });

  test("A10 a handle to another process's actor given on to this process's workers is kept while a worker holds it, and let go once none does", async () => {
    const d = ClusterCounter.options({ lifetime: 'detached', placement: { node: 'n1' } }).remote(0);
    const local = ClusterCounter.options({ placement: 'local' }).remote(0);
    for (let i = 1; i <= 5; i++) assert.equal(await local.addVia.remote(d, 1), i, 'the worker calls it through the handle it was given');
    const host = runtime().wire;
    assert.equal(host.relayedCount, 1, 'one handle relayed, however often it was given');
    for (const stop = Date.now() + 5000; host.relayedCount > 0 && Date.now() < stop; ) {
      await local.collect.remote();
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(host.relayedCount, 0, 'let go once the worker collected its handle');
    assert.equal(await local.addVia.remote(d, 1), 6, 'given again, it is relayed again');
    // Inside a ref (R3: its value crosses once and the worker keeps it), through collections meanwhile.
    const ref = put(d);
    assert.equal(await local.addVia.remote(ref, 1), 7);
    assert.equal(await local.addVia.remote(ref, 1), 8);
    await local.collect.remote();
    (globalThis as { gc?: () => void }).gc?.();
    assert.equal(await local.addVia.remote(d, 1), 9);
    await local.collect.remote();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await local.addVia.remote(ref, 1), 10, 'a ref to it still reaches it');
    kill(d);
    kill(local);
  });

  test('R3 a ref passed to many calls on one node crosses to that node once', async () => {
    const c = ClusterCounter.options({ placement: { node: 'n1' } }).remote();
    await c.add.remote(0);
    const n1 = nodes().find((n) => n.name === 'n1' && n.alive)!;
    const nc = await connect({ servers: nats.url });
    let bytes = 0;
    const sub = nc.subscribe(`troupe.${CLUSTER}.in.${n1.id}`, { callback: (_e, m) => void (bytes += m.data.length) });
    await nc.flush();
    const big = put(new Uint8Array(1024 * 1024).fill(7));
    const sizes = await Promise.all(Array.from({ length: 20 }, () => c.len.remote(big)));
    assert.deepEqual(sizes, Array(20).fill(1024 * 1024));
    assert.deepEqual(await Promise.all([c.len.remote(big), c.len.remote(big)]), [1024 * 1024, 1024 * 1024], 'and again later');
    sub.unsubscribe();
    await nc.close();
    assert.ok(bytes > 1024 * 1024 && bytes < 2 * 1024 * 1024, `about 1 MB went to n1 for 22 calls, not 22 MB: ${bytes} bytes`);
  });

  test('fencing: a member told it is dead to the others ends what it had and joins again as a new member; a restartable actor that lived there moves, and so does a detached one', async () => {
    const n9 = await node('n9');
    await until(() => live('n9'), 5000, 'n9 in nodes()');
    const first = nodes().find((n) => n.name === 'n9' && n.alive)!.id;
    const mover = ClusterCounter.options({ placement: { node: 'n9', soft: true }, maxRestarts: 1 }).remote(1);
    assert.equal((await mover.where.remote()).pid, n9.pid);
    const kept = ClusterCounter.options({ lifetime: 'detached', placement: { node: 'n9' }, maxRestarts: 1 }).remote(20);
    assert.equal(await kept.add.remote(1), 21);
    const nc = await connect({ servers: nats.url });
    nc.publish(`troupe.${CLUSTER}.hb`, encodeBeat({ t: 'dead', id: first }));
    await nc.flush();
    await nc.close();
    const again = () => nodes().find((n) => n.name === 'n9' && n.alive && n.id !== first);
    await until(() => again() !== undefined, 5000, 'n9 back as a new member');
    await until(() => nodes().find((n) => n.id === first)?.alive === false, 5000, 'its old incarnation listed dead here');
    assert.equal(await mover.add.remote(1), 2, 'rebuilt from its arguments on a live member');
    assert.equal(actorInfo(mover).restarts, 1);
    // Its detached actor is built again by the others (its entry stays), maybe on n9's new incarnation.
    let rebuilt: number | undefined;
    for (const stop = Date.now() + 10_000; rebuilt === undefined && Date.now() < stop; ) {
      rebuilt = await kept.add.remote(1).catch(() => undefined);
      if (rebuilt === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(rebuilt, 21, 'the detached actor built again from its arguments');
    const keptHere = (await kept.where.remote()).pid === n9.pid ? 1 : 0;
    await until(() => again()!.actors === keptHere, 5000, 'n9 hosting nothing of its old incarnation');
    n9.proc.kill('SIGKILL');
  });

  test("A7 a named detached actor whose node dies is built again on another node while maxRestarts allows, and found by its name", async () => {
    const n10 = await node('n10');
    await until(() => live('n10'), 5000, 'n10 in nodes()');
    const d = ClusterCounter.options({ lifetime: 'detached', placement: { node: 'n10', soft: true }, name: 'phoenix', maxRestarts: 1 }).remote(40);
    assert.equal(await d.add.remote(2), 42);
    assert.equal((await d.where.remote()).pid, n10.pid);
    n10.proc.kill('SIGKILL');
    await assert.rejects(d.add.remote(1), ActorDiedError);
    let again: number | undefined;
    let where: number | undefined;
    for (const stop = Date.now() + 10_000; again === undefined && Date.now() < stop; ) {
      const h = await findActor<ClusterCounter>('phoenix', { timeout: 2000 }).catch(() => undefined);
      if (h !== undefined) {
        again = await h.add.remote(1).catch(() => undefined);
        where = again === undefined ? undefined : (await h.where.remote()).pid;
      }
      if (again === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(again, 41, 'built again from its arguments');
    assert.ok(where !== undefined && where !== n10.pid && where !== process.pid, 'on another node');
    assert.equal(await d.add.remote(1), 42, 'the handle held from before follows it there by its name');
  });

  test('A7 an unnamed detached actor whose node dies, or shuts down, is built again on another node while maxRestarts allows; handles held follow it, kill(h) included; one that may not restart dies with its node', async () => {
    // Only these three offer a `slot`: the actor moves among them.
    const [n11, n12, n13] = await Promise.all(['n11', 'n12', 'n13'].map((n) => node(n, ['--resources', 'slot=1'])));
    await until(() => live('n11') && live('n12') && live('n13'), 5000, 'n11, n12, n13 in nodes()');
    const d = ClusterCounter.options({ lifetime: 'detached', resources: { slot: 1 }, placement: { node: 'n11', soft: true }, maxRestarts: 2 }).remote(40);
    // A death it restarts from on its node fails that call; the handle still reads it as alive after.
    await assert.rejects(d.crash.remote(), (e: unknown) => e instanceof ActorDiedError && /restarts/.test(e.message));
    assert.equal(await d.add.remote(2), 42);
    assert.equal(actorInfo(d).state, 'open', 'a restart is not a death to the handle');
    const mortal = ClusterCounter.options({ lifetime: 'detached', placement: { node: 'n11' } }).remote(7);
    assert.equal(await mortal.add.remote(1), 8);
    assert.equal((await d.where.remote()).pid, n11!.pid);
    assert.equal((await mortal.where.remote()).pid, n11!.pid);
    const movesOn = async (what: string): Promise<number> => {
      let again: number | undefined;
      for (const stop = Date.now() + 15_000; again === undefined && Date.now() < stop; ) {
        again = await d.add.remote(1).catch(() => undefined);
        if (again === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(again, 41, `${what}: built again from its arguments, reached through the handle held from before`);
      return (await d.where.remote()).pid;
    };
    n11!.proc.kill('SIGKILL');
    const second = await movesOn('its node killed');
    const on = [n12!, n13!].find((n) => n.pid === second);
    assert.ok(on !== undefined, 'on one of the nodes that offer a slot');
    await assert.rejects(mortal.add.remote(1), (e: unknown) => e instanceof ActorDiedError && /n11/.test(e.message));
    // A node that shuts down (SIGTERM: shutdown()) lets it move on too, as in a rolling restart.
    const cut = d.slow.remote(30_000);
    await new Promise((r) => setTimeout(r, 100));
    on.proc.kill('SIGTERM');
    await assert.rejects(cut, (e: unknown) => e instanceof ActorDiedError && e.message.includes(on.name), 'a call in flight when its node shuts down fails naming the node');
    const third = await movesOn('its node shut down');
    assert.ok(third !== second && (third === n12!.pid || third === n13!.pid), 'on the last node that offers a slot');
    assert.equal(actorInfo(d).state, 'open', 'actorInfo of the handle reads the build it follows');
    kill(d);
    await assert.rejects(d.add.remote(1), ActorDiedError, 'kill(h) through the handle held from before ends the build it follows');
    await new Promise((r) => setTimeout(r, 500));
    await assert.rejects(d.add.remote(1), (e: unknown) => e instanceof ActorDiedError && /kill/.test(e.message) && !/n11/.test(e.message), 'and it is not built again; calls are told it was killed, not of its first death');
    // A detached actor whose arguments do not fit in a registry entry is named and built all the same.
    const big = ClusterHolder.options({ lifetime: 'detached', name: 'holds-2mb', maxRestarts: 1 }).remote(new Uint8Array(2 * 1024 * 1024));
    assert.equal(await big.size.remote(), 2 * 1024 * 1024);
    assert.equal(await (await findActor<ClusterHolder>('holds-2mb', { timeout: 5000 })).size.remote(), 2 * 1024 * 1024);
    kill(big);
    n12!.proc.kill('SIGKILL');
    n13!.proc.kill('SIGKILL');
  });

  test('A7 a detached actor whose node dies while no live node can host it waits for one that can, and is built there', async () => {
    const n14 = await node('n14', ['--resources', 'tok=1']);
    await until(() => live('n14'), 5000, 'n14 in nodes()');
    const d = ClusterCounter.options({ lifetime: 'detached', resources: { tok: 1 }, maxRestarts: 1 }).remote(40);
    assert.equal(await d.add.remote(2), 42);
    n14.proc.kill('SIGKILL');
    await until(() => !live('n14'), FAILURE_MS + 5000, 'n14 listed dead');
    await new Promise((r) => setTimeout(r, FAILURE_MS + 500));
    await assert.rejects(d.add.remote(1), ActorDiedError, 'no member offers a tok meanwhile');
    const n15 = await node('n15', ['--resources', 'tok=1']);
    let again: number | undefined;
    for (const stop = Date.now() + 3 * FAILURE_MS + 10_000; again === undefined && Date.now() < stop; ) {
      again = await d.add.remote(1).catch(() => undefined);
      if (again === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(again, 41, 'built from its arguments on the node that joined, reached through the handle held from before');
    assert.equal((await d.where.remote()).pid, n15.pid);
    kill(d);
    n15.proc.kill('SIGKILL');
  });

  test('A7 through a handle on another process: calls in flight on a restarting actor are retried within maxTaskRetries, as through its owner', async () => {
    const target = ClusterCounter.options({ placement: { node: 'n2' }, maxRestarts: 2, maxTaskRetries: 1 }).remote();
    const caller = ClusterCounter.options({ placement: { node: 'n1' } }).remote();
    assert.equal(await target.add.remote(0), 0);
    const outcomes = caller.slowVia.remote(target, 3, 400);
    await new Promise((r) => setTimeout(r, 150));
    kill(target, { noRestart: false });
    assert.deepEqual(await outcomes, ['slow done', 'slow done', 'slow done']);
    assert.equal(actorInfo(target).restarts, 1);
  });

  test('a handle whose owner is dead fails its calls at once with ActorDiedError, never hangs', async () => {
    const n11 = await node('n11');
    await until(() => live('n11'), 5000, 'n11 in nodes()');
    const d = ClusterCounter.options({ lifetime: 'detached', placement: { node: 'n11' } }).remote();
    assert.equal(await d.add.remote(1), 1);
    n11.proc.kill('SIGKILL');
    await until(() => !live('n11'), FAILURE_MS + 3000, 'n11 listed dead');
    await assert.rejects(within(d.add.remote(1), 'a call after its owner died', 5000), ActorDiedError);
  });

  test('garbage on the cluster subjects is dropped: the nodes go on serving', async () => {
    const c = ClusterCounter.options({ placement: { node: 'n1' } }).remote();
    assert.equal(await c.add.remote(1), 1);
    const nc = await connect({ servers: nats.url });
    const n1 = nodes().find((n) => n.name === 'n1')!;
    for (const subject of [`troupe.${CLUSTER}.in.${n1.id}`, `troupe.${CLUSTER}.hb`]) {
      nc.publish(subject, new Uint8Array([0xc1, 0xff, 0x00]));
      nc.publish(subject, new TextEncoder().encode('{"t":"call"}'));
    }
    await nc.flush();
    await nc.close();
    assert.equal(await c.add.remote(1), 2);
    assert.ok(live('n1'));
  });

  test('A7 a worker that dies on a node: the actor restarts and its call is retried, counted by the creator', async () => {
    const c = ClusterCounter.options({ placement: { node: 'n2' }, maxRestarts: 1 }).remote(1);
    assert.equal(await c.add.remote(1), 2);
    await assert.rejects(c.crash.remote(), ActorDiedError);
    assert.equal(await c.add.remote(1), 2, 'a new instance, built again from its arguments');
    assert.equal(actorInfo(c).restarts, 1);
    await assert.rejects(c.crash.remote(), ActorDiedError);
    await assert.rejects(c.add.remote(1), (e: unknown) => e instanceof ActorDiedError && /restart/.test(e.message));
  });

  test("shutdown() settles what this process waits for from another member's actors: a call and a stream in flight end with ActorDiedError", async () => {
    const script = fileURLToPath(new URL('./helpers/cluster-driver-script.js', import.meta.url));
    const child = spawn(process.execPath, [script, nats.url, CLUSTER, String(FAILURE_MS), 'n1', 'inflight'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 0, `the second driver exits once both settled: ${out}`);
    assert.deepEqual(JSON.parse(out.trim()), { call: 'ActorDiedError', stream: 'ActorDiedError' });
  });

  test('A8 a driver that dies takes the actors it created on nodes with it', async () => {
    // A node of its own, so that its count of actors is the second driver's alone.
    const n4 = await node('n4');
    await until(() => live('n4'), 5000, 'n4 in nodes()');
    const count = () => nodes().find((n) => n.name === 'n4')!.actors;
    const script = fileURLToPath(new URL('./helpers/cluster-driver-script.js', import.meta.url));
    const child = spawn(process.execPath, [script, nats.url, CLUSTER, String(FAILURE_MS), 'n4'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const gone = new Promise((r) => child.once('exit', r));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`the second driver exited (${code}) before it was ready`)));
    });
    await until(() => count() === 1, 5000, "n4 counting the second driver's actor");
    child.kill('SIGKILL');
    await gone;
    await until(() => count() === 0, FAILURE_MS + 5000, "n4 ending the dead driver's actor");
    // This driver hears of the death on its own (its heartbeats stopped): within the failure timeout.
    await until(() => nodes().find((n) => n.name === 'driver-2')?.alive === false, FAILURE_MS + 5000, 'the second driver listed dead here too');
    n4.proc.kill('SIGKILL');
    await until(() => !live('n4'), FAILURE_MS + 5000, 'n4 listed dead');
  });

  test('SIGKILL of a node: its calls and streams fail with ActorDiedError naming it; a restartable actor moves and its call is retried', async () => {
    const n3 = await node('n3');
    await until(() => live('n3'), 5000, 'n3 in nodes()');
    const doomed = ClusterCounter.options({ placement: { node: 'n3' } }).remote();
    const mover = ClusterCounter.options({ placement: 'spread', maxRestarts: 1, maxTaskRetries: 1 }).remote();
    // spread: place `mover` on n3 too (the turn goes round the three live members plus the driver).
    let moverPid = (await mover.where.remote()).pid;
    const movers = [mover];
    while (moverPid !== n3.pid && movers.length < 8) {
      const m = ClusterCounter.options({ placement: 'spread', maxRestarts: 1, maxTaskRetries: 1 }).remote();
      movers.push(m);
      moverPid = (await m.where.remote()).pid;
    }
    const onN3 = movers[movers.length - 1]!;
    assert.equal(moverPid, n3.pid);
    assert.equal(await doomed.add.remote(1), 1);
    const stream = doomed.forever.remote();
    const first = await (stream[Symbol.asyncIterator]().next());
    assert.equal(first.done, false);
    const call = doomed.slow.remote(60_000);
    const retried = onN3.slow.remote(300);
    n3.proc.kill('SIGKILL');
    await assert.rejects(call, (e: unknown) => e instanceof ActorDiedError && /n3/.test(e.message));
    let end: unknown;
    try {
      for await (const r of stream) await r;
    } catch (e) {
      end = e;
    }
    assert.ok(end instanceof ActorDiedError && /n3/.test(end.message), `the stream ends with an error item: ${String(end)}`);
    assert.equal(await retried, 'slow done', 'retried on a live member');
    assert.notEqual((await onN3.where.remote()).pid, n3.pid);
    await until(() => !live('n3'), FAILURE_MS + 3000, 'n3 listed dead');
    assert.equal(nodes().find((n) => n.name === 'n3')?.alive, false);
  });

  test('fencing: a node frozen (SIGSTOP) past the failure timeout is dead to its callers; woken, it runs none of the calls sent meanwhile, ends its actors and joins again as a new member', async () => {
    const n5 = await node('n5');
    await until(() => live('n5'), 5000, 'n5 in nodes()');
    const first = nodes().find((n) => n.name === 'n5' && n.alive)!.id;
    const c = ClusterCounter.options({ placement: { node: 'n5' } }).remote();
    assert.equal(await c.add.remote(1), 1);
    // A detached actor there too: its node is its owner, and ends it as well when it finds itself cut off.
    const d = ClusterCounter.options({ lifetime: 'detached', placement: { node: 'n5' } }).remote();
    assert.equal(await d.add.remote(1), 1);
    const stream = c.forever.remote();
    assert.equal((await stream[Symbol.asyncIterator]().next()).done, false);
    const file = join(mkdtempSync(join(tmpdir(), 'troupe-fence-')), 'marks');
    writeFileSync(file, '');
    n5.proc.kill('SIGSTOP');
    const stale = c.mark.remote(file, 'sent while frozen');
    await assert.rejects(stale, (e: unknown) => e instanceof ActorDiedError && /n5/.test(e.message) && /failureTimeout/.test(e.message));
    let end: unknown;
    try {
      for await (const r of stream) await r;
    } catch (e) {
      end = e;
    }
    assert.ok(end instanceof ActorDiedError && /n5/.test(end.message), `the stream ends with an error item: ${String(end)}`);
    n5.proc.kill('SIGCONT');
    const again = () => nodes().find((n) => n.name === 'n5' && n.alive && n.id !== first);
    await until(() => again() !== undefined && again()!.actors === 0, 10_000, 'n5 back as a new member, hosting nothing');
    assert.equal(nodes().find((n) => n.id === first)?.alive, false, 'its earlier incarnation stays dead');
    // Give the woken node time to run what was waiting for it, if it ran anything.
    const fresh = ClusterCounter.options({ placement: { node: 'n5' } }).remote();
    assert.equal(await fresh.add.remote(2), 2);
    assert.equal(readFileSync(file, 'utf8'), '', 'the call sent while it was frozen never ran');
  });
});
