// G9, where troupe goes further than Ray: a stream whose ObjectRefGenerator is garbage-collected before its
// end is cancelled at the producer's next yield (its finally blocks run), whether the producer runs eagerly
// or is held by backpressure, in process or on a worker; refs already taken keep their values. A handler
// that forgets return() therefore does not make the whole generation happen for nobody, an endless
// producer does not keep its process alive, and a producer that only awaits microtasks is not let loose
// to starve the event loop. Run with `node --expose-gc`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { get, shutdown, TaskCancelledError, type ObjectRef } from '../lib/index.js';
import { Fountain } from './helpers/drop-actors.js';
import { ASYNC_KIND_MODES, forModes, MODES, sleep, start, withTimeout, type Body, type Mode } from './helpers/streams-modes.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function collectUntil(cond: () => boolean | Promise<boolean>, what: () => string, rounds = 200): Promise<void> {
  assert.ok(typeof gc === 'function', 'the drop specs need node --expose-gc');
  for (let i = 0; i < rounds; i++) {
    gc!();
    await sleep(5);
    if (await cond()) return;
  }
  assert.fail(`after ${rounds} rounds of gc(), still not: ${what()}`);
}

interface Counts {
  produced: number;
  finals: number;
}

/** An endless producer that counts its yields and its finally block. The async form awaits only a
 *  microtask between items: let loose, it would never give the event loop a turn. */
function endless(c: Counts): Body<string> {
  return {
    *sync() {
      try {
        for (let i = 0; ; i++) {
          c.produced++;
          yield i;
        }
      } finally {
        c.finals++;
      }
    },
    async *async() {
      try {
        for (let i = 0; ; i++) {
          await Promise.resolve();
          c.produced++;
          yield i;
        }
      } finally {
        c.finals++;
      }
    },
  };
}

/** An endless producer paced by a timer (an LLM emitting tokens), eager: no backpressure. */
function paced(c: Counts, ms: number): Body<string> {
  return {
    *sync() {
      throw new Error('a sync producer cannot be paced by a timer');
    },
    async *async() {
      try {
        for (let i = 0; ; i++) {
          await sleep(ms);
          c.produced++;
          yield i;
        }
      } finally {
        c.finals++;
      }
    },
  };
}

/** Starts a stream, takes its first ref, and drops the generator (nothing here keeps it). */
async function takeFirstAndDrop(mode: Mode, body: Body<string>, backpressure?: number): Promise<{ first: ObjectRef<number>; completed: ObjectRef<string> }> {
  const { gen } = start<number, string>(mode, body, backpressure === undefined ? {} : { call: { backpressure } });
  const r = await withTimeout(gen.next(), 10_000, 'next()');
  assert.equal(r.done, false);
  return { first: r.value as ObjectRef<number>, completed: gen.completed() };
}

describe('G9 (troupe) a stream nobody can read any more stops', () => {
  forModes(MODES, 'G9 a dropped stream held by backpressure is cancelled: the producer\'s finally runs once, it makes no more items, the ref taken keeps its value', async (mode) => {
    const c: Counts = { produced: 0, finals: 0 };
    const { first, completed } = await takeFirstAndDrop(mode, endless(c), 2);
    await collectUntil(() => c.finals === 1, () => `the producer's finally ran (finals ${c.finals}, produced ${c.produced})`);
    const produced = c.produced;
    assert.ok(produced <= 4, `produced ${produced} with 1 taken and a window of 2: it stopped at its next yield`);
    await sleep(30);
    assert.equal(c.produced, produced, 'no item after the cancel');
    assert.equal(c.finals, 1);
    assert.equal(await get(first), 0, 'G9: the ref taken before the drop keeps its value');
    await assert.rejects(withTimeout(completed, 10_000, 'completed()'), TaskCancelledError);
  });

  forModes(ASYNC_KIND_MODES, 'G9 a dropped eager stream paced by a timer is cancelled at its next yield (a handler that forgot return())', async (mode) => {
    const c: Counts = { produced: 0, finals: 0 };
    const { first } = await takeFirstAndDrop(mode, paced(c, 2));
    await collectUntil(() => c.finals === 1, () => `the producer's finally ran (finals ${c.finals}, produced ${c.produced})`);
    const produced = c.produced;
    await sleep(30);
    assert.equal(c.produced, produced, 'no item after the cancel');
    assert.equal(await get(first), 0);
  });

  test('G9 a dropped endless threaded stream is cancelled on its worker: its finally runs and it makes no more items', { timeout: 30_000 }, async () => {
    try {
      const f = Fountain.remote();
      const takeOne = async () => {
        const gen = f.flow.remote(2);
        const r = await withTimeout(gen.next(), 10_000, 'next()');
        assert.equal(r.done, false);
        return { first: r.value as ObjectRef<number> }; // wrapped: an ObjectRef is a thenable
      };
      const { first } = await takeOne();
      await collectUntil(async () => (await f.counts.remote()).finals === 1, () => 'the worker\'s producer ran its finally');
      const { produced } = await f.counts.remote();
      await sleep(40);
      assert.deepEqual(await f.counts.remote(), { produced, finals: 1 }, 'no item after the cancel');
      assert.equal(await get(first), 0, 'the ref taken keeps its value');
    } finally {
      await shutdown();
    }
  });

  test('G9 a script that drops an endless threaded stream exits by itself (the producer does not keep the process alive)', { timeout: 40_000 }, async () => {
    const script = fileURLToPath(new URL('./helpers/drop-exit-script.js', import.meta.url));
    const r = await new Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['--expose-gc', script], { timeout: 30_000, killSignal: 'SIGKILL' }, (_err, stdout, stderr) => {
        resolve({ code: child.exitCode, killed: child.signalCode !== null, stdout, stderr });
      });
    });
    assert.equal(r.killed, false, `the script did not exit by itself within 30 s; stderr: ${r.stderr}`);
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { first: 0, collected: true, finals: 1 });
  });
});
