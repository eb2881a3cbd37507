// Ray's parameter server pattern: an actor holds the model's weights; in each round, workers (threaded
// remote functions) compute gradients from the current weights, and the server applies their average.
// The weights travel as refs: `ps.weights.remote()` is passed straight to the gradient calls, which run
// once it is resolved (A11), and the gradient refs straight to `apply`. Run: node dist/examples/parameter-server.js
import { Actor, actor, ready, remote, shutdown } from '../lib/index.js';
import { runIfMain, type Log } from './run-main.js';

@actor()
export class ParameterServer extends Actor {
  w: number[];
  constructor(
    dim: number,
    readonly lr: number,
  ) {
    super();
    this.w = new Array<number>(dim).fill(0);
  }
  weights(): number[] {
    return this.w;
  }
  /** Applies the average of the gradients; returns the new weights. */
  apply(...grads: number[][]): number[] {
    this.w = this.w.map((w, i) => w - (this.lr * grads.reduce((s, g) => s + g[i]!, 0)) / grads.length);
    return this.w;
  }
}

/** The gradient of 0.5 * |w - target|^2 for one worker's data (its target). */
export const gradient = remote(function gradient(w: number[], target: number[]): number[] {
  return w.map((x, i) => x - target[i]!);
}, { mode: 'threaded' });

export async function main(log: Log, rounds = 30) {
  await ready();
  const targets = [
    [1, 2, 3],
    [3, 2, 1],
    [2, 2, 2],
    [2, 5, 0],
  ];
  const ps = ParameterServer.remote(3, 0.5);
  for (let r = 0; r < rounds; r++) {
    const w = ps.weights.remote();
    await ps.apply.remote(...targets.map((t) => gradient.remote(w, t)));
  }
  const w = await ps.weights.remote();
  const mean = targets[0]!.map((_, i) => targets.reduce((s, t) => s + t[i]!, 0) / targets.length);
  log(`weights after ${rounds} rounds: ${w.map((x) => x.toFixed(4)).join(', ')} (the optimum: ${mean.join(', ')})`);
  await shutdown();
  return { weights: w, optimum: mean };
}

runIfMain(import.meta.url, (log) => main(log));
