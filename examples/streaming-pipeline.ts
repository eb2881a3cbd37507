// A two-stage streaming pipeline: stage 1 (an actor) streams words as it reads them; stage 2 (another
// actor, given stage 1's handle) consumes that stream inside its own generator method and streams the
// transformed words on; the caller consumes stage 2's stream. Each stage holds the one before it to a
// window of 2 items (backpressure), so nothing piles up between stages, and items flow end to end as they
// are made. Run: node dist/examples/streaming-pipeline.js
import { Actor, actor, shutdown, type ActorHandle } from '../lib/index.js';
import { runIfMain, type Log } from './run-main.js';

@actor({ mode: 'async' })
export class Reader extends Actor {
  produced = 0;
  async *words(text: string): AsyncGenerator<string> {
    for (const w of text.split(/\s+/)) {
      await Promise.resolve(); // reading is fast: only the windows keep it from running ahead
      this.produced++;
      yield w;
    }
  }
  count(): number {
    return this.produced;
  }
}

@actor({ mode: 'async' })
export class Shouter extends Actor {
  async *shout(source: ActorHandle<Reader>, text: string): AsyncGenerator<string> {
    for await (const ref of source.words.options({ backpressure: 2 }).remote(text)) yield `${(await ref).toUpperCase()}!`;
  }
}

export async function main(log: Log) {
  const reader = Reader.remote();
  const shouter = Shouter.remote();
  const text = Array.from({ length: 10 }, () => 'a stream of words flows through two actors').join(' ');
  const out: string[] = [];
  const aheadAtEachItem: number[] = [];
  for await (const word of shouter.shout.options({ backpressure: 2 }).remote(reader, text).values()) {
    out.push(word);
    aheadAtEachItem.push((await reader.count.remote()) - out.length);
  }
  log(`${out.length} words: ${out.slice(0, 8).join(' ')} ...`);
  log(`stage 1 was at most ${Math.max(...aheadAtEachItem)} words ahead of the caller`);
  await shutdown();
  return { out, maxAhead: Math.max(...aheadAtEachItem) };
}

runIfMain(import.meta.url, (log) => main(log));
