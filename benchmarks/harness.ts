// The measuring harness: a case is a named function that returns figures; a figure is measured over
// several rounds after a warm-up, and reported as the median with min and max. Every case checks its own
// results, so a benchmark whose calls failed reports an error instead of a speed.

export interface Figure {
  /** What was measured, e.g. 'troupe' or 'baseline: await Promise.resolve(obj.m())'. */
  readonly label: string;
  readonly unit: 'ops/s' | 'ms' | 'KB' | 'x';
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface CaseResult {
  readonly name: string;
  /** troupe's own figure first, then its baselines and peers. */
  readonly figures: Figure[];
  /** The target for troupe's figure, as text ('>= 1,000,000 ops/s'), and whether it was met. */
  readonly target?: { readonly text: string; readonly met: boolean };
  readonly note?: string;
}

export interface Case {
  readonly name: string;
  run(opts: RunOptions): Promise<CaseResult>;
}

export interface RunOptions {
  /** Run briefly, only to prove the case works. */
  readonly quick: boolean;
}

export function summarize(label: string, unit: Figure['unit'], samples: number[]): Figure {
  const s = [...samples].sort((a, b) => a - b);
  return { label, unit, median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
}

/** Runs `body(n)` (which performs n operations) for `rounds` rounds after a warm-up; ops per second. */
export async function throughput(
  label: string,
  body: (n: number) => Promise<void> | void,
  opts: RunOptions & { ops: number; rounds?: number },
): Promise<Figure> {
  const ops = opts.quick ? Math.max(1, Math.floor(opts.ops / 100)) : opts.ops;
  const rounds = opts.quick ? 2 : (opts.rounds ?? 5);
  await body(Math.max(1, Math.floor(ops / 5)));
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await body(ops);
    const ms = performance.now() - t0;
    samples.push((ops * 1000) / ms);
  }
  return summarize(label, 'ops/s', samples);
}

/** Fails the case (so it reports an error, not a speed) when a check does not hold. */
export function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark self-check failed: ${what}`);
}

export const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
