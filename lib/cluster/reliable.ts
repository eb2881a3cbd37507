// Exactly once and in order over NATS core, which delivers at most once (a server restart loses messages,
// and delivers some of those published meanwhile late). Each payload a link publishes carries a sequence
// number and a cumulative ack of what the link has received from its peer. The sender keeps what is not
// acknowledged, up to a window of bytes in flight (more waits its turn), and publishes it again when no ack
// came in time, or at once when the connection is back after an outage. The receiver takes each payload
// once, in order, keeps early ones until the gap before them is filled, and drops the duplicates a resend
// makes. So a resent call never runs twice, and a stream's items never skip or repeat. Sequence 0 is a
// payload outside the order (an ack alone, a probe).

import { ChurnMap } from '../churn.js';

export interface ReliabilityPolicy {
  /** Bytes published and not yet acknowledged, per link; more waits (one payload always may go). */
  readonly windowBytes: number;
  /** A payload not acknowledged this long (ms) is published again; the wait doubles each time... */
  readonly resendMs: number;
  /** ...up to this. */
  readonly maxResendMs: number;
  /** An ack with nothing else to ride on waits this long (ms), for a payload going the other way... */
  readonly ackDelayMs: number;
  /** ...unless this many bytes wait to be acknowledged. */
  readonly ackBytes: number;
}

export const DEFAULT_RELIABILITY: ReliabilityPolicy = {
  windowBytes: 16 * 1024 * 1024,
  resendMs: 300,
  maxResendMs: 2000,
  ackDelayMs: 10,
  ackBytes: 1024 * 1024,
};

/** What the sender half needs: stamp a payload with its numbers, publish bytes, send an ack alone. */
export interface ReliableIO<P> {
  stamp(payload: P, seq: number, ack: number): Uint8Array;
  publish(bytes: Uint8Array): void;
  ackAlone(ack: number): void;
  now(): number;
}

interface Sent {
  readonly bytes: Uint8Array;
  at: number;
  wait: number;
}

export class Reliable<P> {
  // The sender's half.
  #nextSeq = 1;
  readonly #unacked = new ChurnMap<number, Sent>(); // one per payload: churn.ts
  #unackedBytes = 0;
  readonly #held: { payload: P; size: number }[] = [];
  // The receiver's half.
  #received = 0;
  readonly #early = new Map<number, unknown>();
  #owedBytes = 0;
  /** An ack is owed: nothing sent since a payload came in has carried it. */
  #owing = false;
  /** Looks, ackDelayMs after an ack came to be owed, whether one still is: one timer a delay at most, not
   *  one set and cleared per payload (that cost sat on every call's path, at 1 in flight too). */
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #ackSoon = false;
  #closed = false;
  /** Payloads published again, and duplicates dropped (for stats and specs). */
  resent = 0;
  duplicates = 0;

  constructor(
    readonly io: ReliableIO<P>,
    readonly policy: ReliabilityPolicy = DEFAULT_RELIABILITY,
  ) {}

  /** Sends `payload` (`size` bytes) in its turn. */
  send(payload: P, size: number): void {
    if (this.#closed) return;
    if (this.#held.length > 0 || !this.#room(size)) this.#held.push({ payload, size });
    else this.#publish(payload);
  }

  /** Bytes in flight, and bytes waiting for room in the window. */
  get backlog(): { inFlight: number; held: number } {
    let held = 0;
    for (const h of this.#held) held += h.size;
    return { inFlight: this.#unackedBytes, held };
  }

  /**
   * A payload from the peer, numbered `seq`, acknowledging `ack`. Returns the payloads to act on now, in
   * order: `body` and any early ones it released; none for a duplicate or one that came early.
   */
  accept<B>(seq: number, ack: number, body: B, size: number): B[] {
    if (this.#closed) return [];
    this.#acked(ack);
    if (seq === 0) return [body];
    if (seq <= this.#received || this.#early.has(seq)) {
      // A resend: the ack it waits for was lost, or is late; say it again soon.
      this.duplicates++;
      this.#owe(0);
      return [];
    }
    if (seq !== this.#received + 1) {
      this.#early.set(seq, body);
      return [];
    }
    const out: B[] = [body];
    this.#received = seq;
    for (let next = this.#early.get(seq + 1); next !== undefined; next = this.#early.get(this.#received + 1)) {
      this.#early.delete(this.#received + 1);
      this.#received++;
      out.push(next as B);
    }
    this.#owe(size);
    return out;
  }

  /** What this half has received in order (the ack to put on what it sends). */
  get received(): number {
    return this.#received;
  }

  /** Publishes again what waited too long for its ack (`all`: everything unacknowledged, as after a reconnect). */
  resend(all = false): void {
    if (this.#closed) return;
    const now = this.io.now();
    for (const s of this.#unacked.values()) {
      if (!all && now - s.at < s.wait) continue;
      s.at = now;
      s.wait = Math.min(this.policy.maxResendMs, s.wait * 2);
      this.resent++;
      this.io.publish(s.bytes);
    }
  }

  close(): void {
    this.#closed = true;
    this.#unacked.clear();
    this.#held.length = 0;
    this.#early.clear();
    clearTimeout(this.#ackTimer);
  }

  /** The peer has everything up to `ack`. */
  #acked(ack: number): void {
    if (this.#unacked.size === 0) return;
    for (const [seq, s] of this.#unacked) {
      if (seq > ack) break; // in order of sequence
      this.#unacked.delete(seq);
      this.#unackedBytes -= s.bytes.length;
    }
    while (this.#held.length > 0 && this.#room(this.#held[0]!.size)) this.#publish(this.#held.shift()!.payload);
  }

  #room(size: number): boolean {
    return this.#unackedBytes === 0 || this.#unackedBytes + size <= this.policy.windowBytes;
  }

  #publish(payload: P): void {
    const seq = this.#nextSeq++;
    const bytes = this.io.stamp(payload, seq, this.#received);
    this.#unacked.set(seq, { bytes, at: this.io.now(), wait: this.policy.resendMs });
    this.#unackedBytes += bytes.length;
    // It carries the ack: none need go alone (a timer set meanwhile finds none owed).
    this.#owedBytes = 0;
    this.#owing = false;
    this.io.publish(bytes);
  }

  /** An ack is owed for `bytes` more: it rides on the next payload, or goes alone shortly. */
  #owe(bytes: number): void {
    this.#owing = true;
    this.#owedBytes += bytes;
    if (this.#owedBytes >= this.policy.ackBytes) {
      // Soon, not inside accept(): the ack may release the peer's held payloads, and a publish that
      // delivers at once would bring them here before the caller has read what accept() gave it.
      if (!this.#ackSoon) {
        this.#ackSoon = true;
        queueMicrotask(() => {
          this.#ackSoon = false;
          if (this.#owedBytes > 0) this.#ackNow(); // else it rode on a payload meanwhile
        });
      }
      return;
    }
    if (this.#ackTimer !== undefined) return;
    this.#ackTimer = setTimeout(this.#ackDue, this.policy.ackDelayMs);
    this.#ackTimer.unref?.();
  }

  readonly #ackDue = (): void => {
    this.#ackTimer = undefined;
    if (this.#owing) this.#ackNow();
  };

  #ackNow(): void {
    if (this.#closed) return;
    this.#owedBytes = 0;
    this.#owing = false;
    this.io.ackAlone(this.#received);
  }
}
