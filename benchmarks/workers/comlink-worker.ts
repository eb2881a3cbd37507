// The comlink peer's worker: a stateful object (and its class, for creation) exposed over parentPort.
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeAdapter from 'comlink/dist/umd/node-adapter.js';

// comlink ships its Node adapter as UMD: at run time the default import is the function itself.
type NodeEndpointFn = typeof nodeAdapter.default;
const nodeEndpoint: NodeEndpointFn = (nodeAdapter as unknown as { default?: NodeEndpointFn }).default ?? (nodeAdapter as unknown as NodeEndpointFn);

export class Counter {
  n = 0;
  incr(by: number): number {
    return (this.n += by);
  }
  value(i: number): number {
    return i;
  }
  exit(code: number): never {
    process.exit(code);
  }
}

expose({ counter: new Counter(), Counter }, nodeEndpoint(parentPort! as unknown as Parameters<NodeEndpointFn>[0]));
