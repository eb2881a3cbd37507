// A private nats-server for one spec file: started on a free port (`-p -1` prints the port it chose),
// stopped by the spec, and killed with the test process if a spec forgets. The binary is found (or was
// installed by `npm test`) by scripts/ensure-nats-server.mjs.
import { spawn, type ChildProcess } from 'node:child_process';

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startNats(): Promise<NatsServer> {
  const script = new URL('../../../scripts/ensure-nats-server.mjs', import.meta.url).href;
  const { findNatsServer } = (await import(script)) as { findNatsServer(): string | undefined };
  const bin = findNatsServer();
  if (bin === undefined) throw new Error('nats-server 2.9+ not found: run `node scripts/ensure-nats-server.mjs` (npm test does) or `sudo apt-get install -y nats-server`');
  const proc: ChildProcess = spawn(bin, ['-a', '127.0.0.1', '-p', '-1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  const port = await new Promise<number>((resolve, reject) => {
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
    url: `nats://127.0.0.1:${port}`,
    port,
    stop: async () => {
      process.off('exit', kill);
      if (proc.exitCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(t);
    },
  };
}
