// The worker pool: starts workers when first needed (up to `workers`, default os.availableParallelism()),
// places each threaded actor on the least loaded one (or on a dedicated one), and notices a worker's death
// once, however many of 'error' and 'exit' fire, telling everything that was on it. A worker with nothing
// in flight is unref'd, so idle workers never keep the process alive.
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { TroupeError } from '../errors.js';
import { outsideTasks } from '../context.js';
import type { ResourceLimits } from '../model/options.js';
import { pacing } from '../pacing.js';
import { decodeError, type HandleCodec, type Where } from '../wire/codec.js';
import { Endpoint, type Host, type Output } from '../wire/endpoint.js';
import type { AskMsg, CallMsg, Control, CreatedMsg, GoneMsg, KillMsg, Msg, UnholdMsg } from '../wire/protocol.js';
import { forgetHolder, type RefHolder } from '../wire/ref-cache.js';
import { answer, newAskBuffer } from './ask.js';
import type { WorkerBoot } from './boot.js';
import { Channel } from './channel.js';
import { MainFlow, monotonicMs, newFlowBuffer } from './flow.js';
import { JournalReader, newJournalBuffer } from './journal.js';

const workerUrl = new URL('../hosting/worker.js', import.meta.url);

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

/** Someone hosted on a worker: told once if the worker dies. */
export interface Tenant {
  /** `ran`: the call whose code ran last there (`Class#id.method (task n)`), when one was in flight. */
  workerDied(cause: Error, ran: string | undefined): void;
}

/** The main thread's side of what a worker's code does with handles it was given (A8, A9, A10): calls
 *  on them, kills, questions. Installed by the runtime (hosting/main.ts). */
export interface CallRouter extends HandleCodec {
  serve(m: CallMsg, args: unknown[], answer: (out: Output, where: Where) => void): void;
  kill(m: KillMsg): void;
  gone(m: GoneMsg): void;
  /** The worker with this thread id died (its own actors with it). */
  workerGone(threadId: number, cause: Error): void;
  /** What the worker `thread` asks (ask.ts): an actor's info, a named actor's wire handle, or a new
   *  actor's; JSON-able. */
  ask(m: AskMsg, thread: number): unknown;
  /** What leaves for the worker `thread`, as it leaves (the relayed handles in it are held there). */
  sending(thread: number, m: Msg): void;
  sendingItem(thread: number, v: unknown): void;
  /** The worker `thread` let go of a relayed handle (UnholdMsg). */
  unhold(thread: number, m: UnholdMsg): void;
}

export class WorkerSlot implements RefHolder, Host {
  readonly worker: Worker;
  /** The worker's thread id (the prefix of its own actors' ids), kept: it reads -1 once the worker exits. */
  readonly threadId: number;
  /** The main thread's end of the worker's own channel. */
  readonly port: MessagePort;
  readonly channel: Channel;
  /** Calls to the worker and from it (its calls on handles: A10) go through here. */
  readonly endpoint: Endpoint;
  readonly flow: MainFlow;
  /** The results the worker journaled (journal.ts), read through `channel`. */
  readonly journal: JournalReader;
  readonly creates = new Map<string, { resolve(): void; reject(e: Error): void }>();
  readonly tenants = new Set<Tenant>();
  /** The ids of the refs whose values this worker keeps (ref-cache.ts). */
  readonly heldRefs = new Set<number>();
  /** The remote functions this worker was told of (FunctionMsg), by number. */
  readonly functions = new Set<number>();
  dead = false;
  /** Resolves once the worker has loaded and takes calls ('up'); rejects if it dies first. */
  readonly up: Promise<void>;
  isUp = false;
  #up: { resolve(): void; reject(e: Error): void } | undefined;
  #refs = 0;
  /** Answers are due (the endpoint waits for some): one of the holds on the worker. */
  #waiting = false;
  /** What the worker's 'error' said: the cause of its death at 'exit'. */
  #cause: Error | undefined;

  /** Where the main thread answers this worker's questions (ask.ts). */
  readonly answers: SharedArrayBuffer;
  /** The call whose code the worker ran last (hosting/worker.ts writes it). */
  readonly #running: Int32Array;
  /** The modules this worker was asked to import (creates and functions): what a spare preloads. */
  readonly modules = new Set<string>();

  constructor(
    readonly pool: Pool,
    readonly index: number,
    readonly dedicated: boolean,
    resourceLimits: ResourceLimits | undefined,
    preload?: readonly string[],
  ) {
    // A port of troupe's own: the worker's parentPort belongs to user code, and nothing on it is read here.
    const ports = new MessageChannel();
    this.up = new Promise<void>((resolve, reject) => (this.#up = { resolve, reject }));
    this.up.catch(() => {}); // nobody may wait for it: its death is told to tenants and calls
    this.#running = new Int32Array(new SharedArrayBuffer(4));
    const boot: WorkerBoot = {
      index,
      flow: newFlowBuffer(),
      journal: newJournalBuffer(),
      answers: (this.answers = newAskBuffer()),
      running: this.#running.buffer as SharedArrayBuffer,
      port: ports.port2,
      ...(preload?.length ? { preload } : {}),
    };
    this.flow = new MainFlow(boot.flow);
    const { entry, eval: isEval } = workerEntry();
    this.worker = new Worker(entry, { eval: isEval, workerData: boot, transferList: [ports.port2], ...(resourceLimits ? { resourceLimits } : {}) });
    this.threadId = this.worker.threadId;
    this.journal = new JournalReader(boot.journal);
    this.port = ports.port1;
    this.channel = new Channel(this.port, (m) => this.endpoint.receive(m), this.flow, this.journal, (n) => this.#callsInFlight(n));
    const codec = pool.codec;
    this.channel.tap = { message: (m) => codec.sending(this.threadId, m), item: (v) => codec.sendingItem(this.threadId, v) };
    this.endpoint = new Endpoint(this.channel, pool.codec, this);
    // 'error' can come before the port's last messages: the worker is taken for dead at 'exit', with the
    // error as the cause, after what it sent (read off the port: #died) and journaled is dispatched.
    this.worker.on('error', (e) => {
      this.#cause ??= describeDeath(e);
    });
    this.worker.on('exit', (code) => this.#died(this.#cause ?? new TroupeError(`worker ${index} exited with code ${code}`)));
    this.port.on('messageerror', (e) => this.#died(e));
    // An idle worker never keeps the process alive (hold() refs its port while something is in flight);
    // after the listeners, as adding a 'message' listener refs a port.
    this.worker.unref();
    this.port.unref();
  }

  /** Tenants and calls on this worker: how busy it is. */
  get load(): number {
    return this.tenants.size + this.endpoint.calls.size;
  }

  /** Work waiting here is cheap (pacing stickyMs): a call sent now would run about as soon as on an idle
   *  worker, and the worker stays busy instead of two each waking for a few calls. Never while one call's
   *  code has run here for stickyMs (it may block), or a stream is in flight, or before any call has run
   *  here. */
  keepsUp(): boolean {
    if (!this.isUp || this.dead || this.endpoint.streams !== 0 || !(this.load * this.flow.cost() < pacing.limits.stickyMs)) return false;
    const since = this.flow.runningSince();
    return since === 0 || monotonicMs() - since < pacing.limits.stickyMs;
  }

  #callsInFlight(n: number): void {
    this.flow.inFlight(n);
    if (n > 0 !== this.#waiting) {
      this.#waiting = n > 0;
      if (n > 0) this.hold();
      else this.release();
    }
  }

  /** Keeps the process alive while something is in flight here, and only then. */
  hold(): void {
    // Both: the port for the replies, the worker for its 'exit' if it dies (its port closes first).
    if (this.#refs++ !== 0) return;
    this.port.ref();
    this.worker.ref();
  }
  release(): void {
    if (--this.#refs !== 0) return;
    this.port.unref();
    this.worker.unref();
  }

  send(m: Msg): void {
    this.channel.send(m);
  }

  dropRef(id: number): void {
    if (!this.dead) this.send({ t: 'unref', id });
  }

  create(aid: string, url: string, cls: string, args: unknown[], extra: { id: string; maxConcurrency?: number; groups?: Record<string, number> }): Promise<void> {
    if (this.dead) return Promise.reject(new TroupeError(`worker ${this.index} is dead`));
    this.hold();
    this.modules.add(url);
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

  serve(m: CallMsg, args: unknown[], answer: (out: Output, where: Where) => void): void {
    this.pool.codec.serve(m, args, answer);
  }

  control(m: Control): void {
    switch (m.t) {
      case 'created':
        return this.#created(m);
      case 'kill':
        return this.pool.codec.kill(m);
      case 'gone':
        return this.pool.codec.gone(m);
      case 'ask':
        return answer(this.answers, m.id, () => this.pool.codec.ask(m, this.threadId));
      case 'unhold':
        return this.pool.codec.unhold(this.threadId, m);
      case 'up':
        this.isUp = true;
        return this.#up?.resolve();
    }
  }

  /** Tells the worker to abort call `id` (and, `recursive`, what it submitted); with `force`, ends the worker
   *  if the call still runs after the grace. */
  cancelCall(id: number, force: boolean, recursive: boolean, why: () => Error): void {
    this.endpoint.cancel(id, recursive);
    if (!force) return;
    setTimeout(() => {
      if (this.endpoint.calls.has(id) && !this.dead) void this.terminate(why());
    }, pacing.limits.forceGraceMs).unref();
  }

  #created(m: CreatedMsg): void {
    const c = this.creates.get(m.aid);
    if (c === undefined) return;
    this.creates.delete(m.aid);
    if (m.error === undefined) c.resolve();
    else {
      const e = decodeError(m.error);
      c.reject(e);
    }
  }

  /** The call whose code ran last on the worker, if it is still in flight: what most likely ended it. */
  #lastRan(): string | undefined {
    const id = Atomics.load(this.#running, 0);
    return id === 0 ? undefined : this.endpoint.calls.get(id)?.label;
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
    // Calls whose method returned or threw settle with that, before the rest are failed or retried: what
    // the worker posted and the main thread has not read yet, then what it journaled.
    for (let r = receiveMessageOnPort(this.port); r !== undefined; r = receiveMessageOnPort(this.port)) this.channel.deliver(r.message);
    this.channel.closed = true;
    this.channel.drainJournal();
    this.port.close();
    const ran = this.#lastRan();
    this.pool.forget(this);
    forgetHolder(this);
    for (const c of this.creates.values()) c.reject(cause);
    this.creates.clear();
    // Tenants first: an actor takes its own calls back from the endpoint (to retry or fail them); what is
    // left are remote-function calls, each told on its own, and the worker's calls on handles (dropped).
    const tenants = [...this.tenants];
    this.tenants.clear();
    for (const t of tenants) t.workerDied(cause, ran);
    this.endpoint.closed(cause, ran);
    this.pool.codec.workerGone(this.threadId, cause);
    void this.worker.terminate();
  }
}

function describeDeath(e: Error): Error {
  if ((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new TroupeError(`the worker ran out of memory (its resourceLimits): ${e.message}`, { cause: e });
  }
  return e;
}

/**
 * Once a shared worker has died, the pool keeps one spare worker started, with the modules the dead ones
 * had imported already loaded: the next worker it needs (a restarted actor's, most often) is then ready
 * at once instead of after a thread start and its imports. A program whose workers never die never has
 * a spare. The spare is unref'd like any idle worker.
 */
export class Pool {
  readonly #shared: WorkerSlot[] = [];
  readonly #dedicated = new Set<WorkerSlot>();
  #index = 0;
  /** Where the last remote-function call went. */
  #last: WorkerSlot | undefined = undefined;
  #spare: WorkerSlot | undefined = undefined;
  /** What a spare preloads: the modules of the shared workers that died. */
  readonly #spareModules = new Set<string>();
  #wantSpare = false;
  #closed = false;

  constructor(
    readonly codec: CallRouter,
    readonly size: number = availableParallelism(),
  ) {}

  /** A worker for an actor: a dedicated one, or the least loaded shared one (starting one while below `size`). */
  place(dedicated: boolean, resourceLimits: ResourceLimits | undefined): WorkerSlot {
    if (dedicated) {
      const slot = this.#newSlot(true, resourceLimits);
      this.#dedicated.add(slot);
      return slot;
    }
    return this.#leastLoaded();
  }

  /** A worker for one remote-function call: the last one's while it keeps up (WorkerSlot.keepsUp), else the
   *  least loaded. Cheap calls spread over workers measured slower than on one: at 16 in flight on 2 workers
   *  each woke for a call or two, and the main thread's posts to a sleeping worker cost ~4x as much. */
  forTask(): WorkerSlot {
    const last = this.#last;
    if (last !== undefined && last.keepsUp()) return last;
    return (this.#last = this.#leastLoaded());
  }

  #leastLoaded(): WorkerSlot {
    let best: WorkerSlot | undefined;
    for (const s of this.#shared) if (best === undefined || s.load < best.load) best = s;
    if (best === undefined || (best.load > 0 && this.#shared.length < this.size)) {
      best = this.#takeSpare() ?? this.#newSlot(false, undefined);
      this.#shared.push(best);
    }
    return best;
  }

  #newSlot(dedicated: boolean, resourceLimits: ResourceLimits | undefined, preload?: readonly string[]): WorkerSlot {
    return outsideTasks(() => new WorkerSlot(this, this.#index++, dedicated, resourceLimits, preload));
  }

  #takeSpare(): WorkerSlot | undefined {
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare !== undefined) setImmediate(() => this.#startSpare());
    return spare;
  }

  #startSpare(): void {
    if (this.#closed || !this.#wantSpare || this.#spare !== undefined) return;
    this.#spare = this.#newSlot(false, undefined, [...this.#spareModules]);
  }

  /** Starts the shared workers up to `size` now (a warm start); resolves when every one takes calls. */
  prestart(): Promise<void> {
    while (this.#shared.length < this.size) this.#shared.push(this.#newSlot(false, undefined));
    // Someone waits for them: each keeps the process alive until it is up (or dead), then idles unref'd.
    return Promise.all(
      this.#shared.map((s) => {
        if (s.isUp || s.dead) return s.up;
        s.hold();
        const done = () => s.release();
        s.up.then(done, done);
        return s.up;
      }),
    ).then(() => undefined);
  }

  /** Live workers that have loaded and take calls. */
  get upWorkers(): number {
    let n = 0;
    for (const s of this.#shared) if (s.isUp) n++;
    for (const s of this.#dedicated) if (s.isUp) n++;
    return n;
  }

  forget(slot: WorkerSlot): void {
    if (slot === this.#last) this.#last = undefined;
    if (slot === this.#spare) {
      this.#spare = undefined; // a spare that died (its preload crashed it): no new spare for it
      return;
    }
    const i = this.#shared.indexOf(slot);
    if (i >= 0) {
      this.#shared.splice(i, 1);
      for (const url of slot.modules) this.#spareModules.add(url);
      this.#wantSpare = true;
      setImmediate(() => this.#startSpare());
    }
    this.#dedicated.delete(slot);
  }

  get workers(): number {
    return this.#shared.length + this.#dedicated.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#shared, ...this.#dedicated, ...(this.#spare ? [this.#spare] : [])];
    this.#spare = undefined;
    await Promise.all(all.map((s) => s.terminate(new TroupeError('the runtime was shut down'))));
  }
}

