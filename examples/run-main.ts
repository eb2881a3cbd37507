// What every example does when run as a program (`node dist/examples/<name>.js`): calls its main() with
// console.log and sets a failing exit code on error. Not in a worker: a worker imports the examples that
// define threaded actors and functions, and must not run them.
import { isMainThread } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

export type Log = (line: string) => void;

/** Runs `main(console.log)` if `moduleUrl` is the program node was started with. */
export function runIfMain(moduleUrl: string, main: (log: Log) => Promise<unknown>): void {
  if (!isMainThread || process.argv[1] === undefined || fileURLToPath(moduleUrl) !== process.argv[1]) return;
  main((line) => console.log(line)).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
