// A pool worker's main: hosts threaded actors and runs threaded remote functions. It builds each actor
// from its module and class name, runs calls with the same executors as in-process actors, sends results
// and stream items back (items batched; a producer waits for the consumer's credit, G10), and routes calls
// on handles it was given back to the main thread (A10).
import { workerData } from 'node:worker_threads';
import { classInfo, groupLimits, isGeneratorFunction, type Callable, type ClassInfo, type MethodInfo } from '../model/class-info.js';
import { DefinitionNotFoundError, TaskCancelledError, TaskError, TroupeError } from '../errors.js';
import { AsyncExecutor } from '../executors/async.js';
import type { Executor } from '../executors/executor.js';
import { SyncExecutor } from '../executors/sync.js';
import { callFromWire } from '../threaded/calls.js';
import { makeHandle, type HandleTarget } from '../handle.js';
import { DEFAULT_CALL, type ResolvedCall } from '../model/options.js';
import { ObjectRef, refs } from '../ref.js';
import { ObjectRefGenerator, StreamCore, streams } from '../stream.js';
import { Task, type TaskHost } from '../task.js';
import { runningTask, watchTaskCode } from '../context.js';
import { runtime } from '../runtime.js';
import { pacing } from '../pacing.js';
import type { ActorInfo } from '../types.js';
import { Asker } from '../threaded/ask.js';
import { Channel } from '../threaded/channel.js';
import { decodeError, encodeError, errorToWire, flatCopy, isWireHandle, mapWireHandles, snapshot, transferables, valueToWire } from '../threaded/codec.js';
import { pacedCallable, WorkerFlow } from '../threaded/flow.js';
import { JournalWriter } from '../threaded/journal.js';
import type { CallMsg, CreateMsg, ReplyMsg, ToMain, ToWorker, WireHandle, WorkerBoot } from '../threaded/protocol.js';
import { lookup } from '../model/definitions.js';
import { dropKeptRef, readRefArgs } from '../threaded/ref-cache.js';

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
const channel = new Channel<ToMain, ToWorker>(boot.port, onMessage, flow, new JournalWriter(boot.journal));
const actors = new Map<string, Hosted>();
/** Builds whose module is still loading: a release meanwhile removes the build. */
const building = new Set<string>();
const tasks = new Map<number, Task>();
/** Calls of threaded functions whose module is still loading: a cancel or credit meanwhile waits here. */
const loading = new Map<number, { cancelled: boolean; taken: number }>();
/** The wire id of each call's task, for what the worker tells the main thread about it. */
const callIds = new WeakMap<Task, number>();
/** A call threw and runs again here: the main thread keeps the attempt count (A7, G12). */
function retrying(task: Task): void {
  const id = callIds.get(task);
  if (id !== undefined) channel.send({ t: 'retry', id, attempt: task.attempt });
}
const functionHost: TaskHost = { actorId: undefined, className: undefined, retrying };

function onMessage(m: ToWorker): void {
  switch (m.t) {
    case 'create':
      void create(m);
      return;
    case 'call':
      if (m.r) readRefArgs(m.args); // kept at once: later calls name the value, whatever this one meets
      if (m.fid !== undefined) runFunction(m);
      else call(m);
      return;
    case 'function':
      fns.set(m.fid, { url: m.url, name: m.fn, callable: undefined });
      return;
    case 'cancel': {
      const early = loading.get(m.id);
      if (early !== undefined) early.cancelled = true;
      else tasks.get(m.id)?.cancel(false, m.only !== true);
      return;
    }
    case 'credit': {
      const early = loading.get(m.id);
      if (early !== undefined) early.taken = Math.max(early.taken, m.taken);
      else tasks.get(m.id)?.core?.ack(m.taken);
      return;
    }
    case 'release':
      return release(m.aid);
    case 'unref':
      return dropKeptRef(m.id);
    case 'reply':
      return foreign.reply(m);
  }
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
    executor.start(info, m.h ? (foreign.readIn(m.args) as unknown[]) : m.args);
  } catch (e) {
    channel.send({ t: 'created', aid: m.aid, error: encodeError(e) });
    return;
  }
  actors.set(m.aid, hosted);
  channel.send({ t: 'created', aid: m.aid });
}

function call(m: CallMsg): void {
  const hosted = actors.get(m.aid!);
  const method = hosted?.info.methods.get(m.m!);
  if (hosted === undefined || method === undefined) {
    const e = new TroupeError(hosted === undefined ? `actor #${m.aid} is not on this worker` : `${hosted.info.className} has no method '${m.m}'`);
    channel.send({ t: 'result', id: m.id, ok: false, e: encodeError(e) });
    return;
  }
  // The call's options as the caller resolved them (its own over the method's, A4), not the method's again.
  hosted.executor.submit(start(m, hosted.host, paced(method), callFromWire(DEFAULT_CALL, m.o)));
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

function runFunction(m: CallMsg): void {
  const def = fns.get(m.fid!)!;
  if (def.callable !== undefined) return runLoaded(m, def.callable);
  const fn = lookup('function', def) as Function | undefined;
  if (fn !== undefined) return runLoaded(m, (def.callable = functionCallable(def.name, fn)));
  const early = { cancelled: false, taken: 0 };
  loading.set(m.id, early);
  load(def.url, 'function', def.name).then(
    (f) => {
      loading.delete(m.id);
      runLoaded(m, (def.callable ??= functionCallable(def.name, f as Function)));
      const task = tasks.get(m.id);
      if (early.cancelled) task?.cancel(false);
      else if (early.taken > 0) task?.core?.ack(early.taken);
    },
    (e) => {
      loading.delete(m.id);
      channel.send({ t: 'result', id: m.id, ok: false, e: encodeError(e) });
    },
  );
}

function functionCallable(name: string, fn: Function): Callable {
  return paced({ name, fn: fn as Callable['fn'], stream: isGeneratorFunction(fn) }, fn);
}

function runLoaded(m: CallMsg, callable: Callable): void {
  const task = start(m, functionHost, callable, m.o === undefined ? DEFAULT_CALL : callFromWire(DEFAULT_CALL, m.o));
  void task.run(undefined);
}

/** Makes the worker-side task of a call and wires its output back to the main thread. */
function start(m: CallMsg, host: TaskHost, callable: Callable, call: ResolvedCall): Task {
  const args = m.h ? (foreign.readIn(m.args) as unknown[]) : m.args;
  const task = new Task(host, callable, args, call, false);
  task.attempt = m.o?.attempt ?? 0;
  tasks.set(m.id, task);
  callIds.set(task, m.id);
  const where = () => `the result of ${host.className ? `${host.className}.` : ''}${callable.name}`;
  const core = task.core;
  if (core === undefined) {
    refs.onSettled(task.ref!, () => {
      tasks.delete(m.id);
      const p = refs.peek(task.ref!)!;
      sendResult(m.id, p.ok, p.value, where, call.transfer);
    });
    return task;
  }
  core.produced = m.o?.skip ?? 0;
  core.taken = Math.min(core.produced, m.o?.taken ?? core.produced);
  const itemPace = pacing.items();
  core.sink = {
    item(v) {
      // Checked and copied now (the producer may reuse the object it yielded); items batch in the channel.
      let wire: unknown = v;
      let h = false;
      if (v !== null && (typeof v === 'object' || typeof v === 'function' || typeof v === 'symbol')) {
        const flat = typeof v === 'object' ? flatCopy(v) : undefined;
        if (flat !== undefined) wire = flat;
        else {
          const index = core.produced - 1;
          try {
            const out = valueToWire(v, () => `${where()} (item ${index})`, foreign.writeHandle);
            wire = snapshot(out.v);
            h = out.h === true;
          } catch (e) {
            task.stop(e as Error);
            return;
          }
        }
      }
      channel.sendItem(m.id, wire, h);
      // G2 across the thread: the producer's next step may block this worker (a long computation, a
      // synchronous wait), and then nothing queued here could leave. So items leave at once, before the
      // next step, until the producer has shown itself fast; then they batch (lib/pacing.ts ItemPace).
      if (itemPace.flushNow()) channel.flush();
    },
    end(error, returned) {
      tasks.delete(m.id);
      if (error === undefined) sendResult(m.id, true, returned, where, false);
      else sendResult(m.id, false, error.e, where, false);
    },
  };
  return task;
}

function sendResult(id: number, ok: boolean, value: unknown, where: () => string, transfer: boolean): void {
  if (!ok) {
    channel.send({ t: 'result', id, ok: false, ...errorToWire(value) });
    return;
  }
  const msg: { t: 'result'; id: number; ok: true; v: unknown; h?: boolean } = { t: 'result', id, ok: true, v: value };
  if (value !== null && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')) {
    try {
      const out = valueToWire(value, where(), foreign.writeHandle);
      msg.v = out.v;
      if (out.h) msg.h = true;
    } catch (e) {
      channel.send({ t: 'result', id, ok: false, e: encodeError(e) });
      return;
    }
  }
  if (transfer) channel.sendTransferring(msg, transferables([msg.v]));
  else channel.send(msg);
}

function release(aid: string): void {
  building.delete(aid);
  const hosted = actors.get(aid);
  if (hosted === undefined) return;
  actors.delete(aid);
  hosted.executor.close();
  const error = new TroupeError(`${hosted.info.className}#${aid} was released`);
  for (const t of [...tasks.values()]) if (t.host === hosted.host) t.stop(error);
  // The actors its code created here die with it (fate sharing): released means killed or restarting.
  runtime().creatorGone(hosted.host.actorId!, `${hosted.info.className}#${hosted.host.actorId}`);
}

/** Handles this worker was given: calls on them go to the main thread as callouts (A10). */
class Foreign {
  /** One handle per actor while the worker's code holds it; collected handles leave the map. */
  readonly #handles = new Map<string, WeakRef<object>>();
  readonly #collected = new FinalizationRegistry<string>((aid) => {
    if (this.#handles.get(aid)?.deref() === undefined) this.#handles.delete(aid);
  });
  readonly #pending = new Map<number, { ref?: ObjectRef<unknown>; core?: StreamCore; site: { className: string; method: string; taskId: number }; settled(): void }>();
  #nextId = 1;
  #chain: Promise<void> | undefined;

  readonly #wireOf = new WeakMap<object, WireHandle>();

  readonly writeHandle = (o: object): WireHandle | undefined => (isWireHandle(o) ? o : this.#wireOf.get(o));

  readIn(v: unknown): unknown {
    return mapWireHandles(v, (w) => this.handle(w));
  }

  /** The one handle of this worker to the actor `w` stands for. */
  handle(w: WireHandle): object {
    let h = this.#handles.get(w.$troupeHandle)?.deref();
    if (h !== undefined) return h;
    const methods = new Map<string, MethodInfo>();
    for (const [name, stream, backpressure] of w.methods) {
      const call = backpressure === undefined ? DEFAULT_CALL : { ...DEFAULT_CALL, backpressure };
      methods.set(name, { name, stream, fn: () => undefined, call });
    }
    const target: HandleTarget = {
      className: w.className,
      methods,
      // The names only: the limits are the owner's to keep.
      groups: new Map<string | undefined, number>([[undefined, Infinity], ...(w.groups ?? []).map((g) => [g, Infinity] as const)]),
      kind: 'foreign',
      call: (method, args, call) => this.#call(w, method, args, call),
      kill: (noRestart) => channel.send({ t: 'killout', aid: w.$troupeHandle, noRestart }),
      actorInfo: () => {
        const info = ask(`actorInfo of ${w.className}#${w.$troupeHandle}`, { info: w.$troupeHandle }) as ActorInfo | null;
        // Gone from the main thread: it has died.
        return info ?? { id: w.$troupeHandle, name: undefined, className: w.className, mode: w.mode ?? 'sync', state: 'dead', queued: 0, running: 0, restarts: 0 };
      },
    };
    h = makeHandle(target) as object;
    this.#handles.set(w.$troupeHandle, new WeakRef(h));
    this.#collected.register(h, w.$troupeHandle);
    this.#wireOf.set(h, w);
    return h;
  }

  #call(w: WireHandle, method: MethodInfo, args: unknown[], call: ResolvedCall): ObjectRef<unknown> | ObjectRefGenerator {
    const id = this.#nextId++;
    const site = { className: w.className, method: method.name, taskId: id };
    // What the worker says about this call after making it (cancel, credit) never overtakes the callout,
    // which waits while ref arguments resolve: held here until it has left.
    let left = false;
    let held: ToMain[] | undefined;
    const post = (m: ToMain) => (left ? channel.send(m) : (held ??= []).push(m));
    const parent = runningTask();
    const canceller = {
      cancel: (_force: boolean, recursive = true) => {
        const p = this.#pending.get(id);
        if (p === undefined) return;
        this.#pending.delete(id);
        parent?.disown(canceller);
        p.core?.stopCredit();
        post(recursive ? { t: 'cancelout', id } : { t: 'cancelout', id, only: true });
        const e = new TaskCancelledError(site);
        if (p.ref) refs.reject(p.ref, e);
        else p.core!.end({ e });
      },
    };
    parent?.adopt(canceller); // cancelled with the call that made it (G11)
    const settled = () => parent?.disown(canceller);
    let out: ObjectRef<unknown> | ObjectRefGenerator;
    if (method.stream) {
      const core = new StreamCore(canceller, call.backpressure);
      // The main-side producer waits for this consumer's credit (G10), and for none once it is dropped (G9).
      core.giveCredit((taken) => post({ t: 'creditout', id, taken }));
      this.#pending.set(id, { core, site, settled });
      out = streams.create(core);
    } else {
      const ref = refs.create(canceller);
      this.#pending.set(id, { ref, site, settled });
      out = ref;
    }
    const o = {
      ...(call.backpressure !== Infinity ? { backpressure: call.backpressure } : {}),
      ...(call.concurrencyGroup ? { group: call.concurrencyGroup } : {}),
      ...(call.transfer ? { transfer: true } : {}),
    };
    const send = (resolved: unknown[]) => {
      if (!this.#pending.has(id)) return; // cancelled while its ref arguments resolved: it never leaves
      let h = false;
      const wireArgs = resolved.map((a, i) => {
        const r = valueToWire(a, `argument ${i}`, this.writeHandle);
        if (r.h) h = true;
        return r.v;
      });
      const msg: ToMain = { t: 'callout', id, aid: w.$troupeHandle, m: method.name, args: wireArgs, ...(Object.keys(o).length ? { o } : {}), ...(h ? { h } : {}) };
      if (call.transfer) channel.sendTransferring(msg, transferables(wireArgs));
      else channel.send(msg);
      left = true;
      if (held !== undefined) for (const m of held) channel.send(m);
    };
    const fail = (e: unknown) => this.reply({ t: 'reply', id, ok: false, end: true, ...errorToWire(e) });
    if (this.#chain === undefined && !args.some((a) => a instanceof ObjectRef)) {
      try {
        send(args);
      } catch (e) {
        fail(e);
      }
    } else {
      // Keep this worker's calls in order while ref arguments resolve (A1, A11).
      const prev = this.#chain ?? Promise.resolve();
      const mine: Promise<void> = prev
        .then(() => Promise.all(args))
        .then(send, fail)
        .catch(fail)
        .finally(() => {
          if (this.#chain === mine) this.#chain = undefined;
        });
      this.#chain = mine;
    }
    return out;
  }

  reply(m: ReplyMsg): void {
    const p = this.#pending.get(m.id);
    if (p === undefined) return;
    const read = (v: unknown) => (m.h ? this.readIn(v) : v);
    if (m.vs !== undefined) for (const v of m.vs) p.core?.push(read(v));
    if (p.core !== undefined && !m.end && m.ok) return;
    this.#pending.delete(m.id);
    p.settled();
    p.core?.stopCredit();
    const error = m.ok ? undefined : m.app ? new TaskError(p.site, decodeError(m.e!)) : decodeError(m.e!);
    if (p.ref !== undefined) {
      if (error === undefined) refs.resolve(p.ref, read(m.v));
      else refs.reject(p.ref, error);
    } else p.core!.end(error === undefined ? undefined : { e: error }, read(m.v));
  }
}

const foreign = new Foreign();

const asker = new Asker(boot.answers);
/** Asks the main thread, and waits for its answer (ask.ts). */
function ask(what: string, q: { info: string } | { name: string }): unknown {
  return asker.ask(what, (id) => {
    channel.send({ t: 'ask', id, ...q });
    channel.flush();
  });
}
// getActor(name) in a worker: an actor created here, else one the main thread knows by that name (A9).
runtime().namedElsewhere = (name) => {
  const w = ask(`getActor('${name}')`, { name }) as WireHandle | null;
  return w === null ? undefined : foreign.handle(w);
};
// Loaded: tell the main thread this worker takes calls (a warm start waits for it: Pool.prestart).
channel.send({ t: 'up' });
