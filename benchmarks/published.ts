// Ray's published microbenchmark figures (`ray microbenchmark`, python/ray/_private/ray_perf.py, on an AWS
// m5.16xlarge, 64 vCPU), as recorded in the research behind docs/semantics.md. They are shown beside the cases of
// the same name for scale only: Ray runs each call across processes on a 64-core machine; nothing here
// measures Ray.
import type { Figure } from './harness.js';

export const RAY_LABEL = 'Ray (published, 64-core machine, not measured here)';

/** ops/s by Ray's case name. */
export const RAY_PUBLISHED: Readonly<Record<string, number>> = {
  'single client get calls': 10_620,
  'single client put calls': 5_173,
  'single client tasks sync': 981,
  'single client tasks async': 8_041,
  '1:1 actor calls sync': 2_012,
  '1:1 actor calls async': 8_664,
  '1:1 actor calls concurrent': 5_775,
  '1:n actor calls async': 8_038,
  'n:n actor calls async': 27_376,
  '1:1 async-actor calls sync': 1_460,
  '1:1 async-actor calls async': 4_260,
};

/** The Ray name a case carries: its name without a trailing qualifier in parentheses ('(threaded, ...)'). */
export function rayName(caseName: string): string {
  return caseName.replace(/\s*\(.*\)\s*$/, '');
}

/** Ray's published figure for a case of that name, if Ray's microbenchmark has the case. */
export function rayFigure(caseName: string): Figure | undefined {
  const v = RAY_PUBLISHED[rayName(caseName)];
  if (v === undefined) return undefined;
  return { label: RAY_LABEL, role: 'published', unit: 'ops/s', median: v, min: v, max: v, rounds: 1 };
}
