// The options users pass (actor, method, call, remote function), their defaults, and their validation:
// a bad option is a TypeError at the moment it is given, naming the option and where it was given; so is
// an option that would do nothing where it is given (refuse()).
import { showValue } from '../errors.js';

export type ActorMode = 'sync' | 'async' | 'threaded';

/** An error class, for `retryExceptions`. */
export type ErrorClass = abstract new (...args: never[]) => Error;

export interface ActorOptions {
  /** 'sync' (default): one call at a time (A1). 'async': calls interleave at await points (A2). */
  mode?: ActorMode;
  /** Calls that may run at once in an async actor's default group (default 1000). */
  maxConcurrency?: number;
  /** Named groups with their own limits (A4): `{ io: 2 }`. Async actors only. */
  concurrencyGroups?: Record<string, number>;
  /** A unique name, for getActor() (A9). */
  name?: string;
  /** With `name`: return the live actor of that name instead of failing. */
  getIfExists?: boolean;
  /** How often the actor is rebuilt after it dies (A7; default 0, Infinity for no limit). */
  maxRestarts?: number;
  /** How often a call in flight when the actor died is run again after a restart (A7; default 0). */
  maxTaskRetries?: number;
  /** Threaded: a worker of the actor's own instead of a place on a shared one. */
  dedicated?: boolean;
  /** Threaded and dedicated: Node's worker limits (e.g. `{ maxOldGenerationSizeMb: 64 }`). */
  resourceLimits?: ResourceLimits;
  /** Threaded: the module that defines the class (`import.meta.url`), when the call stack cannot tell. */
  module?: string;
  /** Threaded, in a cluster: where the actor is built. 'local': this process's pool; 'spread': round robin
   *  over the members that can host it; `{ node: name }`: that member; default: the member with the
   *  fewest actors per worker (this process's pool included). */
  placement?: Placement;
  /** Threaded, in a cluster: how long (ms) a creation waits for a member that can host it (default 30000). */
  placementTimeout?: number;
  /** Threaded, in a cluster: what the actor holds while it lives on a member, e.g. `{ gpu: 1 }`; it is
   *  placed only on a member with that much free (`--resources` of `troupe node`). */
  resources?: Readonly<Record<string, number>>;
  /** Threaded, in a cluster: 'detached' builds it on a node, which owns it: it lives until killed (its
   *  creator's death or shutdown() leaves it alone), and is found by name from any member. */
  lifetime?: 'detached';
}

/** Where a threaded actor is built in a cluster (ActorOptions.placement). `{ node }` waits for that member
 *  (a restart too); `{ node, soft: true }` prefers it and otherwise goes where the default would. */
export type Placement = 'local' | 'spread' | { readonly node: string; readonly soft?: boolean };

/** Node's worker resource limits (worker_threads ResourceLimits). */
export interface ResourceLimits {
  maxOldGenerationSizeMb?: number;
  maxYoungGenerationSizeMb?: number;
  codeRangeSizeMb?: number;
  stackSizeMb?: number;
}

export interface MethodOptions {
  /** A stream's producer pauses while it is this many items ahead of the consumer (G10). An integer >= 1. */
  backpressure?: number;
  /** The concurrency group the call runs in (A4). */
  concurrencyGroup?: string;
  /** How often a call that threw is run again (default 0), for the errors `retryExceptions` allows. */
  maxRetries?: number;
  /** Which application errors are retried: true for all, or a list of error classes (default false). */
  retryExceptions?: boolean | readonly ErrorClass[];
  /** Overrides the actor's maxTaskRetries for this method or call. */
  maxTaskRetries?: number;
  /** Threaded: move top-level Uint8Array/ArrayBuffer arguments (and the result's buffers) instead of
   *  copying them; the sender's copies are detached. */
  transfer?: boolean;
}

/** What only one call can be given (`.options()` of a method or remote function), never `@method`. */
export interface PerCallOptions {
  /** Cancels the call, or the stream, when it aborts (as cancel() does); an already-aborted signal rejects
   *  the call at once and it never runs. The method sees it through `taskContext().signal`. */
  signal?: AbortSignal;
  /** Milliseconds from the call (time queued included): then the call, or the stream, is cancelled and
   *  rejects with a TaskTimeoutError naming the call and the time. */
  timeout?: number;
}

export interface CallOptions extends MethodOptions, PerCallOptions {}

export interface RemoteFunctionOptions {
  backpressure?: number;
  maxRetries?: number;
  retryExceptions?: boolean | readonly ErrorClass[];
  /** 'inline' (default): in the caller's process. 'threaded': on a pool worker (the function needs a name). */
  mode?: 'inline' | 'threaded';
  /** Threaded: move top-level buffers instead of copying them. */
  transfer?: boolean;
  /** Threaded: the module that defines the function, when the call stack cannot tell. */
  module?: string;
}

/** Call options with every default applied. */
export interface ResolvedCall {
  readonly signal?: AbortSignal | undefined;
  readonly timeout?: number | undefined;
  readonly backpressure: number;
  readonly concurrencyGroup: string | undefined;
  readonly maxRetries: number;
  readonly retryExceptions: boolean | readonly ErrorClass[];
  readonly maxTaskRetries: number;
  readonly transfer: boolean;
}

export const DEFAULT_CALL: ResolvedCall = Object.freeze({
  backpressure: Infinity,
  concurrencyGroup: undefined,
  maxRetries: 0,
  retryExceptions: false,
  maxTaskRetries: 0,
  transfer: false,
});

const ACTOR_KEYS = new Set([
  'mode', 'maxConcurrency', 'concurrencyGroups', 'name', 'getIfExists', 'maxRestarts', 'maxTaskRetries',
  'dedicated', 'resourceLimits', 'module', 'placement', 'placementTimeout', 'resources', 'lifetime',
]);
const CALL_KEYS = new Set(['backpressure', 'concurrencyGroup', 'maxRetries', 'retryExceptions', 'maxTaskRetries', 'transfer']);
const FUNCTION_KEYS = new Set(['backpressure', 'maxRetries', 'retryExceptions', 'mode', 'transfer', 'module']);
const PER_CALL_KEYS = ['signal', 'timeout'] as const;
const withPerCall = (keys: Set<string>): Set<string> => new Set([...keys, ...PER_CALL_KEYS]);
const ONE_CALL_KEYS = withPerCall(CALL_KEYS);
const ONE_FUNCTION_CALL_KEYS = withPerCall(FUNCTION_KEYS);

function isNodePlacement(p: unknown): boolean {
  if (p === null || typeof p !== 'object') return false;
  const { node, soft, ...rest } = p as { node?: unknown; soft?: unknown };
  return typeof node === 'string' && (soft === undefined || typeof soft === 'boolean') && Object.keys(rest).length === 0;
}

/** A TypeError naming `where` unless `r` is an object of resource names to finite amounts >= 0. */
export function checkResources(where: string, r: unknown): void {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new TypeError(`${where} must be an object of resource name to amount, e.g. { gpu: 1 }, got ${showValue(r)}`);
  for (const [k, v] of Object.entries(r)) {
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw new TypeError(`${where}.${k} must be a finite number >= 0, got ${showValue(v)}`);
  }
}

function fail(where: string, msg: string): never {
  throw new TypeError(`${where}: ${msg}`);
}

function checkObject(o: unknown, where: string, keys: Set<string>): asserts o is Record<string, unknown> {
  if (o === null || typeof o !== 'object') fail(where, `options must be an object, got ${typeof o}`);
  for (const k of Object.keys(o)) {
    if (keys.has(k)) continue;
    if ((PER_CALL_KEYS as readonly string[]).includes(k)) fail(where, `${k} is given per call, with .options({ ${k} }).remote(...), not here`);
    fail(where, `unknown option '${k}' (known: ${[...keys].join(', ')})`);
  }
}

function checkPerCall(o: Record<string, unknown>, where: string): void {
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) fail(where, `signal must be an AbortSignal, got ${showValue(o.signal)}`);
  const t = o.timeout;
  if (t !== undefined && !(typeof t === 'number' && t > 0 && Number.isFinite(t))) fail(where, `timeout must be a number of milliseconds > 0, got ${showValue(t)}`);
}

function count(where: string, key: string, v: unknown, min: number, infinite: boolean): void {
  if (v === undefined) return;
  const ok = typeof v === 'number' && v >= min && (Number.isInteger(v) || (infinite && v === Infinity));
  if (!ok) fail(where, `${key} must be an integer >= ${min}${infinite ? ' or Infinity' : ''}, got ${showValue(v)}`);
}

export function checkActorOptions(o: unknown, where: string): ActorOptions {
  if (o === undefined) return {};
  checkObject(o, where, ACTOR_KEYS);
  const { mode, name, concurrencyGroups } = o;
  if (mode !== undefined && mode !== 'sync' && mode !== 'async' && mode !== 'threaded') {
    fail(where, `mode must be 'sync', 'async' or 'threaded', got ${showValue(mode)}`);
  }
  count(where, 'maxConcurrency', o.maxConcurrency, 1, true);
  count(where, 'maxRestarts', o.maxRestarts, 0, true);
  count(where, 'maxTaskRetries', o.maxTaskRetries, 0, true);
  if (name !== undefined && (typeof name !== 'string' || name === '')) fail(where, `name must be a non-empty string, got ${showValue(name)}`);
  if (o.getIfExists !== undefined && typeof o.getIfExists !== 'boolean') fail(where, 'getIfExists must be a boolean');
  if (o.getIfExists && name === undefined) fail(where, 'getIfExists needs a name');
  if (concurrencyGroups !== undefined) {
    if (concurrencyGroups === null || typeof concurrencyGroups !== 'object') fail(where, 'concurrencyGroups must be an object of group name to limit');
    for (const [g, n] of Object.entries(concurrencyGroups)) count(where, `concurrencyGroups.${g}`, n, 1, true);
    if (mode !== 'async' && mode !== 'threaded' && Object.keys(concurrencyGroups).length > 0) {
      fail(where, "concurrencyGroups need mode 'async' or 'threaded' (a sync actor runs one call at a time)");
    }
  }
  if (o.maxConcurrency !== undefined && mode !== 'async' && mode !== 'threaded') {
    fail(where, "maxConcurrency needs mode 'async' or 'threaded' (a sync actor runs one call at a time)");
  }
  if (o.dedicated !== undefined && typeof o.dedicated !== 'boolean') fail(where, 'dedicated must be a boolean');
  const p = o.placement as unknown;
  if (p !== undefined && p !== 'local' && p !== 'spread' && !isNodePlacement(p)) {
    fail(where, `placement must be 'local', 'spread' or { node: name, soft?: boolean }, got ${showValue(p)}`);
  }
  const pt = o.placementTimeout;
  if (pt !== undefined && !(typeof pt === 'number' && pt > 0)) fail(where, `placementTimeout must be a number of milliseconds > 0, got ${showValue(pt)}`);
  if (o.resources !== undefined) checkResources(`${where}: resources`, o.resources);
  if (o.lifetime !== undefined && o.lifetime !== 'detached') fail(where, `lifetime must be 'detached' (or left out: owned by its creator), got ${showValue(o.lifetime)}`);
  if (o.lifetime !== undefined && o.placement === 'local') fail(where, "lifetime 'detached' is built on a node: placement 'local' would build it here");
  for (const k of ['dedicated', 'resourceLimits', 'module', 'placement', 'placementTimeout', 'resources', 'lifetime'] as const) {
    if (o[k] !== undefined && mode !== 'threaded') fail(where, `${k} needs mode 'threaded'`);
  }
  if (o.resourceLimits !== undefined) {
    if (!o.dedicated) fail(where, 'resourceLimits needs dedicated: true (limits apply to a whole worker)');
    if (o.resourceLimits === null || typeof o.resourceLimits !== 'object') fail(where, 'resourceLimits must be an object');
  }
  if (o.module !== undefined && (typeof o.module !== 'string' || !/^(file|data):/.test(o.module))) {
    fail(where, `module must be a file: URL such as import.meta.url, got ${showValue(o.module)}`);
  }
  return o as ActorOptions;
}

function checkCallShape(o: Record<string, unknown>, where: string): void {
  const bp = o.backpressure;
  if (bp !== undefined && !(typeof bp === 'number' && Number.isInteger(bp) && bp >= 1)) {
    fail(where, `backpressure must be an integer >= 1 (items the producer may run ahead), got ${showValue(bp)}`);
  }
  count(where, 'maxRetries', o.maxRetries, 0, true);
  count(where, 'maxTaskRetries', o.maxTaskRetries, 0, true);
  const re = o.retryExceptions;
  if (re !== undefined && typeof re !== 'boolean' && !(Array.isArray(re) && re.every((c) => typeof c === 'function'))) {
    fail(where, 'retryExceptions must be true, false or a list of error classes');
  }
  if (o.concurrencyGroup !== undefined && typeof o.concurrencyGroup !== 'string') fail(where, 'concurrencyGroup must be a string');
  if (o.transfer !== undefined && typeof o.transfer !== 'boolean') fail(where, 'transfer must be a boolean');
}

/** Checks method options (`@method`), or with `perCall` the options of one call (signal, timeout too). */
export function checkCallOptions(o: unknown, where: string, perCall = false): CallOptions {
  checkObject(o, where, perCall ? ONE_CALL_KEYS : CALL_KEYS);
  checkCallShape(o, where);
  if (perCall) checkPerCall(o, where);
  return o as CallOptions;
}

/** Checks a remote function's options (`remote(fn, o)`), or with `perCall` those of `.options(o)`. */
export function checkFunctionOptions(o: unknown, where: string, perCall = false): RemoteFunctionOptions & PerCallOptions {
  if (o === undefined) return {};
  checkObject(o, where, perCall ? ONE_FUNCTION_CALL_KEYS : FUNCTION_KEYS);
  checkCallShape(o, where);
  if (perCall) checkPerCall(o, where);
  if (o.mode !== undefined && o.mode !== 'inline' && o.mode !== 'threaded') fail(where, `mode must be 'inline' or 'threaded', got ${showValue(o.mode)}`);
  if (o.module !== undefined && (typeof o.module !== 'string' || !/^(file|data):/.test(o.module))) {
    fail(where, `module must be a file: URL such as import.meta.url, got ${showValue(o.module)}`);
  }
  return o as RemoteFunctionOptions & PerCallOptions;
}

/** Later layers override earlier ones; undefined keys leave the earlier value. */
export function resolveCall(base: ResolvedCall, ...layers: (CallOptions | undefined)[]): ResolvedCall {
  let out: { -readonly [K in keyof ResolvedCall]: ResolvedCall[K] } | undefined;
  for (const l of layers) {
    if (l === undefined) continue;
    out ??= { ...base };
    for (const k of Object.keys(l) as (keyof CallOptions)[]) {
      const v = l[k];
      if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    }
  }
  return out ?? base;
}

/** Does `retryExceptions` allow retrying this error? */
export function isRetryable(call: ResolvedCall, error: unknown): boolean {
  const re = call.retryExceptions;
  if (re === true) return true;
  if (re === false) return false;
  return re.some((c) => (typeof c === 'string' ? nameChain(error).includes(c) : error instanceof (c as unknown as new () => Error)));
}

/** The class names of an error and its ancestors (retryExceptions across threads go by name). */
export function nameChain(error: unknown): string[] {
  const out: string[] = [];
  for (let p = error !== null && typeof error === 'object' ? Object.getPrototypeOf(error) : null; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const n = (p as { constructor?: { name?: string } }).constructor?.name;
    if (n) out.push(n);
  }
  return out;
}
