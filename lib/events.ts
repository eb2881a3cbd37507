// `events`: the runtime's lifecycle events as one typed eventemitter3 emitter. Payloads are built only
// when someone listens, so an unobserved runtime pays a listener count per task, nothing more.
import { EventEmitter } from 'eventemitter3';

export interface ActorStateEvent {
  readonly actorId: string;
  readonly className: string;
  readonly from: string;
  readonly to: string;
}

export interface TaskStartEvent {
  readonly taskId: number;
  readonly actorId: string | undefined;
  readonly method: string;
  readonly attempt: number;
}

export interface TaskEndEvent {
  readonly taskId: number;
  readonly actorId: string | undefined;
  readonly method: string;
  readonly ok: boolean;
  /** From the call's start to its settlement, in milliseconds. */
  readonly ms: number;
}

export interface TroupeEvents {
  'actor:state': (e: ActorStateEvent) => void;
  'task:start': (e: TaskStartEvent) => void;
  'task:end': (e: TaskEndEvent) => void;
}

export const events = new EventEmitter<TroupeEvents>();
