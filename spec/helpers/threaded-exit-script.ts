// Run as a child process by spec/threaded-basic.test.ts: uses threaded actors (shared and dedicated),
// threaded functions, streams, an application error and a worker crash with a restart, then ends WITHOUT
// calling shutdown(). Idle workers must not keep the process alive: it has to exit by itself, with code 0.
import { Fragile, Lonely, Tally, fnAdd, fnCount } from './threaded-actors.js';

const t = Tally.remote(1);
const sum = await t.add.remote(2);
const items: number[] = [];
for await (const ref of t.count.remote(3)) items.push(await ref);
const fromFn: number[] = [];
for await (const ref of fnCount.remote(2)) fromFn.push(await ref);
const added = await fnAdd.remote(20, 22);
let failed = 'no';
try {
  await t.fail.remote();
} catch (e) {
  failed = (e as Error).name;
}
const lonely = Lonely.remote();
const bumped = await lonely.bump.remote();
const fragile = Fragile.options({ maxRestarts: 1 }).remote('exit-script');
let died = 'no';
try {
  await fragile.exit.remote(4);
} catch (e) {
  died = (e as Error).name;
}
const afterRestart = await fragile.bump.remote();
process.stdout.write(`${JSON.stringify({ sum, items, fromFn, added, failed, bumped, died, afterRestart })}\n`);
