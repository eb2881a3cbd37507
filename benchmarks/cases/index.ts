// Every case of the suite, in the order the table shows them: in process first (objects, tasks, actors,
// generators, paced streams into HTTP, creation), then the cases across a thread (threaded actors and remote functions, cases/workers.ts).
import type { Case } from '../harness.js';
import { actorCases } from './actors.js';
import { clusterCases } from './cluster.js';
import { creationCases } from './creation.js';
import { generatorCases } from './generators.js';
import { objectCases } from './objects.js';
import { pacedCases } from './paced.js';
import { taskCases } from './tasks.js';
import { workerCases } from './workers.js';

export const cases: Case[] = [...objectCases, ...taskCases, ...actorCases, ...generatorCases, ...pacedCases, ...creationCases, ...workerCases, ...clusterCases];

const names = new Set<string>();
for (const c of cases) {
  if (names.has(c.name)) throw new Error(`two benchmark cases are named '${c.name}'`);
  names.add(c.name);
}
