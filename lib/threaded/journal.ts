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
// An entry is 8-byte aligned: [stamp: int32][info: int32][msgpackr bytes of one message, padded to 8].
// info = length << 1 | reset; PAD (-1) means "nothing more before the end of the ring: go on at 0", written
// when an entry would straddle the end. `stamp` is the number of port messages the worker had posted
// before it (channel.ts orders port messages and entries by it). The worker stores the write position
// (Atomics.store) after the entry's bytes, so the main thread never sees half an entry.
//
// Entries are encoded by one Packr in sequential mode (a record structure is written once, inline, before
// its first use) and decoded in the same order by one Unpackr. A message that does not fit is not written:
// the writer starts a new Packr, as the structures it just packed will never be read, and flags its next
// entry `reset` so the reader starts a new Unpackr there too.
import { Packr, Unpackr } from 'msgpackr';

/** The ring's size in bytes, by default: 1 MiB per worker. */
export const JOURNAL_BYTES = 1 << 20;

const WRITE = 0; // Int32 cell: the write position (stored by the worker)
const READ = 16; // Int32 cell: the read position (stored by the main thread), 64 bytes further
const DATA = 128; // where entries start (bytes)
const HEADER = 8;
const PAD = -1;

const newPacker = (): Packr => new Packr({ sequential: true, moreTypes: true });
// copyBuffers: a decoded Uint8Array must not be a view of the ring, which the worker writes again.
const newUnpacker = (): Unpackr => new Unpackr({ sequential: true, moreTypes: true, copyBuffers: true });

/** A journal's shared memory: `size` bytes of entries, a power of two between 64 and 2^29. */
export function newJournalBuffer(size = JOURNAL_BYTES): SharedArrayBuffer {
  if (!Number.isInteger(Math.log2(size)) || size < 64 || size > 1 << 29) throw new RangeError(`a journal's size must be a power of two from 64 to 2^29 bytes, not ${size}`);
  return new SharedArrayBuffer(DATA + size);
}

const sizeOf = (sab: SharedArrayBuffer): number => sab.byteLength - DATA;

/** The worker's side: appends messages. */
export class JournalWriter {
  readonly #cells: Int32Array;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
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
  }

  /** Appends `m`, stamped `stamp`; false (and nothing written) if it does not fit now. */
  write(m: object, stamp: number): boolean {
    const bytes = this.#packer.pack(m);
    const len = bytes.length;
    const need = HEADER + ((len + 7) & ~7);
    const size = this.#size;
    let w = this.#w;
    const free = size - ((w - Atomics.load(this.#cells, READ)) | 0);
    let at = w & (size - 1);
    const tail = size - at; // a multiple of 8, at least 8
    if (need > tail) {
      if (tail + need > free) return this.#full();
      this.#words[(at >> 2) + 1] = PAD;
      w = (w + tail) | 0;
      at = 0;
    } else if (need > free) return this.#full();
    const i = at >> 2;
    this.#words[i] = stamp;
    this.#words[i + 1] = (len << 1) | (this.#reset ? 1 : 0);
    this.#bytes.set(bytes, at + HEADER);
    this.#reset = false;
    Atomics.store(this.#cells, WRITE, (this.#w = (w + need) | 0));
    return true;
  }

  #full(): false {
    this.#packer = newPacker();
    this.#reset = true;
    return false;
  }
}

/** The main thread's side: reads entries in order, each exactly once. */
export class JournalReader {
  readonly #cells: Int32Array;
  readonly #words: Int32Array;
  readonly #buffer: Buffer;
  readonly #size: number;
  readonly #range = { start: 0, end: 0 };
  #unpacker = newUnpacker();
  #r = 0;

  constructor(sab: SharedArrayBuffer) {
    this.#size = sizeOf(sab);
    this.#cells = new Int32Array(sab, 0, DATA >> 2);
    this.#words = new Int32Array(sab, DATA, this.#size >> 2);
    this.#buffer = Buffer.from(sab, DATA, this.#size);
  }

  /** Entries were written that this reader has not read. */
  get waiting(): boolean {
    return Atomics.load(this.#cells, WRITE) !== this.#r;
  }

  /** Hands `each` every entry written by now whose stamp is `limit` or less (wrap-safe), in order; stops at
   *  the first with a later stamp. `each` may drain again (re-entrant): both go on from the same place. */
  drain(limit: number, each: (m: unknown) => void): void {
    const w = Atomics.load(this.#cells, WRITE);
    const words = this.#words;
    const size = this.#size;
    for (let r = this.#r; ((w - r) | 0) > 0; r = this.#r) {
      const at = r & (size - 1);
      const i = at >> 2;
      const info = words[i + 1]!;
      if (info === PAD) {
        Atomics.store(this.#cells, READ, (this.#r = (r + size - at) | 0));
        continue;
      }
      if (((words[i]! - limit) | 0) > 0) return;
      const len = info >>> 1;
      if ((info & 1) !== 0) this.#unpacker = newUnpacker();
      const range = this.#range;
      range.start = at + HEADER;
      range.end = range.start + len;
      const m: unknown = this.#unpacker.unpack(this.#buffer, range);
      Atomics.store(this.#cells, READ, (this.#r = (r + HEADER + ((len + 7) & ~7)) | 0));
      each(m);
    }
  }
}
