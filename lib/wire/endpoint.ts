// One end of a link to a peer that makes calls and serves them: the same code on both sides of every
// boundary (the main thread's end of a worker's channel, the worker's end, and a cluster node's). It sends
// this side's calls and settles them from what comes back (results, stream items, retries), serves the
// peer's calls through its host and sends their results and stream items back, and moves credit (G10) and
// cancels (G11) both ways. Everything else the peer says (creating actors, loading functions) goes to the
// host. How messages travel is the transport's (transport.ts).
import { ObjectRef, refs } from '../ref.js';
import { ObjectRefGenerator, streams, type StreamCore } from '../stream.js';
import { pacing } from '../pacing.js';
import { argsFromWire, errorToWire, flatCopy, looksWrapped, snapshot, transferables, valueToWire, whereText, type HandleCodec, type Where } from './codec.js';
import { giveCredit } from './credit.js';
import type { CallMsg, Control, ItemsMsg, Msg, ResultMsg } from './protocol.js';
import { KeptRefs } from './ref-cache.js';
import { ChurnMap } from '../churn.js';
import type { Transport } from './transport.js';

/** What waits on a call this side made. */
export interface Pending {
  /** `Class#id.method (task n)`: names the call in the error that tells of its host's death. */
  readonly label: string;
  result(m: ResultMsg): void;
  items(m: ItemsMsg): void;
  /** The peer runs the call again after it threw (the attempt count is the caller's). */
  retried(attempt: number): void;
  /** The peer is gone with the call in flight (unless its actor took the call back first). */
  lost?(cause: Error, ran: string | undefined): void;
}

/** What a served call gives back: its ref, or its stream (kept here until it ends, so it is not dropped). */
export type Output = ObjectRef<unknown> | ObjectRefGenerator;

/** What an endpoint serves. */
export interface Host {
  /** Starts the peer's call `m` (its arguments read in: `args`) and gives its output to `answer` before its
   *  code runs (or later, once what it needs has loaded). Throws for a call that cannot start. */
  serve(m: CallMsg, args: unknown[], answer: (out: Output, where: Where) => void): void;
  /** Everything the peer says that is not about calls. */
  control(m: Control): void;
}

/** A call of the peer's that this side serves; before it has an output, what the peer said meanwhile. */
interface Served {
  out: Output | undefined;
  /** Cancelled before it had an output (true: recursively). */
  cancelled: boolean | undefined;
  taken: number;
  transfer: boolean;
}

export class Endpoint {
  /** This side's calls in flight, by id (a ChurnMap, as one comes and goes per call: churn.ts). */
  readonly calls = new ChurnMap<number, Pending>();
  readonly #served = new ChurnMap<number, Served>();
  /** Of `calls`, the streams (their producers run on the peer for as long as they last). */
  readonly #streams = new Set<number>();
  #nextId = 1;
  /** The values of refs the peer sent once for many calls (ref-cache.ts). */
  readonly kept = new KeptRefs();
  /** Why the link is gone, once it is. */
  #closed: Error | undefined = undefined;

  /** The peer's streams this side serves now (their producers run here). */
  get servedStreams(): number {
    let n = 0;
    for (const s of this.#served.values()) if (s.out instanceof ObjectRefGenerator) n++;
    return n;
  }

  constructor(
    readonly transport: Transport,
    readonly handles: HandleCodec,
    readonly host: Host,
  ) {}

  /** This side's streams in flight. */
  get streams(): number {
    return this.#streams.size;
  }

  /** The id of the next call this side makes. */
  nextId(): number {
    return this.#nextId++;
  }

  // ---- this side's calls ------------------------------------------------------------------------------

  /** Sends call `msg` (its id from nextId()); what comes back goes to `pending`. `core`: the stream the call
   *  feeds here, whose producer there is credited as its consumer takes (G10). */
  call(msg: CallMsg, pending: Pending, core: StreamCore | undefined, transfer?: ArrayBuffer[]): void {
    if (this.#closed !== undefined) {
      // The link is gone: nothing will answer (a call through a handle kept after its owner died).
      pending.lost?.(this.#closed, undefined);
      return;
    }
    this.calls.set(msg.id, pending);
    this.transport.waiting(this.calls.size);
    if (core !== undefined) {
      this.#streams.add(msg.id);
      giveCredit(core, (taken) => this.transport.send({ t: 'credit', id: msg.id, taken }));
    }
    this.transport.send(msg, transfer);
  }

  cancel(id: number, recursive: boolean): void {
    this.transport.send(recursive ? { t: 'cancel', id } : { t: 'cancel', id, only: true });
  }

  /** Stops waiting for call `id` (its caller settled it otherwise: the actor died or restarts). */
  forget(id: number): void {
    this.#streams.delete(id);
    if (this.calls.delete(id)) this.transport.waiting(this.calls.size);
  }

  // ---- what arrives -----------------------------------------------------------------------------------

  readonly receive = (m: Msg): void => {
    switch (m.t) {
      case 'result': {
        const p = this.calls.get(m.id);
        if (p === undefined) return;
        this.calls.delete(m.id);
        this.#streams.delete(m.id);
        this.transport.waiting(this.calls.size);
        p.result(m);
        return;
      }
      case 'items':
        this.calls.get(m.id)?.items(m);
        return;
      case 'retry':
        this.calls.get(m.id)?.retried(m.attempt);
        return;
      case 'call':
        return this.#serve(m);
      case 'cancel':
        return this.#cancelServed(m.id, m.only !== true);
      case 'credit':
        return this.#creditServed(m.id, m.taken);
      default:
        this.host.control(m);
    }
  };

  /** The peer is gone: nobody will take the output of its calls (a stream is dropped, G9: its producer is
   *  cancelled at its next yield; a call runs to its end, its result dropped), and this side's calls still
   *  in flight are lost. */
  closed(cause: Error, ran: string | undefined): void {
    this.#closed = cause;
    for (const s of this.#served.values()) if (s.out instanceof ObjectRefGenerator) streams.core(s.out).drop();
    this.#served.clear();
    this.kept.close();
    const lost = [...this.calls.values()];
    this.calls.clear();
    this.#streams.clear();
    this.transport.waiting(0);
    for (const p of lost) p.lost?.(cause, ran);
  }

  // ---- the peer's calls -------------------------------------------------------------------------------

  #serve(m: CallMsg): void {
    // Kept at once: later calls name the value, whatever this one meets (ref-cache.ts).
    if (m.r) this.kept.read(m.args);
    const served: Served = { out: undefined, cancelled: undefined, taken: 0, transfer: m.o?.transfer === true };
    this.#served.set(m.id, served);
    try {
      const args = argsFromWire(m.args, this.handles);
      this.host.serve(m, args, (out, where) => this.#answer(m.id, served, out, where));
    } catch (e) {
      this.#served.delete(m.id);
      this.transport.send({ t: 'result', id: m.id, ok: false, ...errorToWire(e) });
    }
  }

  #answer(id: number, served: Served, out: Output, where: Where): void {
    if (this.#served.get(id) !== served) return; // the peer went away meanwhile
    served.out = out;
    if (out instanceof ObjectRef) {
      refs.onSettled(out, () => {
        this.#served.delete(id);
        const p = refs.peek(out)!;
        this.#sendResult(id, p.ok, p.value, where, served.transfer);
      });
    } else this.#forward(id, streams.core(out), where);
    // What the peer said before the call had an output.
    if (served.cancelled !== undefined) this.#cancelServed(id, served.cancelled);
    else if (served.taken > 0) this.#creditServed(id, served.taken);
  }

  /** Sends a served stream's items as they are produced, then its end. The stream's `taken` is what the
   *  peer's consumer has taken (its credit), so with backpressure the producer here never runs more than N
   *  items ahead of that consumer (G10). */
  #forward(id: number, core: StreamCore, where: Where): void {
    const t = this.transport;
    const itemPace = pacing.items();
    let open = true;
    core.forward({
      item: (v) => {
        if (!open) return;
        // Checked and copied now (the producer may reuse the object it yielded); items may wait to leave.
        let wire: unknown = v;
        if (v !== null && (typeof v === 'object' || typeof v === 'function' || typeof v === 'symbol')) {
          const flat = typeof v === 'object' ? flatCopy(v) : undefined;
          if (flat !== undefined && !looksWrapped(flat)) wire = flat;
          else {
            const index = core.produced - 1;
            try {
              wire = snapshot(valueToWire(v, () => `${whereText(where)} (item ${index})`, this.handles.writeHandle));
            } catch (e) {
              // The stream ends with that error, and its producer is stopped with it.
              core.owner.cancel(false, false, e as Error);
              return;
            }
          }
        }
        t.sendItem(id, wire);
        // G2 across the link: the producer's next step may block this thread (a long computation, a
        // synchronous wait), and then nothing waiting here could leave. So items leave at once, before the
        // next step, until the producer has shown itself fast; then they batch (lib/pacing.ts ItemPace).
        if (itemPace.flushNow(core.produced - core.taken >= core.backpressure)) t.flush();
      },
      end: (error, returned) => {
        if (!open) return;
        open = false;
        this.#served.delete(id);
        if (error === undefined) this.#sendResult(id, true, returned, where, false);
        else this.#sendResult(id, false, error.e, where, false);
      },
    });
  }

  #sendResult(id: number, ok: boolean, value: unknown, where: Where, transfer: boolean): void {
    if (!ok) {
      this.transport.send({ t: 'result', id, ok: false, ...errorToWire(value) });
      return;
    }
    const msg: { t: 'result'; id: number; ok: true; v: unknown } = { t: 'result', id, ok: true, v: value };
    if (value !== null && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')) {
      try {
        msg.v = valueToWire(value, where, this.handles.writeHandle);
      } catch (e) {
        this.transport.send({ t: 'result', id, ok: false, ...errorToWire(e) });
        return;
      }
    }
    this.transport.send(msg, transfer ? transferables([msg.v]) : undefined);
  }

  #cancelServed(id: number, recursive: boolean): void {
    const s = this.#served.get(id);
    if (s === undefined) return;
    const out = s.out;
    if (out === undefined) s.cancelled = recursive;
    else if (out instanceof ObjectRef) refs.owner(out)?.cancel(false, recursive);
    else streams.core(out).owner.cancel(false, recursive);
  }

  #creditServed(id: number, taken: number): void {
    const s = this.#served.get(id);
    if (s === undefined) return;
    if (s.out === undefined) s.taken = Math.max(s.taken, taken);
    else if (s.out instanceof ObjectRefGenerator) streams.core(s.out).ack(taken);
  }
}
