// A second driver for spec/cluster.test.ts, run as a child process: joins the cluster given on its command
// line, creates a ClusterCounter on the node named there, prints `ready` once it answered, and stays until killed.
import { init } from '../../lib/index.js';
import { ClusterCounter } from './cluster-actors.js';

const [url, cluster, failureTimeout, node] = process.argv.slice(2) as [string, string, string, string];
await init({ workers: 1, cluster: { servers: url, name: cluster, node: 'driver-2', failureTimeout: Number(failureTimeout) } });
const c = ClusterCounter.options({ placement: { node } }).remote();
await c.add.remote(1);
process.stdout.write('ready\n');
setInterval(() => {}, 1000);
