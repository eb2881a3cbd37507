// Ray's batch prediction pattern, with `put` of a shared model: the model is stored once with put(), and
// each prediction call takes its ref (resolved before the call runs, A11), so the caller never copies it
// into each call's arguments itself. The calls run on the pool's workers (each call's model is copied to
// its worker when it crosses, as postMessage would: for a model too big for that, load it once in a
// threaded actor instead). Results are taken with wait() as batches finish. Run: node dist/examples/batch-prediction.js
import { put, ready, remote, shutdown, wait, type ObjectRef } from '../lib/index.js';
import { runIfMain, type Log } from './run-main.js';

export interface Model {
  readonly weights: number[];
  readonly bias: number;
}

export function score(model: Model, row: number[]): number {
  return row.reduce((s, x, i) => s + x * model.weights[i]!, model.bias);
}

export const predict = remote(function predict(model: Model, batch: number[][], id: number): { id: number; scores: number[] } {
  return { id, scores: batch.map((row) => score(model, row)) };
}, { mode: 'threaded' });

export async function main(log: Log, batches = 8, rows = 50, dim = 16) {
  await ready();
  const model: Model = { weights: Array.from({ length: dim }, (_, i) => (i % 5) - 2), bias: 0.5 };
  const modelRef: ObjectRef<Model> = put(model);
  const data = Array.from({ length: batches }, (_, b) => Array.from({ length: rows }, (_, r) => Array.from({ length: dim }, (_, i) => ((b + r + i) % 7) / 7)));
  let pending = data.map((batch, id) => predict.remote(modelRef, batch, id));
  const results = new Map<number, number[]>();
  while (pending.length > 0) {
    const [done, rest] = await wait(pending, { numReturns: Math.min(2, pending.length) });
    for (const ref of done) {
      const { id, scores } = await ref;
      results.set(id, scores);
    }
    pending = rest;
  }
  const mismatches = data.filter((batch, id) => batch.some((row, r) => Math.abs(score(model, row) - results.get(id)![r]!) > 1e-9)).length;
  log(`${results.size} batches of ${rows} rows predicted on the pool; ${mismatches} batch(es) differ from a local run`);
  await shutdown();
  return { batches: results.size, rows: [...results.values()].map((s) => s.length), mismatches };
}

runIfMain(import.meta.url, (log) => main(log));
