// A threaded actor whose module notes each thread that imports it (in the file named by the environment
// variable TROUPE_SPEC_LOADS, when set), so a spec can see a spare worker load it before any create.
import { appendFileSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';
import { Actor, actor } from '../../lib/index.js';

const loads = process.env.TROUPE_SPEC_LOADS;
if (loads && !isMainThread) appendFileSync(loads, `${threadId}\n`);

@actor({ mode: 'threaded', maxRestarts: 5 })
export class Phoenix extends Actor {
  thread(): number {
    return threadId;
  }
  exit(): never {
    process.exit(6);
  }
}
