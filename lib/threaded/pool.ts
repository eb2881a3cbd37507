// The worker pool: starts workers when first needed (up to `workers`, default os.availableParallelism()),
// places each threaded actor on the least loaded one (or on a dedicated one), and notices a worker's death
// once, however many of 'error' and 'exit' fire, telling everything that was on it. A worker with nothing
// in flight is unref'd, so idle workers never keep the process alive.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TroupeError } from '../errors.js';
import type { ResourceLimits } from '../options.js';
import { Channel } from './channel.js';
import { MainFlow, newFlowBuffer } from './flow.js';
import { decodeError } from './codec.js';
import type { CallOutMsg, CancelOutMsg, CreatedMsg, CreditOutMsg, ItemsMsg, ResultMsg, ToMain, ToWorker, WorkerBoot } from './protocol.js';

const workerUrl = new URL('./worker-main.js', import.meta.url);

/**
 * How a worker starts. On Node 20 a worker does not run the parent's `--import` modules, and tsx
 * registers its loader on the main thread only, so a worker could not import a .ts module that the main
 * thread can. When the process was started with `--import`, a worker starts from a bootstrap that imports
 * the same modules (resolved from the working directory, as Node does), calls tsx's `register()` where
 * tsx is one of them, and then loads the worker's main.
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  const specs: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--import' && i + 1 < argv.length) specs.push(argv[++i]!);
    else if (a.startsWith('--import=')) specs.push(a.slice('--import='.length));
  }
  if (specs.length === 0) return { entry: workerUrl, eval: false };
  const code = `(async () => {
  for (const s of ${JSON.stringify(specs)}) {
    await import(s);
    if (s === 'tsx' || s.startsWith('tsx/')) (await import('tsx/esm/api')).register();
  }
  await import(${JSON.stringify(workerUrl.href)});
})().catch((e) => { process.nextTick(() => { throw e; }); });`;
  return { entry: code, eval: true };
}

/** What is waiting on a call sent to a worker. */
export interface PendingCall {
  result(msg: ResultMsg): void;
  items(msg: ItemsMsg): void;
  /** The worker died with this call in flight (calls of actors hear it through their tenant instead). */
  workerDied?(cause: Error): void;
}

/** Someone hosted on a worker: told once if the worker dies. */
export interface Tenant {
  workerDied(cause: Error): void;
}

/** Handles calls that a worker makes on handles it was given (A10); installed by the runtime. */
export interface CallRouter {
  callOut(slot: WorkerSlot, msg: CallOutMsg): void;
  cancelOut(slot: WorkerSlot, msg: CancelOutMsg): void;
  creditOut(slot: WorkerSlot, msg: CreditOutMsg): void;
  /** The worker died: its callouts have no consumer any more. */
  workerDied(slot: WorkerSlot): void;
}

let nextCallId = 1;
export const newCallId = (): number => nextCallId++;

export class WorkerSlot {
  readonly worker: Worker;
  readonly channel: Channel<ToWorker, ToMain>;
  readonly flow: MainFlow;
  readonly calls = new Map<number, PendingCall>();
  readonly creates = new Map<string, { resolve(): void; reject(e: Error): void }>();
  readonly tenants = new Set<Tenant>();
  dead = false;
  /** Resolves once the worker has loaded and takes calls ('up'); rejects if it dies first. */
  readonly up: Promise<void>;
  isUp = false;
  #up: { resolve(): void; reject(e: Error): void } | undefined;
  #refs = 0;

  constructor(
    readonly pool: Pool,
    readonly index: number,
    readonly dedicated: boolean,
    resourceLimits: ResourceLimits | undefined,
  ) {
    this.up = new Promise<void>((resolve, reject) => (this.#up = { resolve, reject }));
    this.up.catch(() => {}); // nobody may wait for it: its death is told to tenants and calls
    const boot: WorkerBoot = { index, flow: newFlowBuffer() };
    this.flow = new MainFlow(boot.flow);
    const { entry, eval: isEval } = workerEntry();
    this.worker = new Worker(entry, { eval: isEval, workerData: boot, ...(resourceLimits ? { resourceLimits } : {}) });
    this.worker.unref();
    this.channel = new Channel<ToWorker, ToMain>(this.worker, (m) => this.#dispatch(m), this.flow);
    this.worker.on('error', (e) => this.#died(describeDeath(e)));
    this.worker.on('exit', (code) => this.#died(new TroupeError(`worker ${index} exited with code ${code}`)));
    this.worker.on('messageerror', (e) => this.#died(e));
  }

  /** Tenants and calls on this worker: how busy it is. */
  get load(): number {
    return this.tenants.size + this.calls.size;
  }

  /** Keeps the process alive while something is in flight here, and only then. */
  hold(): void {
    if (this.#refs++ === 0) this.worker.ref();
  }
  release(): void {
    if (--this.#refs === 0) this.worker.unref();
  }

  send(m: ToWorker): void {
    this.channel.send(m);
  }

  create(aid: string, url: string, cls: string, args: unknown[], extra: { id: string; maxConcurrency?: number; groups?: Record<string, number>; h?: boolean }): Promise<void> {
    if (this.dead) return Promise.reject(new TroupeError(`worker ${this.index} is dead`));
    this.hold();
    return new Promise<void>((resolve, reject) => {
      this.creates.set(aid, {
        resolve: () => {
          this.release();
          resolve();
        },
        reject: (e) => {
          this.release();
          reject(e);
        },
      });
      this.send({ t: 'create', aid, url, cls, args, ...extra });
    });
  }

  /** Gives up on a create still under way (the actor was killed or is restarting elsewhere). */
  cancelCreate(wid: string): void {
    const c = this.creates.get(wid);
    if (c === undefined) return;
    this.creates.delete(wid);
    c.reject(new TroupeError(`actor ${wid} was released before it was built`));
  }

  #dispatch(m: ToMain): void {
    switch (m.t) {
      case 'result': {
        const p = this.calls.get(m.id);
        if (p !== undefined) {
          this.calls.delete(m.id);
          this.flow.inFlight(this.calls.size);
          p.result(m);
        }
        return;
      }
      case 'items':
        this.calls.get(m.id)?.items(m);
        return;
      case 'created':
        return this.#created(m);
      case 'callout':
        return this.pool.router?.callOut(this, m);
      case 'cancelout':
        return this.pool.router?.cancelOut(this, m);
      case 'creditout':
        return this.pool.router?.creditOut(this, m);
      case 'up':
        this.isUp = true;
        return this.#up?.resolve();
    }
  }

  #created(m: CreatedMsg): void {
    const c = this.creates.get(m.aid);
    if (c === undefined) return;
    this.creates.delete(m.aid);
    if (m.error === undefined) c.resolve();
    else {
      const e = decodeError(m.error);
      if (m.notFound) (e as { notFound?: boolean }).notFound = true;
      c.reject(e);
    }
  }

  /** Ends the worker on purpose (its tenants are told it died with `cause`). */
  terminate(cause: Error): Promise<void> {
    this.#died(cause);
    return this.worker.terminate().then(() => undefined);
  }

  #died(cause: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.#up?.reject(cause);
    this.channel.closed = true;
    this.pool.forget(this);
    this.pool.router?.workerDied(this);
    for (const c of this.creates.values()) c.reject(cause);
    this.creates.clear();
    // Tenants first: an actor takes its own calls back from `calls` (to retry or fail them); what is
    // left are remote-function calls, each told on its own.
    const tenants = [...this.tenants];
    this.tenants.clear();
    for (const t of tenants) t.workerDied(cause);
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const c of calls) c.workerDied?.(cause);
    void this.worker.terminate();
  }
}

function describeDeath(e: Error): Error {
  if ((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new TroupeError(`the worker ran out of memory (its resourceLimits): ${e.message}`, { cause: e });
  }
  return e;
}

export class Pool {
  readonly #shared: WorkerSlot[] = [];
  readonly #dedicated = new Set<WorkerSlot>();
  #index = 0;
  router: CallRouter | undefined;

  constructor(readonly size: number = availableParallelism()) {}

  /** A worker for an actor: a dedicated one, or the least loaded shared one (starting one while below `size`). */
  place(dedicated: boolean, resourceLimits: ResourceLimits | undefined): WorkerSlot {
    if (dedicated) {
      const slot = new WorkerSlot(this, this.#index++, true, resourceLimits);
      this.#dedicated.add(slot);
      return slot;
    }
    return this.#leastLoaded();
  }

  /** A worker for one remote-function call. */
  forTask(): WorkerSlot {
    return this.#leastLoaded();
  }

  #leastLoaded(): WorkerSlot {
    let best: WorkerSlot | undefined;
    for (const s of this.#shared) if (best === undefined || s.load < best.load) best = s;
    if (best === undefined || (best.load > 0 && this.#shared.length < this.size)) {
      best = new WorkerSlot(this, this.#index++, false, undefined);
      this.#shared.push(best);
    }
    return best;
  }

  /** Starts the shared workers up to `size` now (a warm start); resolves when every one takes calls. */
  prestart(): Promise<void> {
    while (this.#shared.length < this.size) this.#shared.push(new WorkerSlot(this, this.#index++, false, undefined));
    return Promise.all(this.#shared.map((s) => s.up)).then(() => undefined);
  }

  /** Live workers that have loaded and take calls. */
  get upWorkers(): number {
    let n = 0;
    for (const s of this.#shared) if (s.isUp) n++;
    for (const s of this.#dedicated) if (s.isUp) n++;
    return n;
  }

  forget(slot: WorkerSlot): void {
    const i = this.#shared.indexOf(slot);
    if (i >= 0) this.#shared.splice(i, 1);
    this.#dedicated.delete(slot);
  }

  get workers(): number {
    return this.#shared.length + this.#dedicated.size;
  }

  async close(): Promise<void> {
    const all = [...this.#shared, ...this.#dedicated];
    await Promise.all(all.map((s) => s.terminate(new TroupeError('the runtime was shut down'))));
  }
}

