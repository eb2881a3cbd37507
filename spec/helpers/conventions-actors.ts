// Actors for spec/conventions.test.ts and spec/warm-start.test.ts: a threaded call that waits until its
// taskContext().signal aborts (and a method that tells whether that happened), and a threaded actor that
// tries per-call options on a handle it was given. No top-level side effects (a worker imports this module).
import { Actor, actor, taskContext, type ActorHandle, type CallOptions } from '../../lib/index.js';

/** Resolves 'aborted' once the running call's signal aborts (never otherwise), calling `seen` first. */
function untilAborted(seen: () => void): Promise<string> {
  const { signal } = taskContext();
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => {
      seen();
      resolve('aborted');
    });
  });
}

@actor({ mode: 'threaded', maxConcurrency: 2 })
export class Waiter extends Actor {
  aborted = 0;

  /** Resolves 'aborted' once the call's signal aborts (never otherwise), counting it. */
  untilAborted(): Promise<string> {
    return untilAborted(() => this.aborted++);
  }

  abortedCalls(): number {
    return this.aborted;
  }
}

/** A main-thread actor whose handle is given to a Relay. */
@actor()
export class PingTarget extends Actor {
  aborted = 0;
  ping(): string {
    return 'pong';
  }
  /** Resolves 'aborted' once the call's signal aborts (never otherwise), counting it. */
  untilAborted(): Promise<string> {
    return untilAborted(() => this.aborted++);
  }
  abortedCalls(): number {
    return this.aborted;
  }
}

@actor({ mode: 'threaded' })
export class Relay extends Actor {
  /** What `.options(o)` on a handle inside this worker says: 'accepted', or the TypeError's message. */
  tryOptions(h: ActorHandle<PingTarget>, which: 'timeout' | 'signal' | 'transfer' | 'backpressure-free'): string {
    const o: CallOptions =
      which === 'timeout' ? { timeout: 10 } : which === 'signal' ? { signal: new AbortController().signal } : which === 'transfer' ? { transfer: true } : {};
    try {
      h.ping.options(o);
      return 'accepted';
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** Calls `h.untilAborted` with a timeout of 30 ms, or a signal aborted after 30 ms (or before the call):
   *  how the call ended, as the error's name. */
  async cancelVia(h: ActorHandle<PingTarget>, which: 'timeout' | 'signal' | 'aborted'): Promise<string> {
    const ac = new AbortController();
    if (which === 'aborted') ac.abort();
    else if (which === 'signal') setTimeout(() => ac.abort(), 30);
    const o: CallOptions = which === 'timeout' ? { timeout: 30 } : { signal: ac.signal };
    try {
      return await h.untilAborted.options(o).remote();
    } catch (e) {
      return (e as Error).name;
    }
  }
}
