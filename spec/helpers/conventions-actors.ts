// A threaded actor for spec/conventions.test.ts: a call that waits until its taskContext().signal aborts,
// and a method that tells whether that happened. No top-level side effects (a worker imports this module).
import { Actor, actor, taskContext } from '../../lib/index.js';

@actor({ mode: 'threaded', maxConcurrency: 2 })
export class Waiter extends Actor {
  aborted = 0;

  /** Resolves 'aborted' once the call's signal aborts (never otherwise). */
  untilAborted(): Promise<string> {
    const { signal } = taskContext();
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        this.aborted++;
        resolve('aborted');
      });
    });
  }

  abortedCalls(): number {
    return this.aborted;
  }
}
