// What processes of a cluster say to each other on NATS, as types: the envelope every link message travels
// in, and what each member announces about itself. The call traffic inside an envelope is the endpoint's
// (wire/protocol.ts Msg), the same as between threads. Subjects, all under a per-cluster prefix:
//   <prefix>.hb            every member's heartbeats, and the question `who` that makes every member send one now
//   <prefix>.in.<id>       the link messages to member `id` (Envelope)
//   <prefix>.nr.<id>.<to>  where the server says that nobody serves member `to` any more (status 503)

/** One member: a node (`troupe node`) or a driver's own pool. */
export interface MemberInfo {
  /** This incarnation of the process: a process that starts again is a new member. */
  readonly id: string;
  readonly name: string;
  /** Hosts actors for other members (a node), or only its own program's (a driver). */
  readonly node: boolean;
  readonly workers: number;
  readonly resources: Readonly<Record<string, number>>;
  /** What of `resources` the actors living there do not hold. */
  readonly free: Readonly<Record<string, number>>;
  /** Actors it hosts now. */
  readonly actors: number;
  /** Streams it serves to other members now (their producers run there). */
  readonly streams: number;
  /** It holds cluster-wide names: every member then watches the registry, to rebuild the detached actors
   *  of a member that dies (registry.ts). */
  readonly names?: true;
  /** Keys of the threaded classes it can host (module-key.ts), `key#Class`. */
  readonly classes: readonly string[];
  /** Keys of the threaded functions it runs for others, `key#name`. */
  readonly functions: readonly string[];
}

/** A heartbeat (`hb`: what the member is now; `bye`: it leaves; `who`: everyone, send yours now; `dead`:
 *  member `id`, you are dead to me: a process told so fences itself and joins again as a new member). */
export type Beat =
  | { readonly t: 'hb'; readonly m: MemberInfo }
  | { readonly t: 'bye'; readonly id: string }
  | { readonly t: 'who'; readonly id: string }
  | { readonly t: 'dead'; readonly id: string };

/** Link messages from member `f` to the member whose subject it is on: messages in order (`body`, read by
 *  the link in its order: envelope.ts), or one chunk of a message larger than the server's max_payload
 *  (`c`: which message, chunk index, chunk count). `s` is its place in the link's order (0: outside it, as
 *  an ack alone or a probe), `a` the sender's ack of what it received in order (cluster/reliable.ts). */
export type Envelope =
  | { readonly f: string; readonly s: number; readonly a: number; readonly body: Uint8Array }
  | { readonly f: string; readonly s: number; readonly a: number; readonly c: readonly [msg: number, index: number, count: number]; readonly d: Uint8Array };
