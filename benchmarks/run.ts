// `npm run bench [-- --filter <text>] [-- --quick]`: runs each case in a fresh process (so one case's
// garbage does not bill the next) and prints one table, troupe beside its same-run baselines.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CaseResult, Figure } from './harness.js';
import { coreCases } from './cases/core.js';

const cases = [...coreCases];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? args[filterAt + 1]?.toLowerCase() : undefined;
const only = args.indexOf('--case');

function fmt(f: Figure): string {
  const v = (n: number) => (f.unit === 'ops/s' ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
  return `${v(f.median)} ${f.unit} (${v(f.min)}-${v(f.max)})`;
}

async function child(name: string): Promise<void> {
  const c = cases.find((x) => x.name === name)!;
  const result = await c.run({ quick });
  process.send!(result);
}

async function main(): Promise<void> {
  const chosen = cases.filter((c) => filter === undefined || c.name.toLowerCase().includes(filter));
  if (chosen.length === 0) throw new Error(`no benchmark case matches '${filter}'`);
  console.log(`troupe benchmarks${quick ? ' (quick: proves the cases run; figures mean nothing)' : ''}, node ${process.version}\n`);
  let failed = 0;
  for (const c of chosen) {
    const self = fileURLToPath(import.meta.url);
    const result = await new Promise<CaseResult | Error>((resolve) => {
      const p = fork(self, ['--case', c.name, ...(quick ? ['--quick'] : [])], { execArgv: ['--expose-gc'] });
      let got: CaseResult | undefined;
      p.on('message', (m) => (got = m as CaseResult));
      p.on('exit', (code) => resolve(got ?? new Error(`case exited with code ${code}`)));
    });
    if (result instanceof Error) {
      failed++;
      console.log(`${c.name}\n  ERROR: ${result.message}\n`);
      continue;
    }
    const [own, ...rest] = result.figures;
    console.log(result.name);
    console.log(`  ${own!.label.padEnd(48)} ${fmt(own!)}`);
    for (const f of rest) {
      const ratio = f.unit === own!.unit && f.median > 0 ? `  troupe/this = ${(own!.median / f.median).toFixed(2)}` : '';
      console.log(`  ${f.label.padEnd(48)} ${fmt(f)}${ratio}`);
    }
    if (result.target) console.log(`  target ${result.target.text}: ${quick ? 'not judged in quick mode' : result.target.met ? 'met' : 'NOT met'}`);
    console.log('');
  }
  if (failed > 0) process.exitCode = 1;
}

if (only >= 0) {
  child(args[only + 1]!).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  await main();
}
