// Every timing rule of troupe's producers and of its thread transport, in one place, with the clock they
// read: a spec can replace the clock (setPacing) and check each rule step by step, without wall-clock
// margins. The rules:
// - a producer's step whose synchronous part kept the thread busy (slowStepMs) is followed by one turn of
//   the event loop before the next, so a waiting consumer sees the item first (G2);
// - a producer that makes items for producerTurnMs without the event loop turning yields one turn, so
//   cancel, return() and credit from another thread reach it, and timers do not starve;
// - a worker's stream items leave one by one until the producer has shown itself fast (fastRun items, each
//   within fastItemMs of the last), then in batches; an item slower than slowItemMs goes back to one by one;
// - messages batch up to maxBatch; a worker holds results while the main thread is behind only with
//   holdMin or more calls in flight, up to a holdShare-th of them, and the main thread reads that many
//   journaled results per turn;
// - cancel(ref, { force: true }) ends the worker of a call still running after forceGraceMs;
// - a remote-function call goes to the worker the last one went to while what waits there is cheap: the
//   calls in flight on it, at what its calls have cost its thread lately, come to less than stickyMs (and
//   it runs no code now and has no stream in flight); else to the least loaded worker (pool.ts).

/** Where the rules read the time (ms, as performance.now()). */
export interface Clock {
  now(): number;
}

export interface PacingLimits {
  readonly slowStepMs: number;
  readonly producerTurnMs: number;
  /** At most this many items between two looks at the clock for producerTurnMs. */
  readonly turnCheckEvery: number;
  readonly fastRun: number;
  readonly fastItemMs: number;
  readonly slowItemMs: number;
  readonly maxBatch: number;
  readonly holdMin: number;
  readonly holdShare: number;
  readonly forceGraceMs: number;
  readonly stickyMs: number;
}

export const DEFAULT_PACING: PacingLimits = Object.freeze({
  slowStepMs: 1,
  producerTurnMs: 2,
  turnCheckEvery: 32,
  fastRun: 64,
  fastItemMs: 0.05,
  slowItemMs: 1,
  maxBatch: 256,
  holdMin: 8,
  holdShare: 4,
  forceGraceMs: 100,
  stickyMs: 0.05,
});

/** One producer's pacing (Task's pump): when it should let the event loop turn. */
export class ProducerPace {
  #turnAt: number;
  #stepAt = -1;
  #items = 0;
  /** Items between looks at the clock: from 1, doubling up to turnCheckEvery while the producer is fast,
   *  so a producer with slow steps is checked at each item and a fast one rarely. */
  #every = 1;
  /** A probe (setImmediate) fires when the event loop turns by itself (a timer or I/O the producer
   *  awaited): then no turn is owed. One probe per window at most. */
  #probe: 'none' | 'waiting' | 'fired' = 'none';
  readonly #fired = (): void => {
    this.#probe = 'fired';
  };

  constructor(readonly pacing: Pacing) {
    this.#turnAt = pacing.clock.now();
    this.#sendProbe();
  }

  #sendProbe(): void {
    if (this.#probe !== 'none') return;
    this.#probe = 'waiting';
    this.pacing.immediate(this.#fired);
  }

  /** A step starts; `timed`: a consumer waits for its item (only then is a slow step worth a turn). */
  stepStarts(timed: boolean): void {
    this.#stepAt = timed ? this.pacing.clock.now() : -1;
  }

  /** The step's synchronous part is over: did it keep the thread busy? */
  stepWasBusy(): boolean {
    return this.#stepAt >= 0 && this.pacing.clock.now() - this.#stepAt > this.pacing.limits.slowStepMs;
  }

  /** An item was made and the producer goes on: has it run long enough that the event loop must turn? */
  itemMade(): boolean {
    if (++this.#items < this.#every) return false;
    this.#items = 0;
    const l = this.pacing.limits;
    const now = this.pacing.clock.now();
    if (this.#probe === 'fired') {
      this.#probe = 'none';
      this.#turnAt = now; // the loop turned since the last look
    }
    this.#sendProbe();
    if (now - this.#turnAt > l.producerTurnMs) {
      this.#every = 1;
      return true;
    }
    if (this.#every < l.turnCheckEvery) this.#every *= 2;
    return false;
  }

  /** The event loop turned (a yield, or a wait for credit): a new window starts. No probe is sent here (a
   *  producer held every few items by backpressure turns often): the next look sends one. */
  turned(): void {
    this.#turnAt = this.pacing.clock.now();
  }
}

/** One worker stream's items: flush each at once, or let them batch? */
export class ItemPace {
  #lastAt = 0;
  #fastRun = 0;
  #held = false;

  constructor(readonly pacing: Pacing) {}

  /** An item was queued to leave: true if it should leave now (the producer has not shown itself fast, or
   *  `full`: it filled the consumer's window, so nothing more comes until these are taken). The wait for
   *  credit after a full window is the consumer's time, not the producer's: it does not make it slow. */
  flushNow(full = false): boolean {
    const l = this.pacing.limits;
    const now = this.pacing.clock.now();
    const dt = now - this.#lastAt;
    if (this.#held) this.#held = false;
    else if (dt < l.fastItemMs) this.#fastRun++;
    else if (dt > l.slowItemMs) this.#fastRun = 0;
    this.#lastAt = now;
    this.#held = full;
    return full || this.#fastRun < l.fastRun;
  }
}

export class Pacing {
  constructor(
    readonly clock: Clock = performance,
    readonly limits: PacingLimits = DEFAULT_PACING,
    /** Runs `f` at the next turn of the event loop (specs: by hand). */
    readonly immediate: (f: () => void) => void = setImmediate,
  ) {}

  producer(): ProducerPace {
    return new ProducerPace(this);
  }

  items(): ItemPace {
    return new ItemPace(this);
  }

  /** How many results a worker may hold while the main thread is behind, with `inFlight` calls: 0 = none. */
  hold(inFlight: number): number {
    if (inFlight < this.limits.holdMin) return 0;
    return Math.floor(inFlight / this.limits.holdShare);
  }

  /** How many journaled results the main thread reads per turn of its event loop. */
  chunk(inFlight: number): number {
    return inFlight >= this.limits.holdMin ? Math.floor(inFlight / this.limits.holdShare) : 2;
  }
}

/** The pacing in use. */
export let pacing = new Pacing();

/** Replaces the pacing (specs: a fake clock, other limits); returns the one it replaced. */
export function setPacing(p: Pacing): Pacing {
  const old = pacing;
  pacing = p;
  return old;
}
