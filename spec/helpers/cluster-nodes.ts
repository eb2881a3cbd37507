// `troupe node` child processes for the cluster specs: each imports spec/helpers/cluster-actors.js and
// joins the spec's cluster (scripts/local-cluster.ts starts them and the spec's nats-server).
import { fileURLToPath } from 'node:url';
import { startNode as start, type NodeProcess } from '../../scripts/local-cluster.js';

export { startNats, type NatsServer, type NodeProcess } from '../../scripts/local-cluster.js';

const actors = fileURLToPath(new URL('./cluster-actors.js', import.meta.url));

export function startNode(url: string, cluster: string, name: string, extra: string[] = []): Promise<NodeProcess> {
  return start({ url, cluster, name, imports: [actors], extra });
}
