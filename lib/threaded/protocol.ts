// The whole wire protocol between the main thread and a worker, as types. A message sent after a quiet
// spell travels alone by structured clone (calls and results as LoneCall/LoneResult arrays); messages sent
// while one is on its way travel in batches (one postMessage per microtask, or per run of stream items),
// encoded with msgpackr (codec.ts, channel.ts); a message that transfers buffers travels alone.

import type { MessagePort } from 'node:worker_threads';

/** An error as it crosses a thread: name, message, stack and own properties survive (TaskError.cause). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly props?: Record<string, unknown>;
  readonly cause?: WireError | { readonly value: unknown };
}

/** A handle passed as an argument (A10): the worker builds a handle that routes calls back to the owner. */
export interface WireHandle {
  readonly $troupeHandle: string; // the actor's id on the main thread
  readonly className: string;
  /** Method names, which of them stream, and a stream's default backpressure (@method) if it has one:
   *  the worker gives credit for the same window the main thread holds the producer to (G10). */
  readonly methods: readonly (readonly [name: string, stream: boolean, backpressure?: number])[];
  /** The concurrency groups the actor declares (a call through the handle may name one, A4). */
  readonly groups?: readonly string[];
  /** The actor's mode, for actorInfo() of a handle whose actor is gone. */
  readonly mode?: 'sync' | 'async' | 'threaded';
}

/** Call options as they cross: retryExceptions is sent as error class names (classes cannot cross). */
export interface WireCall {
  readonly backpressure?: number;
  readonly group?: string;
  readonly maxRetries?: number;
  readonly retry?: boolean | readonly string[];
  /** Stream items an earlier attempt delivered: the new attempt skips them (G12). */
  readonly skip?: number;
  /** With `skip`: how many of those the consumer has taken (the rest still count against the window). */
  readonly taken?: number;
  readonly attempt?: number;
  /** Transfer ArrayBuffers of the result instead of copying. */
  readonly transfer?: boolean;
}

// ---- main -> worker -------------------------------------------------------------------------------------

/** Build an actor: import `url`, find class `cls`, construct it with `args`. `aid` names this build on
 *  the worker (a restart builds anew under another); `id` is the actor's id, for taskContext(). */
export interface CreateMsg {
  readonly t: 'create';
  readonly aid: string;
  readonly id: string;
  readonly url: string;
  readonly cls: string;
  readonly args: unknown[];
  readonly maxConcurrency?: number;
  readonly groups?: Record<string, number>;
  readonly h?: boolean;
}
/** From now on, remote function `fn` of module `url` is named `fid` in calls to this worker. */
export interface FunctionMsg {
  readonly t: 'function';
  readonly fid: number;
  readonly url: string;
  readonly fn: string;
}
/** Call method `m` of actor `aid`, or (with `fid`) a remote function the worker was told of (FunctionMsg). */
export interface CallMsg {
  readonly t: 'call';
  readonly id: number;
  readonly aid?: string;
  readonly m?: string;
  readonly fid?: number;
  readonly args: unknown[];
  readonly o?: WireCall;
  /** The arguments hold actor handles (in wire form). */
  readonly h?: boolean;
  /** The arguments hold ref markers (ref-cache.ts): values the worker keeps, or keeps from now on. */
  readonly r?: true;
}
/** The ref `id` was collected on the main thread: the worker lets its value go. */
export interface UnrefMsg {
  readonly t: 'unref';
  readonly id: number;
}
/** Cancel call `id`, and what it submitted unless `only` (G11). */
export interface CancelMsg {
  readonly t: 'cancel';
  readonly id: number;
  readonly only?: true;
}
/** The consumer of stream `id` has taken `taken` items in all (backpressure credit, G10). */
export interface CreditMsg {
  readonly t: 'credit';
  readonly id: number;
  readonly taken: number;
}
/** Release actor `aid` (killed, or the runtime shut down). */
export interface ReleaseMsg {
  readonly t: 'release';
  readonly aid: string;
}

// ---- worker -> main -------------------------------------------------------------------------------------

export interface CreatedMsg {
  readonly t: 'created';
  readonly aid: string;
  /** Set when the class could not be found or its constructor threw. */
  readonly error?: WireError;
}
/** How a call ended: `ok` with `v`, or failed with `e` (`app`: thrown by the user's code). */
export interface Outcome {
  readonly ok: boolean;
  readonly v?: unknown;
  readonly e?: WireError;
  readonly app?: boolean;
  /** The value holds actor handles (in wire form). */
  readonly h?: boolean;
}
/** A call settled. */
export interface ResultMsg extends Outcome {
  readonly t: 'result';
  readonly id: number;
}
/** Call `id` threw and runs again in the worker as attempt `attempt`: the caller's side counts it, so a
 *  restart after a crash continues from the same count (A7, G12). */
export interface RetryMsg {
  readonly t: 'retry';
  readonly id: number;
  readonly attempt: number;
}
/** Stream items of call `id`, in order (consecutive items of one stream travel as one message). */
export interface ItemsMsg {
  readonly t: 'items';
  readonly id: number;
  readonly vs: unknown[];
  readonly h?: boolean;
}

// ---- either way: calls on handles passed to a worker (A10) ---------------------------------------------

/** A worker calls method `m` of the main-thread actor `aid` through a handle it was given. */
export interface CallOutMsg {
  readonly t: 'callout';
  readonly id: number;
  readonly aid: string;
  readonly m: string;
  readonly args: unknown[];
  readonly o?: WireCall;
  readonly h?: boolean;
}
export interface CancelOutMsg {
  readonly t: 'cancelout';
  readonly id: number;
  readonly only?: true;
}
/** The worker's consumer of callout stream `id` has taken `taken` items in all (Infinity: it dropped the
 *  stream); sent only when the callout has backpressure (credit, G10). */
export interface CreditOutMsg {
  readonly t: 'creditout';
  readonly id: number;
  readonly taken: number;
}
/** A worker kills an actor of the main thread through a handle it holds (A8). */
export interface KillOutMsg {
  readonly t: 'killout';
  readonly aid: string;
  readonly noRestart: boolean;
}
/** A worker asks, and waits for the answer in shared memory (ask.ts): an actor's info, or a name's handle. */
export interface AskMsg {
  readonly t: 'ask';
  readonly id: number;
  readonly info?: string;
  readonly name?: string;
}
/** The answer to a callout: a result, items, or the end of a stream, keyed by the worker's call id. */
export interface ReplyMsg extends Outcome {
  readonly t: 'reply';
  readonly id: number;
  /** For streams: items, then a final reply with `end: true`. */
  readonly vs?: unknown[];
  readonly end?: boolean;
}

/** A call or a result that leaves alone (not in a batch), in its common shape, travels as a short array:
 *  structured clone costs less for an array than for an object with the same values (codec.ts converts). */
export type LoneCall = readonly [kind: 1, id: number, aid: string, m: string, args: unknown[]];
export type LoneResult = readonly [kind: 2, id: number, v: unknown];
export type LoneFunctionCall = readonly [kind: 3, id: number, fid: number, args: unknown[]];
/** Lone calls and results that leave together by structured clone (their values primitives, or copies of
 *  flat objects and arrays): calls made in one microtask, results that waited while the peer was behind. */
export type LoneBatch = readonly [kind: 0, ...messages: (LoneCall | LoneResult | LoneFunctionCall)[]];

export type ToWorker = CreateMsg | FunctionMsg | CallMsg | CancelMsg | CreditMsg | ReleaseMsg | ReplyMsg | UnrefMsg;
/** A worker's first message: its modules are loaded and it takes calls (Pool.prestart waits for it). */
export interface UpMsg {
  readonly t: 'up';
}
export type ToMain = CreatedMsg | ResultMsg | RetryMsg | ItemsMsg | CallOutMsg | CancelOutMsg | CreditOutMsg | KillOutMsg | AskMsg | UpMsg;

/** What a worker is told when it starts (workerData). */
export interface WorkerBoot {
  readonly index: number;
  /** Shared counters of how far the main thread is behind with this worker's messages (flow.ts). */
  readonly flow: SharedArrayBuffer;
  /** The ring the worker writes results to while the main thread is behind (journal.ts). */
  readonly journal: SharedArrayBuffer;
  /** The worker's end of the channel of troupe's own (parentPort stays the user's). */
  readonly port: MessagePort;
  /** Where the main thread answers the worker's questions (ask.ts). */
  readonly answers: SharedArrayBuffer;
  /** One Int32 cell: the call whose code the worker ran last (0: none), read when the worker dies. */
  readonly running: SharedArrayBuffer;
  /** Modules to import at once (a spare worker replacing one that died loads what that one had loaded). */
  readonly preload?: readonly string[];
}
