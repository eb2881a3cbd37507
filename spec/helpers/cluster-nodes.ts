// `troupe node` child processes for the cluster specs: each imports spec/helpers/cluster-actors.js and
// joins the spec's cluster; killed with the test process if a spec forgets.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/troupe.js', import.meta.url));
const actors = fileURLToPath(new URL('./cluster-actors.js', import.meta.url));

export interface NodeProcess {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | string>;
}

export async function startNode(url: string, cluster: string, name: string, extra: string[] = []): Promise<NodeProcess> {
  const proc = spawn(process.execPath, [bin, 'node', '--servers', url, '--cluster', cluster, '--name', name, '--workers', '1', '--import', actors, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<number | string>((r) => proc.once('exit', (code, sig) => {
    process.off('exit', kill);
    r(code ?? sig ?? 'gone');
  }));
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`troupe node ${name} did not join in 15 s: ${err}`)), 15_000);
    proc.stdout!.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    void exited.then((c) => reject(new Error(`troupe node ${name} exited (${c}): ${err}`)));
  });
  proc.stdout!.resume();
  return { name, proc, pid: proc.pid!, exited };
}
