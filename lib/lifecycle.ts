// The actor's lifecycle and mailbox state as an xstate machine:
//   starting -> open -> (restarting -> open)* -> dead
// The machine has no context, so each (state, event) pair has one next snapshot: xstate computes it once
// (a pure transition costs ~20 µs) and every actor shares it. An actor holds one shared snapshot, and no
// per-call path touches the machine: only lifecycle changes do.
import { initialTransition, setup, transition, type SnapshotFrom } from 'xstate';

export type LifecycleEvent =
  | { type: 'READY' } // the constructor returned
  | { type: 'CRASH' } // died with restarts left: rebuild
  | { type: 'DIE' }; // killed, or died with no restarts left

export const lifecycleMachine = setup({ types: { events: {} as LifecycleEvent } }).createMachine({
  id: 'actor',
  initial: 'starting',
  states: {
    /** The constructor has not returned yet; calls queue in the mailbox. */
    starting: { on: { READY: 'open', CRASH: 'restarting', DIE: 'dead' } },
    /** Calls run. */
    open: { on: { CRASH: 'restarting', DIE: 'dead' } },
    /** The mailbox is paused while the actor is rebuilt; calls queue and run in order after. */
    restarting: { on: { READY: 'open', CRASH: 'restarting', DIE: 'dead' } },
    /** Every call rejects with ActorDiedError. */
    dead: { type: 'final' },
  },
});

export type LifecycleSnapshot = SnapshotFrom<typeof lifecycleMachine>;
export type LifecycleState = 'starting' | 'open' | 'restarting' | 'dead';

const [initial] = initialTransition(lifecycleMachine);
const memo = new Map<string, LifecycleSnapshot>();

export const initialLifecycle: LifecycleSnapshot = initial;

/** The next snapshot, from xstate, memoized per (state, event). An event the state ignores keeps it. */
export function nextLifecycle(s: LifecycleSnapshot, type: LifecycleEvent['type']): LifecycleSnapshot {
  const key = `${s.value as string}:${type}`;
  let next = memo.get(key);
  if (next === undefined) {
    [next] = transition(lifecycleMachine, s, { type });
    memo.set(key, next);
  }
  return next;
}
