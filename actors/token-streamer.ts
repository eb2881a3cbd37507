// TokenStreamer: an "LLM-like" actor that streams the words of a reply one token at a time with a delay
// between tokens, as a model would. The demo (`npm start`) and the streaming specs use it.
import { Actor, actor, taskContext } from '../lib/index.js';

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
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

/** Splits a prompt's reply into tokens (words and the spaces before them). */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

export class TokenStreamerBase extends Actor {
  constructor(readonly msPerToken = 30) {
    super();
  }
  /** Streams the tokens of `reply`, one every `msPerToken` ms; returns the token count. */
  async *generate(reply: string): AsyncGenerator<string, number> {
    const { signal } = taskContext();
    const tokens = tokenize(reply);
    for (const t of tokens) {
      await sleep(this.msPerToken, signal);
      yield t;
    }
    return tokens.length;
  }
}

/** One reply at a time (mode 'sync'). */
@actor()
export class TokenStreamer extends TokenStreamerBase {}

/** Many replies at once, interleaved (mode 'async'). */
@actor({ mode: 'async', maxConcurrency: 16 })
export class AsyncTokenStreamer extends TokenStreamerBase {}
