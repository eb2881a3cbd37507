// The peers, installed as devDependencies and driven the same way as the baselines: piscina and tinypool
// (stateless task pools) and comlink (an RPC proxy to an object in a worker). Every one gets the same task
// module or object, the same payload and the same number of workers as troupe and the baselines.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { releaseProxy, wrap, type Remote } from 'comlink';
import nodeAdapter from 'comlink/dist/umd/node-adapter.js';
import { Piscina } from 'piscina';
import { Tinypool } from 'tinypool';
import type { Counter } from './workers/comlink-worker.js';

/** The installed version of a package (read from node_modules: some packages do not export package.json). */
const version = (pkg: string): string => {
  try {
    const file = new URL(`../../node_modules/${pkg}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
};

export const PEER_VERSIONS = {
  piscina: version('piscina'),
  tinypool: version('tinypool'),
  comlink: version('comlink'),
  msgpackr: version('msgpackr'),
  'p-queue': version('p-queue'),
};

// comlink ships its Node adapter as UMD: at run time the default import is the function itself.
type NodeEndpointFn = typeof nodeAdapter.default;
const nodeEndpoint: NodeEndpointFn = (nodeAdapter as unknown as { default?: NodeEndpointFn }).default ?? (nodeAdapter as unknown as NodeEndpointFn);

const taskFile = fileURLToPath(new URL('./workers/pool-task.js', import.meta.url));
const comlinkFile = new URL('./workers/comlink-worker.js', import.meta.url);

export type TaskArg = { a: number; b: number } | { spin: number } | { exit: number };

/** A stateless task pool, as the cases drive it. */
export interface TaskPool {
  readonly label: string;
  run(arg: TaskArg): Promise<number>;
  close(): Promise<void>;
}

/** piscina and tinypool share one API (tinypool is piscina's fork): one driver serves both. */
function taskPool(name: 'piscina' | 'tinypool', Pool: typeof Piscina | typeof Tinypool, workers: number, perWorker?: number): TaskPool {
  const pool = new Pool({
    filename: taskFile,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    ...(perWorker !== undefined ? { concurrentTasksPerWorker: perWorker } : {}),
  });
  const conf = perWorker !== undefined ? `, concurrentTasksPerWorker ${perWorker}` : ', defaults';
  return {
    label: `peer: ${name} ${PEER_VERSIONS[name]} (${workers} worker${workers > 1 ? 's' : ''}${conf})`,
    run: (arg) => pool.run(arg) as Promise<number>,
    close: () => pool.destroy(),
  };
}

export const piscina = (workers: number, perWorker?: number): TaskPool => taskPool('piscina', Piscina, workers, perWorker);
export const tinypool = (workers: number, perWorker?: number): TaskPool => taskPool('tinypool', Tinypool, workers, perWorker);

export interface ComlinkWorker {
  readonly label: string;
  readonly worker: Worker;
  readonly api: { readonly counter: Remote<Counter>; readonly Counter: Remote<typeof Counter> };
  close(): Promise<void>;
}

/** A worker holding a stateful Counter (and its class), reached through comlink. */
export function comlink(): ComlinkWorker {
  const worker = new Worker(comlinkFile);
  // comlink reaches `root.counter.incr` by path; its types only model proxy-marked members, hence the casts.
  const root = wrap<Record<string, unknown>>(nodeEndpoint(worker as unknown as Parameters<NodeEndpointFn>[0]));
  const api = { counter: root.counter as unknown as Remote<Counter>, Counter: root.Counter as unknown as Remote<typeof Counter> };
  return {
    label: `peer: comlink ${PEER_VERSIONS.comlink} (1 worker)`,
    worker,
    api,
    async close() {
      root[releaseProxy]();
      await worker.terminate();
    },
  };
}
