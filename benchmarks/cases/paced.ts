// A paced stream into HTTP responses (issue 11): an async generator that emits a token every few ms (an
// LLM), run as an async actor's method, its consumer writing each token to an HTTP response as it comes;
// several clients at once over loopback. Beside it in the same run, the same server with a local async
// generator in the handler. The figure is the wall time until every client has read its whole response:
// the pacing sets the floor, and what troupe adds per token shows as the gap to the baseline.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Actor, actor, shutdown, type ActorHandle } from '../../lib/index.js';
import { check, samples, type Case } from '../harness.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function* localTokens(n: number, ms: number): AsyncGenerator<string> {
  for (let i = 0; i < n; i++) {
    await sleep(ms);
    yield `t${i} `;
  }
}

@actor({ mode: 'async' })
class Llm extends Actor {
  async *tokens(n: number, ms: number): AsyncGenerator<string> {
    yield* localTokens(n, ms);
  }
}

/** A server whose handler writes each token of `stream(n, ms)` to the response, then ends it. */
async function serve(stream: (n: number, ms: number) => AsyncIterable<string>): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const n = Number(url.searchParams.get('n'));
    const ms = Number(url.searchParams.get('ms'));
    res.writeHead(200, { 'content-type': 'text/plain' });
    for await (const tok of stream(n, ms)) res.write(tok);
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function fetchAll(port: number, n: number, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: `/?n=${n}&ms=${ms}`, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    }).on('error', reject);
  });
}

export const pacedCases: Case[] = [
  {
    name: 'paced stream into HTTP responses (16 clients x 200 tokens, 5 ms each)',
    area: 'generators',
    async run(opts) {
      const clients = 16;
      const n = opts.quick ? 10 : 200;
      const ms = opts.quick ? 2 : 5;
      const expected = Array.from({ length: n }, (_, i) => `t${i} `).join('');
      const llm: ActorHandle<Llm> = Llm.remote();
      const round = (port: number) => async (): Promise<number> => {
        const t0 = performance.now();
        const bodies = await Promise.all(Array.from({ length: clients }, () => fetchAll(port, n, ms)));
        const dt = performance.now() - t0;
        for (const b of bodies) check(b === expected, 'every client read every token, in order');
        return dt;
      };
      const rounds = { ...opts, rounds: 5, quickRounds: 1, warmup: 1 };
      const viaActor = await serve((k, p) => llm.tokens.remote(k, p).values());
      const t = await samples('troupe: async actor method, for await over gen.values()', 'ms', round(viaActor.port), rounds);
      await viaActor.close();
      const local = await serve(localTokens);
      const b = await samples('baseline: local async generator in the handler', 'ms', round(local.port), { ...rounds, role: 'baseline' });
      await local.close();
      await shutdown();
      return {
        name: this.name,
        figures: [t, b],
        target: { text: 'within 5% of the same-run local generator (<= 1.05x its wall time)', met: t.median <= 1.05 * b.median },
        note: `wall time until ${clients} HTTP clients (loopback) have read ${n} tokens each, the server writing each token to its response as the generator yields it every ${ms} ms`,
      };
    },
  },
];
