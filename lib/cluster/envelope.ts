// How link messages are laid out in NATS payloads (protocol.ts Envelope). A payload is a binary head, then
// its body: `kind, seq, ack, from`, and for a chunk of a message too large for one payload `msg, index,
// count`; `seq` and `ack` are the link's order (reliable.ts). A body holds messages encoded one by one when
// they were sent, by the link's own packer in msgpackr's sequential mode (a record's structure crosses once
// per link, not once per message), and joined from their bytes, never encoded twice. So a body can be read
// only by its link's unpacker, in the link's order: the head is read on arrival, the body once the payload
// is next in order (a lost payload is sent again, and a duplicate dropped, before its body is read). The
// head needs no state, so a payload from a member that is not one (garbage, a dead incarnation) is dropped
// unread, and heartbeats keep self-contained records of their own.
import { Packr, type Unpackr } from 'msgpackr';
import type { Msg } from '../wire/protocol.js';
import type { Beat, Envelope } from './protocol.js';

const MESSAGES = 0x74; // 't'
const CHUNK = 0x63; // 'c'
/** kind (1), seq (8), ack (8), the sender's id length (1). */
const HEAD = 18;

/** The last sender's id as bytes (a process sends as one member, mostly: worked out again on a change). */
let lastFrom = '';
let lastId = new Uint8Array(0);

function head(kind: number, from: string, seq: number, ack: number, extra: number, body: number): { out: Uint8Array; at: number } {
  if (from !== lastFrom) {
    const id = Buffer.from(from, 'latin1');
    if (id.length > 255 || id.toString('latin1') !== from) throw new RangeError(`a member id of at most 255 latin1 characters: '${from}'`);
    lastFrom = from;
    lastId = id;
  }
  const id = lastId;
  const out = new Uint8Array(HEAD + id.length + extra + body);
  const v = new DataView(out.buffer);
  out[0] = kind;
  v.setFloat64(1, seq);
  v.setFloat64(9, ack);
  out[17] = id.length;
  out.set(id, HEAD);
  return { out, at: HEAD + id.length };
}

/** The payload of an envelope holding `parts` (messages encoded by the link's packer) from member `from`. */
export function envelopeBytes(from: string, seq: number, ack: number, parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const { out, at: start } = head(MESSAGES, from, seq, ack, 0, size);
  let at = start;
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
  const { out, at } = head(CHUNK, from, seq, ack, 12, c.d.length);
  const v = new DataView(out.buffer);
  v.setUint32(at, c.id);
  v.setUint32(at + 4, c.index);
  v.setUint32(at + 8, c.count);
  out.set(c.d, at + 12);
  return out;
}

/** Reads a payload's head (its body is the link's to read, in order). Throws for anything else. */
export function readEnvelope(data: Uint8Array): Envelope {
  const kind = data[0];
  if (data.length < HEAD || (kind !== MESSAGES && kind !== CHUNK)) throw new TypeError('not a troupe envelope');
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const s = v.getFloat64(1);
  const a = v.getFloat64(9);
  const at = HEAD + data[17]!;
  if (!isCount(s) || !isCount(a) || data.length < at + (kind === CHUNK ? 12 : 0)) throw new TypeError('an envelope without its sequence and ack');
  const f = Buffer.from(data.buffer, data.byteOffset + HEAD, data[17]).toString('latin1');
  if (kind === MESSAGES) return { f, s, a, body: data.subarray(at) };
  const c: [number, number, number] = [v.getUint32(at), v.getUint32(at + 4), v.getUint32(at + 8)];
  if (c[1] >= c[2]) throw new TypeError('a chunk outside its message');
  return { f, s, a, c, d: data.subarray(at + 12) };
}

/** The messages of a body (or of a message joined from its chunks), read by the link's unpacker in order. */
export function readMessages(unpacker: Unpackr, body: Uint8Array): Msg[] {
  if (body.length === 0) return [];
  const ms = unpacker.unpackMultiple(body) as unknown[];
  for (const m of ms) if (!isMsg(m)) throw new TypeError('an envelope with a malformed message');
  return ms as Msg[];
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

function isMsg(m: unknown): m is Msg {
  return m !== null && typeof m === 'object' && typeof (m as { t?: unknown }).t === 'string';
}

// Heartbeats go to every member, each read on its own: their records are defined inline in each.
const packr = new Packr({ moreTypes: true, useRecords: true, mapsAsObjects: false });

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
