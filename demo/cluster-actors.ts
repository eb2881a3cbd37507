// The threaded actor of `npm run demo:cluster` (demo/cluster.ts). Each `troupe node` of the demo imports
// this module (its class is what the node hosts) and so does the driver: the same module key on both
// sides. No top-level side effects beyond the decorator: a node's worker imports it again.
import { sleep, tokenize } from '../actors/token-streamer.js';
import { Actor, actor, taskContext } from '../lib/index.js';

export { tokenize };

/** What the demo's streamer is asked to say. */
export const SENTENCE = 'An actor on a cluster node streams its tokens, dies with its node, and comes back on another node to say it all again.';

/** A token and where it was made: the process that ran the producer. */
export interface Token {
  readonly i: number;
  readonly text: string;
  readonly pid: number;
}

// maxRestarts: 2: when its node dies the actor is rebuilt on a live node (A7). maxTaskRetries: 0: a stream
// in flight at the death is not run again, so its consumer sees the death as one ActorDiedError item
// (G6, G12); the calls made after it wait for the restart and run on the new instance.
@actor({ mode: 'threaded', maxRestarts: 2, maxTaskRetries: 0 })
export class ClusterStreamer extends Actor {
  constructor(readonly msPerToken = 50) {
    super();
  }

  /** The process this instance lives in. */
  pid(): number {
    return process.pid;
  }

  /** Streams the tokens of `sentence`, one every `msPerToken` ms; returns how many it made. */
  async *tokens(sentence: string): AsyncGenerator<Token, number> {
    const { signal } = taskContext();
    const words = tokenize(sentence);
    for (let i = 0; i < words.length; i++) {
      await sleep(this.msPerToken, signal);
      yield { i, text: words[i]!, pid: process.pid };
    }
    return words.length;
  }
}
