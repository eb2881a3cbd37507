// The sync executor (A1): a FIFO mailbox that runs one call at a time. Calls that return at once are run
// back to back in one microtask; an async method holds the actor until its promise settles.
import { Fifo } from '../fifo.js';
import type { Task } from '../task.js';
import type { Executor } from './executor.js';

export class SyncExecutor implements Executor {
  readonly #mailbox = new Fifo<Task>();
  #target: unknown = undefined;
  #open = false;
  #busy = false;
  #scheduled = false;

  get running(): number {
    return this.#busy ? 1 : 0;
  }

  submit(task: Task): void {
    this.#mailbox.push(task);
    if (this.#open && !this.#busy && !this.#scheduled) this.#schedule();
  }

  open(target: unknown): void {
    this.#target = target;
    this.#open = true;
    if (!this.#busy && !this.#scheduled) this.#schedule();
  }

  close(): Task[] {
    this.#open = false;
    return this.#mailbox.drain();
  }

  #schedule(): void {
    this.#scheduled = true;
    queueMicrotask(this.#drain);
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    while (this.#open && !this.#busy) {
      const task = this.#mailbox.shift();
      if (task === undefined) return;
      const pending = task.run(this.#target);
      if (pending !== undefined) {
        this.#busy = true;
        void pending.then(this.#next);
      }
    }
  };

  readonly #next = (): void => {
    this.#busy = false;
    this.#drain();
  };
}
