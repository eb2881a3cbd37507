// One end of a thread's message port, with one listener for every message (never one per call).
// Every message is encoded when it is sent, so what crosses is what the value was at the call or the
// yield, as with postMessage, even if the sender changes it right after. The first message after a quiet
// spell leaves at once by structured clone (calls and results as short arrays, codec.ts toLone; at one
// call in flight that measured p50 27-31 us against 37-41 us through msgpackr; piscina 28-35 us in the
// same runs; and nearly every call goes this way at 16 in flight, as they come one reply at a time). Messages sent while one is on its way
// are msgpackr-encoded (sequential records) into a batch that leaves as one postMessage, its buffer
// transferred: urgent ones (calls, results) at the end of the microtask (a setImmediate flush measured
// ~30 us slower), stream items lazily at setImmediate or every MAX_BATCH. Consecutive items of one stream
// travel as one message, encoded when the run ends; the sender copies an item at its yield (the producer
// may change it next: codec.ts snapshot). A message that transfers user buffers flushes the
// batch and then travels alone, by structured clone.
import type { MessagePort, Worker } from 'node:worker_threads';
import { microtask } from '../microtask.js';
import { fromLone, newPacker, newUnpacker, toLone } from './codec.js';
import type { ItemsMsg } from './protocol.js';

type Port = Pick<MessagePort | Worker, 'postMessage' | 'on'>;

const MAX_BATCH = 256;

export class Channel<Out, In> {
  readonly #packer = newPacker();
  readonly #unpacker = newUnpacker();
  /** Encoded messages waiting to leave together. */
  #chunks: Uint8Array[] = [];
  #scheduled = false;
  #lazyScheduled = false;
  /** A message left alone in this microtask: later ones batch until the flush. */
  #recent = false;
  /** Items of one stream sent since the last other message: encoded as one message when the run ends. */
  #run: ItemsMsg & { h: boolean; vs: unknown[] } | undefined = undefined;
  closed = false;

  constructor(
    readonly port: Port,
    readonly onMessage: (m: In) => void,
  ) {
    port.on('message', (data: unknown) => this.deliver(data));
  }

  /** Dispatches one posted message: a batch of encoded messages, or one that travelled alone. */
  deliver(data: unknown): void {
    if (data instanceof Uint8Array) {
      const batch = this.#unpacker.unpackMultiple(data) as In[];
      for (let i = 0; i < batch.length; i++) this.onMessage(batch[i]!);
    } else if (Array.isArray(data)) {
      const m = fromLone(data);
      if (m !== undefined) this.onMessage(m as In); // else: not troupe's (user code posted on this port)
    } else this.onMessage(data as In);
  }

  /** Sends `m` (encoded now); `lazy` (stream items) may wait for a fuller batch. */
  send(m: Out, lazy = false): void {
    if (this.closed) return;
    if (this.#run !== undefined) this.#closeRun();
    if (!lazy && !this.#recent && this.#chunks.length === 0) {
      this.port.postMessage(toLone(m as object));
      this.#recent = true;
      this.#schedule();
      return;
    }
    // msgpackr writes each message after the last in its buffer and starts a new buffer rather than
    // overwrite one, so the views stay valid until the flush copies them into one buffer of our own.
    this.#chunks.push(this.#packer.pack(m));
    if (this.#chunks.length >= MAX_BATCH) this.flush();
    else if (!lazy) this.#schedule();
    else this.#scheduleLazy();
  }

  /** Sends one stream item of call `id`, lazily: `value` is the sender's own copy (codec.ts snapshot), taken
   *  at the yield, as the producer may change what it yielded next; `h`: it holds handles in wire form. */
  sendItem(id: number, value: unknown, h: boolean): void {
    if (this.closed) return;
    let run = this.#run;
    if (run !== undefined && run.id !== id) {
      this.#closeRun();
      run = undefined;
    }
    if (run === undefined) run = this.#run = { t: 'items', id, h: false, vs: [] };
    run.vs.push(value);
    if (h) run.h = true;
    if (this.#chunks.length + run.vs.length >= MAX_BATCH) this.flush();
    else this.#scheduleLazy();
  }

  #closeRun(): void {
    const run = this.#run!;
    this.#run = undefined;
    const msg: ItemsMsg = run.h ? run : { t: 'items', id: run.id, vs: run.vs };
    this.#chunks.push(this.#packer.pack(msg));
  }

  #scheduleLazy(): void {
    if (!this.#lazyScheduled && !this.#scheduled) {
      this.#lazyScheduled = true;
      setImmediate(this.#lazyFlush);
    }
  }

  #schedule(): void {
    if (!this.#scheduled) {
      this.#scheduled = true;
      microtask(this.flush);
    }
  }

  readonly #lazyFlush = (): void => {
    this.#lazyScheduled = false;
    this.flush();
  };

  /** Sends `m` by structured clone, moving `transfer` instead of copying it; keeps the order of messages. */
  sendTransferring(m: Out, transfer: ArrayBuffer[]): void {
    this.flush();
    if (!this.closed) this.port.postMessage(m, transfer);
  }

  readonly flush = (): void => {
    this.#scheduled = false;
    this.#recent = false;
    if (this.#run !== undefined) this.#closeRun();
    const chunks = this.#chunks;
    if (chunks.length === 0) return;
    this.#chunks = [];
    if (this.closed) return;
    const bytes = concat(chunks); // a buffer of our own: transferring a view would detach msgpackr's
    this.port.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
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
