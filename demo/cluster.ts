// `npm run demo:cluster`: a threaded actor fails over between cluster nodes. This program starts a private
// nats-server and `troupe node` processes (scripts/local-cluster.ts), joins as the driver, streams tokens
// from a restartable actor on node-a, SIGKILLs node-a mid-stream: the stream ends with one ActorDiedError
// item naming node-a (G6, G12), the actor is rebuilt on node-b (A7) and streams the whole sentence again.
// It prints every token as it arrives with the node that made it, and the times from the kill; it cleans
// up and exits by itself (code 0; 1 if anything went otherwise). spec/demo-cluster.test.ts runs it.
import { fileURLToPath } from 'node:url';
import { ActorDiedError, actorInfo, init, nodes, shutdown, type ActorHandle } from '../lib/index.js';
import { startNats, startNode, type NatsServer, type NodeProcess } from '../scripts/local-cluster.js';
import { ClusterStreamer, SENTENCE, tokenize, type Token } from './cluster-actors.js';

const CLUSTER = 'demo';
/** A member silent this long is dead; a SIGKILLed one is found sooner, by a probe (about 0.5 s). */
const FAILURE_MS = 2000;
const MS_PER_TOKEN = 60;
/** Tokens of the first stream to see before node-a is killed. */
const KILL_AFTER = 5;
/** What the streamer holds where it lives: each node offers one (`--resources streamer=1`). */
const SLOT = { streamer: 1 };

const actors = fileURLToPath(new URL('./cluster-actors.js', import.meta.url));
const ms = (from: number) => Math.round(performance.now() - from);
let phase = 'starting';

/** Until `cond` holds (membership follows heartbeats), at most `limit` ms. */
async function until(cond: () => boolean, limit: number, what: string): Promise<void> {
  const end = performance.now() + limit;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `name` is listed alive, hosting, with its slot (a joining node's first heartbeats, sent before it hosts, say not). */
const hosting = (name: string) => nodes().some((n) => n.name === name && n.alive && n.node && n.resources.streamer === 1);

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`unexpected: ${what}`);
}

async function main(nats: NatsServer, started: NodeProcess[]): Promise<void> {
  const node = async (name: string) => {
    const n = await startNode({ url: nats.url, cluster: CLUSTER, name, imports: [actors], extra: ['--failure-timeout', String(FAILURE_MS), '--resources', 'streamer=1'] });
    started.push(n);
    return n;
  };
  // Which process made a token, by the pid it carries.
  const where = (pid: number) => (pid === process.pid ? 'driver' : started.find((n) => n.pid === pid)?.name ?? `pid ${pid}?`);

  phase = 'starting node-a';
  const a = await node('node-a');
  phase = 'joining';
  await init({ workers: 1, cluster: { servers: nats.url, name: CLUSTER, node: 'driver', failureTimeout: FAILURE_MS } });
  await until(() => hosting('node-a'), 5000, 'node-a in nodes()');
  console.log(`nats-server on ${nats.url}; node-a is pid ${a.pid}; this driver is pid ${process.pid}`);

  phase = 'placing the streamer';
  // The streamer holds one `streamer` slot: only the nodes offer one (this driver's pool offers none), and
  // node-b is not up yet, so it goes to node-a; when node-a dies it is rebuilt where a slot is free.
  // (placement { node: 'node-a' } would pin it: its restart would wait for a member named node-a.)
  const h: ActorHandle<ClusterStreamer> = ClusterStreamer.options({ resources: SLOT }).remote(MS_PER_TOKEN);
  const firstPid = await h.pid.remote();
  check(firstPid === a.pid && actorInfo(h).node === 'node-a', `the streamer is on node-a, not ${actorInfo(h).node} (pid ${firstPid})`);
  console.log(`the streamer (maxRestarts 2, maxTaskRetries 0, resources { streamer: 1 }): actorInfo().node = '${actorInfo(h).node}', pid ${firstPid}`);

  phase = 'starting node-b';
  const b = await node('node-b');
  await until(() => hosting('node-b'), 5000, 'node-b in nodes()');
  const members = nodes().map((n) => `${n.name} (${n.node ? 'node' : 'driver'}, ${n.actors} actor${n.actors === 1 ? '' : 's'}, free slots ${n.free.streamer ?? 0})`);
  console.log(`node-b (pid ${b.pid}) joined; nodes(): ${members.join(', ')}`);
  console.log(`sentence: ${JSON.stringify(SENTENCE)}`);

  /** Prints each token of `gen` as it arrives (`note` tags it); the error item, if any, ends it. */
  const show = async (gen: AsyncIterable<PromiseLike<Token>>, t0: number, note: () => string, onToken: (t: Token) => void): Promise<{ got: Token[]; error: unknown }> => {
    const got: Token[] = [];
    try {
      for await (const ref of gen) {
        const t = await ref;
        got.push(t);
        console.log(`  [${where(t.pid)} pid ${t.pid}] +${String(ms(t0)).padStart(5)} ms  #${t.i} ${JSON.stringify(t.text)}${note()}`);
        onToken(t);
      }
      return { got, error: undefined };
    } catch (e) {
      return { got, error: e };
    }
  };

  phase = 'stream 1';
  let killedAt: number | undefined;
  console.log(`stream 1: ClusterStreamer.tokens() on ${actorInfo(h).node}`);
  const t1 = performance.now();
  const first = await show(h.tokens.remote(SENTENCE), t1, () => (killedAt === undefined ? '' : '  (in flight at the kill)'), (t) => {
    if (t.i === KILL_AFTER - 1 && killedAt === undefined) {
      a.proc.kill('SIGKILL');
      killedAt = performance.now();
      console.log(`  SIGKILL node-a (pid ${a.pid}) after ${KILL_AFTER} tokens`);
    }
  });
  check(killedAt !== undefined, `node-a was killed (the stream ended after ${first.got.length} tokens)`);
  const kill = killedAt!;
  const errorMs = ms(kill);
  const e = first.error;
  check(e instanceof ActorDiedError, `the stream ended with an ActorDiedError, not ${String(e)}`);
  const message = (e as ActorDiedError).message.replace(/\s+/g, ' ');
  console.log(`  ActorDiedError ${errorMs} ms after the kill: ${message}`);
  check(message.includes('node-a'), 'the error names node-a');
  console.log(`stream 1 ended: ${first.got.length} tokens, then one ActorDiedError item naming node-a`);

  phase = 'restart';
  const secondPid = await h.pid.remote(); // waits for the restart, then runs on the new instance (A7)
  const openMs = ms(kill);
  const info = actorInfo(h);
  check(secondPid === b.pid && info.node === 'node-b', `the streamer restarted on node-b, not ${info.node} (pid ${secondPid})`);
  console.log(`restarted: actorInfo().node = '${info.node}', state ${info.state}, restarts ${info.restarts}, pid ${secondPid}; ${openMs} ms after the kill`);

  phase = 'stream 2';
  console.log(`stream 2: ClusterStreamer.tokens() on ${info.node}`);
  let firstTokenMs: number | undefined;
  const second = await show(h.tokens.remote(SENTENCE), performance.now(), () => '', () => (firstTokenMs ??= ms(kill)));
  check(second.error === undefined, `stream 2 ended without an error, not ${String(second.error)}`);
  const whole = second.got.map((t) => t.text).join('');
  const n = tokenize(SENTENCE).length;
  check(whole === SENTENCE && second.got.every((t, i) => t.i === i), 'stream 2 gave the whole sentence, in order');
  console.log(`stream 2 ended: ${second.got.length} of ${n} tokens, in order: the whole sentence`);
  console.log(`timings: kill -> error item ${errorMs} ms; kill -> restarted actor answers ${openMs} ms; kill -> first token from the restarted actor ${firstTokenMs} ms`);
}

const watchdog = setTimeout(() => {
  console.error(`demo:cluster stuck at ${phase} after 50 s`);
  process.exit(1);
}, 50_000);
watchdog.unref();

let nats: NatsServer | undefined;
const started: NodeProcess[] = [];
try {
  nats = await startNats();
  await main(nats, started);
} catch (e) {
  console.error(`demo:cluster failed at ${phase}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
} finally {
  phase = 'cleaning up';
  await shutdown(); // a cluster driver leaves the cluster: its NATS connection no longer holds the process
  for (const n of started) n.proc.kill('SIGTERM'); // a node stops its actors and leaves; node-a is long gone
  await Promise.all(started.map((n) => n.exited));
  await nats?.stop();
  console.log(`cleaned up: shutdown(), ${started.map((n) => n.name).join(' and ')} stopped, nats-server stopped`);
}
