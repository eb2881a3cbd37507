// The cluster's transport (wire/transport.ts): one member's link to another over NATS. Each message is
// msgpackr-encoded when it is sent, by the link's own packer in sequential mode (the peer's link reads them
// in the same order: nothing is lost for good, reliable.ts); messages sent in one microtask leave as one
// NATS message, and consecutive items of one stream travel as one `items` message. A message larger than
// the server's max_payload is cut into chunks that the peer's link joins again. Every payload is numbered and
// carries an ack, and what is lost is sent again (reliable.ts): the endpoint above sees every message once,
// in order. Every publish names a no-responders subject as its reply: when nobody serves the peer's subject
// any more, the server says so there (membership.ts declares the peer dead).
import type { ItemsMsg, Msg } from '../wire/protocol.js';
import type { Envelope } from './protocol.js';
import type { Transport } from '../wire/transport.js';
import { microtask } from '../microtask.js';
import { concat, newPacker, newUnpacker } from '../wire/codec.js';
import { envelopeBytes, chunkBytes, chunksOf, readMessages, type Chunk } from './envelope.js';
import { Reliable, type ReliabilityPolicy } from './reliable.js';

/** What a link needs of the member's NATS connection. */
export interface Publisher {
  /** This member's id (the `f` of its envelopes). */
  readonly me: string;
  /** The largest payload the server takes. */
  readonly maxPayload: number;
  publish(subject: string, data: Uint8Array, reply: string): void;
}

/** A batch leaves once it holds this many bytes, even within one microtask. */
const BATCH_BYTES = 256 * 1024;

/** What a link publishes in the link's order: messages that leave together, or one chunk. */
type Payload = readonly Uint8Array[] | Chunk;

export class NatsLink implements Transport {
  readonly order: Reliable<Payload>;
  /** Encodes what this link sends, and reads what the peer's link sent, each in the link's order. */
  readonly #packer = newPacker();
  readonly #unpacker = newUnpacker();
  /** Encoded messages waiting to leave together. */
  #parts: Uint8Array[] = [];
  #bytes = 0;
  /** Items of one stream sent since the last other message: encoded as one message when the run ends. */
  #run: (ItemsMsg & { vs: unknown[] }) | undefined = undefined;
  #scheduled = false;
  #chunkIds = 0;
  /** The parts of the peer's chunked messages, by message. */
  readonly #chunksIn = new Map<number, Uint8Array[]>();
  closed = false;

  constructor(
    readonly pub: Publisher,
    /** The peer's subject. */
    readonly subject: string,
    /** Where the server tells that nobody serves `subject`. */
    readonly noResponders: string,
    policy?: ReliabilityPolicy,
  ) {
    this.order = new Reliable<Payload>(
      {
        stamp: (p, seq, ack) => ('d' in p ? chunkBytes(pub.me, seq, ack, p) : envelopeBytes(pub.me, seq, ack, p)),
        publish: (bytes) => {
          if (!this.closed) pub.publish(subject, bytes, noResponders);
        },
        ackAlone: (ack) => this.#unordered(ack),
        now: () => performance.now(),
      },
      policy,
    );
  }

  /** Buffers to transfer are copied: bytes cross a network anyway. */
  send(m: Msg): void {
    if (this.closed) return;
    this.#endRun();
    this.#add(this.#packer.pack(m));
  }

  /** The endpoint copied the item when it was yielded (its producer may reuse the object). */
  sendItem(id: number, value: unknown): void {
    if (this.closed) return;
    const run = this.#run;
    if (run !== undefined && run.id === id) run.vs.push(value);
    else {
      this.#endRun();
      this.#run = { t: 'items', id, vs: [value] };
    }
    this.#schedule();
  }

  flush(): void {
    this.#endRun();
    if (this.#parts.length === 0 || this.closed) return;
    const parts = this.#parts;
    const bytes = this.#bytes;
    this.#parts = [];
    this.#bytes = 0;
    this.order.send(parts, bytes);
  }

  /**
   * A payload from the peer, its head read (envelope.ts): the messages to act on now, in the link's order;
   * none for a duplicate, an early payload or a chunk of a message not whole yet. Bodies are read only in
   * that order, as record structures cross once per link. `bad` is told of each one that cannot be read.
   */
  receive(env: Envelope, size: number, bad: () => void): Msg[] {
    const out: Msg[] = [];
    for (const e of this.order.accept(env.s, env.a, env, size)) {
      try {
        this.#take(e, out);
      } catch {
        bad();
      }
    }
    return out;
  }

  #take(e: Envelope, out: Msg[]): void {
    if ('body' in e) {
      for (const m of readMessages(this.#unpacker, e.body)) out.push(m);
      return;
    }
    const [id, index, count] = e.c;
    let parts = this.#chunksIn.get(id);
    if (parts === undefined) this.#chunksIn.set(id, (parts = new Array<Uint8Array>(count)));
    parts[index] = e.d;
    for (let i = 0; i < count; i++) if (parts[i] === undefined) return;
    this.#chunksIn.delete(id);
    for (const m of readMessages(this.#unpacker, concat(parts))) out.push(m);
  }

  /** A NATS connection keeps the process alive while it is open (shutdown() closes it). */
  waiting(_n: number): void {}

  /** An empty message: the server answers on the no-responders subject if nobody serves the peer. */
  probe(): void {
    this.#unordered(this.order.received);
  }

  /** A payload outside the order (sequence 0): an ack alone, or a probe. */
  #unordered(ack: number): void {
    if (!this.closed) this.pub.publish(this.subject, envelopeBytes(this.pub.me, 0, ack, []), this.noResponders);
  }

  close(): void {
    this.closed = true;
    this.#parts = [];
    this.#chunksIn.clear();
    this.#run = undefined;
    this.order.close();
  }

  #endRun(): void {
    const run = this.#run;
    if (run === undefined) return;
    this.#run = undefined;
    this.#add(this.#packer.pack(run));
  }

  #add(b: Uint8Array): void {
    const limit = this.pub.maxPayload - 256; // the envelope's own bytes
    if (b.length > limit) {
      this.flush();
      const id = this.#chunkIds++;
      for (const c of chunksOf(id, b, limit)) this.order.send(c, c.d.length);
      return;
    }
    if (this.#bytes + b.length > Math.min(limit, BATCH_BYTES)) {
      // What waits leaves now and `b` starts the next batch, in its place before the publish: a message
      // sent meanwhile (a publish that calls back) is encoded after `b`, so it goes after it.
      const before = this.#parts;
      const bytes = this.#bytes;
      this.#parts = [b];
      this.#bytes = b.length;
      this.#schedule();
      if (before.length > 0) this.order.send(before, bytes);
      return;
    }
    this.#parts.push(b);
    this.#bytes += b.length;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    microtask(this.#flushLater);
  }

  readonly #flushLater = (): void => {
    this.#scheduled = false;
    this.flush();
  };
}
