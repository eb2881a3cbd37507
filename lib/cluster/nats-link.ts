// The cluster's transport (wire/transport.ts): one member's link to another over NATS. Each message is
// msgpackr-encoded on its own when it is sent (a lost NATS message must not make the next one unreadable, so
// no structures are shared across messages), messages sent in one microtask leave as one NATS message, and
// consecutive items of one stream travel as one `items` message. A message larger than the server's
// max_payload is cut into chunks that the receiver (Bus.receive) joins again. Every publish names a
// no-responders subject as its reply: when nobody serves the peer's subject any more, the server says so
// there (membership.ts declares the peer dead).
import type { ItemsMsg, Msg } from '../wire/protocol.js';
import type { Transport } from '../wire/transport.js';
import { encodeMsg, envelopeBytes, chunkBytes } from './envelope.js';

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

export class NatsLink implements Transport {
  /** Encoded messages waiting to leave together. */
  #parts: Uint8Array[] = [];
  #bytes = 0;
  /** Items of one stream sent since the last other message: encoded as one message when the run ends. */
  #run: (ItemsMsg & { vs: unknown[] }) | undefined = undefined;
  #scheduled = false;
  #chunkIds = 0;
  closed = false;

  constructor(
    readonly pub: Publisher,
    /** The peer's subject. */
    readonly subject: string,
    /** Where the server tells that nobody serves `subject`. */
    readonly noResponders: string,
  ) {}

  /** Buffers to transfer are copied: bytes cross a network anyway. */
  send(m: Msg): void {
    if (this.closed) return;
    this.#endRun();
    this.#add(encodeMsg(m));
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
    this.#parts = [];
    this.#bytes = 0;
    this.pub.publish(this.subject, envelopeBytes(this.pub.me, parts), this.noResponders);
  }

  /** A NATS connection keeps the process alive while it is open (shutdown() closes it). */
  waiting(_n: number): void {}

  /** An empty message: the server answers on the no-responders subject if nobody serves the peer. */
  probe(): void {
    if (!this.closed) this.pub.publish(this.subject, envelopeBytes(this.pub.me, []), this.noResponders);
  }

  close(): void {
    this.closed = true;
    this.#parts = [];
    this.#run = undefined;
  }

  #endRun(): void {
    const run = this.#run;
    if (run === undefined) return;
    this.#run = undefined;
    this.#add(encodeMsg(run));
  }

  #add(b: Uint8Array): void {
    const limit = this.pub.maxPayload - 64; // the envelope's own bytes
    if (b.length > limit) {
      this.flush();
      const id = this.#chunkIds++;
      for (const c of chunkBytes(this.pub.me, id, b, limit)) this.pub.publish(this.subject, c, this.noResponders);
      return;
    }
    if (this.#bytes + b.length > Math.min(limit, BATCH_BYTES)) this.flush();
    this.#parts.push(b);
    this.#bytes += b.length;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.flush();
    });
  }
}
