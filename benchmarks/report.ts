// What a run produces: the text table (stdout), the same table in Markdown (for the README), the JSON
// record, and a hand-written SVG bar chart: one panel per case, troupe beside its baselines and peers, on a
// log scale when a panel's figures span orders of magnitude.
import { isMeasured, type CaseResult, type Figure, type Role, type Unit } from './harness.js';

export interface RunMeta {
  readonly date: string;
  readonly quick: boolean;
  readonly filter: string | undefined;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpus: { readonly count: number; readonly model: string };
  readonly availableParallelism: number;
  readonly totalMemoryMB: number;
  readonly workers: number;
  readonly window: number;
  readonly versions: Readonly<Record<string, string>>;
  wallSeconds: number;
}

export type Outcome =
  | { readonly name: string; readonly area: string; readonly status: 'ok'; readonly seconds: number; readonly result: CaseResult }
  | { readonly name: string; readonly area: string; readonly status: 'error'; readonly seconds: number; readonly error: string };

const HIGHER_IS_BETTER: ReadonlySet<Unit> = new Set(['ops/s', 'x']);

/** A number with about three significant digits, thousands separated. */
export function num(n: number): string {
  const a = Math.abs(n);
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  if (a === 0) return '0';
  return n.toPrecision(2);
}

/** ops/s in M or k for the chart's short labels. */
function short(n: number, unit: Unit): string {
  if (unit !== 'ops/s') return `${num(n)} ${unit}`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 1 : 2)} M/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)} k/s`;
  return `${num(n)} /s`;
}

export function value(f: Figure): string {
  if (!isMeasured(f)) return f.na;
  return `${num(f.median)} ${f.unit}`;
}

export function range(f: Figure): string {
  if (!isMeasured(f) || f.rounds <= 1) return '';
  return `${num(f.min)} - ${num(f.max)}`;
}

/** troupe / this figure, for the figures that can be compared with troupe's. */
export function ratio(own: Figure | undefined, f: Figure): string {
  if (own === undefined || f === own) return '';
  if (f.role === 'published') return 'not comparable';
  if (!isMeasured(f)) return '';
  if (!isMeasured(own)) return 'n/a';
  if (own.unit !== f.unit || f.median === 0) return '';
  return `${(own.median / f.median).toFixed(2)}x`;
}

const troupeOf = (r: CaseResult): Figure | undefined => r.figures.find((f) => f.role === 'troupe');

function targetText(r: CaseResult, quick: boolean): string | undefined {
  if (r.target === undefined) return undefined;
  const own = troupeOf(r);
  const verdict = quick ? 'not judged in quick mode' : own !== undefined && isMeasured(own) ? (r.target.met ? 'met' : 'NOT met') : 'n/a';
  return `target ${r.target.text}: ${verdict}`;
}

export function header(meta: RunMeta): string {
  return (
    `troupe benchmarks ${meta.date}${meta.quick ? ' (QUICK: proves each case runs; the figures mean nothing)' : ''}\n` +
    `node ${meta.node}, ${meta.platform}/${meta.arch}, ${meta.cpus.count} x ${meta.cpus.model}, ${meta.totalMemoryMB} MB; ` +
    `worker pools: ${meta.workers} workers; in-flight window: ${meta.window}`
  );
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** The one table: a row per case (its name, target, note), then a row per figure. */
export function textTable(outcomes: Outcome[], meta: RunMeta): string {
  const rows: [string, string, string, string][] = [];
  for (const o of outcomes) {
    if (o.status === 'error') continue;
    const own = troupeOf(o.result);
    for (const f of o.result.figures) rows.push([`  ${f.label}`, value(f), range(f), ratio(own, f)]);
  }
  const w0 = Math.min(96, Math.max(40, ...rows.map((r) => r[0].length)));
  const w1 = Math.max(10, ...rows.filter((r) => !r[1].startsWith('n/a')).map((r) => r[1].length));
  const w2 = Math.max(9, ...rows.map((r) => r[2].length));
  const lines: string[] = [header(meta), ''];
  lines.push(`${pad('case / figure', w0)}  ${lpad('median', w1)}  ${pad('min - max', w2)}  troupe/this`);
  lines.push('-'.repeat(w0 + w1 + w2 + 17));
  for (const o of outcomes) {
    lines.push(o.name + (o.status === 'ok' && o.result.note ? `  (${o.result.note})` : ''));
    if (o.status === 'error') {
      lines.push(`  ERROR: ${o.error.split('\n')[0]}`);
      continue;
    }
    const own = troupeOf(o.result);
    for (const f of o.result.figures) {
      const label = f.label.length > w0 - 2 ? `${f.label.slice(0, w0 - 3)}~` : f.label;
      if (!isMeasured(f)) lines.push(`  ${pad(label, w0 - 2)}  ${f.na}${ratio(own, f) ? `  [${ratio(own, f)}]` : ''}`);
      else lines.push(`  ${pad(label, w0 - 2)}  ${lpad(value(f), w1)}  ${pad(range(f), w2)}  ${ratio(own, f)}`);
    }
    const t = targetText(o.result, meta.quick);
    if (t !== undefined) lines.push(`  ${t}`);
  }
  lines.push('');
  lines.push('troupe/this: ops/s and x (speed-up): above 1 means troupe is faster; ms, KB, MB: below 1 means troupe takes less.');
  lines.push("Ray's figures are its published ones (across processes, on a 64-core machine): shown for scale, not measured here.");
  return lines.join('\n');
}

const mdEscape = (s: string) => s.replace(/\|/g, '\\|');

export function markdownTable(outcomes: Outcome[], meta: RunMeta): string {
  const lines = [
    `<!-- ${header(meta).replace(/\n/g, ' ')} -->`,
    '',
    `Measured ${meta.date.slice(0, 10)} on ${meta.cpus.count} x ${meta.cpus.model}, Node ${meta.node}${meta.quick ? ' (quick run: the figures mean nothing)' : ''}.`,
    '',
    '| case | figure | median | min - max | troupe/this |',
    '|---|---|---:|---|---:|',
  ];
  for (const o of outcomes) {
    if (o.status === 'error') {
      lines.push(`| **${mdEscape(o.name)}** | **error** | ${mdEscape(o.error.split('\n')[0]!)} | | |`);
      continue;
    }
    const own = troupeOf(o.result);
    o.result.figures.forEach((f, i) => {
      const name = i === 0 ? `**${mdEscape(o.name)}**` : '';
      lines.push(`| ${name} | ${mdEscape(f.label)} | ${mdEscape(value(f))} | ${range(f)} | ${ratio(own, f)} |`);
    });
    const t = targetText(o.result, meta.quick);
    if (t !== undefined) lines.push(`| | _${mdEscape(t)}_ | | | |`);
  }
  lines.push('');
  lines.push('troupe/this: for ops/s and speed-ups, above 1 means troupe is faster; for ms, KB and MB, below 1 means troupe takes less. ');
  lines.push("Ray's figures are published ones (across processes, on a 64-core machine), not measured here.");
  return lines.join('\n') + '\n';
}

export function json(outcomes: Outcome[], meta: RunMeta): string {
  return JSON.stringify(
    {
      ...meta,
      cases: outcomes.map((o) =>
        o.status === 'error'
          ? { name: o.name, area: o.area, status: 'error', error: o.error, seconds: round(o.seconds) }
          : {
              name: o.name,
              area: o.area,
              status: 'ok',
              seconds: round(o.seconds),
              note: o.result.note,
              target: o.result.target === undefined ? undefined : { ...o.result.target, judged: !meta.quick },
              figures: o.result.figures,
            },
      ),
    },
    null,
    2,
  ) + '\n';
}

const round = (x: number) => Math.round(x * 100) / 100;

// ---- SVG ----

const COLORS: Record<Role, string> = {
  troupe: '#e8590c',
  baseline: '#868e96',
  peer: '#1c7ed6',
  contrast: '#f08c00',
  published: '#9775fa',
};
const ROLE_NAMES: Record<Role, string> = {
  troupe: 'troupe',
  baseline: 'baseline (hand-written, same run)',
  peer: 'peer library (same run)',
  contrast: 'troupe, other setting',
  published: 'Ray, published (not measured here)',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const W = 1040;
const BAR_X = 490;
const BAR_W = 380;
const ROW = 19;

export function svg(outcomes: Outcome[], meta: RunMeta): string {
  const parts: string[] = [];
  let y = 20;
  parts.push(`<text x="16" y="${y + 4}" class="title">troupe benchmarks${meta.quick ? ' (quick run: figures mean nothing)' : ''}</text>`);
  y += 22;
  parts.push(`<text x="16" y="${y}" class="sub">${esc(`${meta.date.slice(0, 16).replace('T', ' ')} UTC · Node ${meta.node} · ${meta.cpus.count} x ${meta.cpus.model} · pools of ${meta.workers} workers, window ${meta.window} · median of rounds, whisker = min-max`)}</text>`);
  y += 18;
  let lx = 16;
  for (const role of Object.keys(COLORS) as Role[]) {
    parts.push(`<rect x="${lx}" y="${y - 9}" width="11" height="11" fill="${COLORS[role]}"/><text x="${lx + 15}" y="${y}" class="sub">${esc(ROLE_NAMES[role])}</text>`);
    lx += 30 + ROLE_NAMES[role].length * 6.2;
  }
  y += 16;
  for (const o of outcomes) {
    y += 14;
    const measured = o.status === 'ok' ? o.result.figures.filter(isMeasured) : [];
    const unit = measured[0]?.unit;
    const lower = unit !== undefined && !HIGHER_IS_BETTER.has(unit);
    const vals = measured.flatMap((f) => [f.median, f.min, f.max]).filter((v) => v > 0);
    const lo0 = Math.min(...vals);
    const hi0 = Math.max(...vals);
    const log = vals.length > 0 && hi0 / lo0 >= 30;
    const scaleNote = unit === undefined ? '' : `${unit}${lower ? ', lower is better' : ', higher is better'}${log ? ', log scale' : ''}`;
    parts.push(`<text x="16" y="${y}" class="case">${esc(o.name)}</text><text x="${W - 16}" y="${y}" class="sub" text-anchor="end">${esc(scaleNote)}</text>`);
    y += 6;
    const top = y;
    if (o.status === 'error') {
      y += ROW;
      parts.push(`<text x="24" y="${y - 5}" class="err">ERROR: ${esc(clip(o.error.split('\n')[0]!, 150))}</text>`);
      y += 4;
      continue;
    }
    const step = niceStep(hi0 / 4);
    const lo = log ? 10 ** Math.floor(Math.log10(lo0)) : 0;
    const hi = log ? 10 ** Math.ceil(Math.log10(hi0)) : Math.max(step, Math.ceil(hi0 / step - 1e-9) * step);
    const pos = (v: number) => {
      if (log) return (BAR_W * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
      return (BAR_W * v) / hi;
    };
    const rows = o.result.figures.length;
    // grid
    const ticks: number[] = [];
    if (log) for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
    else if (measured.length > 0) for (let t = 0; t <= hi * 1.0001; t += step) ticks.push(t);
    for (const t of ticks) {
      const x = BAR_X + pos(t);
      parts.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${top + rows * ROW + 2}" class="grid"/>`);
      parts.push(`<text x="${x.toFixed(1)}" y="${top + rows * ROW + 12}" class="tick" text-anchor="middle">${esc(compact(t))}</text>`);
    }
    for (const f of o.result.figures) {
      y += ROW;
      parts.push(`<text x="${BAR_X - 8}" y="${y - 5}" class="label" text-anchor="end">${esc(clip(f.label, 78))}</text>`);
      if (!isMeasured(f)) {
        parts.push(`<text x="${BAR_X + 2}" y="${y - 5}" class="na">${esc(clip(f.na, 92))}</text>`);
        continue;
      }
      const w = Math.max(2, pos(f.median));
      parts.push(`<rect x="${BAR_X}" y="${y - ROW + 4}" width="${w.toFixed(1)}" height="${ROW - 6}" fill="${COLORS[f.role]}"${f.role === 'published' ? ' fill-opacity="0.55"' : ''}><title>${esc(`${f.label}: ${value(f)}${range(f) ? ` (${range(f)})` : ''}`)}</title></rect>`);
      if (f.rounds > 1 && f.max > f.min) {
        const x1 = BAR_X + pos(f.min);
        const x2 = BAR_X + pos(f.max);
        const yy = y - ROW / 2 + 1;
        parts.push(`<path d="M${x1.toFixed(1)} ${yy}H${x2.toFixed(1)}M${x1.toFixed(1)} ${yy - 3}v6M${x2.toFixed(1)} ${yy - 3}v6" class="whisker"/>`);
      }
      const tx = BAR_X + Math.max(w, f.rounds > 1 ? pos(f.max) : 0) + 6;
      parts.push(`<text x="${tx.toFixed(1)}" y="${y - 5}" class="value">${esc(short(f.median, f.unit))}</text>`);
    }
    y += 16;
    const t = targetText(o.result, meta.quick);
    if (t !== undefined) {
      y += 12;
      parts.push(`<text x="${BAR_X}" y="${y}" class="sub">${esc(t)}</text>`);
    }
    y += 4;
  }
  y += 10;
  parts.push(`<text x="16" y="${y}" class="sub">Reproduce: npm ci &amp;&amp; npm run bench (benchmarks/run.ts); every figure comes from code in benchmarks/.</text>`);
  y += 12;
  const style = [
    'text{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;fill:#212529}',
    '.title{font-size:18px;font-weight:700}',
    '.sub{font-size:11px;fill:#495057}',
    '.case{font-size:13px;font-weight:700}',
    '.label{font-size:11px}',
    '.value{font-size:11px;fill:#343a40}',
    '.tick{font-size:9px;fill:#868e96}',
    '.na{font-size:11px;font-style:italic;fill:#868e96}',
    '.err{font-size:12px;font-weight:700;fill:#c92a2a}',
    '.grid{stroke:#e9ecef;stroke-width:1}',
    '.whisker{stroke:#212529;stroke-width:1;fill:none}',
  ].join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" role="img" aria-label="troupe benchmark results">\n` +
    `<style>${style}</style>\n<rect width="100%" height="100%" fill="#ffffff"/>\n` +
    parts.join('\n') +
    '\n</svg>\n'
  );
}

/** A round step (1, 2, 2.5 or 5 times a power of ten) at least `v`. */
function niceStep(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v * 0.999) return m * p;
  return 10 * p;
}

/** A tick label: 0, 2.5, 40, 250k, 1M, 10M. */
function compact(n: number): string {
  const trim = (x: number) => String(Number(x.toPrecision(3)));
  if (n >= 1e6) return `${trim(n / 1e6)}M`;
  if (n >= 1e3) return `${trim(n / 1e3)}k`;
  return trim(n);
}

