// Threaded remote functions for spec/cluster.test.ts. The driver imports this module, and so does one node
// of that spec (its --import): the functions are found on both by the same key.
import { remote } from '../../lib/index.js';

/** Sleeps `ms`, then says which process ran it. */
export const napPid = remote(
  async function napPid(ms: number): Promise<number> {
    await new Promise((r) => setTimeout(r, ms));
    return process.pid;
  },
  { mode: 'threaded' },
);

export const squares = remote(
  function* squares(n: number): Generator<number> {
    for (let i = 0; i < n; i++) yield i * i;
  },
  { mode: 'threaded' },
);
