// The raw NATS baselines of the cluster cases (cases/cluster.ts), both ends: what a hand-written program does
// with the NATS client and msgpackr alone, process to process, with nothing of troupe. Run as a process
// (`node nats-echo.js <url> <tag>`, started by startResponder()), it serves subjects under `bench.<tag>`
// and prints one line once it is subscribed; it exits when its stdin closes or on SIGTERM:
//   .echo    a msgpackr value, decoded and encoded again to the message's reply subject
//   .hop     the same, answered from a worker thread of the responder: the value goes there and back by
//            postMessage (the floor of a call to an actor on a node's worker: NATS plus one thread hop)
//   .stream  { n, batch, window, to, credit }: n items { i, v: 2i } sent to `to` in batches (msgpackr
//            arrays), then { end: n }; a window > 0 holds the sender to `window` items past the count the
//            consumer last published on `credit`
//   .big     chunks { c: [id, index, count], d } of one msgpackr value larger than max_payload: joined,
//            decoded, encoded again and sent back in chunks of the same form (as troupe's link does)
// Imported, it gives the driver's side: RawClient (one connection, one reply inbox subscribed once, no
// timer per call) and startResponder(). The NATS client is loaded only when one of them is used.
import { spawn, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { Packr } from 'msgpackr';

/** Items as ClusterBench's generators make them. */
export interface Item {
  readonly i: number;
  readonly v: number;
}

// The same msgpackr settings as troupe's envelopes (lib/cluster/envelope.ts): each message self-contained.
const packr = new Packr({ moreTypes: true, useRecords: true, mapsAsObjects: false });

/** The value a chunked message carried, once its last chunk is in `parts`; undefined until then. */
function joined(parts: Map<string, Uint8Array[]>, key: string, data: Uint8Array): { id: number; value: unknown } | undefined {
  const { c, d } = packr.unpack(data) as { c: [number, number, number]; d: Uint8Array };
  const [id, index, count] = c;
  let got = parts.get(key + id);
  if (got === undefined) parts.set(key + id, (got = new Array<Uint8Array>(count)));
  got[index] = d;
  for (let i = 0; i < count; i++) if (got[i] === undefined) return undefined;
  parts.delete(key + id);
  const whole = new Uint8Array(got.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of got) (whole.set(b, at), (at += b.length));
  return { id, value: packr.unpack(whole) };
}

/** `value` packed and cut into chunk messages of at most `limit` bytes of it. */
function chunks(id: number, value: unknown, limit: number): Uint8Array[] {
  const b = packr.pack(value);
  const n = Math.ceil(b.length / limit);
  return Array.from({ length: n }, (_, i) => packr.pack({ c: [id, i, n], d: b.subarray(i * limit, (i + 1) * limit) }));
}

// ---- the responder process ----

interface StreamAsk {
  readonly n: number;
  readonly batch: number;
  /** Items the sender may run ahead of the consumer's credit; 0: no flow control. */
  readonly window: number;
  readonly to: string;
  readonly credit: string;
}

async function serve(url: string, tag: string): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const nc = await connect({ servers: url, name: `nats-echo ${tag}` });
  const limit = (nc.info?.max_payload ?? 1024 * 1024) - 64;
  const p = `bench.${tag}`;
  nc.subscribe(`${p}.echo`, {
    callback: (err, msg) => {
      if (err === null && msg.reply) nc.publish(msg.reply, packr.pack(packr.unpack(msg.data)));
    },
  });
  // The worker echoes [reply, value] back; its replies come in order.
  const hop = new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m))", { eval: true });
  hop.unref();
  hop.on('message', ([reply, v]: [string, unknown]) => nc.publish(reply, packr.pack(v)));
  nc.subscribe(`${p}.hop`, {
    callback: (err, msg) => {
      if (err === null && msg.reply) hop.postMessage([msg.reply, packr.unpack(msg.data)]);
    },
  });
  const stream = async (ask: StreamAsk): Promise<void> => {
    let taken = 0;
    let wake: (() => void) | undefined;
    const credit = (err: Error | null, msg: Msg) => {
      if (err !== null) return;
      taken = Math.max(taken, packr.unpack(msg.data) as number);
      wake?.();
    };
    const sub = ask.window > 0 ? nc.subscribe(ask.credit, { callback: credit }) : undefined;
    for (let sent = 0, batches = 0; sent < ask.n; ) {
      const room = ask.window > 0 ? Math.min(ask.n - sent, taken + ask.window - sent) : ask.n - sent;
      if (room <= 0) {
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      const k = Math.min(ask.batch, room);
      const items = new Array<Item>(k);
      for (let j = 0; j < k; j++) items[j] = { i: sent + j, v: (sent + j) * 2 };
      nc.publish(ask.to, packr.pack(items));
      sent += k;
      // No flow control, but the socket must be written now and then: the event loop turns.
      if (++batches % 64 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    nc.publish(ask.to, packr.pack({ end: ask.n }));
    sub?.unsubscribe();
  };
  nc.subscribe(`${p}.stream`, { callback: (err, msg) => void (err === null && stream(packr.unpack(msg.data) as StreamAsk)) });
  const parts = new Map<string, Uint8Array[]>();
  nc.subscribe(`${p}.big`, {
    callback: (err, msg) => {
      if (err !== null || !msg.reply) return;
      const got = joined(parts, `${msg.reply}:`, msg.data);
      if (got !== undefined) for (const c of chunks(got.id, got.value, limit)) nc.publish(msg.reply, c);
    },
  });
  await nc.flush();
  process.stdout.write(`nats-echo ${tag} ready on ${url}\n`);
  const stop = () => void nc.close().finally(() => process.exit(0));
  process.stdin.on('end', stop).resume();
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [url, tag] = process.argv.slice(2);
  if (url === undefined || tag === undefined) {
    process.stderr.write('usage: nats-echo <nats-url> <tag>\n');
    process.exit(2);
  }
  await serve(url, tag);
}

// ---- the driver's side ----

export interface Proc {
  readonly proc: ChildProcess;
  readonly exited: Promise<unknown>;
}

/** A responder process serving `bench.<tag>.*`, once it is subscribed (killed with this process). */
export async function startResponder(url: string, tag: string): Promise<Proc> {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), url, tag], { stdio: ['pipe', 'pipe', 'pipe'] });
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise((r) => proc.once('exit', r)).finally(() => process.off('exit', kill));
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`nats-echo ${tag} did not start in 15 s: ${err}`)), 15_000);
    proc.stdout!.once('data', () => (clearTimeout(t), resolve()));
    void exited.then(() => reject(new Error(`nats-echo ${tag} exited: ${err}`)));
  });
  proc.stdout!.resume();
  return { proc, exited };
}

let clients = 0;

export class RawClient {
  readonly #calls = new Map<number, (v: unknown) => void>();
  readonly #bigs = new Map<number, (v: unknown) => void>();
  readonly #parts = new Map<string, Uint8Array[]>();
  #ids = 0;
  readonly limit: number;

  private constructor(
    readonly nc: NatsConnection,
    readonly inbox: string,
  ) {
    this.limit = (nc.info?.max_payload ?? 1024 * 1024) - 64;
    nc.subscribe(`${inbox}.r`, {
      callback: (err, msg) => {
        if (err !== null || msg.data.length === 0) return; // a no-responders answer: the case times out
        const [id, v] = packr.unpack(msg.data) as [number, unknown];
        const done = this.#calls.get(id);
        this.#calls.delete(id);
        done?.(v);
      },
    });
    nc.subscribe(`${inbox}.big`, {
      callback: (err, msg) => {
        const got = err === null ? joined(this.#parts, '', msg.data) : undefined;
        if (got === undefined) return;
        const done = this.#bigs.get(got.id);
        this.#bigs.delete(got.id);
        done?.(got.value);
      },
    });
  }

  static async connect(url: string): Promise<RawClient> {
    const { connect } = await import('@nats-io/transport-node');
    const nc = await connect({ servers: url, name: 'bench raw client' });
    return new RawClient(nc, `bench.inbox.${process.pid}.${clients++}`);
  }

  /** One message there ([id, x]), one back; no timer, no per-call subscription. `via: 'hop'`: answered from
   *  the responder's worker thread. */
  call(tag: string, x: unknown, via: 'echo' | 'hop' = 'echo'): Promise<unknown> {
    const id = this.#ids++;
    return new Promise((resolve) => {
      this.#calls.set(id, resolve);
      this.nc.publish(`bench.${tag}.${via}`, packr.pack([id, x]), { reply: `${this.inbox}.r` });
    });
  }

  /** `value` packed, sent in chunks of at most max_payload, and echoed back the same way. */
  big(tag: string, value: unknown): Promise<unknown> {
    const id = this.#ids++;
    return new Promise((resolve) => {
      this.#bigs.set(id, resolve);
      for (const c of chunks(id, value, this.limit)) this.nc.publish(`bench.${tag}.big`, c, { reply: `${this.inbox}.big` });
    });
  }

  /** `n` items in batches of `batch`; `window` > 0: credit every window/2 items taken. */
  stream(tag: string, n: number, batch: number, window: number, take: (it: Item, k: number) => void): Promise<number> {
    const k = this.#ids++;
    const to = `${this.inbox}.s${k}`;
    const credit = `${this.inbox}.c${k}`;
    return new Promise((resolve, reject) => {
      let taken = 0;
      let acked = 0;
      const sub = this.nc.subscribe(to, {
        callback: (err, msg) => {
          try {
            if (err !== null) throw err;
            const v = packr.unpack(msg.data) as Item[] | { end: number };
            if (!Array.isArray(v)) {
              sub.unsubscribe();
              resolve(v.end === taken ? taken : -1);
              return;
            }
            for (const it of v) take(it, taken++);
            if (window > 0 && taken - acked >= window / 2) {
              acked = taken;
              this.nc.publish(credit, packr.pack(taken));
            }
          } catch (e) {
            sub.unsubscribe();
            reject(e);
          }
        },
      });
      this.nc.publish(`bench.${tag}.stream`, packr.pack({ n, batch, window, to, credit }));
    });
  }

  /** Probes `bench.<tag>.echo` every `everyMs` until the server answers that nobody serves it. */
  untilNoResponders(tag: string, everyMs: number): Promise<void> {
    const inbox = `${this.inbox}.nr${this.#ids++}`;
    return new Promise((resolve) => {
      const probe = setInterval(() => this.nc.publish(`bench.${tag}.echo`, packr.pack([-1, 0]), { reply: inbox }), everyMs);
      const sub = this.nc.subscribe(inbox, {
        callback: (err, msg) => {
          if (err !== null || msg.headers?.code !== 503) return;
          clearInterval(probe);
          sub.unsubscribe();
          resolve();
        },
      });
    });
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}

