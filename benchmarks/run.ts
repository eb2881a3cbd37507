// `npm run bench [-- --filter <text>] [-- --quick]`: runs each case in a fresh process (so one case's
// garbage does not bill the next), shows a progress bar on a terminal, prints one table (troupe beside its
// same-run baselines and peers, and Ray's published figure where Ray has the case) and writes
// benchmarks/results/latest.{json,svg,md}. A quick run (every case briefly, only to prove each one works:
// CI runs it) writes quick.{json,svg,md} instead, and a filtered run filtered.{json,svg,md}, so neither
// overwrites the published results. A case whose self-checks fail reports an error, and the run exits 1.
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { cases } from './cases/index.js';
import { WINDOW, WORKERS, type CaseResult } from './harness.js';
import { PEER_VERSIONS } from './peers.js';
import { rayFigure } from './published.js';
import { json, markdownTable, svg, textTable, type Outcome, type RunMeta } from './report.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filterArg = args.find((a) => a.startsWith('--filter='))?.slice('--filter='.length) ?? (args.includes('--filter') ? args[args.indexOf('--filter') + 1] : undefined);
const filter = filterArg?.toLowerCase();
const only = args.indexOf('--case');

/** A case that runs longer than this is stopped and reported as an error. */
const CASE_TIMEOUT_MS = quick ? 40_000 : 600_000;

type FromChild = { type: 'progress'; text: string } | { type: 'result'; result: CaseResult } | { type: 'error'; message: string };

// ---- the child: runs one case ----

async function child(name: string): Promise<void> {
  const c = cases.find((x) => x.name === name);
  const send = (m: FromChild, code: number) => process.send!(m, () => process.exit(code));
  process.on('unhandledRejection', (e) => send({ type: 'error', message: `unhandled rejection: ${errorText(e)}` }, 1));
  if (c === undefined) {
    send({ type: 'error', message: `no case named '${name}'` }, 1);
    return;
  }
  try {
    const result = await c.run({ quick });
    const ray = rayFigure(c.name);
    // Workers a peer left behind (a hung one) must not keep the process alive: exit once the result is sent.
    send({ type: 'result', result: ray === undefined ? result : { ...result, figures: [...result.figures, ray] } }, 0);
  } catch (e) {
    send({ type: 'error', message: errorText(e) }, 1);
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  return String(e);
}

// ---- the parent: runs every chosen case, shows progress, reports ----

class ProgressBar {
  readonly #on = process.stderr.isTTY === true;
  readonly #t0 = performance.now();
  #line = '';
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly total: number) {
    if (this.#on) this.#timer = setInterval(() => this.#draw(), 500).unref();
  }

  update(done: number, name: string, step: string): void {
    if (!this.#on) return;
    const width = 24;
    const filled = Math.round((width * done) / this.total);
    this.#line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${name}${step ? ` · ${step}` : ''}`;
    this.#draw();
  }

  #draw(): void {
    const s = Math.round((performance.now() - this.#t0) / 1000);
    const text = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')} ${this.#line}`;
    const cols = process.stderr.columns || 100;
    process.stderr.write(`\r\x1b[2K${text.length > cols - 1 ? text.slice(0, cols - 2) + '~' : text}`);
  }

  done(): void {
    if (!this.#on) return;
    clearInterval(this.#timer);
    process.stderr.write('\r\x1b[2K');
  }
}

function runCase(name: string, onProgress: (text: string) => void): Promise<CaseResult | Error> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve) => {
    const p = fork(self, ['--case', name, ...(quick ? ['--quick'] : [])], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let got: CaseResult | Error | undefined;
    let stderr = '';
    p.stdout!.on('data', () => {});
    p.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      got ??= new Error(`timed out after ${CASE_TIMEOUT_MS / 1000} s`);
      p.kill('SIGKILL');
    }, CASE_TIMEOUT_MS);
    p.on('message', (m: FromChild) => {
      if (m.type === 'progress') onProgress(m.text);
      else if (m.type === 'result') got ??= m.result;
      else got ??= new Error(m.message);
    });
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(got ?? new Error(`the case process exited (${signal ?? `code ${code}`}) without a result${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    });
  });
}

function meta(): RunMeta {
  const cpus = os.cpus();
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    date: new Date().toISOString(),
    quick,
    filter: filterArg,
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpus: { count: cpus.length, model: (cpus[0]?.model ?? 'unknown').trim() },
    availableParallelism: os.availableParallelism(),
    totalMemoryMB: Math.round(os.totalmem() / 1048576),
    workers: WORKERS,
    window: WINDOW,
    versions: { troupe: pkg.version, ...PEER_VERSIONS },
    wallSeconds: 0,
  };
}

async function main(): Promise<void> {
  const chosen = cases.filter((c) => filter === undefined || c.name.toLowerCase().includes(filter));
  if (chosen.length === 0) {
    console.error(`no benchmark case matches '${filterArg}'; the cases are:\n  ${cases.map((c) => c.name).join('\n  ')}`);
    process.exitCode = 2;
    return;
  }
  const m = meta();
  const t0 = performance.now();
  const bar = new ProgressBar(chosen.length);
  const outcomes: Outcome[] = [];
  for (const [i, c] of chosen.entries()) {
    bar.update(i, c.name, 'starting');
    const c0 = performance.now();
    const r = await runCase(c.name, (text) => bar.update(i, c.name, text));
    const seconds = (performance.now() - c0) / 1000;
    outcomes.push(r instanceof Error ? { name: c.name, area: c.area, status: 'error', seconds, error: r.message } : { name: c.name, area: c.area, status: 'ok', seconds, result: r });
  }
  bar.update(chosen.length, 'done', '');
  bar.done();
  m.wallSeconds = Math.round((performance.now() - t0) / 100) / 10;

  console.log(textTable(outcomes, m));
  const dir = new URL('../../benchmarks/results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const base = quick ? 'quick' : filter !== undefined ? 'filtered' : 'latest';
  writeFileSync(new URL(`${base}.json`, dir), json(outcomes, m));
  writeFileSync(new URL(`${base}.svg`, dir), svg(outcomes, m));
  writeFileSync(new URL(`${base}.md`, dir), markdownTable(outcomes, m));
  const failed = outcomes.filter((o) => o.status === 'error');
  console.log(`\n${outcomes.length} case(s) in ${m.wallSeconds} s; wrote benchmarks/results/${base}.json, ${base}.svg and ${base}.md`);
  if (failed.length > 0) {
    console.log(`${failed.length} case(s) FAILED:`);
    for (const f of failed) if (f.status === 'error') console.log(`  ${f.name}: ${f.error}`);
    process.exitCode = 1;
  }
}

if (only >= 0) {
  await child(args[only + 1]!);
} else {
  await main();
}
