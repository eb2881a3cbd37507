// Threaded actors and threaded remote functions used by spec/threaded-*.test.ts. A worker imports this
// module to find them by name, so it has no top-level side effects (decorators and remote() only register).
//
// A worker shares no memory with the test, so the tests steer it through the file system: a method waits
// for a file the test writes (a gate), writes a file the test waits for (a signal), or crashes only if a
// marker file does not exist yet (so that the run after a restart behaves). Every wait in a worker has a
// guard: it throws a GuardError after GUARD_MS instead of hanging, so a broken runtime fails a test.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Actor, actor, remote, taskContext } from '../../lib/index.js';

// ---- shared utilities (used in workers and in the tests) -------------------------------------------

const GUARD_MS = 10_000;
/** How long a G2 producer waits for the consumer's acknowledgement of an item (it arrives in microseconds). */
const HANDSHAKE_GUARD_MS = 4_000;

export class GuardError extends Error {
  override name = 'GuardError';
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the calling thread (a CPU-bound method stands still, its event loop does not run). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Blocks until `path` exists (a sync method or sync generator waiting for the test). */
export function waitFileSync(path: string, guardMs = GUARD_MS): void {
  const end = Date.now() + guardMs;
  while (!existsSync(path)) {
    if (Date.now() > end) throw new GuardError(`waited ${guardMs} ms for ${path}`);
    sleepSync(2);
  }
}

/** Waits (without blocking the event loop) until `path` exists. */
export async function waitFile(path: string, guardMs = GUARD_MS): Promise<void> {
  const end = Date.now() + guardMs;
  while (!existsSync(path)) {
    if (Date.now() > end) throw new GuardError(`waited ${guardMs} ms for ${path}`);
    await new Promise<void>((r) => setTimeout(r, 2));
  }
}

export const touch = (path: string, content = ''): void => writeFileSync(path, content);
export const exists = (path: string): boolean => existsSync(path);
export const readNumber = (path: string): number => (existsSync(path) ? Number(readFileSync(path, 'utf8') || '0') : 0);

const scratchDirs: string[] = [];
/** A fresh directory for one test's gate and marker files (removed when the test process exits). */
export function scratch(): string {
  if (scratchDirs.length === 0) {
    process.once('exit', () => {
      for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'troupe-threaded-'));
  scratchDirs.push(dir);
  return dir;
}

export const macrotask = (): Promise<void> => new Promise((r) => setImmediate(r));
const never = (): Promise<never> => new Promise<never>(() => {});

/** An application error with own properties, to check what survives the thread (TaskError.cause). */
export class QuotaError extends Error {
  override name = 'QuotaError';
  constructor(
    message: string,
    readonly code: string,
    readonly detail: { limit: number; tags: string[] },
  ) {
    super(message);
  }
}

export class LateError extends Error {
  override name = 'LateError';
}

const quota = (where: string) => new QuotaError(`over quota in ${where}`, 'E_QUOTA', { limit: 3, tags: ['a', where] });

/** Where the code runs. */
const here = () => ({ isMainThread, threadId });

// ---- plain threaded actors -----------------------------------------------------------------------

/** A counter with a log: state, order (A1), values, errors and streams on a worker thread. */
@actor({ mode: 'threaded' })
export class Tally extends Actor {
  n: number;
  readonly log: string[] = [];
  readonly ctorArgs: unknown[];
  readonly born = randomUUID();
  constructor(start = 0, ...rest: unknown[]) {
    super();
    this.n = start;
    this.ctorArgs = [start, ...rest];
  }
  add(by: number): number {
    return (this.n += by);
  }
  async addAsync(by: number): Promise<number> {
    await macrotask();
    return (this.n += by);
  }
  note(tag: string): number {
    this.log.push(tag);
    return this.log.length;
  }
  /** An async method that awaits `turns` macrotasks before and after noting `tag`. */
  async noteAsync(tag: string, turns: number): Promise<number> {
    for (let i = 0; i < turns; i++) await macrotask();
    this.log.push(`${tag}:start`);
    for (let i = 0; i < turns; i++) await macrotask();
    this.log.push(`${tag}:end`);
    return this.log.length;
  }
  entries(): string[] {
    return [...this.log];
  }
  where(): { isMainThread: boolean; threadId: number } {
    return here();
  }
  args(): unknown[] {
    return this.ctorArgs;
  }
  identity(): string {
    return this.born;
  }
  echo<T>(v: T): T {
    return v;
  }
  /** Notes `tag`; `payload` (any kind of value) only rides along. */
  noteWith(tag: string, _payload: unknown): number {
    return this.note(tag);
  }
  readonly state = { n: 0, tag: 'state' };
  /** Counts in a plain object that it returns and changes again on the next call. */
  bump(): { n: number; tag: string } {
    this.state.n++;
    return this.state;
  }
  /** What the flat object and array it was given hold when the call runs. */
  seen(o: { n: number }, a: number[]): string {
    return `${o.n}:${a.join(',')}`;
  }
  /** Sums a buffer (with `transfer`, the caller's copy is detached). */
  sum(buf: Uint8Array): { length: number; sum: number } {
    let s = 0;
    for (const b of buf) s += b;
    return { length: buf.length, sum: s };
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, (_, i) => i % 251);
  }
  /** Signals `started`, then spins (blocking its thread) until `go` exists. */
  spinUntil(started: string, go: string): string {
    touch(started);
    waitFileSync(go);
    return 'spun';
  }
  fail(): never {
    throw quota('Tally.fail');
  }
  async failAsync(): Promise<never> {
    await macrotask();
    throw quota('Tally.failAsync');
  }
  /** taskContext() after an await (without asyncContext) throws troupe's own TroupeError. */
  async contextAfterAwait(): Promise<number> {
    await macrotask();
    return taskContext().taskId;
  }
  /** Yields the handle it was given, `n` times (A10: handles inside stream items). */
  *handles(h: unknown, n: number): Generator<unknown, string> {
    for (let i = 0; i < n; i++) yield { i, h };
    return 'done';
  }
  /** Yields one buffer again and again, refilled each time: each item must be what it held at its yield. */
  *reused(n: number): Generator<Uint8Array, string> {
    const b = new Uint8Array(4);
    for (let i = 0; i < n; i++) {
      b.fill(i);
      yield b;
    }
    return 'done';
  }
  *count(n: number): Generator<number, string> {
    for (let i = 0; i < n; i++) yield i;
    return `counted ${n}`;
  }
  async *countAsync(n: number): AsyncGenerator<number, string> {
    for (let i = 0; i < n; i++) {
      await macrotask();
      yield i;
    }
    return `counted ${n}`;
  }
  *failAfter(k: number): Generator<number, never> {
    for (let i = 0; i < k; i++) yield i;
    throw quota('Tally.failAfter');
  }
  async *failAfterAsync(k: number): AsyncGenerator<number, never> {
    for (let i = 0; i < k; i++) {
      await macrotask();
      yield i;
    }
    throw quota('Tally.failAfterAsync');
  }
  /** G2: yields item i, then blocks until the consumer has acknowledged it (file `dir/ack-i`). */
  *handshake(n: number, dir: string): Generator<number, string> {
    for (let i = 0; i < n; i++) {
      yield i;
      waitFileSync(join(dir, `ack-${i}`), HANDSHAKE_GUARD_MS);
    }
    return 'shook';
  }
  async *handshakeAsync(n: number, dir: string): AsyncGenerator<number, string> {
    for (let i = 0; i < n; i++) {
      yield i;
      await waitFile(join(dir, `ack-${i}`), HANDSHAKE_GUARD_MS);
    }
    return 'shook';
  }
  /** G12 (application errors): throws at item k on its first run (no `marker` yet). */
  *flakyItems(n: number, k: number, marker: string): Generator<{ i: number; attempt: number }, string> {
    const attempt = taskContext().attempt;
    for (let i = 0; i < n; i++) {
      if (i === k && !existsSync(marker)) {
        touch(marker);
        throw quota('Tally.flakyItems');
      }
      yield { i, attempt };
    }
    return `run ${attempt}`;
  }
  /** G13: yields until closed; its finally block writes `dir/finally`. */
  async *endless(dir: string): AsyncGenerator<number, never> {
    try {
      for (let i = 0; ; i++) {
        yield i;
        await macrotask();
      }
    } finally {
      touch(join(dir, 'finally'));
    }
  }
  /** G10: writes how many items it has produced to `progress` before each yield. */
  *produce(n: number, progress: string): Generator<number, string> {
    for (let i = 0; i < n; i++) {
      touch(progress, String(i + 1));
      yield i;
    }
    return 'produced';
  }
  async *produceAsync(n: number, progress: string): AsyncGenerator<number, string> {
    for (let i = 0; i < n; i++) {
      await macrotask();
      touch(progress, String(i + 1));
      yield i;
    }
    return 'produced';
  }
}

/** `module: import.meta.url` given explicitly. */
@actor({ mode: 'threaded', module: import.meta.url })
export class Pinned extends Actor {
  where(): { isMainThread: boolean; threadId: number } {
    return here();
  }
}

/** A6 in a worker: the constructor throws. */
@actor({ mode: 'threaded', maxRestarts: 3 })
export class BadStart extends Actor {
  constructor(message: string) {
    super();
    throw new QuotaError(message, 'E_CTOR', { limit: 0, tags: [] });
  }
  ping(): string {
    return 'pong';
  }
}

/** A3 with maxConcurrency / A4 with concurrency groups: calls wait at gates (files) inside the worker. */
@actor({ mode: 'threaded', maxConcurrency: 2, concurrencyGroups: { io: 1 } })
export class Gated extends Actor {
  active = 0;
  peak = 0;
  readonly started: string[] = [];
  async hold(tag: string, dir: string): Promise<string> {
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    this.started.push(tag);
    touch(join(dir, `started-${tag}`));
    try {
      await waitFile(join(dir, `go-${tag}`));
    } finally {
      this.active--;
    }
    return tag;
  }
  stats(): { peak: number; started: string[] } {
    return { peak: this.peak, started: [...this.started] };
  }
}

// ---- actors that crash --------------------------------------------------------------------------

/** Dies in every way a worker can: process.exit, an uncaught exception, out of memory, a busy loop. */
@actor({ mode: 'threaded' })
export class Fragile extends Actor {
  n = 0;
  aborted = 0;
  readonly born = randomUUID();
  constructor(
    readonly label = 'fragile',
    readonly extra: unknown = undefined,
  ) {
    super();
  }
  bump(): number {
    return ++this.n;
  }
  async bumpAsync(): Promise<number> {
    await macrotask();
    return ++this.n;
  }
  state(): { n: number; label: string; extra: unknown; born: string; threadId: number } {
    return { n: this.n, label: this.label, extra: this.extra, born: this.born, threadId };
  }
  attempt(): number {
    return taskContext().attempt;
  }
  exit(code: number): never {
    process.exit(code);
  }
  async exitAsync(code: number): Promise<never> {
    await macrotask();
    process.exit(code);
  }
  /** Sync: blocks until `gate` exists, then exits. */
  exitWhen(gate: string, code: number): never {
    waitFileSync(gate);
    process.exit(code);
  }
  async exitWhenAsync(gate: string, code: number): Promise<never> {
    await waitFile(gate);
    process.exit(code);
  }
  /** Returns at once; an exception thrown later, outside any call, kills the worker. */
  throwLater(message: string, ms: number): string {
    setTimeout(() => {
      throw new LateError(message);
    }, ms);
    return 'scheduled';
  }
  /** Allocates until the worker runs out of memory. */
  hog(): number {
    const keep: number[][] = [];
    for (;;) keep.push(new Array(1 << 16).fill(keep.length + 0.5));
  }
  /** A busy loop that never looks at its signal (only cancel({ force: true }) ends it). */
  spin(started: string): never {
    touch(started);
    for (;;) {
      // spin
    }
  }
  async spinAsync(started: string): Promise<never> {
    await macrotask();
    touch(started);
    for (;;) {
      // spin
    }
  }
  /** A stream that yields 0..k-1, then spins without looking at its signal. */
  async *spinItems(k: number, started: string): AsyncGenerator<number, never> {
    for (let i = 0; i < k; i++) {
      yield i;
      await macrotask();
    }
    touch(started);
    for (;;) {
      // spin
    }
  }
  /** Waits for its signal to abort, then returns. */
  async honour(started: string): Promise<string> {
    const signal = taskContext().signal;
    touch(started);
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.aborted++;
    return 'stopped';
  }
  aborts(): number {
    return this.aborted;
  }
  async hang(): Promise<never> {
    return never();
  }
  /** Exits on its first run (no `marker` yet); returns its attempt on the run after. */
  crashOnce(marker: string, code: number): { attempt: number; n: number } {
    if (!existsSync(marker)) {
      touch(marker);
      process.exit(code);
    }
    return { attempt: taskContext().attempt, n: ++this.n };
  }
  async crashOnceAsync(marker: string, code: number): Promise<{ attempt: number; n: number }> {
    const attempt = taskContext().attempt;
    await macrotask();
    if (!existsSync(marker)) {
      touch(marker);
      process.exit(code);
    }
    return { attempt, n: ++this.n };
  }
  /** Appends to a log file outside the worker (it survives restarts). */
  record(file: string, tag: string): string {
    writeFileSync(file, `${tag}\n`, { flag: 'a' });
    return tag;
  }
  *items(n: number): Generator<number, string> {
    for (let i = 0; i < n; i++) yield i;
    return `items ${n}`;
  }
  async *itemsAsync(n: number): AsyncGenerator<number, string> {
    for (let i = 0; i < n; i++) {
      await macrotask();
      yield i;
    }
    return `items ${n}`;
  }
  /** Yields 0..k-1, then exits: a stream whose own worker dies under it. */
  *itemsThenExit(k: number, code: number): Generator<number, never> {
    for (let i = 0; i < k; i++) yield i;
    process.exit(code);
  }
  async *itemsThenExitAsync(k: number, code: number): AsyncGenerator<number, never> {
    for (let i = 0; i < k; i++) {
      await macrotask();
      yield i;
    }
    await macrotask();
    process.exit(code);
  }
  /** Yields 0..k-1, then stays open forever: a stream the test can catch mid-way. */
  async *itemsThenHang(k: number): AsyncGenerator<number, never> {
    for (let i = 0; i < k; i++) yield i;
    return never();
  }
  /**
   * G12: yields { i, attempt } for i < n. On the first run (no `marker` yet) it exits at item k, once the
   * consumer has acknowledged item k-1 (file `dir/ack-(k-1)`; no wait when k is 0).
   */
  async *crashMidStream(n: number, k: number, dir: string): AsyncGenerator<{ i: number; attempt: number }, string> {
    const attempt = taskContext().attempt;
    const marker = join(dir, 'crashed');
    for (let i = 0; i < n; i++) {
      if (i === k && !existsSync(marker)) {
        if (k > 0) await waitFile(join(dir, `ack-${k - 1}`));
        touch(marker);
        process.exit(11);
      }
      yield { i, attempt };
      await macrotask();
    }
    return `run ${attempt}`;
  }
  /** G12 with a sync generator: exits at item k on the first run (no handshake: it cannot wait without blocking). */
  *crashMidStreamSync(n: number, k: number, dir: string): Generator<{ i: number; attempt: number }, string> {
    const attempt = taskContext().attempt;
    const marker = join(dir, 'crashed');
    for (let i = 0; i < n; i++) {
      if (i === k && !existsSync(marker)) {
        touch(marker);
        process.exit(11);
      }
      yield { i, attempt };
    }
    return `run ${attempt}`;
  }
}

/** Fragile with room for a stream and a crash at once (an async executor inside the worker). */
@actor({ mode: 'threaded', maxConcurrency: 8 })
export class FragileConcurrent extends Fragile {}

/** For kill() and shutdown(): listens on a unix socket inside its worker, so the test can tell the worker is gone. */
@actor({ mode: 'threaded', dedicated: true })
export class Lonely extends Actor {
  n = 0;
  async listen(path: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const server = createServer((s) => s.end());
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    return threadId;
  }
  bump(): number {
    return ++this.n;
  }
  where(): { isMainThread: boolean; threadId: number } {
    return here();
  }
  *items(n: number): Generator<number> {
    for (let i = 0; i < n; i++) yield i;
  }
}

/** Out of memory: a dedicated worker capped at 16 MB of old generation. */
@actor({ mode: 'threaded', dedicated: true, resourceLimits: { maxOldGenerationSizeMb: 16 } })
export class Hog extends Fragile {}

// ---- A10: a threaded actor that uses handles it was given -------------------------------------

/** The methods a Relay calls on the handles it is given (any actor with these methods will do). */
export interface Target {
  note: { remote(tag: string): PromiseLike<number> };
  add: { remote(by: number): PromiseLike<number> };
  count: { remote(n: number): AsyncIterable<PromiseLike<number>> };
  fail: { remote(): PromiseLike<never> };
}

@actor({ mode: 'threaded' })
export class Relay extends Actor {
  kept: Target | undefined;
  constructor(kept?: Target) {
    super();
    this.kept = kept;
  }
  /** Calls `target.note(tag)` for each tag without waiting in between; A1 holds per caller. */
  async noteAll(target: Target, tags: string[]): Promise<number[]> {
    const refs = tags.map((t) => target.note.remote(t));
    return Promise.all(refs);
  }
  async viaObject(o: { who: { target: Target }; by: number }): Promise<number> {
    return o.who.target.add.remote(o.by);
  }
  async viaArray(list: Target[], by: number): Promise<number[]> {
    return Promise.all(list.map((t) => t.add.remote(by)));
  }
  async collect(target: Target, n: number): Promise<number[]> {
    const out: number[] = [];
    for await (const ref of target.count.remote(n)) out.push(await ref);
    return out;
  }
  /** A threaded stream that relays a stream of the handle's actor, item by item. */
  async *relay(target: Target, n: number): AsyncGenerator<number, string> {
    for await (const ref of target.count.remote(n)) yield (await ref) * 10;
    return 'relayed';
  }
  async failThrough(target: Target): Promise<{ name: string; causeName: string; message: string; code: unknown }> {
    try {
      await target.fail.remote();
    } catch (e) {
      const err = e as Error & { cause?: Error & { code?: unknown } };
      return { name: err.name, causeName: err.cause?.name ?? '', message: err.cause?.message ?? '', code: err.cause?.code };
    }
    throw new Error('expected the call through the handle to fail');
  }
  keep(target: Target): boolean {
    this.kept = target;
    return true;
  }
  give(): Target | undefined {
    return this.kept;
  }
  async addKept(by: number): Promise<number> {
    return this.kept!.add.remote(by);
  }
  /** Returns what its arguments look like inside the worker (A11: refs arrive as values). */
  types(...args: unknown[]): string[] {
    return args.map((a) => (a === null ? 'null' : Array.isArray(a) ? 'array' : typeof a));
  }
  echo<T>(v: T): T {
    return v;
  }
}

// ---- the property test's actor ------------------------------------------------------------------

@actor({ mode: 'threaded' })
export class Stage extends Actor {
  last = -1;
  /** Returns [seq, the seq of the call before it in this incarnation]. */
  step(seq: number): [number, number] {
    const prev = this.last;
    this.last = seq;
    return [seq, prev];
  }
  async stepAsync(seq: number): Promise<[number, number]> {
    const prev = this.last;
    this.last = seq;
    await macrotask();
    return [seq, prev];
  }
  *items(n: number): Generator<number, number> {
    for (let i = 0; i < n; i++) yield i;
    return n;
  }
  async *itemsAsync(n: number): AsyncGenerator<number, number> {
    for (let i = 0; i < n; i++) {
      await macrotask();
      yield i;
    }
    return n;
  }
  crash(): never {
    process.exit(21);
  }
  async crashAsync(): Promise<never> {
    await macrotask();
    process.exit(22);
  }
}

/** Stage with calls interleaving in its worker (A3 maxConcurrency): streams can be cut mid-way by a crash. */
@actor({ mode: 'threaded', maxConcurrency: 4 })
export class StageConcurrent extends Stage {}

// ---- threaded remote functions ------------------------------------------------------------------

export const fnWhere = remote(
  function fnWhere(): { isMainThread: boolean; threadId: number } {
    return here();
  },
  { mode: 'threaded' },
);
export const fnAdd = remote(
  function fnAdd(a: number, b: number): number {
    return a + b;
  },
  { mode: 'threaded' },
);
export const fnAddAsync = remote(
  async function fnAddAsync(a: number, b: number): Promise<number> {
    await macrotask();
    return a + b;
  },
  { mode: 'threaded' },
);
export const fnEcho = remote(
  function fnEcho(v: unknown): unknown {
    return v;
  },
  { mode: 'threaded' },
);
export const fnTypes = remote(
  function fnTypes(...args: unknown[]): string[] {
    return args.map((a) => (a === null ? 'null' : Array.isArray(a) ? 'array' : typeof a));
  },
  { mode: 'threaded' },
);
export const fnCount = remote(
  function* fnCount(n: number): Generator<number, string> {
    for (let i = 0; i < n; i++) yield i;
    return `counted ${n}`;
  },
  { mode: 'threaded' },
);
export const fnCountAsync = remote(
  async function* fnCountAsync(n: number): AsyncGenerator<number, string> {
    for (let i = 0; i < n; i++) {
      await macrotask();
      yield i;
    }
    return `counted ${n}`;
  },
  { mode: 'threaded' },
);
export const fnFail = remote(
  function fnFail(): never {
    throw quota('fnFail');
  },
  { mode: 'threaded' },
);
export const fnFailAsync = remote(
  async function fnFailAsync(): Promise<never> {
    await macrotask();
    throw quota('fnFailAsync');
  },
  { mode: 'threaded' },
);
export const fnFailAfter = remote(
  function* fnFailAfter(k: number): Generator<number, never> {
    for (let i = 0; i < k; i++) yield i;
    throw quota('fnFailAfter');
  },
  { mode: 'threaded' },
);
export const fnHandshake = remote(
  function* fnHandshake(n: number, dir: string): Generator<number, string> {
    for (let i = 0; i < n; i++) {
      yield i;
      waitFileSync(join(dir, `ack-${i}`), HANDSHAKE_GUARD_MS);
    }
    return 'shook';
  },
  { mode: 'threaded' },
);
export const fnHandshakeAsync = remote(
  async function* fnHandshakeAsync(n: number, dir: string): AsyncGenerator<number, string> {
    for (let i = 0; i < n; i++) {
      yield i;
      await waitFile(join(dir, `ack-${i}`), HANDSHAKE_GUARD_MS);
    }
    return 'shook';
  },
  { mode: 'threaded' },
);
export const fnProduce = remote(
  function* fnProduce(n: number, progress: string): Generator<number, string> {
    for (let i = 0; i < n; i++) {
      touch(progress, String(i + 1));
      yield i;
    }
    return 'produced';
  },
  { mode: 'threaded' },
);
export const fnProduceAsync = remote(
  async function* fnProduceAsync(n: number, progress: string): AsyncGenerator<number, string> {
    for (let i = 0; i < n; i++) {
      await macrotask();
      touch(progress, String(i + 1));
      yield i;
    }
    return 'produced';
  },
  { mode: 'threaded' },
);
export const fnExit = remote(
  function fnExit(code: number): never {
    process.exit(code);
  },
  { mode: 'threaded' },
);
export const fnExitAsync = remote(
  async function fnExitAsync(code: number): Promise<never> {
    await macrotask();
    process.exit(code);
  },
  { mode: 'threaded' },
);
export const fnExitWhen = remote(
  async function fnExitWhen(gate: string, code: number): Promise<never> {
    await waitFile(gate);
    process.exit(code);
  },
  { mode: 'threaded' },
);
export const fnThrowLater = remote(
  function fnThrowLater(message: string, ms: number): string {
    setTimeout(() => {
      throw new LateError(message);
    }, ms);
    return 'scheduled';
  },
  { mode: 'threaded' },
);
export const fnHang = remote(
  async function fnHang(): Promise<never> {
    return never();
  },
  { mode: 'threaded' },
);
export const fnItemsThenHang = remote(
  async function* fnItemsThenHang(k: number): AsyncGenerator<number, never> {
    for (let i = 0; i < k; i++) yield i;
    return never();
  },
  { mode: 'threaded' },
);
export const fnItemsThenExit = remote(
  function* fnItemsThenExit(k: number, code: number): Generator<number, never> {
    for (let i = 0; i < k; i++) yield i;
    process.exit(code);
  },
  { mode: 'threaded' },
);
export const fnSpin = remote(
  function fnSpin(started: string): never {
    touch(started);
    for (;;) {
      // spin
    }
  },
  { mode: 'threaded' },
);
export const fnHonour = remote(
  async function fnHonour(started: string, done: string): Promise<string> {
    const signal = taskContext().signal;
    touch(started);
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    touch(done);
    return 'stopped';
  },
  { mode: 'threaded' },
);
export const fnCrashOnce = remote(
  function fnCrashOnce(marker: string, code: number): { attempt: number } {
    if (!existsSync(marker)) {
      touch(marker);
      process.exit(code);
    }
    return { attempt: taskContext().attempt };
  },
  { mode: 'threaded' },
);
export const fnCrashMidStream = remote(
  async function* fnCrashMidStream(n: number, k: number, dir: string): AsyncGenerator<number, string> {
    const marker = join(dir, 'crashed');
    for (let i = 0; i < n; i++) {
      if (i === k && !existsSync(marker)) {
        if (k > 0) await waitFile(join(dir, `ack-${k - 1}`));
        touch(marker);
        process.exit(12);
      }
      yield i;
      await macrotask();
    }
    return 'finished';
  },
  { mode: 'threaded' },
);
export const fnCrashMidStreamSync = remote(
  function* fnCrashMidStreamSync(n: number, k: number, dir: string): Generator<number, string> {
    const marker = join(dir, 'crashed');
    for (let i = 0; i < n; i++) {
      if (i === k && !existsSync(marker)) {
        touch(marker);
        process.exit(12);
      }
      yield i;
    }
    return 'finished';
  },
  { mode: 'threaded' },
);
/** A10 in a threaded function: calls the handle it was given. */
export const fnUseHandle = remote(
  async function fnUseHandle(target: Target, by: number): Promise<{ added: number; items: number[] }> {
    const added = await target.add.remote(by);
    const items: number[] = [];
    for await (const ref of target.count.remote(3)) items.push(await ref);
    return { added, items };
  },
  { mode: 'threaded' },
);

// ---- for the tests (main thread) ----------------------------------------------------------------

/** What a consumer saw of a stream: item values, error items, whether an item came after an error item,
 *  and whether next() stayed `done` on two more calls after the end. */
export interface Drained<T> {
  values: T[];
  errors: unknown[];
  itemAfterError: boolean;
  doneStays: boolean;
}

/** Reads a stream to its end (`onItem` runs after each item's value arrives), then calls next() twice more. */
export async function drain<T>(
  gen: { next(): Promise<IteratorResult<PromiseLike<T>, unknown>> },
  onItem?: (value: T, index: number) => void | Promise<void>,
): Promise<Drained<T>> {
  const out: Drained<T> = { values: [], errors: [], itemAfterError: false, doneStays: false };
  for (;;) {
    const r = await gen.next();
    if (r.done) break;
    try {
      const v = await r.value;
      if (out.errors.length > 0) out.itemAfterError = true;
      out.values.push(v);
      await onItem?.(v, out.values.length - 1);
    } catch (e) {
      if (out.errors.length > 0) out.itemAfterError = true;
      out.errors.push(e);
    }
  }
  out.doneStays = (await gen.next()).done === true && (await gen.next()).done === true;
  return out;
}

export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

/** Waits until `cond()` holds, polling every millisecond (not every macrotask: a busy main thread would take
 *  a core from the workers), or fails after `ms`: a guard against hanging, never a timing assertion. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise<void>((r) => setTimeout(r, 1));
  }
}
