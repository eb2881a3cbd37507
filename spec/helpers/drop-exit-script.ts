// Run as a child process (node --expose-gc) by spec/streams-drop.test.ts: starts an endless threaded stream,
// takes one item, drops the stream and lets the GC collect it, then ends WITHOUT calling shutdown(). The
// dropped stream's producer is cancelled (G9, troupe), so nothing keeps the process alive: it has to exit
// by itself, with code 0, having printed the item it took.
import { Fountain } from './drop-actors.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const f = Fountain.remote();
let collected = false;
const registry = new FinalizationRegistry(() => (collected = true));
const takeOne = async (): Promise<unknown> => {
  const gen = f.flow.remote(2);
  registry.register(gen, 'gen');
  const r = await gen.next();
  return r.done ? 'done' : await r.value;
};
const first = await takeOne();
for (let i = 0; i < 500 && !collected; i++) {
  gc();
  await new Promise((r) => setTimeout(r, 5));
}
let counts = await f.counts.remote();
for (let i = 0; i < 200 && counts.finals === 0; i++) {
  await new Promise((r) => setTimeout(r, 10));
  counts = await f.counts.remote();
}
process.stdout.write(`${JSON.stringify({ first, collected, finals: counts.finals })}\n`);
