// The async executor (A2, A4): each concurrency group is a FIFO of calls served by "lanes". A lane is one
// p-queue job that runs calls one after another; p-queue's concurrency is the group's limit, so at most that
// many calls run at once. A lane that finds no work parks until the next macrotask before it ends, so a
// busy group pays p-queue once per lane rather than once per call (p-queue costs ~1-3 µs a job).
import { ChurnSet } from '../churn.js';
import PQueue from 'p-queue';
import { Fifo } from '../fifo.js';
import { microtask } from '../microtask.js';
import type { ClassInfo } from '../model/class-info.js';
import type { Task } from '../task.js';
import type { Executor } from './executor.js';

class Group {
  readonly fifo = new Fifo<Task>();
  /** Calls whose code is still running (awaiting). */
  readonly running = new ChurnSet<Task>(); // one per call: churn.ts
  #pq: PQueue | undefined = undefined;
  #parked: ((wake: boolean) => void)[] = [];
  #releaseScheduled = false;

  constructor(
    readonly limit: number,
    readonly owner: AsyncExecutor,
  ) {}

  dispatch(): void {
    let n = this.fifo.size;
    while (n > 0 && this.#parked.length > 0) {
      this.#parked.pop()!(true);
      n--;
    }
    if (n === 0) return;
    const pq = (this.#pq ??= new PQueue({ concurrency: this.limit }));
    while (n > 0 && pq.pending + pq.size < pq.concurrency) {
      void pq.add(this.#lane);
      n--;
    }
  }

  releaseParked(): void {
    const parked = this.#parked;
    this.#parked = [];
    for (const p of parked) p(false);
  }

  readonly #lane = async (): Promise<void> => {
    for (;;) {
      if (!this.owner.isOpen) return;
      const task = this.fifo.shift();
      if (task === undefined) {
        if (await this.#park()) continue;
        return;
      }
      // Running from before its code starts: a method may kill its own actor in its synchronous part (A8).
      this.running.add(task);
      const pending = task.run(this.owner.target);
      if (pending !== undefined) await pending;
      this.running.delete(task);
    }
  };

  #park(): Promise<boolean> {
    if (!this.#releaseScheduled) {
      this.#releaseScheduled = true;
      setImmediate(() => {
        this.#releaseScheduled = false;
        this.releaseParked();
      });
    }
    return new Promise((resolve) => this.#parked.push(resolve));
  }
}

export class AsyncExecutor implements Executor {
  readonly #groups = new Map<string | undefined, Group>();
  readonly #dirty = new Set<Group>();
  #scheduled = false;
  isOpen = false;
  target: unknown = undefined;

  /** `groups` maps each group name (undefined: the default group) to its limit. */
  constructor(readonly limits: ReadonlyMap<string | undefined, number>) {}

  get running(): number {
    let n = 0;
    for (const g of this.#groups.values()) n += g.running.size;
    return n;
  }

  get queued(): number {
    let n = 0;
    for (const g of this.#groups.values()) n += g.fifo.size;
    return n;
  }

  remove(task: Task): boolean {
    return this.#groups.get(task.call.concurrencyGroup)?.fifo.remove(task) ?? false;
  }

  submit(task: Task): void {
    const name = task.call.concurrencyGroup;
    let g = this.#groups.get(name);
    if (g === undefined) this.#groups.set(name, (g = new Group(this.limits.get(name)!, this)));
    g.fifo.push(task);
    this.#dirty.add(g);
    if (this.isOpen && !this.#scheduled) this.#schedule();
  }

  start(info: ClassInfo, args: unknown[]): void {
    this.target = Reflect.construct(info.cls, args);
    this.isOpen = true;
    if (!this.#scheduled) this.#schedule();
  }

  close(): { queued: Task[]; running: Task[] } {
    this.isOpen = false;
    const queued: Task[] = [];
    const running: Task[] = [];
    for (const g of this.#groups.values()) {
      g.releaseParked();
      queued.push(...g.fifo.drain());
      running.push(...g.running);
      g.running.clear();
    }
    const byId = (a: Task, b: Task) => a.id - b.id;
    return { queued: queued.sort(byId), running: running.sort(byId) };
  }

  #schedule(): void {
    this.#scheduled = true;
    microtask(this.#dispatch);
  }

  readonly #dispatch = (): void => {
    this.#scheduled = false;
    if (!this.isOpen) return;
    for (const g of this.#dirty) g.dispatch();
    this.#dirty.clear();
  };
}
