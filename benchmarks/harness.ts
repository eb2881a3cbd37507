// The measuring harness: a case is a named function that returns figures; a figure is measured over
// several rounds after a warm-up, and reported as the median with min and max. Every case checks its own
// results, so a benchmark whose calls failed reports an error instead of a speed. A figure that cannot be
// measured (a peer has no streaming, or hangs) is a `NotApplicable` figure that says why, so the table
// never shows a silent blank.
import os from 'node:os';

/** Whose figure it is: troupe's own, a hand-written baseline, an installed peer library, a contrast
 *  (troupe itself in another configuration, e.g. without backpressure), or a published figure. */
export type Role = 'troupe' | 'baseline' | 'peer' | 'contrast' | 'published';

/** ops/s (and x, a speed-up): higher is better. ms, µs, KB, MB: lower is better. */
export type Unit = 'ops/s' | 'ms' | 'µs' | 'KB' | 'MB' | 'x';

export interface Measured {
  /** What was measured, e.g. 'troupe' or 'baseline: await Promise.resolve(obj.m())'. */
  readonly label: string;
  readonly role: Role;
  readonly unit: Unit;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** How many samples (rounds) the median is over. */
  readonly rounds: number;
}

export interface NotApplicable {
  readonly label: string;
  readonly role: Role;
  /** Why there is no figure, shown in the table in its place: 'n/a: no streaming API'. */
  readonly na: string;
}

export type Figure = Measured | NotApplicable;

export const isMeasured = (f: Figure): f is Measured => !('na' in f);

export interface CaseResult {
  readonly name: string;
  /** troupe's own figure first, then its baselines, peers and published figures. */
  readonly figures: Figure[];
  /** The target for troupe's figure, as text ('>= 1,000,000 ops/s'), and whether it was met. */
  readonly target?: { readonly text: string; readonly met: boolean };
  /** What the case does, in a sentence: the table and the JSON carry it. */
  readonly note?: string;
}

export interface Case {
  readonly name: string;
  /** The file (area) the case comes from: objects, tasks, actors, generators, creation, workers. */
  readonly area: string;
  run(opts: RunOptions): Promise<CaseResult>;
}

export interface RunOptions {
  /** Run briefly, only to prove the case works. */
  readonly quick: boolean;
}

/** Worker threads for every pool, troupe's and the peers' alike: the machine's cores, at most 8. */
export const WORKERS = Math.max(1, Math.min(8, os.availableParallelism()));

/** The in-flight window of the "many in flight" cases, for troupe and every peer alike. */
export const WINDOW = 16;

export function na(label: string, role: Role, why: string): NotApplicable {
  return { label, role, na: why.startsWith('n/a') ? why : `n/a: ${why}` };
}

export function summarize(label: string, unit: Unit, samples: number[], role: Role = 'troupe'): Measured {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) throw new Error(`no samples for ${label}`);
  for (const x of s) if (!Number.isFinite(x)) throw new Error(`benchmark self-check failed: ${label} measured ${x}`);
  return { label, role, unit, median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]!, rounds: s.length };
}

/** Tells the runner (the parent process) how far the case is, for the progress bar. */
export function progress(text: string): void {
  process.send?.({ type: 'progress', text });
}

export interface MeasureOptions extends RunOptions {
  /** Operations per round in a full run (a quick run does about 1/100 of them, at least `minQuick`). */
  readonly ops: number;
  readonly rounds?: number;
  readonly role?: Role;
  /** The least number of operations per round in quick mode (default 1). */
  readonly minQuick?: number;
}

const WARM_UP_MS = 750;

/** Runs `body(n)` (which performs n operations) for `rounds` rounds after a warm-up; ops per second. */
export async function throughput(
  label: string,
  body: (n: number) => Promise<void> | void,
  opts: MeasureOptions,
): Promise<Measured> {
  const ops = opts.quick ? Math.max(opts.minQuick ?? 1, Math.floor(opts.ops / 100)) : opts.ops;
  const rounds = opts.quick ? 2 : (opts.rounds ?? 5);
  // A full gc before the warm-up, none between rounds: after a full gc V8 shrinks the young generation,
  // which bills the next round's allocations (we measured a 3-10x slower first round after gc()).
  gc();
  // Warm-up: rounds of ops/5 for at least WARM_UP_MS (full runs). Threaded streams measured 0.5, 1.0,
  // 1.5 and then ~2 M items/s over their first four 200k-item rounds: the JIT of two busy threads on two
  // cores settles over about half a second, and a round or two of that is not the steady state.
  const warmUntil = performance.now() + (opts.quick ? 0 : WARM_UP_MS);
  do {
    progress(`warm-up · ${label}`);
    await body(Math.max(opts.minQuick ?? 1, Math.floor(ops / 5)));
  } while (performance.now() < warmUntil);
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    progress(`round ${r + 1}/${rounds} · ${label}`);
    const t0 = performance.now();
    await body(ops);
    const ms = performance.now() - t0;
    samples.push((ops * 1000) / ms);
  }
  return summarize(label, 'ops/s', samples, opts.role ?? 'troupe');
}

/** Runs `sample()` (which returns one measurement) `rounds` times after `warmup` unrecorded runs. */
export async function samples(
  label: string,
  unit: Unit,
  sample: (round: number) => Promise<number> | number,
  opts: RunOptions & { rounds: number; quickRounds?: number; warmup?: number; role?: Role },
): Promise<Measured> {
  const rounds = opts.quick ? (opts.quickRounds ?? 2) : opts.rounds;
  const warmup = opts.warmup ?? 1;
  for (let w = 0; w < warmup; w++) {
    progress(`warm-up · ${label}`);
    await sample(-1);
  }
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    progress(`round ${r + 1}/${rounds} · ${label}`);
    out.push(await sample(r));
  }
  return summarize(label, unit, out, opts.role ?? 'troupe');
}

/** One contender of `latencies`: a call, and the check of its result. */
export interface Contender {
  readonly label: string;
  readonly role: Role;
  call(i: number): PromiseLike<unknown>;
  verify(i: number, r: unknown): boolean;
}

/** The p50 latency (µs) of calls made one at a time, for several contenders measured in turn inside each
 *  round (the first contender rotates), so that a change in the machine's load bills them alike. Each
 *  figure is the median over rounds of each round's p50. */
export async function latencies(contenders: readonly Contender[], opts: MeasureOptions): Promise<Measured[]> {
  const ops = opts.quick ? Math.max(opts.minQuick ?? 1, Math.floor(opts.ops / 100)) : opts.ops;
  const rounds = opts.quick ? 2 : (opts.rounds ?? 5);
  const warm = Math.max(opts.minQuick ?? 1, Math.floor(ops / 5));
  const times = new Float64Array(Math.max(ops, warm));
  const run = async (c: Contender, n: number): Promise<number> => {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const r = await c.call(i);
      times[i] = performance.now() - t0;
      if (!c.verify(i, r)) check(false, `${c.label}: the result of call ${i} is wrong`);
    }
    const s = times.subarray(0, n).sort();
    return s[Math.floor(n / 2)]! * 1000;
  };
  gc();
  for (const c of contenders) {
    progress(`warm-up · ${c.label}`);
    await run(c, warm);
  }
  const out: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const j = (k + r) % contenders.length;
      progress(`round ${r + 1}/${rounds} · ${contenders[j]!.label}`);
      out[j]!.push(await run(contenders[j]!, ops));
    }
  }
  return contenders.map((c, j) => summarize(c.label, 'µs', out[j]!, c.role));
}

/** Fails the case (so it reports an error, not a speed) when a check does not hold. */
export function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark self-check failed: ${what}`);
}

export const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** `n` calls of `call(i)`, `window` of them in flight at a time (a sliding window: `window` loops, each
 *  awaiting one call before it starts its next). `verify(i, result)` checks each result. */
export async function windowed<R>(
  n: number,
  window: number,
  call: (i: number) => PromiseLike<R>,
  verify: (i: number, r: R) => boolean,
): Promise<void> {
  let next = 0;
  let bad = -1;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      const r = await call(i);
      if (!verify(i, r) && bad < 0) bad = i;
    }
  };
  const lanes: Promise<void>[] = [];
  for (let k = 0; k < Math.min(window, n); k++) lanes.push(lane());
  await Promise.all(lanes);
  check(bad < 0, `the result of call ${bad} is wrong`);
}

/** Collects garbage until the ArrayBuffer memory stops falling: V8 frees the backing stores of dead
 *  ArrayBuffers after the collection, so `arrayBuffers` read straight after gc() still counts them. */
export async function settleMemory(): Promise<void> {
  let last = Infinity;
  let steady = 0;
  for (let i = 0; i < 80 && steady < 2; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 25));
    const now = process.memoryUsage().arrayBuffers;
    steady = Math.abs(last - now) < 262144 ? steady + 1 : 0;
    last = now;
  }
}

/** Bytes of JS heap plus ArrayBuffer memory (where Uint8Array payloads live) in use now. */
export function memoryInUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Rejects after `ms` with a message, for calls that may hang (a peer's crash handling). */
export function within<T>(p: PromiseLike<T>, ms: number): Promise<T | 'timeout'> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve('timeout'), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
