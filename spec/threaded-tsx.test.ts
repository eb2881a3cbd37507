// issue3: threaded classes and functions defined in a TypeScript module run through tsx are found by the
// worker (Node 20 does not run --import in workers; troupe's worker bootstrap replays it).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('issue3 a threaded actor and function from a .ts module loaded with --import tsx work, and the script exits by itself', async () => {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'spec/fixtures/tsx-main.ts'], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { twice: 42, add: 3 });
});
