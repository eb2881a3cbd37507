// An SSE token server: an async actor generates tokens at a steady pace (an LLM), and each HTTP client of
// GET /tokens gets them as server-sent events as they are made. A client that disconnects mid-stream aborts
// its call's signal, so its producer stops at its next yield (its finally block runs); the other clients
// are not disturbed. Run: node dist/examples/sse-server.js
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Actor, actor, shutdown, TaskCancelledError, type ActorHandle } from '../lib/index.js';
import { runIfMain, type Log } from './run-main.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

@actor({ mode: 'async' })
export class TokenModel extends Actor {
  started = 0;
  finished = 0;
  stopped = 0;

  /** `n` tokens for `prompt`, one every `ms` milliseconds. */
  async *generate(prompt: string, n: number, ms: number): AsyncGenerator<string> {
    this.started++;
    let complete = false;
    try {
      for (let i = 0; i < n; i++) {
        await sleep(ms);
        yield `${prompt}-${i}`;
      }
      complete = true;
      this.finished++;
    } finally {
      if (!complete) this.stopped++; // the stream was closed before its end
    }
  }

  counts(): { started: number; finished: number; stopped: number } {
    return { started: this.started, finished: this.finished, stopped: this.stopped };
  }
}

/** Serves GET /tokens?prompt=..&n=..&ms=.. as text/event-stream on 127.0.0.1 (port 0: a free port). */
export async function startServer(model: ActorHandle<TokenModel>): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/tokens') {
      res.writeHead(404).end();
      return;
    }
    const ctl = new AbortController();
    res.on('close', () => ctl.abort()); // the client went away (after a complete response it changes nothing)
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const prompt = url.searchParams.get('prompt') ?? 'token';
    const n = Number(url.searchParams.get('n') ?? 10);
    const ms = Number(url.searchParams.get('ms') ?? 5);
    const tokens = model.generate.options({ signal: ctl.signal }).remote(prompt, n, ms);
    void (async () => {
      try {
        for await (const token of tokens.values()) res.write(`data: ${token}\n\n`);
        res.end('event: end\ndata:\n\n');
      } catch (e) {
        if (!(e instanceof TaskCancelledError)) res.destroy(e as Error); // cancelled: the client is gone
      }
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A client: reads events until the end event, or only `stopAfter` of them and then disconnects. */
export function client(port: number, prompt: string, n: number, stopAfter?: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const events: string[] = [];
    const req = http.get({ host: '127.0.0.1', port, path: `/tokens?prompt=${prompt}&n=${n}&ms=5` }, (res) => {
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let i: number;
        while ((i = buffered.indexOf('\n\n')) >= 0) {
          const event = buffered.slice(0, i);
          buffered = buffered.slice(i + 2);
          if (event.startsWith('data: ')) events.push(event.slice(6));
          if (stopAfter !== undefined && events.length === stopAfter) {
            req.destroy(); // disconnect mid-stream
            resolve(events);
            return;
          }
        }
      });
      res.on('end', () => resolve(events));
    });
    req.on('error', (e) => (stopAfter !== undefined && events.length >= stopAfter ? resolve(events) : reject(e)));
  });
}

export async function main(log: Log) {
  const model = TokenModel.remote();
  const server = await startServer(model);
  log(`SSE server on http://127.0.0.1:${server.port}/tokens`);
  const [alpha, beta, gamma] = await Promise.all([
    client(server.port, 'alpha', 20),
    client(server.port, 'beta', 20),
    client(server.port, 'gamma', 20, 3),
  ]);
  log(`alpha got ${alpha.length} tokens, beta ${beta.length}; gamma disconnected after ${gamma.length}`);
  let counts = await model.counts.remote();
  for (let i = 0; i < 200 && counts.stopped === 0; i++) {
    await sleep(5);
    counts = await model.counts.remote();
  }
  log(`producers: ${counts.started} started, ${counts.finished} finished, ${counts.stopped} stopped when their client left`);
  await server.close();
  await shutdown();
  return { alpha, beta, gamma, counts };
}

runIfMain(import.meta.url, main);
