// remote(fn): a Ray task. Each call runs on its own in the caller's process (no mailbox, no limit); a
// generator function streams (G1). Retries follow maxRetries and retryExceptions (G12).
import { checkFunctionOptions, DEFAULT_CALL, resolveCall, type RemoteFunctionOptions, type ResolvedCall } from './options.js';
import type { ObjectRef } from './ref.js';
import { runtime } from './runtime.js';
import type { ObjectRefGenerator } from './stream.js';
import { checkArgs, Task, type Callable } from './task.js';
import type { RemoteCall } from './types.js';

/** A function made remote: `.remote(...args)` runs it as a task; `.options(o).remote(...)` with options. */
export interface RemoteFunction<A extends readonly unknown[], R> extends RemoteCall<A, R> {
  options(options: RemoteFunctionOptions): RemoteCall<A, R>;
  readonly name: string;
}

export function remote<F extends (...args: any[]) => any>(
  fn: F,
  options?: RemoteFunctionOptions,
): RemoteFunction<Parameters<F>, ReturnType<F>> {
  if (typeof fn !== 'function') throw new TypeError(`remote: expected a function, got ${typeof fn}`);
  const name = fn.name || 'anonymous';
  const kind = fn.constructor.name;
  const callable: Callable = {
    name,
    fn,
    stream: kind === 'GeneratorFunction' || kind === 'AsyncGeneratorFunction',
  };
  const defaults = resolveCall(DEFAULT_CALL, checkFunctionOptions(options, `remote(${name})`));
  const submit = (args: unknown[], call: ResolvedCall): ObjectRef<unknown> | ObjectRefGenerator => {
    const hasRefs = checkArgs(args, name);
    const rt = runtime();
    const task = new Task(rt, callable, args, call, hasRefs);
    rt.tasks.add(task);
    queueMicrotask(() => void task.run(undefined));
    return task.output();
  };
  return {
    name,
    remote: ((...args: unknown[]) => submit(args, defaults)) as RemoteFunction<Parameters<F>, ReturnType<F>>['remote'],
    options(o: RemoteFunctionOptions) {
      const call = resolveCall(defaults, checkFunctionOptions(o, `${name}.options()`));
      return { remote: ((...args: unknown[]) => submit(args, call)) as RemoteCall<Parameters<F>, ReturnType<F>>['remote'] };
    },
  };
}
