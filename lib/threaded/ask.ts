// Questions a worker must have answered at once: actorInfo(handle) and getActor(name) are synchronous, and
// their answer lives on the main thread. The worker posts the question and waits on a shared cell
// (Atomics.wait); the main thread answers in shared memory as soon as it reads the question and wakes it.
// No deadlock can arise: the main thread never waits for a worker. The worker's event loop stands still
// meanwhile (like a synchronous file read), so the answers are small and the wait is bounded.
import { TroupeError } from '../errors.js';

const HEADER = 8; // Int32 cells: [0] the id of the question answered last, [1] the answer's length
const SIZE = 64 * 1024;
const WAIT_MS = 10_000;

export const newAskBuffer = (): SharedArrayBuffer => new SharedArrayBuffer(HEADER + SIZE);

/** The main thread's side: writes the answer `get()` gives (JSON; a promise once it settles), or why
 *  there is none, and wakes the worker; it never leaves the worker waiting. */
export function answer(buffer: SharedArrayBuffer, id: number, get: () => unknown): void {
  const failed = (e: unknown) => JSON.stringify({ error: (e as Error)?.message ?? String(e) });
  const ok = (x: unknown) => {
    try {
      return JSON.stringify({ v: x ?? null });
    } catch (e) {
      return failed(e);
    }
  };
  let v: unknown;
  try {
    v = get();
  } catch (e) {
    return write(buffer, id, failed(e));
  }
  if (v instanceof Promise) {
    v.then(
      (x) => write(buffer, id, ok(x)),
      (e) => write(buffer, id, failed(e)),
    );
  } else write(buffer, id, ok(v));
}

function write(buffer: SharedArrayBuffer, id: number, text: string): void {
  const cells = new Int32Array(buffer, 0, 2);
  const body = new Uint8Array(buffer, HEADER, SIZE);
  let { read, written } = new TextEncoder().encodeInto(text, body);
  if (read! < text.length) ({ written } = new TextEncoder().encodeInto(JSON.stringify({ error: `the answer is larger than ${SIZE} bytes` }), body));
  Atomics.store(cells, 1, written);
  Atomics.store(cells, 0, id);
  Atomics.notify(cells, 0);
}

/** The worker's side: asks (`post` sends the question, tagged `id`, at once) and waits for the answer. */
export class Asker {
  readonly #cells: Int32Array;
  #next = 1;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer, 0, 2);
  }

  /** `waitMs`: how long to wait at most (Infinity: a question whose answer has an effect, such as a
   *  creation, waits however long the main thread is busy, so that its outcome is never lost). */
  ask(what: string, post: (id: number) => void, waitMs = WAIT_MS): unknown {
    const id = this.#next++;
    const seen = Atomics.load(this.#cells, 0);
    post(id);
    const end = Date.now() + waitMs;
    let now = seen;
    while (now !== id) {
      const left = end - Date.now();
      if (left <= 0) throw new TroupeError(`${what}: the main thread did not answer within ${waitMs} ms`);
      Atomics.wait(this.#cells, 0, now, left);
      now = Atomics.load(this.#cells, 0);
    }
    const length = Atomics.load(this.#cells, 1);
    const bytes = new Uint8Array(this.buffer, HEADER, length).slice(); // TextDecoder refuses shared memory
    const a = JSON.parse(new TextDecoder().decode(bytes)) as { v?: unknown; error?: string };
    if (a.error !== undefined) throw new TroupeError(`${what}: ${a.error}`);
    return a.v;
  }
}
