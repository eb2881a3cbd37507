// Property test of the cluster (issue 10): random sequences of calls and streams on threaded actors placed
// on `troupe node` processes, mixed with SIGKILLs of nodes (each replaced by a fresh one). Whatever the
// interleaving: every call settles, once, with its value or an ActorDiedError; a call that resolved ran
// exactly once and one that failed at most once (marks left in a file outside every process: nothing runs
// twice); each stream gives its items in order from 0 with none skipped or repeated (G1, G3), then at most
// one error item, an ActorDiedError (G6), then done for good; restarts never exceed maxRestarts (A7).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ActorDiedError, actorInfo, init, kill, nodes, shutdown } from '../lib/index.js';
import { within } from './helpers/actors-util.js';
import { ClusterCounter } from './helpers/cluster-actors.js';
import { startNats, startNode, type NatsServer, type NodeProcess } from './helpers/cluster-nodes.js';
import { drain } from './helpers/threaded-actors.js';

const CLUSTER = 'prop';
const FAILURE_MS = 3000;
const MAX_RESTARTS = 3;

type Command =
  | { kind: 'call'; actor: number; ms: number }
  | { kind: 'stream'; actor: number; n: number }
  | { kind: 'kill'; node: number }
  | { kind: 'pause'; ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('call' as const), actor: fc.nat(2), ms: fc.nat(30) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('stream' as const), actor: fc.nat(2), n: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill' as const), node: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.nat(60) }) },
);

let nats: NatsServer;
/** The live nodes, three at a time (a killed one is replaced). */
const live: (NodeProcess | Promise<NodeProcess>)[] = [];
const all: NodeProcess[] = [];
let names = 0;

function fresh(): Promise<NodeProcess> {
  const p = startNode(nats.url, CLUSTER, `p${names++}`, ['--failure-timeout', String(FAILURE_MS)]).then((n) => {
    all.push(n);
    return n;
  });
  return p;
}

before(async () => {
  nats = await startNats();
  for (let i = 0; i < 3; i++) live.push(await fresh());
  await init({ workers: 1, cluster: { servers: nats.url, name: CLUSTER, node: 'driver', failureTimeout: FAILURE_MS } });
});

after(async () => {
  await Promise.allSettled(live); // replacements still starting
  await shutdown();
  for (const n of all) n.proc.kill('SIGKILL');
  await Promise.all(all.map((n) => n.exited));
  await nats.stop();
});

test('cluster property: calls and streams across node kills settle exactly once, run at most once, and stream in order', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-prop-'));
  let run = 0;
  await fc.assert(
    // At least one node is killed in every run, somewhere among the calls and streams.
    fc.asyncProperty(fc.array(command, { minLength: 4, maxLength: 14 }), fc.nat(2), fc.nat(14), async (drawn, node, at) => {
      const commands: Command[] = [...drawn.slice(0, at), { kind: 'kill', node }, ...drawn.slice(at)];
      // Three live nodes, all known here, before the run starts.
      const ready = await Promise.all(live);
      const known = () => ready.every((n) => nodes().some((m) => m.name === n.name && m.alive && m.node));
      for (const end = Date.now() + 10_000; !known(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error('nodes not known');
      const file = join(dir, `run-${run++}`);
      writeFileSync(file, '');
      // Each actor starts on one of the nodes and may move to another one (soft placement) when it restarts.
      const actors = ready.map((n) => ClusterCounter.options({ placement: { node: n.name, soft: true }, maxRestarts: MAX_RESTARTS, maxTaskRetries: 0, placementTimeout: 10_000 }).remote());
      const calls: { tag: string; p: Promise<string> }[] = [];
      const streams: { n: number; p: ReturnType<typeof drain<number>> }[] = [];
      for (const [i, c] of commands.entries()) {
        if (c.kind === 'call') {
          const tag = `c${i}`;
          calls.push({ tag, p: actors[c.actor]!.markAfter.remote(file, tag, c.ms) });
        } else if (c.kind === 'stream') {
          streams.push({ n: c.n, p: drain(actors[c.actor]!.ticks.remote(c.n, 2)) });
        } else if (c.kind === 'kill') {
          const victim = await live[c.node]!;
          victim.proc.kill('SIGKILL');
          live[c.node] = fresh();
        } else await new Promise((r) => setTimeout(r, c.ms));
      }
      const settled = await within(Promise.allSettled(calls.map((c) => c.p)), 'every call settles', 60_000);
      const marks = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      for (const [i, s] of settled.entries()) {
        const { tag } = calls[i]!;
        const ran = marks.filter((m) => m === tag).length;
        if (s.status === 'fulfilled') {
          assert.equal(s.value, tag);
          assert.equal(ran, 1, `${tag} resolved: it ran exactly once`);
        } else {
          assert.ok(s.reason instanceof ActorDiedError, `${tag} failed only with ActorDiedError: ${String(s.reason)}`);
          assert.ok(ran <= 1, `${tag} failed: it ran at most once`);
        }
      }
      for (const s of streams) {
        const d = await within(s.p, 'every stream ends', 60_000);
        assert.deepEqual(d.values, Array.from({ length: d.values.length }, (_, k) => k), 'in order from 0, none skipped or repeated');
        assert.ok(d.errors.length <= 1 && !d.itemAfterError && d.doneStays);
        if (d.errors.length === 0) assert.equal(d.values.length, s.n, 'a stream without an error item has all its items');
        else assert.ok(d.errors[0] instanceof ActorDiedError, String(d.errors[0]));
      }
      for (const a of actors) {
        assert.ok(actorInfo(a).restarts <= MAX_RESTARTS);
        kill(a);
      }
    }),
    { numRuns: 5, endOnFailure: true },
  );
});
