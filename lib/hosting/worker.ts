// A pool worker's main: hosts threaded actors and runs threaded remote functions. It builds each actor
// from its module and class name and runs its calls with the same executors as in-process actors; calls
// arrive, and their results and stream items leave, through the worker's endpoint (wire/endpoint.ts), the
// same code as on the main thread's side of the channel. Handles it was given call their actors through
// that endpoint too (wire/remote-handles.ts), and a question the main thread must answer at once (an
// actor's info, a name, a new actor) waits in shared memory (ask.ts).
import { threadId, workerData } from 'node:worker_threads';
import { classInfo, groupLimits, isGeneratorFunction, type Callable, type ClassInfo } from '../model/class-info.js';
import { DefinitionNotFoundError, TroupeError } from '../errors.js';
import { AsyncExecutor } from '../executors/async.js';
import type { Executor } from '../executors/executor.js';
import { SyncExecutor } from '../executors/sync.js';
import { DEFAULT_CALL, type ResolvedCall } from '../model/options.js';
import { refs } from '../ref.js';
import { streams } from '../stream.js';
import { Task, type TaskHost } from '../task.js';
import { watchTaskCode } from '../context.js';
import { runtime } from '../runtime.js';
import type { ActorInfo } from '../types.js';
import { lookup } from '../model/definitions.js';
import { Asker } from '../threaded/ask.js';
import type { WorkerBoot } from '../threaded/boot.js';
import { Channel } from '../threaded/channel.js';
import { pacedCallable, WorkerFlow } from '../threaded/flow.js';
import { JournalWriter } from '../threaded/journal.js';
import { callFromWire, resumeFromWire } from '../wire/calls.js';
import { argsFromWire, encodeError, valueToWire, type Where } from '../wire/codec.js';
import { Endpoint, type Output } from '../wire/endpoint.js';
import type { AskMsg, CallMsg, Control, CreateMsg, SpawnRequest, WireHandle } from '../wire/protocol.js';
import { RemoteHandles } from '../wire/remote-handles.js';

interface Hosted {
  readonly info: ClassInfo;
  readonly executor: Executor;
  readonly host: TaskHost;
}

const boot = workerData as WorkerBoot;
// The call whose code ran last, where the main thread can read it if this worker dies: it names the call.
const running = new Int32Array(boot.running);
watchTaskCode({
  enter(t) {
    const prev = running[0]!;
    const id = callIds.get(t as Task);
    if (id !== undefined) running[0] = id;
    return prev;
  },
  leave(prev) {
    running[0] = prev; // between calls (and after an await) no call is named
  },
});
const flow = new WorkerFlow(boot.flow);
// A spare's modules load while it waits; a create or call that needs one meets the same import. A module
// that fails here fails again, with its error, when a create or call asks for it.
for (const url of boot.preload ?? []) import(url).catch(() => undefined);
const channel = new Channel(boot.port, (m) => endpoint.receive(m), flow, new JournalWriter(boot.journal));
const actors = new Map<string, Hosted>();
/** Builds whose module is still loading: a release meanwhile removes the build. */
const building = new Set<string>();
/** The wire id of each call's task, for what the worker tells the main thread about it. */
const callIds = new WeakMap<Task, number>();
/** A call threw and runs again here: the main thread keeps the attempt count (A7, G12). */
function retrying(task: Task): void {
  const id = callIds.get(task);
  if (id !== undefined) channel.send({ t: 'retry', id, attempt: task.attempt });
}
const functionHost: TaskHost = { actorId: undefined, className: undefined, retrying };

/** What the main thread says that is not about calls. */
function control(m: Control): void {
  switch (m.t) {
    case 'create':
      void create(m);
      return;
    case 'function':
      fns.set(m.fid, { url: m.url, name: m.fn, callable: undefined });
      return;
    case 'release':
      return release(m.aid);
    case 'unref':
      return endpoint.kept.drop(m.id);
  }
}

/** A call of the main thread's: on an actor hosted here, or of a remote function. */
function serve(m: CallMsg, args: unknown[], answer: (out: Output, where: Where) => void): void {
  if (m.fid !== undefined) return runFunction(m, args, answer);
  const hosted = actors.get(m.aid!);
  const method = hosted?.info.methods.get(m.m!);
  if (hosted === undefined || method === undefined) {
    throw new TroupeError(hosted === undefined ? `actor #${m.aid} is not on this worker` : `${hosted.info.className} has no method '${m.m}'`);
  }
  // The call's options as the caller resolved them (its own over the method's, A4), not the method's again.
  const task = start(m, args, hosted.host, paced(method), callFromWire(DEFAULT_CALL, m.o), answer);
  hosted.executor.submit(task);
}

async function load(url: string, kind: 'class' | 'function', name: string): Promise<unknown> {
  const known = lookup(kind, { url, name });
  if (known !== undefined) return known;
  try {
    await import(url);
  } catch (e) {
    throw new DefinitionNotFoundError(`the worker could not import ${url} to find ${kind} ${name}: ${(e as Error)?.message ?? e}`, { cause: e });
  }
  const found = lookup(kind, { url, name });
  if (found === undefined) {
    const how = kind === 'class' ? "decorated with @actor({ mode: 'threaded' }) (or defineActor)" : "made with remote(fn, { mode: 'threaded' }) at the module's top level";
    throw new DefinitionNotFoundError(`${url} defines no ${kind} named ${name} ${how}`);
  }
  return found;
}

async function create(m: CreateMsg): Promise<void> {
  let info: ClassInfo;
  building.add(m.aid);
  try {
    info = classInfo((await load(m.url, 'class', m.cls)) as Function);
  } catch (e) {
    building.delete(m.aid);
    channel.send({ t: 'created', aid: m.aid, error: encodeError(e) });
    return;
  }
  if (!building.delete(m.aid)) return; // released while its module loaded
  const limits = groupLimits({ mode: 'threaded', ...(m.maxConcurrency !== undefined ? { maxConcurrency: m.maxConcurrency } : {}), ...(m.groups ? { concurrencyGroups: m.groups } : {}) });
  const concurrent = limits.size > 1 || limits.get(undefined)! > 1;
  const executor: Executor = concurrent ? new AsyncExecutor(limits) : new SyncExecutor();
  const hosted: Hosted = {
    info,
    executor,
    host: { actorId: m.id, className: info.className, withdraw: (t) => executor.remove(t), retrying },
  };
  try {
    executor.start(info, argsFromWire(m.args, handles));
  } catch (e) {
    channel.send({ t: 'created', aid: m.aid, error: encodeError(e) });
    return;
  }
  actors.set(m.aid, hosted);
  channel.send({ t: 'created', aid: m.aid });
}

/** Each method's and function's callable, timed for pacing (flow.ts pacedCallable). */
const pacedCallables = new WeakMap<object, Callable>();
function paced(c: Callable, key: object = c): Callable {
  const known = pacedCallables.get(key);
  if (known !== undefined) return known;
  const p = pacedCallable(c, channel.release, flow);
  pacedCallables.set(key, p);
  return p;
}

/** The remote functions the main thread told this worker of, by number; `callable` once found. */
const fns = new Map<number, { readonly url: string; readonly name: string; callable: Callable | undefined }>();

function runFunction(m: CallMsg, args: unknown[], answer: (out: Output, where: Where) => void): void {
  const def = fns.get(m.fid!)!;
  const run = (callable: Callable) => void start(m, args, functionHost, callable, callFromWire(DEFAULT_CALL, m.o), answer).run(undefined);
  if (def.callable !== undefined) return run(def.callable);
  const fn = lookup('function', def) as Function | undefined;
  if (fn !== undefined) return run((def.callable = functionCallable(def.name, fn)));
  // Its module loads first: a cancel or credit meanwhile waits in the endpoint until the call answers.
  load(def.url, 'function', def.name).then(
    (f) => run((def.callable ??= functionCallable(def.name, f as Function))),
    (e) => answer(refs.failed(e), def.name),
  );
}

function functionCallable(name: string, fn: Function): Callable {
  return paced({ name, fn: fn as Callable['fn'], stream: isGeneratorFunction(fn) }, fn);
}

/** Makes the worker-side task of a call; its output goes back through the endpoint (`answer`). */
function start(m: CallMsg, args: unknown[], host: TaskHost, callable: Callable, call: ResolvedCall, answer: (out: Output, where: Where) => void): Task {
  const task = new Task(host, callable, args, call, false);
  resumeFromWire(task, m.o);
  callIds.set(task, m.id);
  const where = () => `the result of ${host.className ? `${host.className}.` : ''}${callable.name}`;
  const core = task.core;
  if (core === undefined) {
    answer(task.ref!, where);
    return task;
  }
  answer(streams.create(core), where);
  return task;
}

function release(aid: string): void {
  building.delete(aid);
  const hosted = actors.get(aid);
  if (hosted === undefined) return;
  actors.delete(aid);
  const { queued, running } = hosted.executor.close();
  const error = new TroupeError(`${hosted.info.className}#${aid} was released`);
  for (const t of [...queued, ...running]) t.stop(error);
  // The actors its code created here die with it (fate sharing): released means killed or restarting.
  runtime().creatorGone(hosted.host.actorId!, `${hosted.info.className}#${hosted.host.actorId}`);
}

/** Handles this worker was given: calls on them go to the main thread through the endpoint (A10). */
const handles: RemoteHandles = new RemoteHandles({
  get endpoint(): Endpoint {
    return endpoint;
  },
  kill: (aid, noRestart) => channel.send({ t: 'kill', aid, noRestart }),
  dropped: (aid, n) => channel.send({ t: 'unhold', aid, n }),
  info: (w) => ask(`actorInfo of ${w.className}#${w.$troupeHandle}`, { info: w.$troupeHandle }) as ActorInfo | null,
});
const endpoint: Endpoint = new Endpoint(channel, handles, { serve, control });

const asker = new Asker(boot.answers);
/** Asks the main thread, and waits for its answer (ask.ts). */
function ask(what: string, q: Omit<AskMsg, 't' | 'id'>, waitMs?: number): unknown {
  return asker.ask(
    what,
    (id) => {
      channel.send({ t: 'ask', id, ...q });
      channel.flush();
    },
    waitMs,
  );
}
// getActor(name) in a worker: an actor created here, else one the main thread knows by that name (A9).
runtime().namedElsewhere = (name) => {
  const w = ask(`getActor('${name}')`, { name }) as WireHandle | null;
  return w === null ? undefined : handles.handle(w);
};
// A threaded actor created by this worker's code: the main thread builds it on the pool, owned by the
// actor whose code created it here (A8), and hands back its handle at once, as Class.remote() does.
runtime().createElsewhere = (info, options, args, creator) => {
  const where = `${info.className}.remote()`;
  const wireArgs = args.map((a, i) => valueToWire(a, () => `${where}: argument ${i}`, handles.writeHandle));
  const create: SpawnRequest = { url: info.module!, cls: info.className, args: wireArgs, options: { ...options }, ...(creator !== undefined ? { creator } : {}) };
  // Waits however long the main thread is busy: a creation given up on here could still happen there.
  const w = ask(where, { create }, Infinity) as WireHandle;
  if (creator !== undefined && creator.startsWith(ownPrefix)) ownCreators.add(creator);
  return handles.handle(w);
};
// The creators of this worker's own (not threaded actors, whose ids are the main thread's): their deaths
// are told to the main thread, which keeps the threaded actors they created.
const ownPrefix = `w${threadId}.`;
const ownCreators = new Set<string>();
runtime().onCreatorGone = (id, label) => {
  if (ownCreators.delete(id)) channel.send({ t: 'gone', id, label });
};
// Loaded: tell the main thread this worker takes calls (a warm start waits for it: Pool.prestart).
channel.send({ t: 'up' });
