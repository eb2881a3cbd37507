// `npm start`: watch a stream arrive. An "LLM-like" actor yields one token every 40 ms; each token is
// printed the moment its ref arrives, with the time since the call (G2). The sync actor serves one reply
// at a time; the async actor interleaves two replies.
import { shutdown } from '../lib/index.js';
import { AsyncTokenStreamer, TokenStreamer } from '../actors/index.js';

const reply = 'Actors keep state, streams deliver each token as soon as it is made, and nothing waits for the end.';

let firstAt = 0;
async function show(label: string, gen: AsyncIterable<PromiseLike<string>>, t0: number): Promise<number> {
  let n = 0;
  for await (const ref of gen) {
    const token = await ref;
    const at = Math.round(performance.now() - t0);
    if (n === 0) firstAt = at;
    console.log(`${label} +${String(at).padStart(5)} ms  ${JSON.stringify(token)}`);
    n++;
  }
  return n;
}

console.log('sync actor (one reply at a time):');
const sync = TokenStreamer.remote(40);
let t0 = performance.now();
const n = await show('[sync ]', sync.generate.remote(reply), t0);
console.log(`${n} tokens: the first arrived after ${firstAt} ms, the whole stream took ${Math.round(performance.now() - t0)} ms\n`);

console.log('async actor (two replies interleaved):');
const llm = AsyncTokenStreamer.remote(40);
t0 = performance.now();
const [a, b] = await Promise.all([
  show('[reply A]', llm.generate.remote('Two streams share one actor;'), t0),
  show('[reply B]', llm.generate.remote('their tokens interleave as they come.'), t0),
]);
console.log(`${a + b} tokens from two concurrent streams in ${Math.round(performance.now() - t0)} ms`);
await shutdown();
