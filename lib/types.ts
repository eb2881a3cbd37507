// The public typings of handles: what `Class.remote()` and `handle.method.remote()` return, derived from
// the actor class. Return types are wrapped in [ ] so unions are not split; `any` and `never` returns are
// plain refs, not streams.
import type { LifecycleState } from './lifecycle.js';
import type { ActorMode, CallOptions } from './model/options.js';
import type { ObjectRef } from './ref.js';
import type { ObjectRefGenerator } from './stream.js';

type IsAny<T> = 0 extends 1 & T ? true : false;

/** What `.remote()` of a method or function returning `R` gives: a stream for generators (G1), else a ref. */
export type RemoteOutput<R> =
  IsAny<R> extends true
    ? ObjectRef<any>
    : [R] extends [never]
      ? ObjectRef<never>
      : [R] extends [Generator<infer Y, infer Ret, any>]
        ? ObjectRefGenerator<Y, Ret>
        : [R] extends [AsyncGenerator<infer Y, infer Ret, any>]
          ? ObjectRefGenerator<Y, Ret>
          : ObjectRef<Awaited<R>>;

/** An argument may be given as its value or as a ref to it (A11: refs are resolved before the call runs). */
export type RemoteArgs<A extends readonly unknown[]> = { [K in keyof A]: A[K] | ObjectRef<A[K]> };

export interface RemoteCall<A extends readonly unknown[], R> {
  remote(...args: RemoteArgs<A>): RemoteOutput<R>;
}

/** `handle.method`: call it with `.remote()`, or set per-call options first with `.options()`. */
export interface RemoteMethod<A extends readonly unknown[], R> extends RemoteCall<A, R> {
  options(options: CallOptions): RemoteCall<A, R>;
}

type MethodKeys<T> = { [K in keyof T]: K extends string ? (T[K] extends (...args: any[]) => any ? K : never) : never }[keyof T];

declare const actorType: unique symbol;

/** A handle to a live actor: every method of `T` as a RemoteMethod. Pass it anywhere (A10). */
export type ActorHandle<T> = {
  readonly [K in MethodKeys<T>]: T[K] extends (...args: infer A) => infer R ? RemoteMethod<A, R> : never;
} & { readonly [actorType]?: T };

/** `Class.options(o)`: create with options. */
export interface ActorFactory<T, A extends readonly unknown[]> {
  remote(...args: A): ActorHandle<T>;
}

/** A snapshot of an actor's state and mailbox (`actorInfo(handle)`). */
export interface ActorInfo {
  readonly id: string;
  readonly name: string | undefined;
  readonly className: string;
  readonly mode: ActorMode;
  /** The lifecycle machine's state: 'starting', 'open', 'restarting' or 'dead'. */
  readonly state: LifecycleState;
  readonly queued: number;
  readonly running: number;
  readonly restarts: number;
  /** In a cluster: the member (nodes() name) the actor lives on, or is being built on; absent while no
   *  member can take it (it waits to be placed). */
  readonly node?: string;
}
