// Actors for the wire's exactly-once and option rules (spec/threaded-exactly-once.test.ts,
// spec/threaded-options.test.ts): each run of a method is counted in a file the test reads afterwards, so a
// run is seen even when its worker dies right after. A worker imports this module to find the classes, so
// it has no top-level side effects (decorators only register).
import { closeSync, openSync, readFileSync, writeSync, existsSync, writeFileSync } from 'node:fs';
import { Actor, actor, actorInfo, kill, getActor, method, remote, taskContext, type ActorHandle, type ActorInfo } from '../../lib/index.js';
import { keptRefs } from '../../lib/wire/ref-cache.js';

/** Appends `tag` and a newline to `path` (one write: it lands even if the process exits next). */
export function record(path: string, tag: string | number): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, `${tag}\n`);
  } finally {
    closeSync(fd);
  }
}

/** The tags recorded in `path`, in order. */
export function recorded(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : [];
}

/** Fast calls recorded with one write each (an fd kept open: a call stays well under the pacing's "fast"). */
@actor({ mode: 'threaded' })
export class Ledger extends Actor {
  readonly #fd: number;
  constructor(readonly path: string) {
    super();
    this.#fd = openSync(path, 'a');
  }
  /** Records `i`; exits the worker instead when `i === exitAt` and the marker file does not exist yet. */
  work(i: number, exitAt: number, marker: string): number {
    if (i === exitAt && !existsSync(marker)) {
      writeFileSync(marker, '');
      process.exit(3);
    }
    writeSync(this.#fd, `${i}\n`);
    return i;
  }
  /** Records `i`, then throws when `i` is in `throwAt`. */
  fail(i: number): number {
    writeSync(this.#fd, `${i}\n`);
    throw new Error(`fail ${i}`);
  }
}

export class Flaky extends Error {
  override name = 'Flaky';
}

/**
 * A method whose runs are steered by a script of outcomes, one per run: 'raise' throws Flaky, 'exit' ends
 * the worker, 'ok' returns the run count. The script is read from a file, its position is the number of
 * runs recorded so far (so it survives the worker's death).
 */
@actor({ mode: 'threaded', maxRestarts: 10 })
export class Scripted extends Actor {
  @method({ maxRetries: 5, retryExceptions: true })
  run(script: string, log: string): number {
    const steps = readFileSync(script, 'utf8').split(',');
    const n = recorded(log).length;
    record(log, steps[n] ?? 'ok');
    const step = steps[n] ?? 'ok';
    if (step === 'raise') throw new Flaky(`run ${n} raised`);
    if (step === 'exit') process.exit(4);
    return n + 1;
  }
}

/** In-process twins of Scripted, for the same script in every mode (sync and async actors). */
function scriptedStep(script: string, log: string, self: { die(): void }): number {
  const steps = readFileSync(script, 'utf8').split(',');
  const n = recorded(log).length;
  const step = steps[n] ?? 'ok';
  record(log, step);
  if (step === 'raise') throw new Flaky(`run ${n} raised`);
  if (step === 'exit') self.die();
  return n + 1;
}

/** Actors that kill themselves from inside a method (fault: a method that kills its own actor). */
@actor({ mode: 'sync' })
export class SelfKillSync extends Actor {
  name = '';
  constructor(name: string) {
    super();
    this.name = name;
  }
  die(): void {
    kill(getActor(this.name) as ActorHandle<SelfKillSync>, { noRestart: false });
  }
  boom(): string {
    this.die();
    return 'finished after kill';
  }
  @method({ maxRetries: 5, retryExceptions: true })
  scripted(script: string, log: string): number {
    return scriptedStep(script, log, this);
  }
}

@actor({ mode: 'async' })
export class SelfKillAsync extends Actor {
  name = '';
  constructor(name: string) {
    super();
    this.name = name;
  }
  die(): void {
    kill(getActor(this.name) as ActorHandle<SelfKillAsync>, { noRestart: false });
  }
  async boom(): Promise<string> {
    await new Promise((r) => setImmediate(r));
    this.die();
    return 'finished after kill';
  }
  async boomSync(): Promise<string> {
    this.die();
    return 'finished after kill';
  }
  @method({ maxRetries: 5, retryExceptions: true })
  async scripted(script: string, log: string): Promise<number> {
    await new Promise((r) => setImmediate(r));
    return scriptedStep(script, log, this);
  }
}


/** A producer that records each item before it yields it, so the test sees how far ahead it ran (G10). */
@actor({ mode: 'threaded' })
export class Recorder extends Actor {
  *produce(log: string, n: number): Generator<number> {
    for (let i = 0; i < n; i++) {
      record(log, i);
      yield i;
    }
  }
}

/** A producer that never awaits anything but its own yields: counts its items and says in `finally` how
 *  many it made (it would make `n`, seconds of work, if nobody stopped it). */
@actor({ mode: 'threaded' })
export class Spinner extends Actor {
  /** Each step blocks the thread for `ms` (no await): a producer with slow steps. */
  *slowSpin(done: string, n: number, ms: number): Generator<number> {
    let i = 0;
    try {
      for (; i < n; i++) {
        const end = Date.now() + ms;
        while (Date.now() < end);
        yield i;
      }
    } finally {
      writeFileSync(done, String(i));
    }
  }
  *spin(done: string, n: number): Generator<number> {
    let i = 0;
    try {
      for (; i < n; i++) yield i;
    } finally {
      writeFileSync(done, String(i));
    }
  }
}

/** Buffers on a worker: sums what arrives; `crashOnce` ends the worker the first time (marker file). */
@actor({ mode: 'threaded', maxRestarts: 2 })
export class Bytes extends Actor {
  constructor(readonly startDelayMs = 0) {
    super();
    const end = Date.now() + startDelayMs;
    while (Date.now() < end); // a slow constructor: calls made meanwhile wait on the main thread
  }
  sum(b: Uint8Array): number {
    let s = 0;
    for (const x of b) s += x;
    return s;
  }
  crashOnce(marker: string, b: Uint8Array): number {
    if (!existsSync(marker)) {
      writeFileSync(marker, '');
      process.exit(5);
    }
    return this.sum(b);
  }
  /** Passes `b` on to `other` (a handle) with transfer: true, and tells whether its own copy was moved. */
  async relay(other: ActorHandle<Bytes>, b: Uint8Array): Promise<{ sum: number; movedHere: boolean }> {
    const sum = other.sum.options({ transfer: true }).remote(b);
    const movedHere = b.byteLength === 0;
    return { sum: await sum, movedHere };
  }
}

/** A call that holds until it is cancelled (its signal aborts) or released; notes which happened (G11). */
@actor({ mode: 'async' })
export class Holder extends Actor {
  readonly notes: string[] = [];
  #release: (() => void) | undefined;
  async hold(tag: string): Promise<string> {
    const signal = taskContext().signal;
    this.notes.push(`${tag}:start`);
    await new Promise<void>((resolve) => {
      this.#release = resolve;
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.notes.push(signal.aborted ? `${tag}:aborted` : `${tag}:released`);
    return tag;
  }
  release(): void {
    this.#release?.();
  }
  log(): string[] {
    return [...this.notes];
  }
}

/** Submits calls to `holder` (a handle) and waits for them: cancelling this call cancels them (G11). */
@actor({ mode: 'async' })
export class Spawner extends Actor {
  async spawn(holder: ActorHandle<Holder>, tags: string[]): Promise<string[]> {
    const refs = tags.map((t) => holder.hold.remote(t));
    return Promise.all(refs);
  }
  /** Two levels: asks `mid` (another Spawner) to spawn on `holder`. */
  async nest(mid: ActorHandle<Spawner>, holder: ActorHandle<Holder>, tags: string[]): Promise<string[]> {
    return mid.spawn.remote(holder, tags);
  }
}

/** The same from a worker thread: calls through a handle it was given. */
@actor({ mode: 'threaded' })
export class ThreadedSpawner extends Actor {
  async spawn(holder: ActorHandle<Holder>, tags: string[]): Promise<string[]> {
    const refs = tags.map((t) => holder.hold.remote(t));
    return Promise.all(refs);
  }
}

/** Tells whether each argument is the very object the last call got (a ref's value crosses once, R3). */
@actor({ mode: 'threaded' })
export class Keeper extends Actor {
  #last: unknown = undefined;
  same(v: unknown): boolean {
    const same = v === this.#last;
    this.#last = v;
    return same;
  }
  size(v: { data: number[] }): number {
    return v.data.length;
  }
  forget(): void {
    this.#last = undefined;
  }
  /** How many ref values this worker keeps, after a garbage collection. */
  kept(): number {
    (globalThis as { gc?: () => void }).gc?.();
    return keptRefs();
  }
}

/** Returns what cannot cross back to the main thread (a function): a SerializationError made on the worker. */
@actor({ mode: 'threaded' })
export class Unsendable extends Actor {
  fn(): () => number {
    return () => 1;
  }
}

/** Acts on handles from a worker thread: kill, actorInfo and getActor work there as on the main thread. */
@actor({ mode: 'threaded' })
export class Operator extends Actor {
  info(h: ActorHandle<Holder>): ActorInfo {
    return actorInfo(h);
  }
  killIt(h: ActorHandle<Holder>): void {
    kill(h);
  }
  async logOf(name: string): Promise<string[]> {
    return getActor<Holder>(name).log.remote();
  }
  missing(name: string): string {
    try {
      getActor(name);
      return 'found';
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  }
}

/** Ends its worker the first time `use` runs (marker file), for a retry of a call with a ref argument. */
@actor({ mode: 'threaded', maxRestarts: 2 })
export class Relapse extends Actor {
  use(obj: { peer: unknown }, marker: string): string {
    if (!existsSync(marker)) {
      writeFileSync(marker, '');
      process.exit(2);
    }
    return `got ${typeof obj.peer}`;
  }
  ping(): string {
    return 'pong';
  }
  /** Items, recorded as made; the worker ends 300 ms after item 1 the first time (marker file). */
  *items(n: number, log: string, marker: string): Generator<number> {
    for (let i = 0; i < n; i++) {
      record(log, i);
      if (i === 1 && !existsSync(marker)) {
        writeFileSync(marker, '');
        setTimeout(() => process.exit(1), 300);
      }
      yield i;
    }
  }
}

/** Calls through handles from a worker: a hold on a Holder, a call naming a concurrency group. */
@actor({ mode: 'threaded' })
export class Caller extends Actor {
  ping(): number {
    return 1;
  }
  callHold(h: ActorHandle<Holder>, tag: string): Promise<string> {
    return h.hold.remote(tag) as unknown as Promise<string>;
  }
  viaGroup(m: ActorHandle<{ io(x: number): Promise<string> }>): Promise<string> {
    return m.io.options({ concurrencyGroup: 'io' }).remote(1) as unknown as Promise<string>;
  }
  async wait(ms: number): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    return 'waited';
  }
}

/** Its constructor ends the worker. */
@actor({ mode: 'threaded' })
export class DiesInConstructor extends Actor {
  constructor() {
    super();
    process.exit(7);
  }
  ping(): number {
    return 1;
  }
}

/** A threaded function that gives back its argument. */
export const echoFn = remote(function echoFn(x: unknown) {
  return x;
}, { mode: 'threaded' });

/** A leaf made inside a worker by Supervisor (sync: it lives in that worker). */
@actor()
export class Leaf extends Actor {
  ping(): string {
    return 'leaf';
  }
}

let leafOfSupervisor: ActorHandle<Leaf> | undefined;

/** Creates a Leaf in its worker; after a restart, reports the state of the Leaf its last instance made. */
@actor({ mode: 'threaded', maxRestarts: 1 })
export class Supervisor extends Actor {
  async spawn(): Promise<string> {
    const leaf = Leaf.remote();
    leafOfSupervisor = leaf;
    return leaf.ping.remote() as unknown as Promise<string>;
  }
  leafState(): string {
    return leafOfSupervisor === undefined ? 'none' : actorInfo(leafOfSupervisor).state;
  }
}

/** A threaded actor that a worker's code creates (Foreman): it lives on the pool like any other. */
@actor({ mode: 'threaded' })
export class Hand extends Actor {
  constructor(readonly label: string) {
    super();
  }
  whoami(): string {
    return `hand ${this.label}`;
  }
  *count(n: number): Generator<number> {
    for (let i = 0; i < n; i++) yield i;
  }
}

/** Creates threaded actors from its worker, as the main thread would (A8: it owns them). */
@actor({ mode: 'threaded' })
export class Foreman extends Actor {
  hands: ActorHandle<Hand>[] = [];
  hire(label: string, name?: string): ActorHandle<Hand> {
    const h = name === undefined ? Hand.remote(label) : Hand.options({ name }).remote(label);
    this.hands.push(h);
    return h;
  }
  /** Hires, then calls the new hand from this worker at once (its build is still under way). */
  async hireAndAsk(label: string): Promise<string> {
    return await this.hire(label).whoami.remote();
  }
  /** Hires, and sums a stream of the new hand's, consumed in this worker. */
  async hireAndCount(n: number): Promise<number> {
    let sum = 0;
    for await (const v of this.hire('counter').count.remote(n).values()) sum += v;
    return sum;
  }
  /** Hires under `name` a second time: the error, as text. */
  hireTwice(name: string): string {
    this.hire('first', name);
    try {
      this.hire('second', name);
      return 'no error';
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  }
}
