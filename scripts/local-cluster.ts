// A cluster on this machine, for the specs, the benchmarks and `npm run demo:cluster`: a private nats-server
// on a free port (`-p -1` prints the port it chose) and `troupe node` child processes, each killed with
// the calling process if it forgets to stop them. The server binary is found (or was installed by
// `npm test`) by scripts/ensure-nats-server.mjs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly proc: ChildProcess;
  stop(): Promise<void>;
}

export interface NodeProcess {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | string>;
}

export interface NodeSpec {
  readonly url: string;
  readonly cluster: string;
  readonly name: string;
  /** Modules the node imports (absolute paths or file URLs): the classes it can host. */
  readonly imports: readonly string[];
  readonly workers?: number;
  /** More `troupe node` flags, e.g. ['--failure-timeout', '1000']. */
  readonly extra?: readonly string[];
}

const bin = fileURLToPath(new URL('../bin/troupe.js', import.meta.url));

export async function findServerBinary(): Promise<string> {
  const script = new URL('../../scripts/ensure-nats-server.mjs', import.meta.url).href;
  const { findNatsServer } = (await import(script)) as { findNatsServer(): string | undefined };
  const found = findNatsServer();
  if (found === undefined) throw new Error('nats-server 2.9+ not found: run `node scripts/ensure-nats-server.mjs` (npm test does) or `sudo apt-get install -y nats-server`');
  return found;
}

/** Starts a nats-server with JetStream (cluster-wide names use its KV) on 127.0.0.1 and a free port
 *  (`port` to reuse one, as after a restart). */
export async function startNats(port = -1): Promise<NatsServer> {
  const store = mkdtempSync(join(tmpdir(), 'troupe-nats-'));
  const proc: ChildProcess = spawn(await findServerBinary(), ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.once('exit', () => rmSync(store, { recursive: true, force: true }));
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  const chosen = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`nats-server did not start in 10 s:\n${out}`)), 10_000);
    proc.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /client connections on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.once('exit', (code) => reject(new Error(`nats-server exited with ${code}:\n${out}`)));
  });
  proc.stderr!.resume();
  return {
    url: `nats://127.0.0.1:${chosen}`,
    port: chosen,
    proc,
    stop: async () => {
      process.off('exit', kill);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(t);
    },
  };
}

/** Starts `troupe node` and resolves once it has joined (its first line on stdout). */
export async function startNode(spec: NodeSpec): Promise<NodeProcess> {
  const args = [bin, 'node', '--servers', spec.url, '--cluster', spec.cluster, '--name', spec.name, '--workers', String(spec.workers ?? 1)];
  for (const m of spec.imports) args.push('--import', m);
  const proc = spawn(process.execPath, [...args, ...(spec.extra ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<number | string>((r) =>
    proc.once('exit', (code, sig) => {
      process.off('exit', kill);
      r(code ?? sig ?? 'gone');
    }),
  );
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`troupe node ${spec.name} did not join in 15 s: ${err}`)), 15_000);
    proc.stdout!.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    void exited.then((c) => reject(new Error(`troupe node ${spec.name} exited (${c}): ${err}`)));
  });
  proc.stdout!.resume();
  return { name: spec.name, proc, pid: proc.pid!, exited };
}
