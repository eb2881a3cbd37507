// A second driver for spec/cluster.test.ts, run as a child process: joins the cluster given on its command
// line and creates a ClusterCounter on the node named there (with `detached`: one owned by it and one
// detached, named 'kept-by-n8'). It prints `ready` once they answered, then stays until
// killed, or (`--shutdown`) calls shutdown() and exits. `inflight`: it starts a slow call and a stream on
// a detached actor (owned by the node), calls shutdown() meanwhile, and prints how each settled.
import { init, shutdown } from '../../lib/index.js';
import { ClusterCounter } from './cluster-actors.js';

const [url, cluster, failureTimeout, node, mode] = process.argv.slice(2) as [string, string, string, string, string?];
const name = mode === 'detached' ? 'kept-by-n8' : undefined;
await init({ workers: 1, cluster: { servers: url, name: cluster, node: 'driver-2', failureTimeout: Number(failureTimeout) } });
const c = ClusterCounter.options({ placement: { node } }).remote();
await c.add.remote(1);
if (mode === 'detached' || mode === '--shutdown') {
  const d = ClusterCounter.options({ placement: { node }, lifetime: 'detached', ...(name !== undefined ? { name } : {}) }).remote(40);
  await d.add.remote(2);
}
if (mode === 'inflight') {
  const d = ClusterCounter.options({ placement: { node }, lifetime: 'detached' }).remote(0);
  await d.add.remote(0);
  const outcome = (p: PromiseLike<unknown>) => Promise.resolve(p).then(() => 'resolved', (e: unknown) => (e as Error).name);
  const call = outcome(d.slow.remote(60_000));
  const stream = (async () => {
    try {
      for await (const r of d.forever.remote()) await r;
      return 'ended';
    } catch (e) {
      return (e as Error).name;
    }
  })();
  await new Promise((r) => setTimeout(r, 100));
  await shutdown();
  const late = setTimeout(() => (process.stdout.write('hang\n'), process.exit(1)), 5000);
  process.stdout.write(`${JSON.stringify({ call: await call, stream: await stream })}\n`);
  clearTimeout(late);
  process.exit(0);
}
process.stdout.write('ready\n');
if (mode === '--shutdown') {
  await shutdown();
  process.exit(0);
}
setInterval(() => {}, 1000);
