// The cluster's link (lib/cluster/nats-link.ts) between two members, over a network played by the spec that
// loses, repeats and reorders payloads, as NATS core may across a server restart. What the endpoint above
// relies on: every message sent arrives once, in order, as it was sent, although record structures cross
// once per link and chunks of a large message travel as payloads of their own; and a packer that fails
// midway costs only the message it failed on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NatsLink, type Publisher } from '../lib/cluster/nats-link.js';
import { readEnvelope } from '../lib/cluster/envelope.js';
import type { Msg } from '../lib/wire/protocol.js';

const POLICY = { windowBytes: 1 << 20, resendMs: 5, maxResendMs: 20, ackDelayMs: 1, ackBytes: 1 << 16 };

/** Payloads in flight, and what the network does to each: 'drop', 'twice', 'late' or delivered now. */
type Fate = 'now' | 'drop' | 'twice' | 'late';

function pair(fates: () => Fate, maxPayload = 1 << 20) {
  const got: Msg[] = [];
  let bad = 0;
  const late: (() => void)[] = [];
  /** After a while the network heals (a plan may drop everything). */
  let healed = false;
  // a sends to b; b sends only acks back.
  let a: NatsLink | undefined;
  let b: NatsLink | undefined;
  const wire = (me: string, to: () => NatsLink, onMsgs: (ms: Msg[]) => void): Publisher => ({
    me,
    maxPayload,
    publish: (_subject, data) => {
      const deliver = () => onMsgs(to().receive(readEnvelope(data), data.length, () => void bad++));
      const f = healed ? 'now' : fates();
      if (f === 'drop') return;
      if (f === 'late') late.push(deliver);
      else {
        deliver();
        if (f === 'twice') late.push(deliver);
      }
    },
  });
  a = new NatsLink(wire('memberA', () => b!, (ms) => got.push(...ms)), 'to.b', 'nr.b', POLICY);
  b = new NatsLink(wire('memberB', () => a!, (ms) => assert.equal(ms.length, 0, 'b sends nothing but acks')), 'to.a', 'nr.a', POLICY);
  return {
    sender: a,
    got,
    bad: () => bad,
    /** Delivers what came late, and has the sender publish again what is not acknowledged. */
    async settle(n: number): Promise<void> {
      for (let turn = 0; got.length < n && turn < 500; turn++) {
        if (turn === 20) healed = true;
        for (const d of late.splice(0)) d();
        await new Promise((r) => setTimeout(r, 2));
        a!.order.resend(true);
      }
      for (const d of late.splice(0)) d();
    },
    close() {
      a!.close();
      b!.close();
    },
  };
}

const shapes = [
  (i: number): Msg => ({ t: 'call', id: i, aid: 'x1', m: 'echo', args: [i, { a: i, b: 'b' }] }),
  (i: number): Msg => ({ t: 'result', id: i, ok: true, v: { deep: { list: [i, i + 1], when: new Date(1000 + i) } } }),
  (i: number): Msg => ({ t: 'result', id: i, ok: true, v: new Map<string, unknown>([['k', i]]) }),
  (i: number): Msg => ({ t: 'items', id: i, vs: [{ i }, { i: i + 1 }] }),
  (i: number): Msg => ({ t: 'cancel', id: i }),
];

test('a link delivers every message once, in order and whole, whatever the network loses, repeats or reorders (records cross once per link, chunks reassembled)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(shapes.length - 1), fc.boolean()), { minLength: 1, maxLength: 60 }),
      fc.array(fc.constantFrom<Fate>('now', 'now', 'now', 'drop', 'twice', 'late'), { minLength: 1, maxLength: 40 }),
      async (plan, fateList) => {
        let k = 0;
        // A small max_payload: a message with a big argument travels in chunks.
        const link = pair(() => fateList[k++ % fateList.length]!, 4096);
        const sent: Msg[] = [];
        for (let i = 0; i < plan.length; i++) {
          const [shape, big] = plan[i]!;
          const m: Msg = big ? { t: 'call', id: i, aid: 'x1', m: 'echo', args: [new Uint8Array(10_000).fill(i % 251)] } : shapes[shape]!(i);
          sent.push(m);
          link.sender.send(m);
          if (i % 7 === 0) await Promise.resolve(); // some leave together, some alone
        }
        link.sender.flush();
        await link.settle(sent.length);
        link.close();
        assert.equal(link.bad(), 0, 'nothing unreadable');
        assert.deepEqual(link.got, sent);
      },
    ),
    { numRuns: 40 },
  );
});

test('a message the packer fails on midway is refused alone: the messages after it arrive, readable', async () => {
  const link = pair(() => 'now');
  link.sender.send({ t: 'result', id: 1, ok: true, v: { a: 1 } });
  // Ordinary values are checked before they reach the link; this one fails only inside msgpackr.
  const trap = { q: 1, w: new Proxy({}, { ownKeys: () => { throw new Error('no keys'); } }) };
  assert.throws(() => link.sender.send({ t: 'result', id: 2, ok: true, v: trap }), /no keys/);
  link.sender.send({ t: 'result', id: 3, ok: true, v: { q: 5, w: 3 } });
  link.sender.send({ t: 'result', id: 4, ok: true, v: { a: 2 } });
  link.sender.flush();
  await link.settle(3);
  link.close();
  assert.equal(link.bad(), 0);
  assert.deepEqual(link.got, [
    { t: 'result', id: 1, ok: true, v: { a: 1 } },
    { t: 'result', id: 3, ok: true, v: { q: 5, w: 3 } },
    { t: 'result', id: 4, ok: true, v: { a: 2 } },
  ]);
});

test('a link reads its payloads in order when an ack it owes releases the peer\'s held payloads at once (a publish that delivers at once)', async () => {
  // p1-p3 one shape; p4 defines a second shape, which p6 and p7 use without defining it again.
  const msgs: Msg[] = [];
  for (let i = 1; i <= 7; i++) msgs.push(i < 4 ? { t: 'result', id: i, ok: true, v: 'x'.repeat(500) } : { t: 'result', id: i, ok: true, v: { pad: 'y'.repeat(500), n: i } });
  const run = async (policy: { windowBytes: number; ackBytes: number }, dropSeq: number) => {
    const got: Msg[] = [];
    const sizes: number[] = [];
    let bad = 0;
    let a: NatsLink | undefined;
    let b: NatsLink | undefined;
    const wire = (me: string, to: () => NatsLink, on: (ms: Msg[]) => void): Publisher => ({
      me,
      maxPayload: 1 << 20,
      publish: (_s, data) => {
        const env = readEnvelope(data);
        if (me === 'A' && env.s > 0 && sizes.length < env.s) sizes.push(data.length);
        if (me === 'A' && env.s === dropSeq) {
          dropSeq = -1; // lost once
          return;
        }
        on(to().receive(env, data.length, () => void bad++));
      },
    });
    const p = { resendMs: 1e6, maxResendMs: 1e6, ackDelayMs: 1e6, ...policy };
    a = new NatsLink(wire('A', () => b!, (ms) => got.push(...ms)), 'to.b', 'nr.b', p);
    b = new NatsLink(wire('B', () => a!, () => {}), 'to.a', 'nr.a', p);
    for (const m of msgs) {
      a.send(m);
      a.flush(); // a payload each
    }
    a.order.resend(true); // as after a reconnect: everything not acknowledged again
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    a.close();
    b.close();
    return { got, sizes, bad };
  };
  // A dry run for the payloads' sizes (the first of each shape defines its record).
  const s = (await run({ windowBytes: 1 << 20, ackBytes: 1 << 20 }, -1)).sizes;
  // Five payloads fill the window (p6, p7 wait); b owes an ack for four once p4, lost once, comes again.
  const r = await run({ windowBytes: s[0]! + s[1]! + s[2]! + s[3]! + s[4]!, ackBytes: s[0]! + s[1]! + s[2]! + s[3]! }, 4);
  assert.equal(r.bad, 0, 'nothing unreadable');
  assert.deepEqual(r.got, msgs);
});
