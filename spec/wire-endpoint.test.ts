// The endpoint is transport-agnostic (A10, G10, G11, G6 across a link): two endpoints joined by an
// in-memory transport (every message structured-cloned, as any link copies it) carry calls, results,
// streams with exact credit, cancels and handles, and a link that closes settles what was in flight. This is
// the contract a second transport (the cluster's) implements: send, sendItem, flush, waiting.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Actor, ActorDiedError, actor, cancel, init, shutdown, taskContext, type ActorHandle, type ObjectRefGenerator } from '../lib/index.js';
import { handleTarget } from '../lib/handle.js';
import type { ActorCore } from '../lib/actor-core.js';
import { callFromWire } from '../lib/wire/calls.js';
import { mapWireHandles, type HandleCodec } from '../lib/wire/codec.js';
import { Endpoint, type Host } from '../lib/wire/endpoint.js';
import type { Msg, WireHandle } from '../lib/wire/protocol.js';
import { RemoteHandles } from '../lib/wire/remote-handles.js';
import type { Transport } from '../lib/wire/transport.js';
import { settle, until, within } from './helpers/actors-util.js';

/** One end of an in-memory link: what it sends reaches the peer's endpoint a macrotask later, copied. */
class Loopback implements Transport {
  peer: Endpoint | undefined;
  sent: Msg[] = [];
  closed = false;
  send(m: Msg): void {
    if (this.closed) return;
    this.sent.push(m);
    const copy = structuredClone(m);
    setImmediate(() => this.peer?.receive(copy));
  }
  sendItem(id: number, value: unknown): void {
    this.send({ t: 'items', id, vs: [value] });
  }
  flush(): void {}
  waiting(): void {}
}

const log: string[] = [];

@actor()
class Shop extends Actor {
  greet(who: string): string {
    return `hello ${who}`;
  }
  fail(): never {
    throw new RangeError('out of stock');
  }
  *stock(n: number): Generator<number> {
    for (let i = 0; i < n; i++) {
      log.push(`made ${i}`);
      yield i;
    }
  }
  async wait(): Promise<string> {
    const signal = taskContext().signal;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    log.push('aborted');
    return 'aborted';
  }
  *proxy(): Generator<unknown> {
    yield new Proxy(new (class Opaque {})(), {});
  }
  /** Its own handle (set by the test), returned as a value. */
  self(): unknown {
    return handleOfSelf;
  }
}
let handleOfSelf: unknown;

/** The serving side: its actors by id, handles written as their ids. */
function servingSide(shop: ActorHandle<Shop>): { codec: HandleCodec; host: Host } {
  const core = handleTarget(shop) as ActorCore;
  const codec: HandleCodec = {
    writeHandle: (o) => (handleTarget(o) === core ? ({ $troupeHandle: core.id, className: 'Shop', methods: [...core.methods.values()].map((m) => [m.name, m.stream] as const) } satisfies WireHandle) : undefined),
    readIn: (v) => mapWireHandles(v, () => shop),
  };
  const host: Host = {
    serve(m, args, answer) {
      const method = core.methods.get(m.m!);
      if (method === undefined) throw new TypeError(`Shop has no method '${m.m}'`);
      answer(core.call(method, args, callFromWire(method.call, m.o)), `the result of Shop.${m.m}`); // the caller's options (A4)
    },
    control() {},
  };
  return { codec, host };
}

describe('A10 G10 G11 two endpoints over an in-memory transport', () => {
  let shop: ActorHandle<Shop>;
  let remote: ActorHandle<Shop>;
  let a: Loopback;
  let b: Loopback;
  let left: Endpoint;

  beforeEach(() => {
    init();
    log.length = 0;
    shop = Shop.remote();
    handleOfSelf = shop;
    a = new Loopback();
    b = new Loopback();
    const serving = servingSide(shop);
    const right = new Endpoint(b, serving.codec, serving.host);
    const handles: RemoteHandles = new RemoteHandles({
      get endpoint() {
        return left;
      },
      kill: () => {},
      info: () => null,
    });
    left = new Endpoint(a, handles, { serve: () => { throw new Error('this side serves nothing'); }, control: () => {} });
    a.peer = right;
    b.peer = left;
    remote = handles.handle(serving.codec.writeHandle(shop)!) as ActorHandle<Shop>;
  });
  afterEach(() => shutdown());

  test('A10 a call crosses and settles with its result; an error keeps its class and message', async () => {
    assert.equal(await within(remote.greet.remote('ann'), 'greet'), 'hello ann');
    const out = await settle(remote.fail.remote());
    assert.ok(!out.ok);
    assert.equal((out.error as Error & { cause: Error }).cause.name, 'RangeError');
    assert.match((out.error as Error & { cause: Error }).cause.message, /out of stock/);
  });

  test('G3 G10 a stream crosses in order, its producer never more than its window (3) ahead of the consumer', async () => {
    const gen = remote.stock.options({ backpressure: 3 }).remote(12) as ObjectRefGenerator<number>;
    const got: number[] = [];
    for await (const ref of gen) {
      const made = log.filter((l) => l.startsWith('made')).length;
      assert.ok(made - got.length <= 3 + 1, `made ${made} with ${got.length} taken: more than the window ahead`);
      got.push(await ref);
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(got, [...Array(12).keys()]);
    assert.ok(b.sent.length > 0 && a.sent.some((m) => m.t === 'credit'), 'credit travelled back');
  });

  test('G11 cancelling a call on this side cancels it where it is served (its signal aborts)', async () => {
    const ref = remote.wait.remote();
    await until(() => a.sent.some((m) => m.t === 'call'), 'the call left');
    await new Promise((r) => setTimeout(r, 5)); // it has arrived and runs
    cancel(ref);
    await until(() => log.includes('aborted'), 'the served call was aborted');
    assert.ok(a.sent.some((m) => m.t === 'cancel'), 'a cancel crossed');
  });

  test('G6 an item that cannot be copied ends the stream with that error on the calling side', async () => {
    const out: string[] = [];
    try {
      for await (const ref of remote.proxy.remote()) await ref;
    } catch (e) {
      out.push((e as Error).name);
    }
    assert.deepEqual(out, ['DataCloneError']);
  });

  test('A10 a handle in a result arrives as a working handle', async () => {
    const h = (await within(remote.self.remote(), 'self')) as ActorHandle<Shop>;
    assert.equal(await within(h.greet.remote('bob'), 'call through the returned handle'), 'hello bob');
  });

  test('G6 the link closes: the calls still in flight on this side settle with its cause', async () => {
    const ref = remote.wait.remote();
    await until(() => a.sent.some((m) => m.t === 'call'), 'the call left');
    a.closed = true;
    left.closed(new ActorDiedError({ id: 'x', className: 'Shop' }, 'the link closed'), undefined);
    const out = await settle(ref);
    assert.ok(!out.ok && out.error instanceof ActorDiedError, 'ActorDiedError');
  });
});
