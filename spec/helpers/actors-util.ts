// Small helpers shared by the actor, ref, type and property specs: gates the tests open by hand, ticks,
// and a guard that fails a test instead of letting it hang.

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A promise the test settles by hand: the way a test holds a method at an await point. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued microtasks and `n` turns of the event loop run. */
export async function ticks(n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Waits until `cond()` holds, or fails after `ms` (never a timing assertion: only a guard against hanging). */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}

/** `p`, or a rejection naming `what` after `ms`: a test fails instead of hanging. */
export function within<T>(p: PromiseLike<T>, what: string, ms = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    Promise.resolve(p).then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The settlement of a promise-like, as a value: never throws. */
export async function settle<T>(p: PromiseLike<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

let uniq = 0;
/** A name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${++uniq}`;
}

/** Named gates shared by a test and the actors it drives: `gate(key)` is awaited, `open(key)` releases it. */
const gates = new Map<string, Deferred>();
export function gate(key: string): Deferred {
  let g = gates.get(key);
  if (g === undefined) gates.set(key, (g = deferred()));
  return g;
}
export const open = (key: string): void => gate(key).resolve();

/** Releases and forgets every gate (between tests). */
export function openAllGates(): void {
  for (const g of gates.values()) g.resolve();
  gates.clear();
}

/** Runs the GC (the process runs with --expose-gc) for `rounds` turns of the event loop; false without it. */
export async function collectGarbage(rounds: number): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return false;
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise<void>((r) => setImmediate(r));
  }
  return true;
}
