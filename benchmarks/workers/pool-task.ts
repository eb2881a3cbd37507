// The task module the pool peers (piscina, tinypool) run: the same operations as echo-worker.ts, one task
// per call, no state kept between tasks (that is what those pools offer).
function spin(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x++;
  return x;
}

export default function task(arg: { a: number; b: number } | { spin: number } | { exit: number }): number {
  if ('exit' in arg) process.exit(arg.exit);
  if ('spin' in arg) return spin(arg.spin);
  return arg.a + arg.b;
}
