// The record of each actor class: its declared options, its methods (with their @method options merged into
// resolved call options) and its concurrency groups; what every layer above reads of a class, built once
// on first use. The decorators (actor.ts) write the declarations; nothing here depends on them.
import { DEFAULT_CALL, resolveCall, type ActorOptions, type MethodOptions, type ResolvedCall } from './options.js';

/** Is `f` a generator function, sync or async (G1: its calls stream)? */
export function isGeneratorFunction(f: Function): boolean {
  const k = f.constructor.name;
  return k === 'GeneratorFunction' || k === 'AsyncGeneratorFunction';
}

/** The function a task calls, and how: `stream` for generator functions (G1). */
export interface Callable {
  readonly name: string;
  readonly fn: (...args: unknown[]) => unknown;
  readonly stream: boolean;
}

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

function methodsOf(cls: Function, defaults: ResolvedCall): Map<string, MethodInfo> {
  const out = new Map<string, MethodInfo>();
  for (let p = cls.prototype; p && !bases.has(p) && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
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

/** Prototypes where the walk for methods stops (the Actor base class: its statics are no methods). */
const bases = new Set<object>();

export function addBase(prototype: object): void {
  bases.add(prototype);
}

/** Records a class's declared options (and, for threaded classes, its module); the record is rebuilt. */
export function declareClass(cls: Function, options: ActorOptions, module: string | undefined): void {
  if (module !== undefined) modules.set(cls, module);
  declared.set(cls, options);
  infos.delete(cls);
}

/** The options `@actor` declared for `cls`, if any. */
export const declaredOptions = (cls: Function): ActorOptions | undefined => declared.get(cls);

/** Records a method's @method options. */
export function setMethodOptions(fn: Function, options: MethodOptions): void {
  methodOptions.set(fn, options);
}
