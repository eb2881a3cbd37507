// A NATS server outage shorter than the failure timeout (issue 10): the server is killed (SIGKILL: what
// it held is lost) under traffic and started again on the same port. Every call in flight settles exactly
// once with its real outcome (what the outage lost is sent again, and a resent call is not run twice), and
// a stream that was flowing goes on in order with no item skipped or repeated (G1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { init, nodes, shutdown } from '../lib/index.js';
import { ClusterCounter } from './helpers/cluster-actors.js';
import { startNats, startNode, type NatsServer, type NodeProcess } from './helpers/cluster-nodes.js';

const CLUSTER = 'outage';
const FAILURE_MS = 8000;

let nats: NatsServer;
const started: NodeProcess[] = [];

describe('cluster: a server outage shorter than the failure timeout', () => {
  before(async () => {
    nats = await startNats();
    for (const name of ['o1', 'o2']) started.push(await startNode(nats.url, CLUSTER, name, ['--failure-timeout', String(FAILURE_MS)]));
    await init({ workers: 1, cluster: { servers: nats.url, name: CLUSTER, node: 'driver', failureTimeout: FAILURE_MS } });
    const end = Date.now() + 5000;
    while (!['o1', 'o2'].every((n) => nodes().some((m) => m.name === n && m.alive && m.node))) {
      if (Date.now() > end) throw new Error('the nodes did not appear in nodes()');
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  after(async () => {
    await shutdown();
    for (const n of started) n.proc.kill('SIGKILL');
    await Promise.all(started.map((n) => n.exited));
    await nats.stop();
  });

  test('calls in flight settle exactly once with their outcome, and a stream goes on in order, across a server killed and started again', { timeout: 60_000 }, async () => {
    const counter = ClusterCounter.options({ placement: { node: 'o1' } }).remote();
    const streamer = ClusterCounter.options({ placement: { node: 'o2' } }).remote();
    assert.equal(await counter.add.remote(0), 0);
    const items: number[] = [];
    const stream = streamer.forever.remote();
    const reading = (async () => {
      for await (const r of stream) {
        items.push(await r);
        if (items.length >= 400) break; // the stream is dropped: its producer stops
      }
    })();

    // Calls go out in waves before, during and after the outage.
    const calls: Promise<number>[] = [];
    let sending = true;
    const sender = (async () => {
      while (sending) {
        for (let i = 0; i < 10; i++) calls.push(counter.add.remote(1));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    nats.proc.kill('SIGKILL');
    await new Promise((r) => nats.proc.once('exit', r));
    await new Promise((r) => setTimeout(r, 500));
    nats = await startNats(nats.port);
    await new Promise((r) => setTimeout(r, 1000));
    sending = false;
    await sender;

    const results = await Promise.all(calls);
    const sorted = [...results].sort((a, b) => a - b);
    assert.deepEqual(sorted, Array.from({ length: calls.length }, (_, i) => i + 1), 'each add ran once: the counts it returned are 1..n, none twice, none missing');
    assert.equal(await counter.add.remote(0), calls.length);
    await reading;
    assert.deepEqual(items, Array.from({ length: items.length }, (_, i) => i), 'the stream in order, nothing skipped or repeated');
    assert.equal(items.length, 400);
    assert.ok(nodes().filter((n) => n.alive).length >= 3, 'no member was taken for dead');
  });
});
