// The runtime: the live actors, their names, and the in-process host of remote functions. init() starts
// one explicitly; the first use starts a default one; shutdown() kills everything and forgets it.
import { availableParallelism } from 'node:os';
import { isMainThread, threadId } from 'node:worker_threads';
import { ActorCore, type ActorOwner } from './actor-core.js';
import { ChurnSet } from './churn.js';
import type { Executor } from './executors/executor.js';
import { ThreadedExecutor } from './executors/threaded.js';
import { ClusterExecutor } from './executors/clustered.js';
import type { Cluster } from './cluster/cluster.js';
import { checkClusterOptions, type ClusterOptions } from './cluster/options.js';
import type { NodeInfo } from './cluster/membership.js';
import { moduleKey } from './cluster/module-key.js';
import type { NodeHosting } from './hosting/node.js';
import { ThreadedFunctions } from './threaded/functions.js';
import { MainHost } from './hosting/main.js';
import { Pool } from './threaded/pool.js';
import { creation } from './actor.js';
import type { ClassInfo } from './model/class-info.js';
import { ActorDiedError, ActorNotFoundError, TaskCancelledError, TroupeError, actorLabel, showValue } from './errors.js';
import { runningTask, useAsyncContext } from './context.js';
import type { ActorOptions } from './model/options.js';
import { Task, type TaskHost } from './task.js';
import type { Callable } from './model/class-info.js';
import type { Location } from './model/definitions.js';
import type { ResolvedCall } from './model/options.js';
import type { Output } from './wire/endpoint.js';
import type { ActorHandle } from './types.js';

/** Options of init(); unknown keys are rejected. */
export interface InitOptions {
  /** Worker threads in the pool for threaded actors and functions (default os.availableParallelism()). */
  workers?: number;
  /** Make taskContext() work after an await, through AsyncLocalStorage (default false: on Node 20 it makes
   *  every await in the process slower; without it, call taskContext() before the method's first await). */
  asyncContext?: boolean;
  /** Start the pool's workers now rather than at the first threaded call (a warm start; `await ready()`
   *  tells when they are up). Default false. */
  prestart?: boolean;
  /** Join a cluster on NATS (init then returns a promise: await it). Threaded actors may then be built on
   *  other processes and machines (`troupe node`), with the same API (README, Cluster). */
  cluster?: ClusterOptions;
}

export class Runtime implements ActorOwner, TaskHost {
  readonly actors = new Map<string, ActorCore>();
  readonly names = new Map<string, ActorCore>();
  /** Remote-function calls not yet settled (shutdown stops them). */
  readonly tasks = new ChurnSet<Task>(); // one per call: churn.ts
  readonly actorId = undefined;
  readonly className = undefined;
  readonly wire: MainHost = new MainHost(this);
  /** Threaded remote functions. */
  readonly functions = new ThreadedFunctions(() => this.pool(), this.wire);
  #nextId = 1;
  /** Ids of actors made in a worker differ from the main thread's (a creator's id names either). */
  readonly #idPrefix = isMainThread ? '' : `w${threadId}.`;
  /** The actors each actor created (by the creator's id), alive. */
  readonly #created = new Map<string, Set<ActorCore>>();
  #pool: Pool | undefined;
  /** The cluster this process is a member of, once joined. */
  cluster: Cluster | undefined = undefined;
  /** Set on a cluster node: the actors it hosts for other members. */
  hosting: NodeHosting | undefined = undefined;

  constructor(readonly workers: number | undefined = undefined) {}

  /** Live pool workers that take calls (0 before the pool starts). */
  get workersUp(): number {
    return this.#pool?.upWorkers ?? 0;
  }

  /** The worker pool, started on first need. */
  pool(): Pool {
    if (this.#pool === undefined) {
      this.#pool = new Pool(this.wire, this.workers);
    }
    return this.#pool;
  }

  threaded(core: ActorCore): Executor {
    const c = this.cluster;
    const mod = c === undefined || core.info.module === undefined ? undefined : moduleKey(core.info.module);
    if (c !== undefined && mod !== undefined) {
      const choice = c.placement.choose(core.options, `${mod}#${core.className}`, false, core);
      if (choice === undefined || !choice.local) return new ClusterExecutor(core, c, mod, choice?.id);
    }
    return new ThreadedExecutor(core, this.pool(), this.wire, core.info.module);
  }

  built(core: ActorCore): void {
    this.hosting?.built(core);
  }

  dying(core: ActorCore, error: ActorDiedError): void {
    this.hosting?.dying(core, error);
  }

  get memberName(): string | undefined {
    return this.cluster?.name;
  }

  /** Workers this process's pool runs (or will run). */
  workerCount(): number {
    return this.workers ?? availableParallelism();
  }

  /** This process and, in a cluster, every member it knows of. */
  nodes(): NodeInfo[] {
    if (this.cluster !== undefined) return this.cluster.nodes();
    let actors = 0;
    for (const c of this.actors.values()) if (c.options.mode === 'threaded') actors++;
    return [{ id: 'local', name: 'local', alive: true, node: false, workers: this.workerCount(), resources: {}, free: {}, actors }];
  }

  /** Creates an actor owned by the actor whose code runs now, if any (Ray's fate sharing, A8). */
  /** Runs the threaded function `at` as a task of this process (`here`: on its own pool, never elsewhere). */
  runFunction(callable: Callable, at: Location, args: unknown[], call: ResolvedCall, hasRefs = false, here = true, resume?: (task: Task) => void): Output {
    const task = new Task(this, callable, args, call, hasRefs);
    resume?.(task);
    if (task.settledOutput) return task.output(); // its signal was already aborted: it never runs
    this.tasks.add(task);
    this.functions.submit(task, at, here);
    return task.output();
  }

  create(info: ClassInfo, options: ActorOptions, args: unknown[]): ActorHandle<unknown> {
    return this.createOwned(info, options, args, runningTask()?.actorId);
  }

  /** Creates an actor that dies when `creator` dies (undefined: it lives until killed). `id`: the id it
   *  is given (a detached actor's, chosen by the member that asked for it). */
  createOwned(info: ClassInfo, options: ActorOptions, args: unknown[], creator: string | undefined, id?: string): ActorHandle<unknown> {
    if (options.mode === 'threaded') {
      if (info.module === undefined) throw new TroupeError(`${info.className}: cannot tell which module defines the class; pass module: import.meta.url to @actor`);
      // The pool is the main thread's: it builds the actor, owned by the creator here (hosting/worker.ts).
      if (!isMainThread) return this.createElsewhere!(info, options, args, creator) as ActorHandle<unknown>;
    }
    const name = options.name;
    if (name !== undefined) {
      const existing = this.names.get(name);
      if (existing !== undefined) {
        if (options.getIfExists) return existing.handle;
        throw new TroupeError(`the actor name '${name}' is taken by ${actorLabel(existing)}; pass getIfExists: true to get that actor`);
      }
      // Taken by an actor of another member, as far as the registry's view here says (it claims for sure).
      // A detached actor built here under an id its creator chose was looked up there, and may be built
      // again after a death this process has not heard of yet: its claim decides.
      const c = this.cluster;
      const held = id === undefined ? c?.registry?.lookup(name) : undefined;
      if (held !== undefined && held.o !== c!.me) {
        if (options.getIfExists) return c!.codec.handleFor(held) as ActorHandle<unknown>;
        throw new TroupeError(`the actor name '${name}' is taken by ${held.className}#${held.$troupeHandle} on ${c!.nameOf(held.o!) ?? 'another member'}; pass getIfExists: true to get that actor`);
      }
    }
    if (options.lifetime === 'detached') {
      // Owned by the node that builds it, not by its creator: it outlives this process.
      if (this.cluster === undefined) throw new TroupeError(`${info.className}: lifetime 'detached' needs a cluster (init({ cluster })): without one, nothing outlives this process`);
      return this.cluster.spawnDetached(info, options, args) as ActorHandle<unknown>;
    }
    const core = new ActorCore(this, id ?? `${this.#idPrefix}${this.#nextId++}`, info, options, args, creator);
    this.actors.set(core.id, core);
    if (creator !== undefined) {
      let kids = this.#created.get(creator);
      if (kids === undefined) this.#created.set(creator, (kids = new Set()));
      kids.add(core);
    }
    if (name !== undefined) this.names.set(name, core);
    return core.handle;
  }

  /** The latest actors gone from this process and why, for calls that reach them late (through a handle
   *  another thread or process holds). */
  readonly #gone = new Map<string, ActorDiedError>();

  /** Why actor `id` of this process is gone (the error it died of, when it is one of the latest). */
  goneError(id: string): ActorDiedError {
    return this.#gone.get(id) ?? new ActorDiedError({ id, className: 'actor' }, 'no actor with that id lives here (it died a while ago, or never lived here)');
  }

  released(core: ActorCore): void {
    this.actors.delete(core.id);
    this.#gone.set(core.id, core.death ?? new ActorDiedError(core, 'it was released'));
    if (this.#gone.size > 1000) this.#gone.delete(this.#gone.keys().next().value!);
    if (core.creatorId !== undefined) this.#created.get(core.creatorId)?.delete(core);
    if (core.name !== undefined && this.names.get(core.name) === core) this.names.delete(core.name);
    this.cluster?.unclaim(core); // before its node forgets how a detached one was asked for
    this.hosting?.released(core);
  }

  /** In a cluster, a named actor claims its name across the cluster before it is built (Cluster.claim). */
  admit(core: ActorCore): Promise<void> | undefined {
    return this.cluster?.claim(core, () => core.state === 'dead' || this.actors.get(core.id) !== core);
  }

  creatorGone(id: string, label: string): void {
    this.onCreatorGone?.(id, label);
    const kids = this.#created.get(id);
    if (kids === undefined) return;
    this.#created.delete(id);
    for (const k of kids) k.die(new ActorDiedError(k, `its creator ${label} died`));
  }

  /** TaskHost for remote functions. */
  settled(task: Task): void {
    this.tasks.delete(task);
  }

  cancelRunning(task: Task, force: boolean, recursive: boolean): void {
    this.functions.cancelRunning(task, force, recursive);
  }

  /** Inside a worker: told when an actor of its own dies, whose threaded children the main thread keeps. */
  onCreatorGone: ((id: string, label: string) => void) | undefined = undefined;

  /** A worker died: the actors its own actors created on this side die with them (A8). */
  workerGone(threadId: number, cause: string): void {
    const prefix = `w${threadId}.`;
    for (const id of [...this.#created.keys()]) if (id.startsWith(prefix)) this.creatorGone(id, `${id} (${cause})`);
  }

  /** Inside a worker: has the main thread create a threaded actor (installed by the worker's main). */
  createElsewhere: ((info: ClassInfo, options: ActorOptions, args: unknown[], creator: string | undefined) => object) | undefined = undefined;

  /** Inside a worker: finds a named actor on the main thread (installed by the worker's main). */
  namedElsewhere: ((name: string) => object | undefined) | undefined = undefined;

  /** The handle of the live actor named `name` (A9), here or (in a worker) on the main thread. */
  handleNamed(name: string): object {
    if (typeof name !== 'string') throw new TypeError(`getActor: name must be a string, got ${typeof name}`);
    const h = this.names.get(name)?.handle ?? this.namedElsewhere?.(name) ?? this.namedInCluster(name);
    if (h === undefined) throw new ActorNotFoundError(name);
    return h;
  }

  /** The handle of the actor of another member named `name`, as the registry's view here has it. */
  namedInCluster(name: string): object | undefined {
    const c = this.cluster;
    if (c !== undefined && c.registry === undefined) void c.openRegistry(); // a node's first use of names
    const w = c?.registry?.lookup(name);
    return w === undefined ? undefined : c!.codec.handleFor(w);
  }

  /** findActor(): the actor named `name` here or, in a cluster, anywhere; waits up to `timeout` ms. */
  async findNamed(name: string, timeout: number): Promise<object> {
    if (typeof name !== 'string') throw new TypeError(`findActor: name must be a string, got ${typeof name}`);
    const end = performance.now() + timeout;
    const registry = await this.cluster?.openRegistry();
    if (registry !== undefined) {
      const local = this.names.get(name);
      return local?.handle ?? this.cluster!.codec.handleFor(await registry.find(name, timeout));
    }
    for (;;) {
      const h = this.names.get(name)?.handle ?? this.namedElsewhere?.(name);
      if (h !== undefined) return h;
      if (performance.now() >= end) throw new ActorNotFoundError(name, `after ${timeout} ms (findActor)`);
      await new Promise((r) => setTimeout(r, Math.min(20, Math.max(1, end - performance.now()))));
    }
  }

  async close(): Promise<void> {
    this.cluster?.leaveDetached(); // built again elsewhere, not ended for good
    // In a cluster the others read this too (a detached actor's calls from them): it names the member.
    const why = this.cluster === undefined ? 'the runtime was shut down' : `the runtime of ${this.cluster.hosting !== undefined ? 'node' : 'member'} ${this.cluster.name} was shut down`;
    for (const core of [...this.actors.values()]) core.die(new ActorDiedError(core, why));
    for (const t of [...this.tasks]) t.stop(new TaskCancelledError(t));
    await this.cluster?.leave();
    await this.#pool?.close();
  }
}

let current: Runtime | undefined;

/** The runtime in use, started on first use. */
export function runtime(): Runtime {
  return (current ??= new Runtime());
}

/** Starts the runtime explicitly (optional: the first use starts one). Throws if one is running. With a
 *  cluster, returns a promise that resolves once this process has joined it and knows the live members. */
export function init(options: InitOptions & { cluster: ClusterOptions }): Promise<void>;
export function init(options?: InitOptions): void;
export function init(options?: InitOptions): void | Promise<void> {
  if (options !== undefined) {
    if (options === null || typeof options !== 'object') throw new TypeError('init: options must be an object');
    for (const k of Object.keys(options)) if (k !== 'asyncContext' && k !== 'workers' && k !== 'prestart' && k !== 'cluster') throw new TypeError(`init: unknown option '${k}' (known: asyncContext, workers, prestart, cluster)`);
    if (options.asyncContext !== undefined && typeof options.asyncContext !== 'boolean') throw new TypeError(`init: asyncContext must be a boolean, got ${showValue(options.asyncContext)}`);
    if (options.prestart !== undefined && typeof options.prestart !== 'boolean') throw new TypeError(`init: prestart must be a boolean, got ${showValue(options.prestart)}`);
    if (options.cluster !== undefined) checkClusterOptions(options.cluster);
    const w = options.workers;
    if (w !== undefined && !(Number.isInteger(w) && w >= 1)) throw new TypeError(`init: workers must be an integer >= 1, got ${showValue(w)}`);
  }
  if (current !== undefined) throw new TroupeError('init: a runtime is already running; call shutdown() first');
  current = new Runtime(options?.workers);
  useAsyncContext(options?.asyncContext ?? false);
  if (options?.prestart) void current.pool().prestart().catch(() => {}); // a worker that fails to start fails its first call
  if (options?.cluster !== undefined) return joinCluster(current, options.cluster, false);
}

/** @internal `troupe node`: starts the runtime and joins the cluster as a member that hosts for others
 *  (its first heartbeat already says what it hosts). */
export function initNode(options: { workers?: number; cluster: ClusterOptions }): Promise<void> {
  checkClusterOptions(options.cluster);
  init({ ...(options.workers !== undefined ? { workers: options.workers } : {}), prestart: true });
  return joinCluster(current!, options.cluster, true);
}

/** Joins the cluster (the NATS client is loaded only now); a failed join leaves no runtime behind. */
async function joinCluster(r: Runtime, options: ClusterOptions, node: boolean): Promise<void> {
  try {
    const [{ Cluster }, { NodeHosting }] = await Promise.all([import('./cluster/cluster.js'), import('./hosting/node.js')]);
    const c = await Cluster.join(options, r, node ? (codec) => new NodeHosting(r, codec) : undefined);
    if (current !== r) {
      await c.leave(); // shut down meanwhile
      return;
    }
    r.cluster = c;
    r.functions.router = c;
  } catch (e) {
    if (current === r) {
      current = undefined;
      await r.close();
    }
    throw e;
  }
}

/** Starts the pool's workers (up to `init({ workers })`) if they are not running, and resolves once every
 *  one has loaded and takes calls: pay the workers' start-up (150-170 ms each, more under tsx) before the
 *  first request instead of in it. Rejects if a worker dies while starting. Main thread only. */
export function ready(): Promise<void> {
  if (!isMainThread) return Promise.reject(new TroupeError('ready(): the pool is started from the main thread'));
  return runtime().pool().prestart();
}

/** Kills every actor (pending calls reject with ActorDiedError), stops remote-function calls
 *  (TaskCancelledError) and forgets the runtime; a later call starts afresh. */
export async function shutdown(): Promise<void> {
  const r = current;
  current = undefined;
  useAsyncContext(false);
  await r?.close();
}

creation.create = (info, options, args) => runtime().create(info, options, args);
