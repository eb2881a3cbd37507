// Ray's named actors: one actor that parts of a program find by name instead of passing its handle
// around. `options({ name, getIfExists: true })` creates it once and returns the live one afterwards;
// `getActor(name)` looks it up; a second creation without getIfExists is an error; killing it frees the
// name. Run: node dist/examples/named-actors.js
import { Actor, actor, ActorNotFoundError, getActor, kill, shutdown, TroupeError } from '../lib/index.js';
import { runIfMain, type Log } from './run-main.js';

@actor()
export class Visits extends Actor {
  n = 0;
  hit(): number {
    return ++this.n;
  }
}

/** Somewhere in the program: gets (or makes) the shared counter. */
function counter() {
  return Visits.options({ name: 'visits', getIfExists: true }).remote();
}

/** Elsewhere: only looks it up. */
function lookup() {
  return getActor<Visits>('visits');
}

export async function main(log: Log) {
  await counter().hit.remote();
  await lookup().hit.remote();
  const third = await counter().hit.remote();
  log(`three hits through three lookups of 'visits': ${third}`);
  let duplicate = '';
  try {
    Visits.options({ name: 'visits' }).remote();
  } catch (e) {
    duplicate = (e as TroupeError).message;
  }
  log(`a second 'visits' without getIfExists: ${duplicate}`);
  kill(lookup());
  let afterKill = '';
  try {
    lookup();
  } catch (e) {
    afterKill = e instanceof ActorNotFoundError ? e.message : String(e);
  }
  log(`after kill: ${afterKill}`);
  const fresh = await counter().hit.remote();
  log(`a new 'visits' starts again at ${fresh}`);
  await shutdown();
  return { third, duplicate, afterKill, fresh };
}

runIfMain(import.meta.url, (log) => main(log));
