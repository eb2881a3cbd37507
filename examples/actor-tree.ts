// Ray's tree of actors pattern: a supervisor actor creates worker actors, keeps their handles (handles
// can be held and passed anywhere, A10), fans work out to them and gathers the results; it can replace a
// child, and killing the tree is the supervisor's job (troupe has no owner-based fate sharing: an actor
// lives until it is killed or the runtime shuts down). Run: node dist/examples/actor-tree.js
import { Actor, actor, actorInfo, get, kill, shutdown, type ActorHandle } from '../lib/index.js';
import { runIfMain, type Log } from './run-main.js';

@actor()
export class Leaf extends Actor {
  done = 0;
  constructor(readonly id: number) {
    super();
  }
  work(x: number): { by: number; value: number } {
    this.done++;
    return { by: this.id, value: x * x };
  }
}

@actor({ mode: 'async' })
export class Supervisor extends Actor {
  readonly children: ActorHandle<Leaf>[];
  constructor(n: number) {
    super();
    this.children = Array.from({ length: n }, (_, i) => Leaf.remote(i));
  }
  /** Spreads the inputs over the children, round robin, and gathers the results in input order. */
  async run(inputs: number[]): Promise<{ by: number; value: number }[]> {
    return get(inputs.map((x, i) => this.children[i % this.children.length]!.work.remote(x)));
  }
  /** Kills child i and puts a fresh one in its place. */
  replace(i: number): string {
    kill(this.children[i]!);
    this.children[i] = Leaf.remote(i);
    return actorInfo(this.children[i]!).state;
  }
  /** Kills every child: the tree goes down with its root. */
  stop(): number {
    for (const c of this.children) kill(c);
    return this.children.length;
  }
  states(): string[] {
    return this.children.map((c) => actorInfo(c).state);
  }
}

export async function main(log: Log) {
  const root = Supervisor.remote(3);
  const results = await root.run.remote([1, 2, 3, 4, 5, 6]);
  log(`results: ${results.map((r) => `${r.value} (leaf ${r.by})`).join(', ')}`);
  await root.replace.remote(1);
  const again = await root.run.remote([7, 8, 9]);
  log(`after replacing leaf 1: ${again.map((r) => `${r.value} (leaf ${r.by})`).join(', ')}`);
  const stopped = await root.stop.remote();
  const states = await root.states.remote();
  log(`stopped ${stopped} leaves: ${states.join(', ')}`);
  kill(root);
  await shutdown();
  return { results, again, states };
}

runIfMain(import.meta.url, (log) => main(log));
