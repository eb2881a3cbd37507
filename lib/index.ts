// The public API of troupe: everything a user imports comes from here, and nothing else is reachable.
export { Actor, actor, defineActor, method, type ActorStatics } from './actor.js';
export { remote, type RemoteFunction } from './remote-function.js';
export { get, wait, put, cancel, kill, getActor, findActor, actorInfo, nodes, stats, type NodeInfo, type ActorInfo, type CancelOptions, type RuntimeStats } from './api.js';
export { taskContext, type TaskContext } from './context.js';
export { init, ready, shutdown, type InitOptions } from './runtime.js';
export { events, type TroupeEvents, type ActorStateEvent, type TaskStartEvent, type TaskEndEvent } from './events.js';
export { ObjectRef } from './ref.js';
export { ObjectRefGenerator } from './stream.js';
export {
  TroupeError,
  TaskError,
  ActorDiedError,
  WorkerCrashedError,
  TaskCancelledError,
  TaskTimeoutError,
  GetTimeoutError,
  ActorNotFoundError,
  SerializationError,
  DefinitionNotFoundError,
  type TroupeErrorCode,
} from './errors.js';
export type { ClusterOptions } from './cluster/options.js';
export type { ActorMode, ActorOptions, Placement, MethodOptions, CallOptions, PerCallOptions, RemoteFunctionOptions, ErrorClass } from './model/options.js';
export type { ActorHandle, RemoteMethod, RemoteCall, RemoteOutput, RemoteArgs, ActorFactory } from './types.js';
export type { LifecycleState } from './lifecycle.js';
