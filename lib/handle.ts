// Actor handles: a Proxy whose properties are the actor's methods. Each method stub is made once per
// handle and cached, so a call costs one trap and one closure call. Internal state stays behind a WeakMap.
import type { MethodInfo } from './actor.js';
import { checkCallOptions, resolveCall, type CallOptions, type ResolvedCall } from './options.js';
import type { ObjectRef } from './ref.js';
import type { ObjectRefGenerator } from './stream.js';
import type { ActorHandle, ActorInfo } from './types.js';

/** What a handle calls into: the actor's core. */
export interface HandleTarget {
  readonly className: string;
  readonly methods: ReadonlyMap<string, MethodInfo>;
  readonly groups: ReadonlyMap<string | undefined, number>;
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

function stub(core: HandleTarget, m: MethodInfo) {
  return {
    remote: (...args: unknown[]) => core.call(m, args, m.call),
    options: (options: CallOptions) => {
      const where = `${core.className}.${m.name}.options()`;
      const call = resolveCall(m.call, checkCallOptions(options, where));
      if (!core.groups.has(call.concurrencyGroup)) {
        throw new TypeError(`${where}: concurrencyGroup '${call.concurrencyGroup}' is not declared on ${core.className} (declared: ${[...core.groups.keys()].filter((g) => g !== undefined).join(', ') || 'none'})`);
      }
      return { remote: (...args: unknown[]) => core.call(m, args, call) };
    },
  };
}

function missing(core: HandleTarget, prop: string) {
  const fail = (): never => {
    throw new TypeError(`${core.className} has no method '${prop}' (methods: ${[...core.methods.keys()].join(', ') || 'none'})`);
  };
  return { remote: fail, options: fail };
}

export function makeHandle<T>(core: HandleTarget): ActorHandle<T> {
  const stubs: Record<string, ReturnType<typeof stub>> = Object.create(null);
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
