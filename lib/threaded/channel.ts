// One end of a thread's message port, with one listener for every message (never one per call).
// Every message is encoded or copied when it is sent, so what crosses is what the value was at the call or
// the yield, as with postMessage, even if the sender changes it right after. How messages travel:
// - The first message after a quiet spell leaves at once by structured clone, calls and results as short
//   arrays (codec.ts toLone; at one call in flight that measured p50 27-31 us against 37-41 us through
//   msgpackr; piscina 28-35 us in the same runs).
// - Calls and results sent after it in the same microtask, or while the peer has not read our last message
//   (a worker's Pace, flow.ts), wait as short arrays in one LoneBatch, also sent by structured clone, if
//   their values are primitives or flat objects and arrays (copied now: codec.ts toBatched). It leaves at
//   the end of the microtask, or, while the peer is behind, when it holds the Pace's number or at
//   setImmediate or release(). (A 64-call sliding window to a threaded counter: 292-405 k/s against
//   139-168 k/s when each went alone or in msgpackr batches; at 16, 185-199 against 151-211 k/s.)
// - Anything else sent meanwhile is msgpackr-encoded (sequential records) into one message, its buffer
//   transferred, after any LoneBatch: urgent messages at the end of the microtask (a setImmediate flush
//   measured ~30 us slower), stream items lazily at setImmediate or every maxBatch (lib/pacing.ts). Consecutive items of
//   one stream travel as one message, encoded when the run ends; the sender copies an item at its yield (the
//   producer may change it next: codec.ts snapshot).
// - A message that transfers user buffers flushes what waits and then travels alone, by structured clone.
// - A worker's result, while the main thread has not read our last message and nothing waits here, goes to
//   the worker's journal instead (journal.ts), stamped with how many messages had left before it. The main
//   thread dispatches the entries stamped before a message ahead of it, those after it behind it (a chunk
//   per turn of its event loop), and publishes its count once it has read them all; a worker that wrote an
//   entry and then saw that count posts a doorbell (an empty LoneBatch), as nothing else would make the main
//   thread look.
import type { MessagePort, Worker } from 'node:worker_threads';
import { microtask } from '../microtask.js';
import { pacing } from '../pacing.js';
import { carriesLargeBuffer, concat, forEachBatched, fromLone, newPacker, newUnpacker, toBatched, toLone } from '../wire/codec.js';
import type { CallMsg, ItemsMsg, Msg, ResultMsg } from '../wire/protocol.js';
import type { Transport } from '../wire/transport.js';
import { JournalReader, JournalWriter } from './journal.js';

type Port = Pick<MessagePort | Worker, 'postMessage' | 'on'>;

/** What a channel tells its pacing and asks it (flow.ts). */
export interface Pace {
  /** The peer's messages are dispatched up to the `delivered`-th (a count that wraps as an Int32), and so
   *  is everything it journaled behind them. */
  read(delivered: number): void;
  /** One message left. */
  posted(): void;
  /** How many urgent messages may wait to leave together now (the peer is behind): 0 = send at once. */
  hold(): number;
  /** How many messages have left (the stamp of a journal entry written now). */
  sent(): number;
  /** How many of the messages that left the peer has not read yet (with what it journaled behind them). */
  unread(): number;
  /** How many journal entries to dispatch in one turn of the event loop: the calls they answer make more
   *  calls, which should leave while the other results wait (so that both threads keep working). */
  chunk(): number;
}

const UNPACED: Pace = { read() {}, posted() {}, hold: () => 0, sent: () => 0, unread: () => 0, chunk: () => 1 };

/** Tells the main thread to read the journal: an empty LoneBatch (what a worker posts when the main thread
 *  has read everything else, so that nothing else would make it look). */
const DOORBELL = [0] as const;


/** The worker transport (transport.ts): one end of a worker's own MessagePort. */
export class Channel implements Transport {
  readonly #packer = newPacker();
  readonly #unpacker = newUnpacker();
  /** Encoded messages waiting to leave together. */
  #chunks: Uint8Array[] = [];
  #scheduled = false;
  #lazyScheduled = false;
  /** A message left alone in this microtask: later ones batch until the flush. */
  #recent = false;
  /** Something waits because the peer was behind (its Pace). */
  #holding = false;
  /** Calls and results waiting unencoded (flow.ts); they leave before anything sent after them. */
  #batch: unknown[] | undefined = undefined;
  /** Items of one stream sent since the last other message: encoded as one message when the run ends. */
  #run: ItemsMsg & { vs: unknown[] } | undefined = undefined;
  /** The worker's journal, where results go while the peer is behind (journal.ts). */
  readonly #writer: JournalWriter | undefined;
  /** The main thread's view of the worker's journal. */
  readonly #reader: JournalReader | undefined;
  /** The peer's messages dispatched. */
  #delivered = 0;
  #pumpScheduled = false;
  closed = false;
  /** Told of every message and item as it is sent (the main thread's relayed handles, hosting/main.ts). */
  tap: { message(m: Msg): void; item(v: unknown): void } | undefined = undefined;

  constructor(
    readonly port: Port,
    readonly onMessage: (m: Msg) => void,
    readonly pace: Pace = UNPACED,
    journal?: JournalWriter | JournalReader,
    /** Told how many answers the endpoint waits for (the main thread's side keeps the worker referenced). */
    readonly waiting: (n: number) => void = () => {},
  ) {
    this.#writer = journal instanceof JournalWriter ? journal : undefined;
    this.#reader = journal instanceof JournalReader ? journal : undefined;
    port.on('message', (data: unknown) => this.deliver(data));
  }

  /** Dispatches one posted message: a batch of encoded messages, or one that travelled alone. With a
   *  journal (the main thread's side), the entries the worker wrote before it (stamped with an earlier
   *  count) are dispatched first; those written after it follow, a chunk per turn of the event loop
   *  (#pump). A doorbell carries nothing to keep in order: it only starts the pump. */
  deliver(data: unknown): void {
    // The port is troupe's own (the worker's parentPort stays the user's): every message is troupe's.
    const m: unknown = Array.isArray(data) && data[0] !== 0 ? fromLone(data) : data;
    const k = (this.#delivered = (this.#delivered + 1) | 0);
    const j = this.#reader;
    if (j === undefined) {
      this.#dispatch(data, m);
      this.pace.read(k);
      return;
    }
    try {
      if (m !== data || !Array.isArray(data) || data.length > 1) {
        j.drain((k - 1) | 0, this.onMessage as (m: ResultMsg) => void, Infinity);
        this.#dispatch(data, m);
      }
    } finally {
      this.#pump();
    }
  }

  #dispatch(data: unknown, m: unknown): void {
    if (data instanceof Uint8Array) {
      const batch = this.#unpacker.unpackMultiple(data) as Msg[];
      for (let i = 0; i < batch.length; i++) this.onMessage(batch[i]!);
    } else if (m === data && Array.isArray(data)) forEachBatched(data, this.onMessage as (m: CallMsg | ResultMsg) => void);
    else this.onMessage(m as Msg);
  }

  /** Dispatches a chunk of what the worker journaled behind the messages dispatched so far, and comes back
   *  at setImmediate while more is there. Once it is all read, the count is published (pace.read), and the
   *  journal looked at once more: a worker that wrote before it saw the new count rang no doorbell. */
  #pump(): void {
    const j = this.#reader!;
    const k = this.#delivered;
    j.drain(k, this.onMessage as (m: ResultMsg) => void, this.pace.chunk());
    if (!j.ready(k)) {
      this.pace.read(k);
      if (!j.ready(k)) return;
    }
    if (!this.#pumpScheduled) {
      this.#pumpScheduled = true;
      setImmediate(this.#pumpLater);
    }
  }

  readonly #pumpLater = (): void => {
    this.#pumpScheduled = false;
    this.#pump();
  };

  /** Dispatches what the journal holds behind the messages already dispatched: the worker died, and what
   *  it wrote there is all that is left of it (its port's last messages came before 'exit'). */
  drainJournal(): void {
    this.#reader?.drain(this.#delivered, this.onMessage as (m: ResultMsg) => void, Infinity);
  }

  /** Sends `m` (encoded now), or with `transfer` by structured clone, moving those buffers. */
  send(m: Msg, transfer?: ArrayBuffer[]): void {
    if (!this.closed) this.tap?.message(m);
    if (transfer !== undefined) this.#sendTransferring(m, transfer);
    else this.#send(m);
  }

  #send(m: Msg): void {
    if (this.closed) return;
    if (this.#run !== undefined) this.#closeRun();
    // A result while the peer has not read our last message goes to the journal, which outlives this
    // thread, unless something waits here that it must not overtake; nothing finished stays in memory.
    const j = this.#writer;
    if (j !== undefined && m.t === 'result' && this.#chunks.length === 0 && this.#batch === undefined && this.pace.unread() > 0 && j.write(m, this.pace.sent())) {
      if (this.pace.unread() === 0) this.#ring();
      return;
    }
    const hold = this.pace.hold();
    if (hold === 0 && !this.#recent && this.#chunks.length === 0 && this.#batch === undefined) {
      this.port.postMessage(toLone(m));
      this.pace.posted();
      this.#recent = true;
      this.#schedule();
      return;
    }
    // One left in this microtask, or the peer has not read our last message: this one waits for others.
    const lone = this.#chunks.length === 0 ? toBatched(m) : undefined;
    if (lone !== undefined) {
      const batch = (this.#batch ??= [0]);
      batch.push(lone);
      if (batch.length > (hold === 0 ? pacing.limits.maxBatch : hold)) this.#flushBatch();
      else if (hold === 0) this.#schedule();
      else this.#hold();
      return;
    }
    if (carriesLargeBuffer(m)) {
      // A big typed array or buffer goes alone by structured clone, one copy, after what waits (in order):
      // msgpackr would copy it into its buffer, the batch into one buffer, and the reader out again.
      this.flush();
      if (this.closed) return;
      this.port.postMessage(toLone(m));
      this.pace.posted();
      return;
    }
    // msgpackr writes each message after the last in its buffer and starts a new buffer rather than
    // overwrite one, so the views stay valid until the flush copies them into one buffer of our own.
    this.#chunks.push(this.#packer.pack(m));
    if (this.#chunks.length >= pacing.limits.maxBatch || (hold > 0 && this.#chunks.length >= hold)) this.flush();
    else if (hold > 0) this.#hold();
    else this.#schedule();
  }

  /** The peer read everything else while we wrote to the journal: nothing else would make it look there. */
  #ring(): void {
    this.port.postMessage(DOORBELL);
    this.pace.posted();
  }

  /** Lets what waits leave at the end of this event-loop turn, or at release(). */
  #hold(): void {
    this.#holding = true;
    this.#scheduleLazy();
  }

  /** Sends everything that waits, now: user code is about to run, and it may block this thread or end it
   *  (process.exit), so nothing already finished may stay behind in this thread's memory. */
  readonly release = (): void => {
    if (this.#batch !== undefined || this.#chunks.length > 0 || this.#run !== undefined) this.flush();
  };

  /** Sends one stream item of call `id`, lazily: `value` is the sender's own copy (codec.ts snapshot), taken
   *  at the yield, as the producer may change what it yielded next. */
  sendItem(id: number, value: unknown): void {
    if (this.closed) return;
    this.tap?.item(value);
    let run = this.#run;
    if (run !== undefined && run.id !== id) {
      this.#closeRun();
      run = undefined;
    }
    if (run === undefined) run = this.#run = { t: 'items', id, vs: [] };
    run.vs.push(value);
    if (this.#chunks.length + run.vs.length >= pacing.limits.maxBatch) this.flush();
    else this.#scheduleLazy();
  }

  #flushBatch(): void {
    const b = this.#batch!;
    this.#batch = undefined;
    if (this.closed) return;
    this.port.postMessage(b);
    this.pace.posted();
  }

  #closeRun(): void {
    const run = this.#run!;
    this.#run = undefined;
    this.#chunks.push(this.#packer.pack(run));
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
  #sendTransferring(m: Msg, transfer: ArrayBuffer[]): void {
    this.flush();
    if (this.closed) return;
    this.port.postMessage(m, transfer);
    this.pace.posted();
  }

  readonly flush = (): void => {
    this.#scheduled = false;
    this.#recent = false;
    this.#holding = false;
    if (this.#batch !== undefined) this.#flushBatch();
    if (this.#run !== undefined) this.#closeRun();
    const chunks = this.#chunks;
    if (chunks.length === 0) return;
    this.#chunks = [];
    if (this.closed) return;
    const bytes = concat(chunks); // a buffer of our own: transferring a view would detach msgpackr's
    this.port.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
    this.pace.posted();
  };
}
