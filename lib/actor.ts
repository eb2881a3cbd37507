// Declaring actors: the Actor base class (typed `Class.remote()`), the @actor and @method decorators,
// defineActor() for plain JavaScript, and the per-class record (options, methods) they build.
import { callerModule } from './threaded/module-url.js';
import { register } from './threaded/registry.js';
import {
  checkActorOptions,
  checkCallOptions,
  DEFAULT_CALL,
  resolveCall,
  type ActorOptions,
  type MethodOptions,
  type ResolvedCall,
} from './options.js';
import { isGeneratorFunction, type Callable } from './task.js';
import type { ActorFactory, ActorHandle } from './types.js';

type AnyClass = abstract new (...args: never[]) => object;

export interface MethodInfo extends Callable {
  /** Class defaults and @method options merged. */
  readonly call: ResolvedCall;
  /** The @method options alone. */
  readonly options?: MethodOptions | undefined;
}

/** Everything the runtime knows of an actor class. */
export interface ClassInfo {
  readonly cls: new (...args: unknown[]) => object;
  /** Threaded classes: the module a worker imports to find the class. */
  readonly module: string | undefined;
  readonly className: string;
  readonly options: ActorOptions;
  readonly methods: ReadonlyMap<string, MethodInfo>;
  /** Concurrency limit per group (undefined: the default group). */
  readonly groups: ReadonlyMap<string | undefined, number>;
}

const methodOptions = new WeakMap<Function, MethodOptions>();
const declared = new WeakMap<Function, ActorOptions>();
const modules = new WeakMap<Function, string>();
const infos = new WeakMap<Function, ClassInfo>();

/** Creating an actor is the runtime's job; the runtime installs it here when its module loads. */
export const creation: {
  create?: (info: ClassInfo, options: ActorOptions, args: unknown[]) => ActorHandle<unknown>;
} = {};

function methodsOf(cls: Function, defaults: ResolvedCall): Map<string, MethodInfo> {
  const out = new Map<string, MethodInfo>();
  for (let p = cls.prototype; p && p !== Actor.prototype && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || out.has(name)) continue;
      const d = Object.getOwnPropertyDescriptor(p, name)!;
      if (typeof d.value !== 'function') continue;
      const fn = d.value as (...args: unknown[]) => unknown;
      const options = methodOptions.get(fn);
      out.set(name, { name, fn, stream: isGeneratorFunction(fn), options, call: resolveCall(defaults, options) });
    }
  }
  return out;
}

/** The methods as an actor created with `options` calls them: its maxTaskRetries under each method's own. */
export function methodsFor(info: ClassInfo, options: ActorOptions): ReadonlyMap<string, MethodInfo> {
  if (options === info.options || options.maxTaskRetries === info.options.maxTaskRetries) return info.methods;
  const defaults = resolveCall(DEFAULT_CALL, { maxTaskRetries: options.maxTaskRetries });
  const out = new Map<string, MethodInfo>();
  for (const [k, m] of info.methods) out.set(k, { ...m, call: resolveCall(defaults, m.options) });
  return out;
}

/** The concurrency limit of each group (undefined: the default group) for actors with these options. */
export function groupLimits(options: ActorOptions): Map<string | undefined, number> {
  const dflt = options.mode === 'async' ? (options.maxConcurrency ?? 1000) : options.mode === 'threaded' ? (options.maxConcurrency ?? 1) : 1;
  const groups = new Map<string | undefined, number>([[undefined, dflt]]);
  for (const [g, n] of Object.entries(options.concurrencyGroups ?? {})) groups.set(g, n);
  return groups;
}

/** The record for `cls`, built on first use from its declared options (none: a sync actor). */
export function classInfo(cls: Function): ClassInfo {
  let info = infos.get(cls);
  if (info !== undefined) return info;
  const options = declared.get(cls) ?? {};
  const className = cls.name || 'AnonymousActor';
  const defaults = resolveCall(DEFAULT_CALL, { maxTaskRetries: options.maxTaskRetries });
  const methods = methodsOf(cls, defaults);
  const groups = groupLimits(options);
  for (const m of methods.values()) {
    // Options that would do nothing on this method (issue 11): refused, naming the class and the method.
    if (m.options?.backpressure !== undefined && !m.stream) {
      throw new TypeError(`${className}.${m.name}: @method backpressure applies to a stream, and ${m.name} is not a generator method (it returns one value)`);
    }
    if (m.options?.transfer === true && options.mode !== 'threaded') {
      throw new TypeError(`${className}.${m.name}: @method transfer moves buffers to a worker thread, and ${className} runs in this thread (mode '${options.mode ?? 'sync'}')`);
    }
    const g = m.call.concurrencyGroup;
    if (g !== undefined && !groups.has(g)) {
      throw new TypeError(`${className}.${m.name}: @method concurrencyGroup '${g}' is not declared in the actor's concurrencyGroups`);
    }
  }
  info = { cls: cls as ClassInfo['cls'], module: modules.get(cls), className, options, methods, groups };
  infos.set(cls, info);
  return info;
}

function declare(cls: Function, options: ActorOptions | undefined): void {
  const where = `@actor on ${cls.name || 'an anonymous class'}`;
  const o = checkActorOptions(options, where);
  if (o.mode === 'threaded') {
    const url = o.module ?? callerModule();
    if (url !== undefined) {
      modules.set(cls, url);
      register('class', { url, name: cls.name }, cls);
    }
  }
  declared.set(cls, o);
  infos.delete(cls);
}

/** Class decorator: makes `cls` an actor with these options (mode 'sync' by default). */
export function actor(options?: ActorOptions) {
  return <C extends AnyClass>(cls: C, _context?: ClassDecoratorContext<C>): C => {
    declare(cls, options);
    return cls;
  };
}

/** What defineActor() adds to a class that does not extend Actor. */
export interface ActorStatics<T, A extends unknown[]> {
  remote(...args: A): ActorHandle<T>;
  options(options: ActorOptions): ActorFactory<T, A>;
}

/** `@actor` for plain JavaScript: `const Counter = defineActor(class { ... }, { mode: 'async' })`. Returns the
 *  class, with `remote()` and `options()` added when it does not extend Actor. */
export function defineActor<C extends new (...args: any[]) => object>(
  cls: C,
  options?: ActorOptions,
): C & ActorStatics<InstanceType<C>, ConstructorParameters<C>> {
  if (typeof cls !== 'function') throw new TypeError(`defineActor: expected a class, got ${typeof cls}`);
  declare(cls, options);
  if (!(cls.prototype instanceof Actor)) {
    Object.defineProperties(cls, {
      remote: { value: Actor.remote, configurable: true, writable: true },
      options: { value: Actor.options, configurable: true, writable: true },
    });
  }
  return cls as C & ActorStatics<InstanceType<C>, ConstructorParameters<C>>;
}

/** Method decorator: per-method defaults for every call (`backpressure`, `concurrencyGroup`, retries). */
export function method(options: MethodOptions) {
  return <F extends Function>(fn: F, context: ClassMethodDecoratorContext): F => {
    methodOptions.set(fn, checkCallOptions(options, `@method on ${String(context.name)}`));
    return fn;
  };
}

/** Creates an actor of class `cls` (decorated or not) with extra options. */
export function createActor<T>(cls: Function, options: ActorOptions | undefined, args: unknown[]): ActorHandle<T> {
  const info = classInfo(cls);
  const o = options === undefined ? info.options : checkActorOptions({ ...info.options, ...options }, `${info.className}.options()`);
  return creation.create!(info, o, args) as ActorHandle<T>;
}

/** The base class of actors: `Counter.remote(...ctorArgs)` creates one and returns its handle. */
export class Actor {
  static remote<T extends object, A extends unknown[]>(this: new (...args: A) => T, ...args: A): ActorHandle<T> {
    return createActor<T>(this, undefined, args);
  }

  static options<T extends object, A extends unknown[]>(this: new (...args: A) => T, options: ActorOptions): ActorFactory<T, A> {
    const cls = this;
    if (options?.mode !== undefined && options.mode !== (declared.get(cls)?.mode ?? 'sync')) {
      throw new TypeError(`${cls.name}.options(): mode is set by @actor, not per creation`);
    }
    checkActorOptions({ ...declared.get(cls), ...options }, `${cls.name}.options()`);
    return { remote: (...args: A) => createActor<T>(cls, options, args) };
  }
}
