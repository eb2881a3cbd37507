// remote(fn): a Ray task. Each call runs on its own (no mailbox, no limit), in the caller's process or,
// with mode 'threaded', on a pool worker; a generator function streams (G1). Retries follow maxRetries
// and retryExceptions (G12).
import { isMainThread } from 'node:worker_threads';
import { TroupeError } from './errors.js';
import { checkFunctionOptions, DEFAULT_CALL, resolveCall, type PerCallOptions, type RemoteFunctionOptions, type ResolvedCall } from './model/options.js';
import type { ObjectRef } from './ref.js';
import { microtask } from './microtask.js';
import { runtime } from './runtime.js';
import { callerModule } from './model/definitions.js';
import { register, type Location } from './model/definitions.js';
import type { ObjectRefGenerator } from './stream.js';
import { checkArgs, Task } from './task.js';
import { isGeneratorFunction, type Callable } from './model/class-info.js';
import type { RemoteCall } from './types.js';

/** A function made remote: `.remote(...args)` runs it as a task; `.options(o).remote(...)` with options. */
export interface RemoteFunction<A extends readonly unknown[], R> extends RemoteCall<A, R> {
  options(options: RemoteFunctionOptions & PerCallOptions): RemoteCall<A, R>;
  readonly name: string;
}

export function remote<F extends (...args: any[]) => any>(
  fn: F,
  options?: RemoteFunctionOptions,
): RemoteFunction<Parameters<F>, ReturnType<F>> {
  if (typeof fn !== 'function') throw new TypeError(`remote: expected a function, got ${typeof fn}`);
  const name = fn.name || 'anonymous';
  const callable: Callable = { name, fn, stream: isGeneratorFunction(fn) };
  const o = checkFunctionOptions(options, `remote(${name})`);
  refuseIdle(o, callable, `remote(${name})`);
  let at: Location | undefined;
  if (o.mode === 'threaded') {
    if (!fn.name) throw new TroupeError("remote(fn, { mode: 'threaded' }): the function needs a name, by which a worker finds it");
    const url = o.module ?? callerModule();
    if (url === undefined) throw new TroupeError(`remote(${name}): cannot tell which module defines it; pass module: import.meta.url`);
    at = { url, name };
    register('function', at, fn);
    if (!isMainThread) at = undefined; // inside a worker, a threaded function runs where it is called
  }
  const defaults = resolveCall(DEFAULT_CALL, callOptions(o));
  const where = () => name;
  const submit = (args: unknown[], call: ResolvedCall): ObjectRef<unknown> | ObjectRefGenerator => {
    const hasRefs = checkArgs(args, where);
    const rt = runtime();
    if (at !== undefined) return rt.runFunction(callable, at, rt.functions.check(args, where), call, hasRefs, false);
    const task = new Task(rt, callable, args, call, hasRefs);
    if (task.settledOutput) return task.output(); // its signal was already aborted: it never runs
    rt.tasks.add(task);
    microtask(() => void task.run(undefined));
    return task.output();
  };
  return {
    name,
    remote: ((...args: unknown[]) => submit(args, defaults)) as RemoteFunction<Parameters<F>, ReturnType<F>>['remote'],
    options(more: RemoteFunctionOptions & PerCallOptions) {
      const extra = checkFunctionOptions(more, `${name}.options()`, true);
      if (extra.mode !== undefined && extra.mode !== (o.mode ?? 'inline')) throw new TypeError(`${name}.options(): mode is set by remote(), not per call`);
      refuseIdle({ ...extra, mode: o.mode }, callable, `${name}.options()`);
      const call = resolveCall(defaults, callOptions(extra));
      return { remote: ((...args: unknown[]) => submit(args, call)) as RemoteCall<Parameters<F>, ReturnType<F>>['remote'] };
    },
  };
}

/** The per-call part of a remote function's options. */
function callOptions(o: RemoteFunctionOptions & PerCallOptions) {
  const { backpressure, maxRetries, retryExceptions, transfer, signal, timeout } = o;
  return { backpressure, maxRetries, retryExceptions, transfer, signal, timeout };
}

/** Refuses the options that would do nothing for this function (issue 11). */
function refuseIdle(o: RemoteFunctionOptions, callable: Callable, where: string): void {
  if (o.backpressure !== undefined && !callable.stream) {
    throw new TypeError(`${where}: backpressure applies to a stream, and ${callable.name} is not a generator function (it returns one value)`);
  }
  if (o.transfer === true && o.mode !== 'threaded') {
    throw new TypeError(`${where}: transfer moves buffers to a worker thread, and ${callable.name} runs in this thread (mode 'inline': arguments are passed by reference)`);
  }
}
