// Threaded producers for spec/streams-drop.test.ts and its child script: endless streams that count their
// yields and their finally blocks, so a spec can see a dropped stream stop. No top-level side effects (a
// worker imports this module).
import { Actor, actor } from '../../lib/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** maxConcurrency 2: counts() answers while a stream runs. */
@actor({ mode: 'threaded', maxConcurrency: 2 })
export class Fountain extends Actor {
  produced = 0;
  finals = 0;

  /** Yields 0, 1, 2 ... for ever, one every `ms` milliseconds. */
  async *flow(ms: number): AsyncGenerator<number, void> {
    try {
      for (let i = 0; ; i++) {
        await sleep(ms);
        this.produced++;
        yield i;
      }
    } finally {
      this.finals++;
    }
  }

  counts(): { produced: number; finals: number } {
    return { produced: this.produced, finals: this.finals };
  }
}
