// The programs in examples/ (issue 11), each run and checked on what it prints and returns: the SSE token
// server (several clients, one disconnecting mid-stream: its producer stops), a threaded pipeline with
// wait(), and Ray's patterns (parameter server, batch prediction with wait and a put() model, a tree of
// actors, named actors, a two-stage streaming pipeline). One is also run as a program, as a user would.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main as actorTree } from '../examples/actor-tree.js';
import { main as batchPrediction } from '../examples/batch-prediction.js';
import { main as namedActors } from '../examples/named-actors.js';
import { main as parameterServer } from '../examples/parameter-server.js';
import { main as sseServer } from '../examples/sse-server.js';
import { main as streamingPipeline } from '../examples/streaming-pipeline.js';
import { main as threadedPipeline } from '../examples/threaded-pipeline.js';

function logger(): { lines: string[]; log: (l: string) => void } {
  const lines: string[] = [];
  return { lines, log: (l) => lines.push(l) };
}

const tokens = (prompt: string, n: number) => Array.from({ length: n }, (_, i) => `${prompt}-${i}`);

describe('issue11 examples', () => {
  test('sse-server: every client gets its tokens in order; the one that disconnects stops its producer', { timeout: 30_000 }, async () => {
    const { lines, log } = logger();
    const r = await sseServer(log);
    assert.deepEqual(r.alpha, tokens('alpha', 20));
    assert.deepEqual(r.beta, tokens('beta', 20));
    assert.deepEqual(r.gamma, tokens('gamma', 3));
    assert.deepEqual(r.counts, { started: 3, finished: 2, stopped: 1 });
    assert.match(lines.join('\n'), /gamma disconnected after 3/);
    assert.match(lines.join('\n'), /3 started, 2 finished, 1 stopped when their client left/);
  });

  test('sse-server runs as a program and exits by itself', { timeout: 40_000 }, async () => {
    const script = fileURLToPath(new URL('../examples/sse-server.js', import.meta.url));
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [script], { timeout: 30_000, killSignal: 'SIGKILL' }, (_e, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
    });
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stdout, /^SSE server on http:\/\/127\.0\.0\.1:\d+\/tokens$/m);
    assert.match(r.stdout, /alpha got 20 tokens, beta 20; gamma disconnected after 3/);
    assert.match(r.stdout, /producers: 3 started, 2 finished, 1 stopped when their client left/);
  });

  test('threaded-pipeline: every chunk is digested on the pool, taken with wait() as it finishes, and totalled by a threaded actor', { timeout: 30_000 }, async () => {
    const { lines, log } = logger();
    const r = await threadedPipeline(log, 8, 50_000);
    assert.equal(r.summary.count, 8);
    assert.equal(r.summary.xor, r.expected, 'the totals match a local computation');
    assert.deepEqual([...r.order].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8], 'each chunk once');
    assert.match(lines[0]!, /^8 chunks digested on the pool/);
  });

  test('parameter-server: the weights converge to the optimum of the workers\' data', { timeout: 30_000 }, async () => {
    const { lines, log } = logger();
    const r = await parameterServer(log);
    r.weights.forEach((w, i) => assert.ok(Math.abs(w - r.optimum[i]!) < 1e-6, `weight ${i}: ${w} against ${r.optimum[i]}`));
    assert.match(lines[0]!, /^weights after 30 rounds: 2\.0000, 2\.7500, 1\.5000/);
  });

  test('batch-prediction: every batch is predicted with the put() model, as a local run would', { timeout: 30_000 }, async () => {
    const { lines, log } = logger();
    const r = await batchPrediction(log);
    assert.equal(r.batches, 8);
    assert.deepEqual(r.rows, new Array(8).fill(50));
    assert.equal(r.mismatches, 0);
    assert.match(lines[0]!, /^8 batches of 50 rows predicted on the pool; 0 batch\(es\) differ/);
  });

  test('actor-tree: the supervisor fans work out to its leaves round robin, replaces one, and stops them all', async () => {
    const { log } = logger();
    const r = await actorTree(log);
    assert.deepEqual(r.results.map((x) => x.value), [1, 4, 9, 16, 25, 36]);
    assert.deepEqual(r.results.map((x) => x.by), [0, 1, 2, 0, 1, 2]);
    assert.deepEqual(r.again.map((x) => x.value), [49, 64, 81]);
    assert.deepEqual(r.states, ['dead', 'dead', 'dead']);
  });

  test('named-actors: one actor by name; a duplicate name is an error; a kill frees the name', async () => {
    const { log } = logger();
    const r = await namedActors(log);
    assert.equal(r.third, 3);
    assert.match(r.duplicate, /the actor name 'visits' is taken/);
    assert.match(r.afterKill, /no live actor is named 'visits'/);
    assert.equal(r.fresh, 1);
  });

  test('streaming-pipeline: items flow through two streaming stages in order, each stage held to its window', async () => {
    const { log } = logger();
    const r = await streamingPipeline(log);
    const words = Array.from({ length: 10 }, () => 'a stream of words flows through two actors'.split(' ')).flat();
    assert.deepEqual(r.out, words.map((w) => `${w.toUpperCase()}!`));
    assert.ok(r.maxAhead <= 2 + 2 + 2, `stage 1 ran ${r.maxAhead} words ahead of the caller: more than the two windows allow`);
  });
});
