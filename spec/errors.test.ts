// Errors (every rule that fails a call names its error here): each troupe error has a stable `code`, the
// same on every thread (a copy made from the wire keeps its class and code), and a worker that cannot find
// a class gives DefinitionNotFoundError as the cause of the actor's death, with no restart.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ActorDiedError,
  ActorNotFoundError,
  DefinitionNotFoundError,
  GetTimeoutError,
  SerializationError,
  TaskCancelledError,
  TaskError,
  TaskTimeoutError,
  TroupeError,
  WorkerCrashedError,
  actor,
  Actor,
  actorInfo,
  getActor,
  shutdown,
  type TroupeErrorCode,
} from '../lib/index.js';
import { settle, within } from './helpers/actors-util.js';
import { Unsendable } from './helpers/wire-actors.js';

afterEach(() => shutdown());

describe('errors have stable codes', () => {
  test('A6 each troupe error class has its own code', () => {
    const site = { method: 'm', taskId: 1 };
    const actorSite = { id: '1', className: 'C' };
    const cases: [TroupeError, TroupeErrorCode][] = [
      [new TroupeError('x'), 'TROUPE_ERROR'],
      [new TaskError(site, new Error('x')), 'TROUPE_TASK_ERROR'],
      [new ActorDiedError(actorSite, 'x'), 'TROUPE_ACTOR_DIED'],
      [new WorkerCrashedError(site, 'x'), 'TROUPE_WORKER_CRASHED'],
      [new TaskCancelledError(site), 'TROUPE_TASK_CANCELLED'],
      [new GetTimeoutError(1, 1), 'TROUPE_GET_TIMEOUT'],
      [new SerializationError('x'), 'TROUPE_SERIALIZATION'],
      [new ActorNotFoundError('n'), 'TROUPE_ACTOR_NOT_FOUND'],
      [new DefinitionNotFoundError('x'), 'TROUPE_DEFINITION_NOT_FOUND'],
      [new TaskTimeoutError(site, 5), 'TROUPE_TASK_TIMEOUT'],
    ];
    for (const [e, code] of cases) assert.equal(e.code, code, e.name);
    assert.equal(new Set(cases.map(([, c]) => c)).size, cases.length);
  });

  test('A10 an error made on a worker keeps its class and code on the main thread', async () => {
    const u = Unsendable.remote();
    const out = await within(settle(u.fn.remote()), 'a result that cannot cross', 10_000);
    assert.ok(!out.ok && out.error instanceof SerializationError, String(!out.ok && out.error));
    assert.equal((out.error as SerializationError).code, 'TROUPE_SERIALIZATION');
    assert.match((out.error as Error).message, /Unsendable\.fn/);
  });

  test('A9 getActor of an unknown name: ActorNotFoundError with its code', () => {
    assert.throws(() => getActor('no-such-actor-here'), (e: unknown) => e instanceof ActorNotFoundError && e.code === 'TROUPE_ACTOR_NOT_FOUND');
  });

  test('A6 a threaded class the worker cannot find: the actor dies, its cause a DefinitionNotFoundError (no restart)', async () => {
    @actor({ mode: 'threaded', maxRestarts: 3, module: 'file:///no/such/module.js' })
    class Nowhere extends Actor {
      hi(): string {
        return 'hi';
      }
    }
    const h = Nowhere.remote();
    const out = await within(settle(h.hi.remote()), 'the call on a class that cannot be found', 15_000);
    assert.ok(!out.ok && out.error instanceof ActorDiedError, String(!out.ok && out.error));
    const cause = (out.error as Error).cause;
    assert.ok(cause instanceof DefinitionNotFoundError, String(cause));
    assert.equal((cause as DefinitionNotFoundError).code, 'TROUPE_DEFINITION_NOT_FOUND');
    assert.equal(actorInfo(h).restarts, 0);
  });
});
