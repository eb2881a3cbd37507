// What crosses a thread, and how: msgpackr in sequential mode (record structures are sent once per port,
// in order; Maps, Sets, Dates and typed arrays survive), errors with their name, message, stack and own
// properties, and the check that turns a value that cannot cross into a SerializationError naming where it is.
import { Packr, Unpackr } from 'msgpackr';
import * as errors from '../errors.js';
import { SerializationError } from '../errors.js';
import { ObjectRef } from '../ref.js';
import { ObjectRefGenerator } from '../stream.js';
import type { CallMsg, LoneCall, LoneFunctionCall, LoneResult, ResultMsg, WireError, WireHandle, WithHandles } from './protocol.js';

/** The bytes of `chunks`, one after another, in a buffer of their own. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** What a sender encodes with: one for one direction of one port or link (sequential records depend on
 *  message order). */
export interface SequentialPacker {
  pack(v: unknown): Uint8Array;
}

/** A packer that fails midway (a value that throws only inside msgpackr) counts the record structures of
 *  that message as sent, though they never leave, and what it encodes next would be unreadable: so it
 *  starts afresh then. A fresh packer defines every structure again before its first use, so the reader
 *  needs no word of it. */
export function newPacker(): SequentialPacker {
  const make = () => new Packr({ sequential: true, moreTypes: true });
  let p = make();
  return {
    pack(v) {
      try {
        return p.pack(v);
      } catch (e) {
        p = make();
        throw e;
      }
    },
  };
}
export const newUnpacker = (): Unpackr => new Unpackr({ sequential: true, moreTypes: true });

const builtins: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

export function encodeError(e: unknown): WireError {
  if (!(e instanceof Error)) {
    return { name: 'Error', message: `non-Error value thrown: ${safeString(e)}`, cause: { value: plain(e) } };
  }
  const props: Record<string, unknown> = {};
  let any = false;
  for (const k of Object.keys(e)) {
    if (k === 'name' || k === 'message' || k === 'stack' || k === 'cause') continue;
    props[k] = plain((e as unknown as Record<string, unknown>)[k]);
    any = true;
  }
  const cause = (e as { cause?: unknown }).cause;
  return {
    name: e.name,
    message: e.message,
    ...(e.stack === undefined ? {} : { stack: e.stack }),
    ...(any ? { props } : {}),
    ...(cause === undefined ? {} : { cause: cause instanceof Error ? encodeError(cause) : { value: plain(cause) } }),
  };
}

/** troupe's own errors keep their class across threads (`instanceof ActorDiedError` holds). */
const troupeErrors = new Map<string, Function>(
  (Object.values(errors) as unknown[])
    .filter((c): c is Function => typeof c === 'function' && c.prototype instanceof Error)
    .map((c) => [c.name, c] as const),
);
troupeErrors.set('TroupeError', errors.TroupeError);

export function decodeError(w: WireError): Error {
  const own = troupeErrors.get(w.name);
  let e: Error;
  if (own !== undefined) {
    e = Object.create(own.prototype) as Error;
    Object.defineProperty(e, 'message', { value: w.message, writable: true, configurable: true });
  } else e = new (builtins[w.name] ?? Error)(w.message);
  if (e.name !== w.name) Object.defineProperty(e, 'name', { value: w.name, writable: true, configurable: true });
  if (w.stack !== undefined) e.stack = w.stack;
  if (w.props) Object.assign(e, w.props);
  if (w.cause !== undefined) (e as { cause?: unknown }).cause = 'value' in w.cause && !('message' in w.cause) ? w.cause.value : decodeError(w.cause as WireError);
  return e;
}

/** A value made safe to pack (for error properties and thrown non-errors: lossy, never throws). */
function plain(v: unknown): unknown {
  try {
    checkValue(v, 'value', undefined);
    return v;
  } catch {
    return safeString(v);
  }
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** How a handle found in a value is written to the wire; undefined for anything that is not a handle. */
export type HandleWriter = (v: object) => WireHandle | undefined;

/** How actor handles inside values cross (A10), on either side of a link: a handle leaves in wire form
 *  (valueToWire wraps the value that holds it), and a wrapped value is read back into handles here. */
export interface HandleCodec {
  readonly writeHandle: HandleWriter;
  /** Turns the wire handles in a received value back into handles (valueFromWire calls it). */
  readIn(v: unknown): unknown;
}

/**
 * Checks that `v` can cross and returns what to send: the value itself, or a copy in which each actor
 * handle is replaced by its wire form (A10). Throws SerializationError naming `where` and the path in the
 * value (e.g. "argument 1.items[3]"); the path is kept as a stack of keys and spelled out only on failure.
 */
export function checkValue(v: unknown, where: Where, handles: HandleWriter | undefined): unknown {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol')) return v;
  if (typeof v === 'object' && isFlat(v)) return v; // the common case, ~25x cheaper than a walk (14 vs 358 ns)
  return new Walker(where, handles).value(v);
}

/**
 * A plain object or array whose values are all primitives: it can cross as it is, and it holds no handle
 * (a handle's prototype is null, never Object.prototype or Array.prototype). for-in also sees inherited
 * enumerable properties: one that is not a primitive only sends the value down the full walk.
 */
function isFlat(o: object): boolean {
  const proto = Object.getPrototypeOf(o);
  if (proto === Object.prototype) {
    for (const k in o) if (!isPrimitive((o as Record<string, unknown>)[k])) return false;
    return true;
  }
  if (proto === Array.prototype) {
    const a = o as unknown[];
    for (let i = 0; i < a.length; i++) if (!isPrimitive(a[i])) return false;
    return true;
  }
  return false;
}

function isPrimitive(x: unknown): boolean {
  return typeof x === 'object' ? x === null : typeof x !== 'function' && typeof x !== 'symbol';
}

/** Where a value is, for the error message: a string, or a function that makes it (only on failure). */
export type Where = string | (() => string);

export const whereText = (where: Where): string => (typeof where === 'function' ? where() : where);

/** A key on the path to the value being checked: an index, a property, or a note such as " (a Map key)". */
type Step = number | string | { readonly note: string };

class Walker {
  readonly #path: Step[] = [];
  readonly #seen = new Set<object>();

  constructor(
    readonly where: Where,
    readonly handles: HandleWriter | undefined,
  ) {}

  #fail(what: string): never {
    const path = this.#path.map((k) => (typeof k === 'number' ? `[${k}]` : typeof k === 'string' ? `.${k}` : k.note)).join('');
    throw new SerializationError(`${whereText(this.where)}${path} ${what}`);
  }

  #at(step: Step, v: unknown, handles: boolean): unknown {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol')) return v;
    this.#path.push(step);
    const out = handles ? this.value(v) : this.#plain(v);
    this.#path.pop();
    return out;
  }

  #plain(v: unknown): unknown {
    const out = this.value(v);
    if (out !== v) this.#fail('is an actor handle inside a Map or Set; pass handles in arrays or plain objects');
    return out;
  }

  value(v: unknown): unknown {
    if (typeof v === 'function') this.#fail('is a function, which cannot cross to another thread or process');
    if (typeof v === 'symbol') this.#fail('is a symbol, which cannot cross to another thread or process');
    if (v === null || typeof v !== 'object') return v;
    const o = v;
    if (ArrayBuffer.isView(o) || o instanceof ArrayBuffer || o instanceof Date || o instanceof RegExp) return o;
    if (o instanceof ObjectRefGenerator) this.#fail('is an ObjectRefGenerator; a stream cannot be passed to another call');
    if (o instanceof ObjectRef) this.#fail('is an ObjectRef nested in a value; only top-level ref arguments are resolved (A11): pass the value, or the ref as its own argument');
    const tag = Object.prototype.toString.call(o);
    if (tag === '[object Generator]' || tag === '[object AsyncGenerator]') this.#fail('is a generator object, which cannot cross to another thread or process: pass its values');
    if (o instanceof Promise) this.#fail('is a Promise, which cannot cross to another thread or process: await it first');
    if (o instanceof WeakMap || o instanceof WeakSet || o instanceof WeakRef) this.#fail(`is a ${o.constructor.name}, which cannot cross to another thread or process`);
    const h = this.handles?.(o);
    if (h !== undefined) return h;
    if (this.#seen.has(o)) this.#fail('refers back to itself (a cycle), which troupe does not send to another thread or process');
    this.#seen.add(o);
    let out: unknown = o;
    if (Array.isArray(o)) {
      for (let i = 0; i < o.length; i++) {
        const now = this.#at(i, o[i], true);
        if (now !== o[i]) ((out === o ? (out = [...o]) : out) as unknown[])[i] = now;
      }
    } else if (o instanceof Map) {
      for (const [k, val] of o) {
        this.#at({ note: ' (a Map key)' }, k, false);
        this.#at({ note: `.get(${safeString(k)})` }, val, false);
      }
    } else if (o instanceof Set) {
      for (const val of o) this.#at({ note: ' (a Set item)' }, val, false);
    } else {
      for (const k of Object.keys(o)) {
        const was = (o as Record<string, unknown>)[k];
        const now = this.#at(k, was, true);
        if (now !== was) ((out === o ? (out = { ...o }) : out) as Record<string, unknown>)[k] = now;
      }
    }
    this.#seen.delete(o);
    return out;
  }
}

/** The ArrayBuffers behind the top-level Uint8Array/ArrayBuffer values of `values` (the `transfer` option). */
export function transferables(values: readonly unknown[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of values) {
    if (v instanceof ArrayBuffer) out.add(v);
    else if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) out.add(v.buffer);
  }
  return [...out];
}

/** Copies the object arguments of a call that leaves later than its `.remote()` (refs aside, resolved when
 *  it leaves), so that it carries the values as they were at the call, as postMessage would. A value the
 *  copy cannot take is left as it is: the wire check at the send says what is wrong with it. */
export function copyArgs(args: unknown[]): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === null || typeof a !== 'object' || a instanceof ObjectRef) continue;
    try {
      args[i] = snapshot(a);
    } catch {
      // left as it is
    }
  }
}

/** Moves the top-level buffers of `args` into copies of their own now (the caller's are detached, as a
 *  transfer at the call would leave them), for a transfer call that leaves later. */
export function moveBuffers(args: unknown[]): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof ArrayBuffer) args[i] = structuredClone(a, { transfer: [a] });
    else if (ArrayBuffer.isView(a) && a.buffer instanceof ArrayBuffer) args[i] = structuredClone(a, { transfer: [a.buffer] });
  }
}

export function isWireHandle(v: unknown): v is WireHandle {
  return typeof v === 'object' && v !== null && typeof (v as WireHandle).$troupeHandle === 'string';
}

/** An error as a reply carries it: a TaskError travels as its cause, flagged `app` (the user's code threw). */
export function errorToWire(e: unknown): { e: WireError; app?: true } {
  if (e instanceof errors.TaskError) return { e: encodeError(e.cause), app: true };
  return { e: encodeError(e) };
}

/** Replaces wire handles anywhere in `v` (arrays and plain objects) by what `read` makes of them. */
export function mapWireHandles(v: unknown, read: (h: WireHandle) => unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (isWireHandle(v)) return read(v);
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = mapWireHandles(v[i], read);
      if (x !== v[i]) (out ??= [...v])[i] = x;
    }
    return out ?? v;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return v;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(v)) {
    const x0 = (v as Record<string, unknown>)[k];
    const x = mapWireHandles(x0, read);
    if (x !== x0) (out ??= { ...(v as Record<string, unknown>) })[k] = x;
  }
  return out ?? v;
}

/** Checks a value that is sent: what crosses is the value itself, or, where it holds actor handles, a copy
 *  with each handle in wire form, wrapped (WithHandles) so that the receiver reads them back. */
export function valueToWire(v: unknown, where: Where, handles: HandleWriter): unknown {
  const out = checkValue(v, where, handles);
  return out === v && !looksWrapped(v) ? v : ({ $troupeHandles: out } satisfies WithHandles);
}

/** A value the receiver would take for a wrapped one: user data with that key is wrapped too, so that it
 *  arrives as it was sent. */
export function looksWrapped(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as Partial<WithHandles>).$troupeHandles !== undefined;
}

/** A received value as the receiver's code sees it: handles read back where it was sent with some. */
export function valueFromWire(v: unknown, codec: HandleCodec): unknown {
  return looksWrapped(v) ? codec.readIn((v as WithHandles).$troupeHandles) : v;
}

/** Received arguments, each read as valueFromWire does (the same array when none held handles). */
export function argsFromWire(args: unknown[], codec: HandleCodec): unknown[] {
  let out = args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const r = valueFromWire(a, codec);
    if (r !== a) (out === args ? (out = [...args]) : out)[i] = r;
  }
  return out;
}

/** A message as it leaves alone: calls and results in their common shape as short arrays (at 16 calls in
 *  flight this cut the CPU time of a round trip by ~12%), anything else as it is. */
export function toLone(m: object): unknown {
  const c = m as CallMsg | ResultMsg;
  if (c.t === 'call') {
    if (c.o !== undefined || c.r !== undefined) return m;
    if (c.aid !== undefined) return [1, c.id, c.aid, c.m!, c.args] satisfies LoneCall;
    if (c.fid !== undefined) return [3, c.id, c.fid, c.args] satisfies LoneFunctionCall;
  } else if (c.t === 'result' && c.ok) return [2, c.id, c.v] satisfies LoneResult;
  return m;
}

/** The message a LoneCall, LoneFunctionCall or LoneResult stands for; undefined for any other array. */
export function fromLone(d: readonly unknown[]): CallMsg | ResultMsg | undefined {
  if (typeof d[1] !== 'number') return undefined;
  if (d[0] === 1 && d.length === 5) {
    const c = d as LoneCall;
    return { t: 'call', id: c[1], aid: c[2], m: c[3], args: c[4] };
  }
  if (d[0] === 2 && d.length === 3) return { t: 'result', id: d[1], ok: true, v: (d as LoneResult)[2] };
  if (d[0] === 3 && d.length === 4) {
    const c = d as LoneFunctionCall;
    return { t: 'call', id: c[1], fid: c[2], args: c[3] };
  }
  return undefined;
}

/** A message's lone form if it may wait unencoded in a LoneBatch: its values are primitives, or copies of
 *  flat objects and arrays (what crosses is what they were when sent); undefined for anything else. */
export function toBatched(m: object): LoneCall | LoneResult | LoneFunctionCall | undefined {
  const lone = toLone(m) as LoneCall | LoneResult | LoneFunctionCall;
  if (lone === m) return undefined;
  if (lone[0] === 2) {
    const [, id, v] = lone;
    if (v === null || typeof v !== 'object') return lone;
    const c = flatCopy(v);
    return c === undefined ? undefined : [2, id, c];
  }
  const args = lone[0] === 1 ? lone[4] : lone[3];
  let copied: unknown[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    if (v === null || typeof v !== 'object') continue;
    const c = flatCopy(v);
    if (c === undefined) return undefined;
    (copied ??= args.slice())[i] = c;
  }
  if (copied === undefined) return lone;
  return lone[0] === 1 ? [1, lone[1], lone[2], lone[3], copied] : [3, lone[1], lone[2], copied];
}

/** A buffer this large (bytes) travels alone by structured clone rather than in a msgpackr batch. */
const LARGE_BUFFER = 64 * 1024;

/** Does a call's top-level argument, or a result's value, hold a large typed array or ArrayBuffer? */
export function carriesLargeBuffer(m: object): boolean {
  const c = m as CallMsg | ResultMsg;
  if (c.t === 'call') {
    for (const a of c.args) if (isLargeBuffer(a)) return true;
    return false;
  }
  return c.t === 'result' && isLargeBuffer(c.v);
}

function isLargeBuffer(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (ArrayBuffer.isView(v)) return v.byteLength >= LARGE_BUFFER;
  return v instanceof ArrayBuffer && v.byteLength >= LARGE_BUFFER;
}

/** Dispatches each message of a LoneBatch; false for any other array. */
export function forEachBatched(d: readonly unknown[], each: (m: CallMsg | ResultMsg) => void): boolean {
  if (d[0] !== 0) return false;
  for (let i = 1; i < d.length; i++) {
    const m = Array.isArray(d[i]) ? fromLone(d[i] as unknown[]) : undefined;
    if (m !== undefined) each(m);
  }
  return true;
}

/** A copy of a value that has passed the wire check (no cycles, no functions): plain objects, arrays and
 *  typed arrays by hand, anything else by structuredClone (~1 us). */
export function snapshot(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const flat = flatCopy(v);
  if (flat !== undefined) return flat;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = snapshot(v[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = snapshot((v as Record<string, unknown>)[k]);
    return out;
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return (v as Uint8Array).slice();
  return structuredClone(v);
}

/** A copy of `o` if it is flat (isFlat), else undefined. Each value is read once, so a getter cannot pass
 *  the check and then copy as something else. A spread keeps an own `__proto__` key (assigning it would
 *  not); an array is copied by hand (slice() would look up a species through an own `constructor`).
 *  ~13 ns for a small object, against ~100 for snapshot's walk. */
export function flatCopy(o: object): object | undefined {
  const proto = Object.getPrototypeOf(o);
  if (proto === Object.prototype) {
    const out: Record<string, unknown> = { ...o };
    for (const k in out) if (!isPrimitive(out[k])) return undefined;
    return out;
  }
  if (proto === Array.prototype) {
    const a = o as unknown[];
    const out = new Array<unknown>(a.length);
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (!isPrimitive(x)) return undefined;
      out[i] = x;
    }
    return out;
  }
  return undefined;
}
