// A cluster node (`troupe node`): imports the application's modules (which define the classes it may
// host, and nothing else ever: no message makes a node import a module), starts its worker pool, joins the
// cluster and hosts the threaded actors other members place on it, until it is stopped.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { initNode, runtime, shutdown } from '../runtime.js';
import type { ClusterOptions } from './options.js';

export interface NodeOptions {
  readonly cluster: ClusterOptions;
  readonly workers?: number;
  readonly resources?: Record<string, number>;
  /** Modules to import at start (paths or URLs): the classes they define are what this node hosts. */
  readonly imports: readonly string[];
}

export interface RunningNode {
  readonly id: string;
  readonly name: string;
  /** The class and function keys it hosts. */
  readonly classes: readonly string[];
  readonly functions: readonly string[];
  stop(): Promise<void>;
}

export async function startNode(o: NodeOptions): Promise<RunningNode> {
  for (const m of o.imports) await import(/^[a-z]+:/.test(m) ? m : pathToFileURL(resolve(m)).href);
  const cluster = o.resources === undefined ? o.cluster : { ...o.cluster, resources: o.resources };
  await initNode({ ...(o.workers !== undefined ? { workers: o.workers } : {}), cluster });
  const c = runtime().cluster!;
  const { classes, functions } = c.info();
  return { id: c.me, name: c.name, classes, functions, stop: () => shutdown() };
}
