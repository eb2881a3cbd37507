// The whole wire protocol, as types: what two endpoints (endpoint.ts) say to each other about calls, the
// same both ways, and what a host says to the side that hosts its actors. How the messages travel is the
// transport's business (transport.ts; between threads: threaded/channel.ts, which sends calls and results
// in their common shape as the short arrays at the end of this file).

/** An error as it crosses a thread: name, message, stack and own properties survive (TaskError.cause). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly props?: Record<string, unknown>;
  readonly cause?: WireError | { readonly value: unknown };
}

/** A value that holds actor handles travels wrapped (an argument, a result, an item: each on its own), so
 *  the receiver reads handles back only where there are some, whatever message carries the value (A10). */
export interface WithHandles {
  readonly $troupeHandles: unknown;
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
  /** Between processes of a cluster: the member that owns the actor (its calls go there)... */
  readonly o?: string;
  /** ...or, while the actor lives on another member, that member (`h`) and the actor's build there (`b`),
   *  where calls go straight. */
  readonly h?: string;
  readonly b?: string;
  /** A detached actor's name, if it has one, and its line (the id of its first build, `SpawnMsg.line`):
   *  built again elsewhere after its node died, it is found by its registry entry, and the line tells a
   *  rebuild of this very actor from another actor given the name since. */
  readonly n?: string;
  readonly l?: string;
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

// ---- calls: the same messages whichever way a call goes -----------------------------------------------
// Each side numbers the calls it makes. `call`, `cancel` and `credit` name a call of the sender's (the
// receiver serves it); `result`, `items` and `retry` name a call of the receiver's (it made it).

/** Call method `m` of actor `aid` on the receiver's side (a worker's build of a threaded actor, or, from a
 *  worker, an actor of the main thread through a handle it was given: A10), or (with `fid`) a remote
 *  function the receiver was told of (FunctionMsg). */
export interface CallMsg {
  readonly t: 'call';
  readonly id: number;
  readonly aid?: string;
  readonly m?: string;
  readonly fid?: number;
  readonly args: unknown[];
  readonly o?: WireCall;
  /** The arguments hold ref markers (ref-cache.ts): values the receiver keeps, or keeps from now on. */
  readonly r?: true;
  /** Sent straight to where the actor lives, not to its owner: if it is not there, it did not run. */
  readonly d?: true;
}
/** Cancel call `id`, and what it submitted unless `only` (G11). */
export interface CancelMsg {
  readonly t: 'cancel';
  readonly id: number;
  readonly only?: true;
}
/** The consumer of stream `id` has taken `taken` items in all (backpressure credit, G10; Infinity: it
 *  dropped the stream, G9). Sent only for streams with backpressure (credit.ts). */
export interface CreditMsg {
  readonly t: 'credit';
  readonly id: number;
  readonly taken: number;
}
/** How a call ended: `ok` with `v`, or failed with `e` (`app`: thrown by the user's code). */
export interface Outcome {
  readonly ok: boolean;
  readonly v?: unknown;
  readonly e?: WireError;
  readonly app?: boolean;
}
/** A call settled (a stream: its end, after its items). */
export interface ResultMsg extends Outcome {
  readonly t: 'result';
  readonly id: number;
}
/** Stream items of call `id`, in order (consecutive items of one stream travel as one message). */
export interface ItemsMsg {
  readonly t: 'items';
  readonly id: number;
  readonly vs: unknown[];
}
/** Call `id` threw and runs again where it is served, as attempt `attempt`: the caller's side counts it,
 *  so a restart after a crash continues from the same count (A7, G12). */
export interface RetryMsg {
  readonly t: 'retry';
  readonly id: number;
  readonly attempt: number;
}

// ---- hosting: the main thread places actors and functions on a worker ----------------------------------

/** Build an actor: import `url`, find class `cls`, construct it with `args` (between processes `url` is the
 *  module's key, cluster/module-key.ts, and a node only finds classes among what it imported at start). `aid` names this build on
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
  /** What the actor holds while it lives there (ActorOptions.resources). */
  readonly res?: Record<string, number>;
}
/** Build a detached actor (ActorOptions.lifetime) that the receiver owns, under id `aid` (chosen by the
 *  sender, which holds a handle to it already): a cluster node's. */
export interface SpawnMsg {
  readonly t: 'spawn';
  readonly aid: string;
  readonly url: string;
  readonly cls: string;
  readonly args: unknown[];
  /** The id of its first build, kept by every rebuild; an unnamed one's registry entry is kept under it. */
  readonly line: string;
  readonly name?: string;
  readonly maxRestarts?: number;
  readonly maxTaskRetries?: number;
  readonly maxConcurrency?: number;
  readonly groups?: Record<string, number>;
  readonly res?: Record<string, number>;
}
/** The answer to a CreateMsg. */
export interface CreatedMsg {
  readonly t: 'created';
  readonly aid: string;
  /** Set when the class could not be found or its constructor threw. */
  readonly error?: WireError;
  /** Not built: the member has not the resources free (others placed there first); place it again. */
  readonly full?: true;
}
/** The actor `aid` died where it was hosted (a cluster node: its worker crashed, or its code killed it);
 *  sent before the failed results of its calls, which the creator's side then drops (hosting/node.ts). */
export interface LostMsg {
  readonly t: 'lost';
  readonly aid: string;
  readonly e: WireError;
}
/** Release actor `aid` (killed, or the runtime shut down). */
export interface ReleaseMsg {
  readonly t: 'release';
  readonly aid: string;
}
/** From now on, remote function `fn` of module `url` is named `fid` in calls to this worker. */
export interface FunctionMsg {
  readonly t: 'function';
  readonly fid: number;
  readonly url: string;
  readonly fn: string;
}
/** The ref `id` was collected on the main thread: the worker lets its value go. */
export interface UnrefMsg {
  readonly t: 'unref';
  readonly id: number;
}
/** A worker's first message: its modules are loaded and it takes calls (Pool.prestart waits for it). */
export interface UpMsg {
  readonly t: 'up';
}

// ---- a worker's code acts on the main thread's actors (A8, A9, A10) ------------------------------------

/** Kill the actor `aid` through a handle the worker holds. */
export interface KillMsg {
  readonly t: 'kill';
  readonly aid: string;
  readonly noRestart: boolean;
}
/** An actor of the worker's own (created by its code, not threaded) died: the threaded actors it created,
 *  which the main thread keeps, die with it (A8). */
export interface GoneMsg {
  readonly t: 'gone';
  readonly id: string;
  readonly label: string;
}
/** The ids the main thread gives the handles it relays to a worker (handles of another process's actors,
 *  in a cluster): `r1`, `r2`, ... (the main thread's own actors' ids are numbers, detached ones `d...`). */
export const RELAYED = 'r';
/** The worker holds no handle to the relayed actor `aid` any more (its code let go of it, and it was
 *  collected): it had read `n` wire forms of it, and the main thread keeps it while it sent more. */
export interface UnholdMsg {
  readonly t: 'unhold';
  readonly aid: string;
  readonly n: number;
}
/** A question the worker waits for in shared memory (ask.ts): an actor's info, a name's handle, or the
 *  creation of an actor by the worker's code (answered with its handle). */
export interface AskMsg {
  readonly t: 'ask';
  readonly id: number;
  readonly info?: string;
  readonly name?: string;
  readonly create?: SpawnRequest;
}
/** An actor a worker's code creates with `Class.remote()`: the main thread builds it, owned by `creator`. */
export interface SpawnRequest {
  readonly url: string;
  readonly cls: string;
  readonly args: unknown[];
  /** The creation's own options (ActorOptions without functions). */
  readonly options: Record<string, unknown>;
  readonly creator?: string;
}

/** A call or a result that leaves alone (not in a batch), in its common shape, travels as a short array:
 *  structured clone costs less for an array than for an object with the same values (codec.ts converts). */
export type LoneCall = readonly [kind: 1, id: number, aid: string, m: string, args: unknown[]];
export type LoneResult = readonly [kind: 2, id: number, v: unknown];
export type LoneFunctionCall = readonly [kind: 3, id: number, fid: number, args: unknown[]];
/** Lone calls and results that leave together by structured clone (their values primitives, or copies of
 *  flat objects and arrays): calls made in one microtask, results that waited while the peer was behind. */
export type LoneBatch = readonly [kind: 0, ...messages: (LoneCall | LoneResult | LoneFunctionCall)[]];

/** Every message, whichever way it goes. */
export type Msg =
  | CallMsg | CancelMsg | CreditMsg | ResultMsg | ItemsMsg | RetryMsg
  | CreateMsg | SpawnMsg | CreatedMsg | LostMsg | ReleaseMsg | FunctionMsg | UnrefMsg | UpMsg
  | KillMsg | GoneMsg | AskMsg | UnholdMsg;
/** The messages about calls, which the endpoint handles itself (endpoint.ts); the rest go to its host. */
export type CallTraffic = CallMsg | CancelMsg | CreditMsg | ResultMsg | ItemsMsg | RetryMsg;
export type Control = Exclude<Msg, CallTraffic>;
