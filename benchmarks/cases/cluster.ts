// The cluster cases (issue 10): threaded actors on `troupe node` processes reached over NATS, each beside a
// raw NATS baseline measured in the same run (workers/nats-echo.ts: the NATS client and msgpackr alone,
// process to process, nothing of troupe). Each case starts its own nats-server and node processes
// (scripts/local-cluster.ts), joins as the driver (1 worker of its own), and ends with shutdown() and every
// process it started stopped.
import { fileURLToPath } from 'node:url';
import { ActorDiedError, findActor, init, nodes, shutdown, type ActorHandle, type ObjectRef } from '../../lib/index.js';
import { startNats, startNode, type NatsServer, type NodeProcess } from '../../scripts/local-cluster.js';
import { check, fmtInt, latencies, na, progress, summarize, throughput, windowed, within, type Case, type CaseResult, type Figure, type Measured, type RunOptions } from '../harness.js';
import { ClusterBench } from '../workers/cluster-actors.js';
import { RawClient, startResponder, type Item, type Proc } from '../workers/nats-echo.js';

const ACTORS = fileURLToPath(new URL('../workers/cluster-actors.js', import.meta.url));
const CLUSTER = 'bench';
/** On the driver and every node: only the no-responders path declares a SIGKILLed node dead. */
const FAILURE_MS = 5000;
const RAW = 'baseline: raw NATS + msgpackr';

// ---- processes: nats-server and troupe nodes ----

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const live = (name: string): boolean => nodes().some((n) => n.name === name && n.alive);

/** Starts `names` as `troupe node` processes (1 worker each), `parallel` at a time, into `into`. */
async function startNodes(url: string, names: readonly string[], into: NodeProcess[], parallel = 4): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++]!;
      into.push(await startNode({ url, cluster: CLUSTER, name, imports: [ACTORS], workers: 1, extra: ['--failure-timeout', String(FAILURE_MS)] }));
      progress(`${into.length}/${names.length} nodes started`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, names.length) }, lane));
}

/** SIGTERM, then SIGKILL after 3 s; resolves once each is gone. */
async function stopAll(ps: readonly Proc[]): Promise<void> {
  await Promise.all(
    ps.map(async (p) => {
      if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
      p.proc.kill('SIGTERM');
      const t = setTimeout(() => p.proc.kill('SIGKILL'), 3000);
      await p.exited;
      clearTimeout(t);
    }),
  );
}

/** A nats-server, `names` as nodes, this process as the driver; everything stopped after `body`. */
async function withCluster<T>(names: readonly string[], body: (nats: NatsServer, started: NodeProcess[]) => Promise<T>): Promise<T> {
  const nats = await startNats();
  const started: NodeProcess[] = [];
  try {
    await startNodes(nats.url, names, started);
    await init({ workers: 1, cluster: { servers: nats.url, name: CLUSTER, node: 'driver', failureTimeout: FAILURE_MS } });
    await until(() => names.every(live), 20_000, `nodes ${names.join(', ')} in nodes()`);
    return await body(nats, started);
  } finally {
    await shutdown();
    await stopAll(started);
    await nats.stop();
  }
}

/** The single-node cases: node n1, an actor placed on it, a raw client and responder (tag 'e') beside it. */
function oneNode(name: string, body: (h: ActorHandle<ClusterBench>, raw: RawClient, opts: RunOptions) => Promise<Omit<CaseResult, 'name'>>): Case {
  return {
    name,
    area: 'cluster',
    run: (opts) =>
      withCluster(['n1'], async (nats, started) => {
        const h = ClusterBench.options({ placement: { node: 'n1' } }).remote();
        check((await h.where.remote()) === started[0]!.pid, 'the actor lives on the node process n1');
        const echo = await startResponder(nats.url, 'e');
        const raw = await RawClient.connect(nats.url);
        try {
          return { name, ...(await body(h, raw, opts)) };
        } finally {
          await raw.close();
          await stopAll([echo]);
        }
      }),
  };
}

const same = (i: number, r: unknown): boolean => r === i;

// ---- the cases ----

const LATENCY_X = 1.3;

const latencyCase = oneNode('cluster: actor call, 1 in flight', async (h, raw, opts) => {
  const figures = await latencies(
    [
      { label: 'troupe: await h.echo.remote(i), actor on a node process', role: 'troupe', call: (i) => h.echo.remote(i), verify: same },
      { label: `${RAW}: publish [id, i], reply to an inbox subscribed once`, role: 'baseline', call: (i) => raw.call('e', i), verify: same },
      { label: `${RAW}, answered from a worker thread of the responder (NATS + one thread hop, as to an actor on a node)`, role: 'baseline', call: (i) => raw.call('e', i, 'hop'), verify: same },
    ],
    { ...opts, ops: 5000, rounds: 5, minQuick: 300 },
  );
  const [t, b, hop] = figures as [Measured, Measured, Measured];
  return {
    figures,
    target: { text: `p50 <= ${LATENCY_X}x raw NATS (${(b.median * LATENCY_X).toFixed(0)} µs in this run; with the thread hop alone ${(hop.median / b.median).toFixed(2)}x)`, met: t.median <= b.median * LATENCY_X },
    note: "µs per call, one at a time, driver to a node process through a local nats-server: the median over rounds of each round's p50; the three take turns inside each round. A node's actors run on its worker threads, so a call crosses one thread hop more than the raw round trip: the third line is that floor",
  };
});

const WIDE = 1000;
const CALLS_TARGET = 100_000;

const manyCase = oneNode(`cluster: actor calls, ${WIDE} in flight`, async (h, raw, opts) => {
  const o = { ...opts, ops: 200_000, minQuick: 10_000 };
  const t = await throughput(`troupe: h.echo.remote(i), ${WIDE} in flight (a sliding window)`, (n) => windowed(n, WIDE, (i) => h.echo.remote(i), same), o);
  const b = await throughput(`${RAW}, one message per call, ${WIDE} in flight`, (n) => windowed(n, WIDE, (i) => raw.call('e', i), same), { ...o, role: 'baseline' });
  return {
    figures: [t, b],
    target: { text: `>= ${fmtInt(CALLS_TARGET)} calls/s and more than raw NATS`, met: t.median >= CALLS_TARGET && t.median > b.median },
    note: `calls to one actor on a node process, ${WIDE} in flight; ops = calls`,
  };
});

async function consume(gen: AsyncIterable<ObjectRef<Item>>, n: number): Promise<void> {
  let expect = 0;
  for await (const ref of gen) {
    const it = await ref;
    if (it.i !== expect++ || it.v !== it.i * 2) check(false, `item ${expect - 1} arrived in order`);
  }
  check(expect === n, `every item arrived (${expect} of ${n})`);
}

const streamCase = (name: string, window: number, target: number): Case =>
  oneNode(name, async (h, raw, opts) => {
    const o = { ...opts, ops: 500_000, minQuick: 20_000 };
    const how = window > 0 ? `@method({ backpressure: ${window} })` : 'no backpressure';
    const t = await throughput(`troupe: generator method on a node, for await, ${how}`, (n) => consume(window > 0 ? h.paced.remote(n) : h.items.remote(n), n), o);
    const flow = window > 0 ? `a ${window}-item credit window (credit every ${window / 2} taken)` : 'no flow control';
    const b = await throughput(`${RAW}, one-way batches of 64 items, ${flow}`, async (n) => {
      const end = await raw.stream('e', n, 64, window, (it, k) => {
        if (it.i !== k || it.v !== k * 2) check(false, `item ${k} arrived in order`);
      });
      check(end === n, 'every item arrived');
    }, { ...o, role: 'baseline' });
    return {
      figures: [t, b],
      target: { text: `>= ${fmtInt(target)} items/s`, met: t.median >= target },
      note: 'items { i, v: 2i } produced on a node process and taken in order by the driver (troupe: each ref awaited); ops = items',
    };
  });

const MB = 1 << 20;
const BIG_X = 1.5;

const bigCase = oneNode('cluster: 1 MB argument round trip', async (h, raw, opts) => {
  const buf = new Uint8Array(MB).map((_, i) => i % 251);
  const whole = (_i: number, r: unknown) => r instanceof Uint8Array && r.length === MB && r[1] === 1 && r[MB >> 1] === (MB >> 1) % 251 && r[MB - 1] === (MB - 1) % 251;
  const us = await latencies(
    [
      { label: 'troupe: await h.echo.remote(1 MB Uint8Array)', role: 'troupe', call: () => h.echo.remote(buf), verify: whole },
      { label: `${RAW}, packed, chunked to max_payload both ways`, role: 'baseline', call: () => raw.big('e', buf), verify: whole },
    ],
    { ...opts, ops: 100, rounds: 5, minQuick: 10 },
  );
  const figures = us.map((m) => ({ ...m, unit: 'ms' as const, median: m.median / 1000, min: m.min / 1000, max: m.max / 1000 }));
  const [t, b] = figures as [Measured, Measured];
  return {
    figures,
    target: { text: `<= ${BIG_X}x raw NATS (${(b.median * BIG_X).toFixed(1)} ms in this run)`, met: t.median <= b.median * BIG_X },
    note: `ms per round trip of a 1 MB Uint8Array echoed by a node process (each round's p50, median over rounds; the two take turns); max_payload ${fmtInt(raw.limit + 64)} bytes`,
  };
});

const DEATH_TARGET_MS = 1000;

/** ms from `signal` to the node of an actor with a call in flight, to that call's ActorDiedError naming it. */
async function deathDuringCall(node: NodeProcess, signal: 'SIGKILL' | 'SIGSTOP', timeout: number): Promise<number> {
  const h = ClusterBench.options({ placement: { node: node.name } }).remote();
  check((await h.where.remote()) === node.pid, `the actor lives on ${node.name}`);
  const failed = h.slow.remote(60_000).then(
    () => 'resolved',
    (e: unknown) => ({ e, at: performance.now() }),
  );
  await new Promise((res) => setTimeout(res, 100)); // the call is on the node
  const t0 = performance.now();
  node.proc.kill(signal);
  const out = await within(failed, timeout);
  if (signal !== 'SIGKILL') node.proc.kill('SIGKILL');
  check(typeof out === 'object', `the call in flight settled by rejecting (got: ${String(out)})`);
  const { e, at } = out as { e: unknown; at: number };
  check(e instanceof ActorDiedError && e.message.includes(node.name), `it rejected with ActorDiedError naming ${node.name} (got: ${String(e)})`);
  return at - t0;
}

const deathCase: Case = {
  name: 'cluster: SIGKILL of a node to ActorDiedError',
  area: 'cluster',
  async run(opts) {
    const rounds = opts.quick ? 2 : 5;
    const names = Array.from({ length: rounds }, (_, r) => `k${r + 1}`);
    return withCluster(names, async (nats, started) => {
      const raw = await RawClient.connect(nats.url);
      const echoes: Proc[] = [];
      try {
        for (let r = 0; r < rounds; r++) echoes.push(await startResponder(nats.url, `x${r}`));
        const troupe: number[] = [];
        const base: number[] = [];
        for (let r = 0; r < rounds; r++) {
          progress(`round ${r + 1}/${rounds}`);
          troupe.push(await deathDuringCall(started.find((s) => s.name === names[r])!, 'SIGKILL', 10_000));
          const x0 = performance.now();
          echoes[r]!.proc.kill('SIGKILL');
          check((await within(raw.untilNoResponders(`x${r}`, 5), 10_000)) !== 'timeout', 'the server said nobody serves the killed responder');
          base.push(performance.now() - x0);
        }
        const t = summarize('troupe: SIGKILL of the node to the in-flight call rejecting with ActorDiedError', 'ms', troupe);
        const b = summarize(`${RAW}: SIGKILL of a responder to the server's no-responders answer (probed every 5 ms)`, 'ms', base, 'baseline');
        return {
          name: deathCase.name,
          figures: [t, b],
          target: { text: `< ${fmtInt(DEATH_TARGET_MS)} ms`, met: t.median < DEATH_TARGET_MS },
          note: `ms from SIGKILL of a node (a slow call in flight on it) to the call's rejection; failureTimeout ${FAILURE_MS} ms everywhere, so it is the probe and the server's no-responders answer that find it dead; one fresh node per round`,
        };
      } finally {
        await raw.close();
        await stopAll(echoes);
      }
    });
  },
};

const stopCase: Case = {
  name: 'cluster: SIGSTOP of a node to ActorDiedError',
  area: 'cluster',
  async run(opts) {
    const rounds = opts.quick ? 1 : 3;
    const names = Array.from({ length: rounds }, (_, r) => `s${r + 1}`);
    return withCluster(names, async (_nats, started) => {
      const troupe: number[] = [];
      for (let r = 0; r < rounds; r++) {
        progress(`round ${r + 1}/${rounds}`);
        // SIGSTOP: its subscriptions stay, so only its silence tells.
        troupe.push(await deathDuringCall(started.find((s) => s.name === names[r])!, 'SIGSTOP', FAILURE_MS + 10_000));
      }
      const t = summarize('troupe: SIGSTOP of the node to the in-flight call rejecting with ActorDiedError', 'ms', troupe);
      return {
        name: stopCase.name,
        figures: [t],
        target: { text: `< failureTimeout + 1 s (${fmtInt(FAILURE_MS + 1000)} ms)`, met: t.median < FAILURE_MS + 1000 },
        note: `ms from SIGSTOP of a node (a slow call in flight on it) to the call's rejection: a frozen process keeps its subscriptions, so only its silence for failureTimeout (${FAILURE_MS} ms) tells; one fresh node per round`,
      };
    });
  },
};

const EVEN_X = 1.5;

const manyNodesCase: Case = {
  name: 'cluster: 16 nodes, 2000 actors',
  area: 'cluster',
  async run(opts) {
    const count = opts.quick ? 4 : 16;
    const actors = opts.quick ? 200 : 2000;
    const named = opts.quick ? 50 : 500;
    const names = Array.from({ length: count }, (_, i) => `m${i + 1}`);
    const t0 = performance.now();
    let startS = 0;
    const troupe = await withCluster(names, async (_nats, started) => {
      startS = (performance.now() - t0) / 1000;
      progress(`creating ${actors} actors`);
      const c0 = performance.now();
      const hs = Array.from({ length: actors }, () => ClusterBench.remote());
      const pids = await Promise.all(hs.map((h) => h.where.remote()));
      const ms = performance.now() - c0;
      const member = new Map<number, string>([[process.pid, 'driver'], ...started.map((s) => [s.pid, s.name] as [number, string])]);
      const per = new Map<string, number>([...member.values()].map((m) => [m, 0]));
      for (const pid of pids) {
        const m = member.get(pid);
        check(m !== undefined, `actor on pid ${pid}, no member of this cluster`);
        per.set(m!, per.get(m!)! + 1);
      }
      const driver = per.get('driver')!;
      per.delete('driver');
      const counts = [...per.values()];
      const mean = (actors - driver) / counts.length;
      const all = Math.max(driver, ...counts) / (actors / (counts.length + 1));
      // Named actors: each name claimed in the cluster's KV bucket before the actor is built; then found.
      progress(`creating ${named} named actors`);
      const n0 = performance.now();
      const nhs = Array.from({ length: named }, (_, i) => ClusterBench.options({ name: `bench-${i}` }).remote());
      await Promise.all(nhs.map((h) => h.where.remote()));
      const namedRate = (named * 1000) / (performance.now() - n0);
      const l0 = performance.now();
      for (let i = 0; i < named; i++) check((await findActor(`bench-${i}`)) === nhs[i], `findActor('bench-${i}') gives its actor`);
      const lookupRate = (named * 1000) / (performance.now() - l0);
      return { rate: (actors * 1000) / ms, even: Math.max(...counts) / mean, all, min: Math.min(...counts), max: Math.max(...counts), driver, namedRate, lookupRate };
    });
    progress(`raw baseline: ${count} responders`);
    const nats = await startNats();
    const echoes: Proc[] = [];
    let rawRate = 0;
    try {
      for (let i = 0; i < count; i++) echoes.push(await startResponder(nats.url, `m${i}`));
      const raw = await RawClient.connect(nats.url);
      try {
        const c0 = performance.now();
        await windowed(actors, actors, (i) => raw.call(`m${i % count}`, i), (i, r) => r === i);
        rawRate = (actors * 1000) / (performance.now() - c0);
      } finally {
        await raw.close();
      }
    } finally {
      await stopAll(echoes);
      await nats.stop();
    }
    const members = count + 1;
    const figures: Figure[] = [
      summarize(`troupe: ${fmtInt(actors)} actors created at once (default placement), each called once`, 'ops/s', [troupe.rate]),
      summarize(`troupe: placement evenness, max/mean actors per node (${count} nodes)`, 'x', [troupe.even]),
      summarize(`contrast: the same over all ${members} members (the driver's pool is a candidate too)`, 'x', [troupe.all], 'contrast'),
      summarize(`troupe: ${fmtInt(named)} named actors created at once (each name claimed in the KV bucket)`, 'ops/s', [troupe.namedRate]),
      summarize('troupe: findActor(name) lookups, one after another', 'ops/s', [troupe.lookupRate]),
      summarize(`${RAW}: ${fmtInt(actors)} first requests at once, round robin over ${count} responder processes`, 'ops/s', [rawRate], 'baseline'),
    ];
    return {
      name: manyNodesCase.name,
      figures,
      target: { text: `every actor served; max/mean actors per node <= ${EVEN_X}x (this benchmark's own bar)`, met: troupe.even <= EVEN_X },
      note: `${count} nodes of 1 worker each on this one machine (started in ${startS.toFixed(1)} s, 4 at a time), ${fmtInt(actors)} actors: ${troupe.min}-${troupe.max} per node, ${troupe.driver} on the driver's own pool; ops = actors created and called once`,
    };
  },
};

export const clusterCases: Case[] = [
  latencyCase,
  manyCase,
  streamCase('cluster: streamed items', 0, 700_000),
  streamCase('cluster: streamed items, backpressure 256', 256, 250_000),
  bigCase,
  deathCase,
  stopCase,
  manyNodesCase,
];
