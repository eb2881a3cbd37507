// Backpressure across a link (G10), the consumer's side: a stream whose producer is elsewhere tells that
// producer how many items its consumer has taken. Exactly when the producer may be held: when the items
// received reach the window over what was last acknowledged, and something more has been taken (checked at
// each take and at each item's arrival, as an item may still be on its way when the consumer takes one),
// so a held producer may make one more item as soon as one is taken. And ahead of that, once half a window
// has been taken since the last credit, so that a consumer that keeps up never lets its producer wait for a
// credit's round trip (with credit only at the edge, a fast consumer emptied the window, then waited: one
// round trip per window). Credit is always the true count taken, never more. Infinity once the consumer is
// gone, so that a dropped stream does not hold its producer (G9). Without backpressure nothing is sent. The
// producer's side is StreamCore.ack.
import type { StreamCore } from '../stream.js';

export function giveCredit(core: StreamCore, send: (taken: number) => void): void {
  if (core.backpressure === Infinity) return;
  const half = core.backpressure / 2;
  let acked = core.taken;
  core.onTake = (taken) => {
    if (taken > acked && (taken - acked >= half || core.produced - acked >= core.backpressure)) {
      acked = taken;
      send(taken);
    }
  };
  core.onDetach = () => send(Infinity);
}

/** The producer elsewhere has ended (or is no longer this stream's): no more credit. */
export function stopCredit(core: StreamCore | undefined): void {
  if (core !== undefined) core.onTake = core.onDetach = undefined;
}
