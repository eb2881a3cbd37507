// How link messages are laid out in NATS payloads (protocol.ts Envelope). An envelope is a msgpack array
// `[from, seq, ack, m1, m2, ...]` whose messages were encoded one by one when they were sent (so the batch
// is joined from their bytes, never encoded twice); a chunk of a message too large for one payload is a map
// `{ f, s, a, c: [msg, index, count], d }`. `seq` and `ack` are the link's order (reliable.ts). Every message is self-contained: records are defined inline, no
// structure is shared across payloads (a lost payload must not make later ones unreadable).
import { Packr } from 'msgpackr';
import type { Msg } from '../wire/protocol.js';
import type { Beat, Envelope } from './protocol.js';

const packr = new Packr({ moreTypes: true, useRecords: true, mapsAsObjects: false });

export const encodeMsg = (m: Msg): Uint8Array => packr.pack(m);

/** The payload of an envelope holding `parts` (encoded messages) from member `from`. */
export function envelopeBytes(from: string, seq: number, ack: number, parts: readonly Uint8Array[]): Uint8Array {
  const head = packr.pack([from, seq, ack]).subarray(1); // the three items, without their array's header
  let size = 5 + head.length;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  const n = parts.length + 3;
  out[0] = 0xdd; // array 32
  out[1] = n >>> 24;
  out[2] = (n >>> 16) & 0xff;
  out[3] = (n >>> 8) & 0xff;
  out[4] = n & 0xff;
  out.set(head, 5);
  let at = 5 + head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One chunk of a large encoded message: part `index` of `count` of message `id`. */
export interface Chunk {
  readonly id: number;
  readonly index: number;
  readonly count: number;
  readonly d: Uint8Array;
}

/** A large encoded message cut into chunks of at most `limit` bytes. */
export function* chunksOf(id: number, b: Uint8Array, limit: number): Generator<Chunk> {
  const count = Math.ceil(b.length / limit);
  for (let i = 0; i < count; i++) yield { id, index: i, count, d: b.subarray(i * limit, (i + 1) * limit) };
}

export function chunkBytes(from: string, seq: number, ack: number, c: Chunk): Uint8Array {
  return packr.pack({ f: from, s: seq, a: ack, c: [c.id, c.index, c.count], d: c.d });
}

/** Reads a payload: an envelope of messages, or a chunk. Throws for anything else. */
export function readEnvelope(data: Uint8Array): Envelope {
  const v: unknown = packr.unpack(data);
  if (Array.isArray(v)) {
    if (typeof v[0] !== 'string') throw new TypeError('an envelope without a sender');
    if (!isCount(v[1]) || !isCount(v[2])) throw new TypeError('an envelope without its sequence and ack');
    for (let i = 3; i < v.length; i++) if (!isMsg(v[i])) throw new TypeError('an envelope with a malformed message');
    return { f: v[0], s: v[1], a: v[2], ms: v.slice(3) as Msg[] };
  }
  if (v !== null && typeof v === 'object') {
    const o = v as { f?: unknown; s?: unknown; a?: unknown; c?: unknown; d?: unknown };
    if (typeof o.f === 'string' && isCount(o.s) && isCount(o.a) && Array.isArray(o.c) && o.c.length === 3 && o.c.every(isCount) && o.d instanceof Uint8Array) {
      return { f: o.f, s: o.s, a: o.a, c: o.c as [number, number, number], d: o.d };
    }
  }
  throw new TypeError('not a troupe envelope');
}

/** Decodes one message a chunked payload carried. */
export function readMsg(b: Uint8Array): Msg {
  const m: unknown = packr.unpack(b);
  if (!isMsg(m)) throw new TypeError('a malformed message');
  return m;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

function isMsg(m: unknown): m is Msg {
  return m !== null && typeof m === 'object' && typeof (m as { t?: unknown }).t === 'string';
}

/** A heartbeat's payload. */
export const encodeBeat = (b: Beat): Uint8Array => packr.pack(b);

export function readBeat(data: Uint8Array): Beat {
  const b: unknown = packr.unpack(data);
  const o = b as { t?: unknown; id?: unknown; m?: { id?: unknown; name?: unknown; classes?: unknown; functions?: unknown } };
  if (o === null || typeof o !== 'object') throw new TypeError('not a heartbeat');
  if ((o.t === 'bye' || o.t === 'who' || o.t === 'dead') && typeof o.id === 'string') return b as Beat;
  if (o.t === 'hb' && o.m !== null && typeof o.m === 'object' && typeof o.m.id === 'string' && typeof o.m.name === 'string' && Array.isArray(o.m.classes) && Array.isArray(o.m.functions)) return b as Beat;
  throw new TypeError('not a heartbeat');
}
