// What an endpoint (endpoint.ts) needs of the link to its peer: send a message, send a stream item, make
// what waits leave now, and say how many answers it waits for. Messages are encoded when sent, so what
// crosses is what a value was at the call or the yield. The link tells its endpoint what arrives
// (Endpoint.receive) and that it is gone (Endpoint.closed). Between threads: threaded/channel.ts over a
// worker's own MessagePort; the cluster's NATS link implements the same four methods.
import type { Msg } from './protocol.js';

export interface Transport {
  /** Sends `m`; with `transfer`, those buffers are moved to the peer instead of copied. */
  send(m: Msg, transfer?: ArrayBuffer[]): void;
  /** Sends item `value` of stream `id` (the sender's own copy); items may wait to leave together, in order
   *  with everything else. */
  sendItem(id: number, value: unknown): void;
  /** Sends what waits, now: user code is about to run, and it may block this thread or end it. */
  flush(): void;
  /** The endpoint waits for answers to `n` calls (a link keeps the process alive while n > 0). */
  waiting(n: number): void;
}
