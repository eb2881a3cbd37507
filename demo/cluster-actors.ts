// The threaded actor of `npm run demo:cluster` (demo/cluster.ts). Each `troupe node` of the demo imports
// this module (its class is what the node hosts) and so does the driver: the same module key on both
// sides. No top-level side effects beyond the decorator: a node's worker imports it again.
import { Actor, actor, taskContext } from '../lib/index.js';

/** What the demo's streamer is asked to say. */
export const SENTENCE = 'An actor on a cluster node streams its tokens, dies with its node, and comes back on another node to say it all again.';

/** A token and where it was made: the process that ran the producer. */
export interface Token {
  readonly i: number;
  readonly text: string;
  readonly pid: number;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts (a cancelled or closed stream). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The words of `sentence`, each with the spaces before it. */
export function tokenize(sentence: string): string[] {
  return sentence.match(/\s*\S+/g) ?? [];
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
