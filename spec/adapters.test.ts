// Streams as the stream types Node code passes around (issue 11): `gen.toReadableStream()` (a Web
// ReadableStream of values, a Response body when the values are bytes) and Node's `Readable` through
// `Readable.from(gen.values())`. Closing either end (reader.cancel(), readable.destroy()) closes the troupe
// stream: the producer stops at its next yield and its finally block runs. Types are checked by the build:
// no cast is needed under TypeScript's ES2023 libs with @types/node.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { Actor, actor, TaskError, type ObjectRefGenerator } from '../lib/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const counts = { produced: 0, finals: 0 };

@actor({ mode: 'async' })
class Source extends Actor {
  *bytes(words: string[]): Generator<Uint8Array> {
    for (const w of words) yield new TextEncoder().encode(w);
  }
  *words(words: string[]): Generator<string> {
    yield* words;
  }
  *failAfter(n: number): Generator<number> {
    for (let i = 0; i < n; i++) yield i;
    throw new Error('source broke');
  }
  /** Endless, one item every `ms` ms; counts its items and its finally block. */
  async *endless(ms: number): AsyncGenerator<string> {
    try {
      for (let i = 0; ; i++) {
        await sleep(ms);
        counts.produced++;
        yield `t${i}`;
      }
    } finally {
      counts.finals++;
    }
  }
}

async function stops(f0: number, what: string): Promise<void> {
  for (let i = 0; i < 400 && counts.finals === f0; i++) await sleep(10);
  assert.equal(counts.finals - f0, 1, `${what}: the producer's finally ran`);
  const p = counts.produced;
  await sleep(30);
  assert.equal(counts.produced, p, `${what}: no item after the close`);
}

describe('issue11 gen.toReadableStream()', () => {
  test('a stream of Uint8Array is a Response body as it is', async () => {
    const s = Source.remote();
    const res = new Response(s.bytes.remote(['he', 'llo', ' world']).toReadableStream());
    assert.equal(await res.text(), 'hello world');
  });

  test('text goes through a TextEncoderStream into a Response', async () => {
    const s = Source.remote();
    const body = s.words.remote(['a', 'b', 'c']).toReadableStream().pipeThrough(new TextEncoderStream());
    assert.equal(await new Response(body).text(), 'abc');
  });

  test('a reader gets the values in order, then done; the error item errors the stream with its TaskError', async () => {
    const s = Source.remote();
    const reader = s.words.remote(['x', 'y']).toReadableStream().getReader();
    assert.deepEqual(await reader.read(), { done: false, value: 'x' });
    assert.deepEqual(await reader.read(), { done: false, value: 'y' });
    assert.deepEqual(await reader.read(), { done: true, value: undefined });
    const failing = s.failAfter.remote(2).toReadableStream();
    const got: number[] = [];
    await assert.rejects(async () => {
      for await (const v of failing) got.push(v);
    }, (e: unknown) => e instanceof TaskError && /source broke/.test((e as Error).message));
    assert.deepEqual(got, [0, 1]);
  });

  test('reader.cancel() closes the troupe stream: the producer stops at its next yield', async () => {
    const s = Source.remote();
    const f0 = counts.finals;
    const gen: ObjectRefGenerator<string, void> = s.endless.remote(2);
    const reader = gen.toReadableStream().getReader();
    assert.deepEqual(await reader.read(), { done: false, value: 't0' });
    await reader.cancel();
    await stops(f0, 'reader.cancel()');
    assert.equal(gen.isFinished(), true);
  });
});

describe('issue11 Node Readable: Readable.from(gen.values())', () => {
  test('gives the values in order, and an error event with the TaskError at the error item', async () => {
    const s = Source.remote();
    const out: string[] = [];
    for await (const v of Readable.from(s.words.remote(['p', 'q', 'r']).values())) out.push(v as string);
    assert.deepEqual(out, ['p', 'q', 'r']);
    const r = Readable.from(s.failAfter.remote(1).values());
    await assert.rejects(async () => {
      for await (const _ of r) void _;
    }, TaskError);
  });

  test('destroy() stops the producer at its next yield, even while a read waits for the next item', async () => {
    const s = Source.remote();
    const f0 = counts.finals;
    const readable = Readable.from(s.endless.remote(20).values());
    const first = await new Promise<unknown>((resolve) => readable.once('data', resolve));
    assert.equal(first, 't0');
    readable.pause();
    readable.destroy();
    await stops(f0, 'readable.destroy()');
  });

  test('values().return() closes the stream while a next() is pending', async () => {
    const s = Source.remote();
    const f0 = counts.finals;
    const it = s.endless.remote(30).values();
    assert.deepEqual(await it.next(), { done: false, value: 't0' });
    const pending = it.next();
    await it.return!();
    assert.deepEqual(await pending, { done: true, value: undefined }, 'the pending next() answers done');
    await stops(f0, 'values().return()');
  });

  test('into an HTTP response with pipeline(): a client that disconnects mid-stream stops the producer', { timeout: 20_000 }, async () => {
    const s = Source.remote();
    const f0 = counts.finals;
    let piped: Error | null | undefined;
    const server = http.createServer((_req, res) => {
      pipeline(Readable.from(s.endless.remote(3).values()), res, (e) => (piped = e));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const got = await new Promise<string>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
            if (body.includes('t2')) {
              req.destroy();
              resolve(body);
            }
          });
        });
        req.on('error', (e) => (e.message.includes('socket hang up') || (e as { code?: string }).code === 'ECONNRESET' ? undefined : reject(e)));
      });
      assert.ok(got.startsWith('t0t1t2'), got);
      await stops(f0, 'the client disconnected');
      assert.ok(piped instanceof Error, 'pipeline saw the response close early');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
