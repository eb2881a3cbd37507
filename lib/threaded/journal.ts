// The results journal of one worker: a ring buffer in a SharedArrayBuffer, written only by the worker and
// read only by the main thread. While the main thread is behind with a worker's messages, the worker writes
// a finished call's result here instead of posting it or keeping it in its own memory (channel.ts): the
// main thread reads it after the port message it was written behind, and shared memory outlives the
// worker, so when the worker dies the main thread reads what is left (pool.ts) and every call whose method
// returned or threw settles with its own outcome: none is reported failed or run again because a later
// call ended the worker.
//
// Layout: two Int32 cells, each on its own cache line (the write position, stored by the worker; the read
// position, stored by the main thread), then `size` bytes of entries (a power of two). Positions are byte
// counts that wrap at 2^32 (Int32 arithmetic, `| 0`); a position's offset in the ring is `pos & (size-1)`.
// An entry is 8-byte aligned: [stamp: int32][info: int32][body, padded to 8]. `stamp` is the number of port
// messages the worker had posted before it (channel.ts orders port messages and entries by it). info:
// - PAD (-1): nothing more before the end of the ring, go on at 0 (an entry never straddles the end);
// - NUMBER (-2): a result whose value is a number, the body two Float64s (call id, value), no encoding;
// - else length << 1 | reset: the body is the msgpackr encoding of the result message, `length` bytes.
// The worker stores the write position (Atomics.store) after the entry, so the reader never sees half of
// one; the reader stores its position once it has decoded an entry, so the writer may reuse the space.
//
// Encoded entries come from one Packr in sequential mode (a record structure is written once, inline,
// before its first use) and are decoded in the same order by one Unpackr. A message that does not fit is
// not written: the writer starts a new Packr, as the structures it just packed will never be read, and
// flags its next entry `reset` so the reader starts a new Unpackr there too. The reader copies an entry
// out of shared memory before decoding it: msgpackr's native string extraction on a SharedArrayBuffer
// measured ~10x slower than the copy (70% of the main thread at 64 calls in flight).
import { Unpackr } from 'msgpackr';
import { newPacker } from '../wire/codec.js';
import type { ResultMsg } from '../wire/protocol.js';

/** The ring's size in bytes, by default: 1 MiB per worker. */
export const JOURNAL_BYTES = 1 << 20;

const WRITE = 0; // Int32 cell: the write position (stored by the worker)
const READ = 16; // Int32 cell: the read position (stored by the main thread), 64 bytes further
const DATA = 128; // where entries start (bytes)
const HEADER = 8;
const PAD = -1;
const NUMBER = -2;
const NUMBER_BYTES = HEADER + 16;

// copyBuffers: a decoded Uint8Array must not be a view of the ring, which the worker writes again.
const newUnpacker = (): Unpackr => new Unpackr({ sequential: true, moreTypes: true, copyBuffers: true });

/** A journal's shared memory: `size` bytes of entries, a power of two between 64 and 2^29; its positions
 *  start at `start` (a multiple of 8: the ring's specs start near the Int32 wrap). */
export function newJournalBuffer(size = JOURNAL_BYTES, start = 0): SharedArrayBuffer {
  if (!Number.isInteger(Math.log2(size)) || size < 64 || size > 1 << 29) throw new RangeError(`a journal's size must be a power of two from 64 to 2^29 bytes, not ${size}`);
  if (start % 8 !== 0) throw new RangeError(`a journal's start must be a multiple of 8, not ${start}`);
  const sab = new SharedArrayBuffer(DATA + size);
  const cells = new Int32Array(sab, 0, DATA >> 2);
  cells[WRITE] = cells[READ] = start | 0;
  return sab;
}

const sizeOf = (sab: SharedArrayBuffer): number => sab.byteLength - DATA;

/** The worker's side: appends messages. */
export class JournalWriter {
  readonly #cells: Int32Array;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #numbers: Float64Array;
  readonly #size: number;
  #packer = newPacker();
  /** The next entry starts a new Unpackr (the last message did not fit). */
  #reset = false;
  #w = 0;

  constructor(sab: SharedArrayBuffer) {
    this.#size = sizeOf(sab);
    this.#cells = new Int32Array(sab, 0, DATA >> 2);
    this.#words = new Int32Array(sab, DATA, this.#size >> 2);
    this.#bytes = new Uint8Array(sab, DATA, this.#size);
    this.#numbers = new Float64Array(sab, DATA, this.#size >> 3);
    this.#w = Atomics.load(this.#cells, WRITE);
  }

  /** Appends `m`, stamped `stamp`; false (and nothing written) if it does not fit now. */
  write(m: ResultMsg, stamp: number): boolean {
    const number = m.ok && typeof m.v === 'number';
    const bytes = number ? undefined : this.#packer.pack(m);
    const len = bytes === undefined ? 16 : bytes.length;
    const need = HEADER + ((len + 7) & ~7);
    const size = this.#size;
    let w = this.#w;
    const free = size - ((w - Atomics.load(this.#cells, READ)) | 0);
    let at = w & (size - 1);
    const tail = size - at; // a multiple of 8, at least 8
    if (need > tail) {
      if (tail + need > free) return this.#full(bytes !== undefined);
      this.#words[(at >> 2) + 1] = PAD;
      w = (w + tail) | 0;
      at = 0;
    } else if (need > free) return this.#full(bytes !== undefined);
    const i = at >> 2;
    this.#words[i] = stamp;
    if (bytes === undefined) {
      this.#words[i + 1] = NUMBER;
      const f = (at + HEADER) >> 3;
      this.#numbers[f] = m.id;
      this.#numbers[f + 1] = m.v as number;
    } else {
      this.#words[i + 1] = (len << 1) | (this.#reset ? 1 : 0);
      this.#bytes.set(bytes, at + HEADER);
      this.#reset = false;
    }
    Atomics.store(this.#cells, WRITE, (this.#w = (w + need) | 0));
    return true;
  }

  #full(packed: boolean): false {
    if (packed) {
      this.#packer = newPacker();
      this.#reset = true;
    }
    return false;
  }
}

/** The main thread's side: reads entries in order, each exactly once. */
export class JournalReader {
  readonly #cells: Int32Array;
  readonly #words: Int32Array;
  readonly #numbers: Float64Array;
  readonly #buffer: Buffer;
  readonly #size: number;
  /** Where an encoded entry is copied to be decoded (it grows to the largest entry). */
  #scratch = Buffer.allocUnsafe(4096);
  #unpacker = newUnpacker();
  #r = 0;
  #entries = 0;

  constructor(sab: SharedArrayBuffer) {
    this.#size = sizeOf(sab);
    this.#cells = new Int32Array(sab, 0, DATA >> 2);
    this.#words = new Int32Array(sab, DATA, this.#size >> 2);
    this.#numbers = new Float64Array(sab, DATA, this.#size >> 3);
    this.#buffer = Buffer.from(sab, DATA, this.#size);
    this.#r = Atomics.load(this.#cells, READ);
  }

  /** How many entries this reader has read. */
  get entries(): number {
    return this.#entries;
  }

  /** An entry stamped `limit` or earlier (wrap-safe) is there to read. */
  ready(limit: number): boolean {
    const w = Atomics.load(this.#cells, WRITE);
    let r = this.#r;
    if (((w - r) | 0) <= 0) return false;
    let at = r & (this.#size - 1);
    if (this.#words[(at >> 2) + 1] === PAD) {
      r = (r + this.#size - at) | 0;
      if (((w - r) | 0) <= 0) return false;
      at = 0;
    }
    return ((this.#words[at >> 2]! - limit) | 0) <= 0;
  }

  /** Hands `each` up to `max` of the entries written by now, in order, stopping at the first stamped later
   *  than `limit` (wrap-safe). `each` may drain again (re-entrant): both go on from the same place. */
  drain(limit: number, each: (m: ResultMsg) => void, max: number): void {
    const w = Atomics.load(this.#cells, WRITE);
    const words = this.#words;
    const size = this.#size;
    for (let r = this.#r; max > 0 && ((w - r) | 0) > 0; r = this.#r) {
      const at = r & (size - 1);
      const i = at >> 2;
      const info = words[i + 1]!;
      if (info === PAD) {
        Atomics.store(this.#cells, READ, (this.#r = (r + size - at) | 0));
        continue;
      }
      if (((words[i]! - limit) | 0) > 0) return;
      let m: ResultMsg;
      if (info === NUMBER) {
        const f = (at + HEADER) >> 3;
        m = { t: 'result', id: this.#numbers[f]!, ok: true, v: this.#numbers[f + 1] };
        Atomics.store(this.#cells, READ, (this.#r = (r + NUMBER_BYTES) | 0));
      } else {
        const len = info >>> 1;
        if ((info & 1) !== 0) this.#unpacker = newUnpacker();
        if (this.#scratch.length < len) this.#scratch = Buffer.allocUnsafe(Math.max(len, this.#scratch.length * 2));
        this.#buffer.copy(this.#scratch, 0, at + HEADER, at + HEADER + len);
        Atomics.store(this.#cells, READ, (this.#r = (r + HEADER + ((len + 7) & ~7)) | 0));
        m = this.#unpacker.unpack(this.#scratch, len) as ResultMsg;
      }
      max--;
      this.#entries++;
      each(m);
    }
  }
}
