// Actor handles: a Proxy whose properties are the actor's methods. Each method stub is made once per
// handle and cached, so a call costs one trap and one closure call. Internal state stays behind a WeakMap.
// Misuses of a stub (calling it, awaiting it) and call options that would do nothing are TypeErrors that
// say what to do instead.
import type { MethodInfo } from './model/class-info.js';
import { checkCallOptions, resolveCall, type CallOptions, type ResolvedCall } from './model/options.js';
import type { ObjectRef } from './ref.js';
import type { ObjectRefGenerator } from './stream.js';
import type { ActorHandle, ActorInfo } from './types.js';

/** What a handle calls into: the actor's core. */
export interface HandleTarget {
  readonly className: string;
  readonly methods: ReadonlyMap<string, MethodInfo>;
  readonly groups: ReadonlyMap<string | undefined, number>;
  /** Where the calls run: undefined in this thread, 'threaded' on a worker, 'foreign': a handle inside a
   *  worker, whose calls go back to the actor's owner (only the options that cross are taken there). */
  readonly kind?: 'threaded' | 'foreign' | undefined;
  call(method: MethodInfo, args: unknown[], call: ResolvedCall): ObjectRef<unknown> | ObjectRefGenerator;
  /** kill(handle) (A8): wherever the actor lives. */
  kill(noRestart: boolean): void;
  /** actorInfo(handle): wherever the actor lives. */
  actorInfo(): ActorInfo;
}

const cores = new WeakMap<object, HandleTarget>();

/** The core behind a handle, or undefined for anything that is not a handle. */
export function handleTarget(handle: unknown): HandleTarget | undefined {
  return typeof handle === 'object' && handle !== null ? cores.get(handle) : undefined;
}

/** A method stub: `.remote()` and `.options()`. It is a function only so that `handle.m(1)` can say what
 *  to do instead of "is not a function", and it has a `then` only so that `await handle.m` rejects with
 *  that advice instead of resolving to the stub (the handle itself stays not thenable). */
interface Stub {
  (...args: unknown[]): never;
  remote(...args: unknown[]): ObjectRef<unknown> | ObjectRefGenerator;
  options(options: CallOptions): { remote(...args: unknown[]): ObjectRef<unknown> | ObjectRefGenerator };
  then(): never;
}

function makeStub(misuse: () => TypeError, remote: Stub['remote'], options: Stub['options']): Stub {
  const s = function troupeMethodStub(): never {
    throw misuse();
  } as Stub;
  s.remote = remote;
  s.options = options;
  s.then = () => {
    throw misuse();
  };
  return s;
}

/** Refuses the call options that would do nothing for this method of this actor (issue 11). */
function refuseIdle(core: HandleTarget, m: MethodInfo, o: CallOptions, where: string): void {
  if (o.backpressure !== undefined && !m.stream) {
    throw new TypeError(`${where}: backpressure applies to a stream, and ${core.className}.${m.name} is not a generator method (it returns one value)`);
  }
  if (o.transfer === true && core.kind === undefined) {
    throw new TypeError(`${where}: transfer moves buffers to a worker thread, and ${core.className} runs in this thread (arguments are passed by reference, nothing is copied)`);
  }
}

function stub(core: HandleTarget, m: MethodInfo): Stub {
  const label = `${core.className}.${m.name}`;
  return makeStub(
    () => new TypeError(`${label} is a remote method: call it with .${m.name}.remote(...args) (or .${m.name}.options({...}).remote(...args)) and await the ref it returns`),
    (...args: unknown[]) => core.call(m, args, m.call),
    (options: CallOptions) => {
      const where = `${label}.options()`;
      const given = checkCallOptions(options, where, true);
      refuseIdle(core, m, given, where);
      const call = resolveCall(m.call, given);
      if (!core.groups.has(call.concurrencyGroup)) {
        throw new TypeError(`${where}: concurrencyGroup '${call.concurrencyGroup}' is not declared on ${core.className} (declared: ${[...core.groups.keys()].filter((g) => g !== undefined).join(', ') || 'none'})`);
      }
      return { remote: (...args: unknown[]) => core.call(m, args, call) };
    },
  );
}

function missing(core: HandleTarget, prop: string): Stub {
  const fail = (): never => {
    throw noMethod();
  };
  const noMethod = () => new TypeError(`${core.className} has no method '${prop}' (methods: ${[...core.methods.keys()].join(', ') || 'none'})`);
  return makeStub(noMethod, fail, fail);
}

export function makeHandle<T>(core: HandleTarget): ActorHandle<T> {
  const stubs: Record<string, Stub> = Object.create(null);
  const handle = new Proxy(stubs, {
    get(target, prop) {
      const s = target[prop as string];
      if (s !== undefined) return s;
      if (typeof prop !== 'string') return undefined;
      const m = core.methods.get(prop);
      if (m === undefined) {
        // Not thenable, not JSON-able: `await handle` and JSON.stringify(handle) must work. Reading any other
        // unknown property gives a stub whose calls throw, so code that probes objects does not crash.
        if (prop === 'then' || prop === 'toJSON') return undefined;
        return missing(core, prop);
      }
      return (target[prop] = stub(core, m));
    },
    set(_t, prop) {
      throw new TypeError(`cannot set '${String(prop)}' on a handle to ${core.className}: actor state lives in the actor`);
    },
    has(_t, prop) {
      return typeof prop === 'string' && core.methods.has(prop);
    },
    ownKeys() {
      return [];
    },
  });
  cores.set(handle, core);
  return handle as unknown as ActorHandle<T>;
}
