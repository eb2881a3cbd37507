#!/usr/bin/env node
// Finds nats-server 2.9+ for the cluster specs, or installs Debian's package (as root, or with sudo -n),
// or fails naming the one command that installs it. TROUPE_NATS_SERVER=/path/to/nats-server overrides.
// Imported by spec/helpers/nats-server.ts (findNatsServer), run by `npm test` before the specs.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INSTALL = 'sudo apt-get install -y nats-server';

function version(bin) {
  try {
    const out = execFileSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(out);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
  } catch {
    return undefined;
  }
}

/** The nats-server binary to use (2.9 or later), or undefined. */
export function findNatsServer() {
  const env = process.env.TROUPE_NATS_SERVER;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin'];
  const candidates = env ? [env] : dirs.filter(Boolean).map((d) => join(d, 'nats-server'));
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    const v = version(c);
    if (v !== undefined && (v[0] > 2 || (v[0] === 2 && v[1] >= 9))) return c;
  }
  return undefined;
}

function tryInstall() {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = ['/usr/bin/apt-get', '/bin/apt-get'].find(existsSync);
  if (apt === undefined) return false;
  const run = (args) => {
    try {
      if (root) execFileSync(apt, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      else execFileSync('sudo', ['-n', apt, ...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      return true;
    } catch {
      return false;
    }
  };
  return run(['install', '-y', 'nats-server']) || (run(['update']) && run(['install', '-y', 'nats-server']));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let bin = findNatsServer();
  if (bin === undefined && !process.env.TROUPE_NATS_SERVER) {
    process.stdout.write('nats-server 2.9+ not found: installing Debian\'s nats-server package\n');
    if (tryInstall()) bin = findNatsServer();
  }
  if (bin === undefined) {
    process.stderr.write(`The cluster specs need nats-server 2.9 or later. Install it with:\n  ${INSTALL}\n(or set TROUPE_NATS_SERVER to its path)\n`);
    process.exit(1);
  }
  process.stdout.write(`nats-server: ${bin} (${version(bin).join('.')})\n`);
}
