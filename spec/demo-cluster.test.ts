// `npm run demo:cluster` (demo/cluster.ts) run as a user runs it: `node dist/demo/cluster.js` in a child
// process, once, checked on what its output promises. Tokens of the first stream arrive in order from
// node-a until node-a is SIGKILLed (G1); that stream ends with one ActorDiedError item naming node-a (G6, G12,
// maxTaskRetries 0: the last attempt failed); the actor restarts on node-b and streams the whole sentence
// there (A7); the demo prints its timings, cleans up and exits by itself with code 0.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SENTENCE, tokenize } from '../demo/cluster-actors.js';

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: readonly string[];
}

interface TokenLine {
  readonly line: number;
  readonly node: string;
  readonly pid: number;
  readonly i: number;
  readonly text: string;
}

const script = fileURLToPath(new URL('../demo/cluster.js', import.meta.url));
const words = tokenize(SENTENCE);
/** How many tokens the demo takes before it kills node-a (KILL_AFTER in demo/cluster.ts). */
const KILL_AFTER = 5;

function runDemo(): Promise<Run> {
  return new Promise((resolve) => {
    // The demo gives up by itself after 50 s (its watchdog stops its nodes and server); 55 s is the last word.
    const child = execFile(process.execPath, [script], { timeout: 55_000, killSignal: 'SIGKILL' }, (_e, stdout, stderr) =>
      resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr, lines: stdout.split('\n') }),
    );
  });
}

const TOKEN = /^ {2}\[(\S+) pid (\d+)\] \+ *\d+ ms {2}#(\d+) (".*")(?: {2}\(in flight at the kill\))?$/;

/** The token lines between the first line starting with `from` and the next line starting with `to`. */
function tokensBetween(r: Run, from: string, to: string): TokenLine[] {
  const start = r.lines.findIndex((l) => l.startsWith(from));
  assert.notEqual(start, -1, `a line starting ${JSON.stringify(from)}:\n${r.stdout}`);
  const end = r.lines.findIndex((l, k) => k > start && l.startsWith(to));
  assert.notEqual(end, -1, `a line starting ${JSON.stringify(to)} after ${JSON.stringify(from)}:\n${r.stdout}`);
  const out: TokenLine[] = [];
  for (let k = start + 1; k < end; k++) {
    const m = TOKEN.exec(r.lines[k]!);
    if (m) out.push({ line: k, node: m[1]!, pid: Number(m[2]), i: Number(m[3]), text: JSON.parse(m[4]!) as string });
  }
  return out;
}

/** The number in the first match of `re` (group 1) in the output. */
function num(r: Run, re: RegExp): number {
  const m = re.exec(r.stdout);
  assert.ok(m, `${re} in the output:\n${r.stdout}`);
  return Number(m[1]);
}

describe('npm run demo:cluster', { timeout: 60_000 }, () => {
  let r: Run;
  before(async () => {
    r = await runDemo();
  }, { timeout: 60_000 });

  test('the demo cleans up and exits by itself with code 0', () => {
    assert.equal(r.signal, null, `killed by ${r.signal}: it did not exit by itself\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.code, 0, `exit code; stderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
    assert.match(r.stdout, /^cleaned up: shutdown\(\), node-a and node-b stopped, nats-server stopped$/m);
  });

  test('G1 the tokens of the first stream arrive in order from node-a until node-a is killed', () => {
    const nodeA = num(r, /node-a is pid (\d+)/);
    assert.equal(num(r, /^the streamer .*actorInfo\(\)\.node = 'node-a', pid (\d+)$/m), nodeA, 'placed on node-a');
    const before = tokensBetween(r, 'stream 1:', '  SIGKILL node-a');
    assert.deepEqual(before.map((t) => t.text), words.slice(0, KILL_AFTER), 'the first words of the sentence, in order');
    assert.deepEqual(before.map((t) => t.i), [...words.keys()].slice(0, KILL_AFTER));
    for (const t of before) assert.deepEqual([t.node, t.pid], ['node-a', nodeA], `made by node-a's process: ${r.lines[t.line]}`);
    // Tokens already on their way when the kill came may still arrive: they keep the order.
    const after = tokensBetween(r, '  SIGKILL node-a', '  ActorDiedError');
    assert.deepEqual(after.map((t) => t.i), after.map((_, k) => KILL_AFTER + k));
    for (const t of after) assert.equal(t.text, words[t.i]);
  });

  test('G6 G12 the stream in flight at the kill ends with one ActorDiedError item naming the killed node', () => {
    const errors = r.lines.filter((l) => l.includes('ActorDiedError'));
    const item = errors.find((l) => l.startsWith('  ActorDiedError'));
    assert.ok(item, `an ActorDiedError item:\n${r.stdout}`);
    assert.equal(r.lines.filter((l) => l.startsWith('  ActorDiedError')).length, 1, 'one error item');
    assert.match(item, /^ {2}ActorDiedError \d+ ms after the kill: actor ClusterStreamer#\d+ died: .*node node-a\b/, 'the message names the dead node');
    assert.match(r.stdout, /^stream 1 ended: \d+ tokens, then one ActorDiedError item naming node-a$/m);
    assert.deepEqual(tokensBetween(r, '  ActorDiedError', 'restarted:'), [], 'nothing after the error item');
  });

  test('A7 the actor restarts on the other node, node-b, and streams the whole sentence from there', () => {
    const nodeB = num(r, /node-b \(pid (\d+)\) joined/);
    const restarted = /^restarted: actorInfo\(\)\.node = 'node-b', state open, restarts 1, pid (\d+); \d+ ms after the kill$/m.exec(r.stdout);
    assert.ok(restarted, `the restart, on node-b:\n${r.stdout}`);
    assert.equal(Number(restarted[1]), nodeB, "the restarted actor answers from node-b's process");
    const again = tokensBetween(r, 'stream 2:', 'stream 2 ended:');
    assert.equal(again.map((t) => t.text).join(''), SENTENCE, 'the whole sentence');
    assert.deepEqual(again.map((t) => t.i), [...words.keys()], 'every token once, in order');
    for (const t of again) assert.deepEqual([t.node, t.pid], ['node-b', nodeB], `made by node-b's process: ${r.lines[t.line]}`);
  });

  test('the timings from the kill come in the order of events: error item, restarted actor, first token', () => {
    const error = num(r, /kill -> error item (\d+) ms/);
    const answers = num(r, /kill -> restarted actor answers (\d+) ms/);
    const first = num(r, /kill -> first token from the restarted actor (\d+) ms/);
    assert.ok(error <= answers && answers <= first, `${error} <= ${answers} <= ${first}`);
  });
});
