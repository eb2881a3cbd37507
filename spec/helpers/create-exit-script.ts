// Run as a child process by spec/threaded-create.test.ts: a threaded actor creates threaded actors from
// its worker and calls main-thread actors through handles (streams with backpressure), then the script ends
// WITHOUT shutdown(): idle workers must not keep the process alive.
import { Foreman, type Hand } from './wire-actors.js';
import { Echo, MainEcho, Recruiter } from './create-actors.js';
import type { ActorHandle } from '../../lib/index.js';

const f = Foreman.remote();
const h = (await f.hire.remote('a')) as ActorHandle<Hand>;
const who = await h.whoami.remote();
const many = await Recruiter.remote().hireMany.remote(3);
const e = Echo.remote();
const via = await e.itemsViaHandle.remote(MainEcho.remote(), 7);
process.stdout.write(`${JSON.stringify({ who, many, via })}\n`);
