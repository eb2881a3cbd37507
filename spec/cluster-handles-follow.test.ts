// A7 for detached actors, at the handles (lib/cluster/handles.ts): a handle follows its actor's next build
// (found in the registry's view, of the same line) once its build is known to be gone: its owner died, or
// a call was told that build is dead for now (ActorDiedError with final: false, as for a rebuild that its
// chosen node refused, to be placed again). The members and the registry's view are played by the spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterHandles, type HandleSide } from '../lib/cluster/handles.js';
import type { Peer } from '../lib/cluster/peer.js';
import { ActorDiedError } from '../lib/errors.js';
import { handleTarget } from '../lib/handle.js';
import { encodeError } from '../lib/wire/codec.js';
import type { ResultMsg, WireHandle } from '../lib/wire/protocol.js';

const counter = (aid: string, owner: string): WireHandle => ({ $troupeHandle: aid, className: 'Counter', methods: [['add', false]], o: owner, l: 'L1' });

test('A7 a handle to a detached build that is gone follows the next build of its line: after its owner died, or once a call found it dead for now', async () => {
  const sent: { to: string; aid: string; answer: (m: ResultMsg) => void }[] = [];
  const alive = new Set(['N', 'M']); // A, the first build's node, is dead
  const peers = new Map<string, Peer>();
  let view: WireHandle = counter('B1', 'N'); // the line's entry: N was chosen to build B1
  let n = 1;
  const side: HandleSide = {
    me: 'caller',
    left: false,
    actors: new Map(),
    peer(id) {
      let p = peers.get(id);
      if (p === undefined) {
        const endpoint = {
          nextId: () => n++,
          call: (m: { id: number; aid: string }, pending: { result(m: ResultMsg): void }) => void sent.push({ to: id, aid: m.aid, answer: (r) => pending.result(r) }),
          forget() {},
          cancel() {},
        };
        p = { id, name: id, dead: !alive.has(id), endpoint } as unknown as Peer;
        (p as { handles: unknown }).handles = handles.forPeer(p);
        peers.set(id, p);
      }
      return p;
    },
    peerIfAlive: (id) => (alive.has(id) ? side.peer(id) : undefined),
    buildOf: (w) => (w.l === 'L1' ? view : undefined),
    spawnOf: () => undefined,
  };
  const handles = new ClusterHandles(side);
  const call = { backpressure: Infinity, concurrencyGroup: undefined, maxRetries: 0, retryExceptions: false, maxTaskRetries: 0, transfer: false };
  const add = (h: object) => handleTarget(h)!.call({ name: 'add', stream: false, fn: () => undefined, call } as never, [1], call) as PromiseLike<unknown>;

  // A handle to the first build, whose owner A is dead, follows to the build the view names.
  void add(handles.handleFor(counter('B0', 'A')));
  assert.deepEqual(sent.map((s) => [s.to, s.aid]).at(-1), ['N', 'B1']);

  // N refuses B1 (its resources were taken meanwhile): a call to it is told so, not for good.
  const b1 = handles.handleFor(counter('B1', 'N'));
  const first = add(b1);
  const refused = sent.at(-1)!;
  assert.deepEqual([refused.to, refused.aid], ['N', 'B1']);
  const why = new ActorDiedError({ id: 'B1', className: 'Counter' }, 'its node had not the resources it asks for free; it is to be placed again', undefined, false);
  refused.answer({ t: 'result', id: 0, ok: false, e: encodeError(why) });
  await assert.rejects(Promise.resolve(first), (e: unknown) => e instanceof ActorDiedError && e.final === false);
  // The rebuild is placed on M: the next call through the same handle goes there, N being alive.
  view = counter('B2', 'M');
  void add(b1);
  assert.deepEqual(sent.map((s) => [s.to, s.aid]).at(-1), ['M', 'B2'], 'the handle to the refused build followed the next one');
});
