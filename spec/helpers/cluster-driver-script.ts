// A second driver for spec/cluster.test.ts, run as a child process: joins the cluster given on its command
// line and creates a ClusterCounter on the node named there (with `detached`: one owned by it and one
// detached, named 'kept-by-n8'). It prints `ready` once they answered, then stays until
// killed, or (`--shutdown`) calls shutdown() and exits.
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
process.stdout.write('ready\n');
if (mode === '--shutdown') {
  await shutdown();
  process.exit(0);
}
setInterval(() => {}, 1000);
