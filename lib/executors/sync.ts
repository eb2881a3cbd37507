// The sync executor (A1): a FIFO mailbox that runs one call at a time. Calls that return at once are run
// back to back in one microtask; an async method holds the actor until its promise settles.
import { Fifo } from '../fifo.js';
import { microtask } from '../microtask.js';
import type { ClassInfo } from '../model/class-info.js';
import type { Task } from '../task.js';
import type { Executor } from './executor.js';

export class SyncExecutor implements Executor {
  readonly #mailbox = new Fifo<Task>();
  #target: unknown = undefined;
  #open = false;
  #current: Task | undefined = undefined;
  #scheduled = false;

  get running(): number {
    return this.#current === undefined ? 0 : 1;
  }

  get queued(): number {
    return this.#mailbox.size;
  }

  submit(task: Task): void {
    this.#mailbox.push(task);
    if (this.#open && this.#current === undefined && !this.#scheduled) this.#schedule();
  }

  start(info: ClassInfo, args: unknown[]): void {
    this.#target = Reflect.construct(info.cls, args);
    this.#open = true;
    if (this.#current === undefined && !this.#scheduled) this.#schedule();
  }

  remove(task: Task): boolean {
    return this.#mailbox.remove(task);
  }

  close(): { queued: Task[]; running: Task[] } {
    this.#open = false;
    const running = this.#current === undefined ? [] : [this.#current];
    this.#current = undefined;
    return { queued: this.#mailbox.drain(), running };
  }

  #schedule(): void {
    this.#scheduled = true;
    microtask(this.#drain);
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    while (this.#open && this.#current === undefined) {
      const task = this.#mailbox.shift();
      if (task === undefined) return;
      this.#current = task; // while it runs, even synchronously: a method may kill its own actor
      const pending = task.run(this.#target);
      if (pending === undefined) this.#current = undefined;
      else void pending.then(() => this.#next(task));
    }
  };

  #next(task: Task): void {
    if (this.#current !== task) return; // closed meanwhile
    this.#current = undefined;
    this.#drain();
  }
}
