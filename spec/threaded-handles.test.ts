// Handles and refs as arguments of threaded calls (issue 3; A10, A11, A1, G13): an actor handle passed to a
// threaded actor or function (at the top level, inside an object or an array, or to its constructor) works
// there: its calls are routed to the actor's owner and back, streams included, keeping per-caller order.
// ObjectRef arguments are resolved before the call is sent.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Actor,
  SerializationError,
  TaskError,
  actor,
  actorInfo,
  get,
  init,
  put,
  shutdown,
  type ObjectRef,
} from '../lib/index.js';
import { deferred, settle, ticks, within, type Deferred } from './helpers/actors-util.js';
import { QuotaError, Relay, Tally, drain, fnTypes, fnUseHandle, range, type Target } from './helpers/threaded-actors.js';

// One runtime for the file (a worker's start is paid once).
before(() => init({ workers: 2 }));
after(() => shutdown());
afterEach(() => {
  for (const g of gates.values()) g.resolve('released');
  gates.clear();
});

const gates = new Map<string, Deferred<string>>();
function gate(key: string): Deferred<string> {
  let g = gates.get(key);
  if (g === undefined) gates.set(key, (g = deferred<string>()));
  return g;
}

/** An in-process (main-thread) actor whose handle is passed to threaded code. */
@actor()
class Book extends Actor {
  readonly log: string[] = [];
  total = 0;
  note(tag: string): number {
    this.log.push(tag);
    return this.log.length;
  }
  add(by: number): number {
    return (this.total += by);
  }
  *count(n: number): Generator<number> {
    for (let i = 0; i < n; i++) yield i;
  }
  fail(): never {
    throw new QuotaError('book says no', 'E_BOOK', { limit: 1, tags: ['book'] });
  }
  entries(): string[] {
    return [...this.log];
  }
  /** A ref that stays pending until the test opens gate `key`. */
  async later(key: string): Promise<string> {
    return gate(key).promise;
  }
}

const asTarget = (h: unknown): Target => h as Target;

async function rejectsWith<E>(p: PromiseLike<unknown>, cls: abstract new (...a: any[]) => E, what: string): Promise<E> {
  const r = await settle(within(p, what));
  assert.equal(r.ok, false, `${what}: expected a rejection with ${cls.name}, got a value`);
  const e = (r as { error: unknown }).error;
  assert.ok(e instanceof cls, `${what}: expected ${cls.name}, got ${String(e)}`);
  return e;
}

describe('A10 handles passed to threaded actors', () => {
  test('A10 A1 a handle passed to a threaded actor works there; the calls it makes keep their order', async () => {
    const book = Book.remote();
    const relay = Relay.remote();
    const tags = range(20).map((i) => `t${i}`);
    assert.deepEqual(await within(relay.noteAll.remote(asTarget(book), tags), 'noteAll'), range(20, 1));
    assert.deepEqual(await within(book.entries.remote(), 'entries'), tags);
  });

  test('A10 A1 two callers, the main thread and a threaded actor, each keep their own order on one actor', async () => {
    const book = Book.remote();
    const relay = Relay.remote();
    await within(relay.echo.remote(1), 'relay open');
    const fromRelay = relay.noteAll.remote(asTarget(book), range(10).map((i) => `r${i}`));
    const fromMain = range(10).map((i) => book.note.remote(`m${i}`));
    await within(Promise.all([fromRelay, ...fromMain]), 'all calls');
    const log = await within(book.entries.remote(), 'entries');
    assert.deepEqual(log.filter((t) => t.startsWith('r')), range(10).map((i) => `r${i}`));
    assert.deepEqual(log.filter((t) => t.startsWith('m')), range(10).map((i) => `m${i}`));
  });

  test('A10 a handle inside an object or an array works in the threaded actor', async () => {
    const a = Book.remote();
    const b = Book.remote();
    const relay = Relay.remote();
    assert.equal(await within(relay.viaObject.remote({ who: { target: asTarget(a) }, by: 2 }), 'viaObject'), 2);
    assert.deepEqual(await within(relay.viaArray.remote([asTarget(a), asTarget(b)], 3), 'viaArray'), [5, 3]);
    assert.deepEqual(await within(get([a.add.remote(0), b.add.remote(0)]), 'totals'), [5, 3]);
  });

  test('A10 a handle passed to a threaded actor\'s constructor works there', async () => {
    const book = Book.remote();
    const relay = Relay.remote(asTarget(book));
    assert.equal(await within(relay.addKept.remote(4), 'addKept'), 4);
    assert.equal(await within(book.add.remote(0), 'book'), 4);
  });

  test('A10 G3 streams through a handle: a threaded actor iterates the stream of a main-thread actor, and relays it as its own stream', async () => {
    const book = Book.remote();
    const relay = Relay.remote();
    assert.deepEqual(await within(relay.collect.remote(asTarget(book), 6), 'collect'), range(6));
    const gen = relay.relay.remote(asTarget(book), 5);
    const d = await within(drain(gen), 'relay');
    assert.deepEqual(d.values, [0, 10, 20, 30, 40]);
    assert.deepEqual(d.errors, []);
    assert.equal(await within(gen.completed(), 'completed'), 'relayed');
  });

  test('A10 A5 an error thrown behind a handle reaches the threaded caller as TaskError with its cause\'s name, message and own properties', async () => {
    const relay = Relay.remote();
    assert.deepEqual(await within(relay.failThrough.remote(asTarget(Book.remote())), 'failThrough'), {
      name: 'TaskError',
      causeName: 'QuotaError',
      message: 'book says no',
      code: 'E_BOOK',
    });
  });

  test('A10 a handle to another threaded actor passed to a threaded actor works (calls and streams routed through the owner)', async () => {
    const tally = Tally.remote(100);
    const relay = Relay.remote();
    assert.deepEqual(await within(relay.noteAll.remote(asTarget(tally), ['x', 'y', 'z']), 'noteAll'), [1, 2, 3]);
    assert.deepEqual(await within(tally.entries.remote(), 'entries'), ['x', 'y', 'z']);
    assert.equal(await within(relay.viaObject.remote({ who: { target: asTarget(tally) }, by: 5 }), 'viaObject'), 105);
    assert.deepEqual(await within(relay.collect.remote(asTarget(tally), 4), 'collect'), range(4));
    assert.deepEqual((await within(drain(relay.relay.remote(asTarget(tally), 3)), 'relay')).values, [0, 10, 20]);
  });

  test('A10 a handle kept by a threaded actor keeps working; handed back to the main thread it is the same handle', async () => {
    const book = Book.remote();
    const relay = Relay.remote();
    assert.equal(await within(relay.keep.remote(asTarget(book)), 'keep'), true);
    assert.equal(await within(relay.addKept.remote(4), 'addKept'), 4);
    const back = await within(relay.give.remote(), 'give');
    assert.equal(back, book as unknown, 'the handle comes back as the same handle');
    assert.equal(await within(book.add.remote(1), 'the book'), 5);
  });

  test('A10 a handle passed to a threaded remote function works there, streams included', async () => {
    const book = Book.remote();
    assert.deepEqual(await within(fnUseHandle.remote(asTarget(book), 7), 'fnUseHandle'), { added: 7, items: [0, 1, 2] });
    assert.deepEqual(await within(fnUseHandle.remote(asTarget(Tally.remote(1)), 2), 'fnUseHandle with a threaded actor'), { added: 3, items: [0, 1, 2] });
  });
});

describe('A11 ObjectRef arguments of threaded calls', () => {
  test('A11 ObjectRef arguments are resolved before the call is sent: the threaded method and function get values', async () => {
    const relay = Relay.remote();
    const book = Book.remote();
    const computed = book.add.remote(9);
    assert.deepEqual(await within(relay.types.remote(put(5), put('s'), put([1]), computed, 7), 'types'), ['number', 'string', 'array', 'number', 'number']);
    assert.deepEqual(await within(relay.echo.remote(put({ a: [1, 2] })), 'echo'), { a: [1, 2] });
    assert.deepEqual(await within(fnTypes.remote(put(1), put('x'), book.add.remote(1)), 'fnTypes'), ['number', 'string', 'number']);
  });

  test('A11 A1 a call whose ref argument is still pending is not sent, and holds back the calls behind it', async () => {
    const book = Book.remote();
    const tally = Tally.remote();
    await within(tally.add.remote(0), 'tally open');
    const pending = book.later.remote('a11-order') as ObjectRef<string>;
    const first = tally.note.remote(pending);
    const second = tally.note.remote('second');
    await ticks(5);
    const info = actorInfo(tally);
    assert.equal(info.running, 0, 'nothing was sent while the ref is pending');
    assert.equal(info.queued, 2);
    gate('a11-order').resolve('first');
    assert.deepEqual(await within(get([first, second]), 'both calls'), [1, 2]);
    assert.deepEqual(await within(tally.entries.remote(), 'entries'), ['first', 'second']);
  });

  test('A11 a ref argument that rejects: the threaded call rejects with that error and the method never runs', async () => {
    const book = Book.remote();
    const tally = Tally.remote();
    const bad = book.fail.remote();
    const e = await rejectsWith(tally.note.remote(bad as unknown as string), TaskError, 'the call with a rejected ref');
    assert.equal((e.cause as Error).name, 'QuotaError');
    await rejectsWith(fnTypes.remote(bad), TaskError, 'a threaded function call with a rejected ref');
    assert.deepEqual(await within(tally.entries.remote(), 'entries'), [], 'the method never ran');
  });

  test('A11 issue3 a ref nested inside an object cannot cross: SerializationError naming its position', async () => {
    const tally = Tally.remote();
    assert.throws(
      () => tally.echo.remote({ inner: put(1) }),
      (e: unknown) => e instanceof SerializationError && /argument 0\.inner/.test(e.message),
    );
    assert.equal(await within(tally.add.remote(1), 'later call'), 1);
  });

  test('G13 an ObjectRefGenerator argument to a threaded call is a TypeError at call time', async () => {
    const tally = Tally.remote();
    const gen = tally.count.remote(2);
    assert.throws(() => tally.echo.remote(gen), (e: unknown) => e instanceof TypeError && /argument 0/.test(e.message));
    assert.throws(() => fnTypes.remote(1, gen), (e: unknown) => e instanceof TypeError && /argument 1/.test(e.message));
    assert.deepEqual((await within(drain(gen), 'the stream itself')).values, [0, 1]);
  });
});
