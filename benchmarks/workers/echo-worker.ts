// The tiny worker behind the hand-written baselines: it answers id-correlated requests, either as
// msgpackr-encoded bytes over a MessagePort it was given (the raw MessagePort baseline) or as plain
// structured-clone messages over parentPort (the hand-rolled postMessage pool). It keeps one counter, so it
// also serves as a stateful object, and it can stream items, burn CPU, or exit (a crash).
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { pack, unpack } from 'msgpackr';

/** A request: [id, op, arg]; a reply: [id, kind, value] with kind 0 = result, 1 = error, 2 = items, 3 = end. */
type Request = [number, string, any];

const port: MessagePort = (workerData?.port as MessagePort | undefined) ?? parentPort!;
const packed = workerData?.codec === 'msgpackr';
let counter = 0;
const objects = new Map<number, { n: number }>();
let nextObject = 1;

function send(reply: unknown[]): void {
  if (packed) {
    // pack() returns a view on a shared buffer: copy the bytes out, then move them.
    const bytes = Uint8Array.prototype.slice.call(pack(reply));
    port.postMessage(bytes, [bytes.buffer]);
  } else port.postMessage(reply);
}

function spin(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x++;
  return x;
}

function handle(id: number, op: string, arg: any): unknown {
  switch (op) {
    case 'add':
      return arg.a + arg.b;
    case 'incr':
      return (counter += arg);
    case 'value':
      return arg;
    case 'bytes': {
      // The byte length of a buffer whose ends hold 7 (-1 if not): threaded-actors.ts's ByteServer does the same.
      const x = arg as Uint8Array;
      return x instanceof Uint8Array && x[0] === 7 && x[x.length - 1] === 7 ? x.byteLength : -1;
    }
    case 'create': {
      const id = nextObject++;
      objects.set(id, { n: 0 });
      return id;
    }
    case 'spin':
      return spin(arg);
    case 'exit':
      process.exit(arg);
    case 'stream': {
      // arg: { n, batch }: items { i, v } sent as they are made, `batch` per message.
      const { n, batch } = arg as { n: number; batch: number };
      let items: { i: number; v: number }[] = [];
      for (let i = 0; i < n; i++) {
        items.push({ i, v: i * 2 });
        if (items.length === batch) {
          send([id, 2, items]);
          items = [];
        }
      }
      if (items.length > 0) send([id, 2, items]);
      send([id, 3, n]);
      return undefined;
    }
    default:
      throw new Error(`unknown op ${op}`);
  }
}

port.on('message', (m: Uint8Array | Request) => {
  const [id, op, arg] = (packed ? unpack(m as Uint8Array) : m) as Request;
  try {
    const v = handle(id, op, arg);
    if (op !== 'stream') send([id, 0, v]);
  } catch (e) {
    send([id, 1, String(e)]);
  }
});
