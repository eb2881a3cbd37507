// The `troupe` command's own errors (bin/troupe.ts): a bad flag exits with 2 and names the flag, in the
// command line's terms, not the init() option behind it. None of these reach a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/troupe.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });
const base = ['node', '--servers', 'nats://127.0.0.1:1'];

test('troupe: a bad flag exits with 2 and names the flag and what it got', () => {
  const cases: [string[], RegExp][] = [
    [[...base, '--cluster', 'a b'], /--cluster must be letters, digits, '-' or '_', got "a b"/],
    [[...base, '--cluster', 'c', '--failure-timeout', 'abc'], /--failure-timeout must be a number, got 'abc'/],
    [[...base, '--cluster', 'c', '--failure-timeout', '0'], /--failure-timeout must be a number of milliseconds > 0, got 0/],
    [[...base, '--cluster', 'c', '--workers', 'two'], /--workers must be a number, got 'two'/],
    [[...base, '--cluster', 'c', '--resources', 'gpu='], /--resources takes name=amount pairs \(amounts >= 0\), got 'gpu='/],
    [[...base, '--cluster', 'c', '--resources', 'gpu=-1'], /--resources takes name=amount pairs/],
    [[...base, '--cluster', 'c', '--failure-timeout', '-5'], /'--failure-timeout' argument is ambiguous/],
    [['node', '--cluster', 'c'], /--servers is needed/],
    [['launch'], /unknown command 'launch'/],
  ];
  for (const [args, message] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, `troupe ${args.join(' ')} exits with 2 (stderr: ${r.stderr})`);
    assert.match(r.stderr, message, `troupe ${args.join(' ')}`);
    assert.match(r.stderr, /usage:/);
  }
});
