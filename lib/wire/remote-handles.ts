// Handles to actors that live on the other side of a link (A10): a handle given to a worker's code calls
// its actor through the worker's endpoint, kills it and reads its info through the link. One handle per
// actor while the code holds it. A call leaves once its ref arguments have resolved, in the order the calls
// were made (A1, A11); cancelling it (or the call that made it: G11) cancels it on the actor's side.
import { ActorDiedError, NotHostedHereError, TaskCancelledError, TaskError, TaskTimeoutError } from '../errors.js';
import { runningTask } from '../context.js';
import { makeHandle, type HandleTarget } from '../handle.js';
import type { MethodInfo } from '../model/class-info.js';
import { DEFAULT_CALL, type ResolvedCall } from '../model/options.js';
import { ObjectRef, refs } from '../ref.js';
import { StreamCore, streams } from '../stream.js';
import type { ActorInfo } from '../types.js';
import { decodeError, isWireHandle, mapWireHandles, transferables, valueFromWire, valueToWire, type HandleCodec } from './codec.js';
import { stopCredit } from './credit.js';
import type { Endpoint, Output, Pending } from './endpoint.js';
import { RELAYED, type CallMsg, type ResultMsg, type WireCall, type WireHandle } from './protocol.js';

/** What remote handles need of the link besides its endpoint. */
export interface HandleLink {
  readonly endpoint: Endpoint;
  kill(aid: string, noRestart: boolean): void;
  /** This side has shut down: what it waited for through the link ends for that reason. */
  readonly shutDown?: boolean;
  /** The actor's info; null once it is gone. */
  info(w: WireHandle): ActorInfo | null;
  /** The actor `w` stands for, when it lives on as another build that the link knows of (a detached actor
   *  built again elsewhere after its node died): calls, kill and actorInfo go to that one's target. */
  now?(w: WireHandle): HandleTarget | undefined;
  /** Set where the peer relays handles (protocol.ts RELAYED): this side holds no handle to the relayed
   *  actor `aid` any more, after reading `n` wire forms of it (the peer keeps it while it sent more). */
  dropped?(aid: string, n: number): void;
  /** A call through handle `w` failed with `e` (the link may learn from it that the actor died). */
  failed?(w: WireHandle, e: Error): void;
  /** Where a call through `w` may go straight (the process the actor lives on), instead of the link; a
   *  call sent there that finds the actor gone did not run, and goes through the link then. */
  direct?(w: WireHandle): { readonly endpoint: Endpoint; readonly aid: string } | undefined;
  /** A call sent straight found the actor gone from there (`direct` should not offer it again). */
  moved?(w: WireHandle): void;
}

export class RemoteHandles implements HandleCodec {
  /** One handle per actor while the code holds it; collected handles leave the map. */
  readonly #handles = new Map<string, WeakRef<object>>();
  readonly #collected = new FinalizationRegistry<string>((aid) => {
    if (this.#handles.get(aid)?.deref() !== undefined) return; // made again since
    this.#handles.delete(aid);
    const n = this.#reads.get(aid);
    if (n === undefined) return;
    this.#reads.delete(aid);
    this.link.dropped!(aid, n);
  });
  /** Wire forms read of each relayed actor (HandleLink.dropped), while a handle to it is held here. */
  readonly #reads = new Map<string, number>();
  readonly #wireOf = new WeakMap<object, WireHandle>();
  /** Labels calls in errors (`taskId`), as a Task's id does. */
  #calls = 1;
  /** The last call still waiting for its ref arguments: the next one leaves after it. */
  #chain: Promise<void> | undefined;

  /** `codec`: how the values of calls and results cross (default: this, handles of the link alone). */
  constructor(
    readonly link: HandleLink,
    codec?: HandleCodec,
  ) {
    this.#codec = codec ?? this;
  }

  readonly #codec: HandleCodec;

  readonly writeHandle = (o: object): WireHandle | undefined => (isWireHandle(o) ? o : this.#wireOf.get(o));

  readIn(v: unknown): unknown {
    return mapWireHandles(v, (w) => this.handle(w));
  }

  /** The wire form of a handle this made, else undefined. */
  wireOf(o: object): WireHandle | undefined {
    return this.#wireOf.get(o);
  }

  /** The one handle here to the actor `w` stands for. */
  handle(w: WireHandle): object {
    if (this.link.dropped !== undefined && w.$troupeHandle.startsWith(RELAYED)) this.#reads.set(w.$troupeHandle, (this.#reads.get(w.$troupeHandle) ?? 0) + 1);
    let h = this.#handles.get(w.$troupeHandle)?.deref();
    if (h !== undefined) return h;
    const methods = new Map<string, MethodInfo>();
    for (const [name, stream, backpressure] of w.methods) {
      const call = backpressure === undefined ? DEFAULT_CALL : { ...DEFAULT_CALL, backpressure };
      methods.set(name, { name, stream, fn: () => undefined, call });
    }
    const target: HandleTarget = {
      className: w.className,
      methods,
      // The names only: the limits are the owner's to keep.
      groups: new Map<string | undefined, number>([[undefined, Infinity], ...(w.groups ?? []).map((g) => [g, Infinity] as const)]),
      kind: 'foreign',
      call: (method, args, call) => {
        const now = this.link.now?.(w);
        if (now === undefined) return this.#call(w, method, args, call);
        const m = now.methods.get(method.name);
        if (m === undefined) throw new TypeError(`${w.className} has no method '${method.name}'`);
        return now.call(m, args, call);
      },
      kill: (noRestart) => {
        const now = this.link.now?.(w);
        if (now !== undefined) now.kill(noRestart);
        else this.link.kill(w.$troupeHandle, noRestart);
      },
      // Gone from its host: it has died.
      actorInfo: () =>
        this.link.now?.(w)?.actorInfo() ??
        this.link.info(w) ?? { id: w.$troupeHandle, name: undefined, className: w.className, mode: w.mode ?? 'sync', state: 'dead', queued: 0, running: 0, restarts: 0 },
    };
    h = makeHandle(target) as object;
    this.#handles.set(w.$troupeHandle, new WeakRef(h));
    this.#collected.register(h, w.$troupeHandle);
    this.#wireOf.set(h, w);
    return h;
  }

  #call(w: WireHandle, method: MethodInfo, args: unknown[], call: ResolvedCall): Output {
    /** Where the call went: the link, or straight where the actor lives (HandleLink.direct). */
    let ep = this.link.endpoint;
    let straight = false;
    let sent: unknown[] = [];
    const site = { className: w.className, method: method.name, taskId: this.#calls++ };
    /** The endpoint's id of the call once it has left. */
    let id: number | undefined;
    let done = false;
    const parent = runningTask();
    const canceller = {
      cancel: (_force: boolean, recursive = true, error?: Error) => {
        if (done) return;
        if (id !== undefined) {
          ep.forget(id);
          ep.cancel(id, recursive);
        }
        settle(error ?? new TaskCancelledError(site));
      },
    };
    // The call's signal and timeout cancel it as cancel() does, here and where it runs (issue 11).
    const { signal, timeout } = call;
    const onAbort = () => canceller.cancel(false, true, new TaskCancelledError(site, 'its signal aborted', signal!.reason));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const core = method.stream ? new StreamCore(canceller, call.backpressure) : undefined;
    const ref = core === undefined ? refs.create(canceller) : undefined;
    const settle = (error: Error | undefined, value?: unknown) => {
      if (done) return;
      done = true;
      parent?.disown(canceller);
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
      stopCredit(core);
      if (core !== undefined) core.end(error === undefined ? undefined : { e: error }, value);
      else if (error === undefined) refs.resolve(ref!, value);
      else refs.reject(ref!, error);
    };
    parent?.adopt(canceller); // cancelled with the call that made it (G11)
    if (signal?.aborted) {
      onAbort(); // it never leaves
      return core !== undefined ? streams.create(core) : ref!;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout !== undefined) timer = setTimeout(() => canceller.cancel(false, true, new TaskTimeoutError(site, timeout)), timeout);
    const pending: Pending = {
      label: `${w.className}#${w.$troupeHandle}.${method.name}`,
      result: (m: ResultMsg) => {
        if (m.ok) settle(undefined, valueFromWire(m.v, this.#codec));
        else {
          const e = m.app ? new TaskError(site, decodeError(m.e!)) : decodeError(m.e!);
          if (straight && e instanceof NotHostedHereError) {
            // It did not run there: the actor moved (or died); its owner knows.
            this.link.moved?.(w);
            send(sent, false);
            return;
          }
          this.link.failed?.(w, e);
          settle(e);
        }
      },
      items: (m) => {
        if (done) return;
        for (const v of m.vs) core!.push(valueFromWire(v, this.#codec));
      },
      retried: () => {},
      lost: (cause) =>
        settle(new ActorDiedError({ id: w.$troupeHandle, className: w.className }, this.link.shutDown ? 'the runtime was shut down' : straight ? 'the process it lived on is gone' : 'the process that owns it is gone', cause)),
    };
    const o: { -readonly [K in keyof WireCall]: WireCall[K] } = {};
    if (call.backpressure !== Infinity) o.backpressure = call.backpressure;
    if (call.concurrencyGroup) o.group = call.concurrencyGroup;
    if (call.transfer) o.transfer = true;
    const send = (resolved: unknown[], mayGoStraight = true) => {
      if (done) return; // cancelled while its ref arguments resolved: it never leaves
      const route = mayGoStraight ? this.link.direct?.(w) : undefined;
      straight = route !== undefined;
      ep = route?.endpoint ?? this.link.endpoint;
      sent = resolved;
      const wireArgs = resolved.map((a, i) => valueToWire(a, `argument ${i}`, this.#codec.writeHandle));
      const msg: { -readonly [K in keyof CallMsg]: CallMsg[K] } = { t: 'call', id: ep.nextId(), aid: route?.aid ?? w.$troupeHandle, m: method.name, args: wireArgs };
      if (Object.keys(o).length > 0) msg.o = o;
      if (straight) msg.d = true;
      id = msg.id;
      ep.call(msg, pending, core, call.transfer ? transferables(wireArgs) : undefined);
    };
    const fail = (e: unknown) => settle(e as Error);
    if (this.#chain === undefined && !args.some((a) => a instanceof ObjectRef)) {
      try {
        send(args, true);
      } catch (e) {
        fail(e);
      }
    } else {
      const prev = this.#chain ?? Promise.resolve();
      const mine: Promise<void> = prev
        .then(() => Promise.all(args))
        .then((resolved) => send(resolved, true), fail)
        .catch(fail)
        .finally(() => {
          if (this.#chain === mine) this.#chain = undefined;
        });
      this.#chain = mine;
    }
    return core !== undefined ? streams.create(core) : ref!;
  }
}
