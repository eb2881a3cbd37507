#!/usr/bin/env node
// The `troupe` command: `troupe node` joins a cluster and hosts actors; `troupe status` prints its members.
import { parseArgs } from 'node:util';
import { startNode } from '../lib/cluster/node-main.js';
import { checkClusterOptions, type ClusterOptions } from '../lib/cluster/options.js';
import { status } from '../lib/cluster/status.js';

const USAGE = `usage:
  troupe node --servers <url,...> --cluster <name> [--name <name>] [--workers <n>] [--resources k=v,...]
              [--import <module>]... [--failure-timeout <ms>] [auth and TLS flags]
  troupe status --servers <url,...> --cluster <name> [--json] [auth and TLS flags]
auth and TLS: --user <u> --pass <p> | --token <t> | --creds <file>; --tls-ca <file> --tls-cert <file> --tls-key <file>`;

/** The flag that sets each option of init({ cluster }), for errors in terms of the command line. */
const FLAGS: Record<string, string> = { servers: '--servers', name: '--cluster', node: '--name', failureTimeout: '--failure-timeout' };

/** `v` as a finite number, else NaN (Number() reads a blank as 0). */
const parsed = (v: string | undefined): number => (v === undefined || v.trim() === '' ? NaN : Number(v));

/** A number of `flag`'s, or a failure naming the flag and what it got. */
function numberOf(flag: string, v: string): number {
  const n = parsed(v);
  if (!Number.isFinite(n)) fail(`${flag} must be a number, got '${v}'`);
  return n;
}

function fail(msg: string): never {
  process.stderr.write(`troupe: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command !== 'node' && command !== 'status') fail(command === undefined ? 'a command is needed' : `unknown command '${command}'`);
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        servers: { type: 'string' },
        cluster: { type: 'string' },
        name: { type: 'string' },
        workers: { type: 'string' },
        resources: { type: 'string' },
        import: { type: 'string', multiple: true },
        'failure-timeout': { type: 'string' },
        user: { type: 'string' },
        pass: { type: 'string' },
        token: { type: 'string' },
        creds: { type: 'string' },
        'tls-ca': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.servers === undefined) fail('--servers is needed');
  if (values.cluster === undefined) fail('--cluster is needed');
  const tls = values['tls-ca'] ?? values['tls-cert'] ?? values['tls-key'];
  const cluster: ClusterOptions = {
    servers: values.servers.split(','),
    name: values.cluster,
    ...(values.name !== undefined ? { node: values.name } : {}),
    ...(values['failure-timeout'] !== undefined ? { failureTimeout: numberOf('--failure-timeout', values['failure-timeout']) } : {}),
    ...(values.user !== undefined ? { user: values.user, pass: values.pass ?? '' } : {}),
    ...(values.token !== undefined ? { token: values.token } : {}),
    ...(values.creds !== undefined ? { credsFile: values.creds } : {}),
    ...(tls !== undefined
      ? { tls: { ...(values['tls-ca'] ? { caFile: values['tls-ca'] } : {}), ...(values['tls-cert'] ? { certFile: values['tls-cert'] } : {}), ...(values['tls-key'] ? { keyFile: values['tls-key'] } : {}) } }
      : {}),
  };
  try {
    checkClusterOptions(cluster);
  } catch (e) {
    fail((e as Error).message.replace(/^init: cluster\.(\w+)/, (_, k: string) => FLAGS[k] ?? k));
  }
  if (command === 'status') {
    process.stdout.write(await status(cluster, values.json === true));
    return;
  }
  const workers = values.workers === undefined ? undefined : numberOf('--workers', values.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) fail(`--workers must be an integer >= 1, got ${values.workers}`);
  const resources: Record<string, number> = {};
  for (const kv of values.resources?.split(',').filter(Boolean) ?? []) {
    const [k, v] = kv.split('=');
    const n = parsed(v);
    if (!k || !(n >= 0) || !Number.isFinite(n)) fail(`--resources takes name=amount pairs (amounts >= 0), got '${kv}'`);
    resources[k] = n;
  }
  const node = await startNode({ cluster, ...(workers !== undefined ? { workers } : {}), resources, imports: values.import ?? [] });
  process.stdout.write(`troupe node ${node.name} (${node.id}) joined cluster ${cluster.name}; it hosts ${node.classes.length + node.functions.length === 0 ? 'no threaded class or function (pass --import)' : [...node.classes, ...node.functions].join(', ')}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void node.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`troupe: ${(e as Error).message}\n`);
  process.exit(1);
});
