// Actors for the specs of values and creations across the wire (spec/wire-values.test.ts,
// spec/threaded-create.test.ts). A worker imports this module to find the classes, so it has no top-level
// side effects (decorators only register).
import { Actor, actor, kill, type ActorHandle } from '../../lib/index.js';
import { Hand } from './wire-actors.js';

/** Gives back what it gets, as a result, as a stream item, and through a handle to a main-thread actor. */
@actor({ mode: 'threaded' })
export class Echo extends Actor {
  echo(v: unknown): unknown {
    return v;
  }
  *items(v: unknown): Generator<unknown> {
    yield v;
  }
  async viaHandle(h: ActorHandle<MainEcho>, v: unknown): Promise<unknown> {
    return h.echo.remote(v);
  }
  async itemsViaHandle(h: ActorHandle<MainEcho>, v: unknown): Promise<unknown[]> {
    const out: unknown[] = [];
    for await (const r of h.items.remote(v)) out.push(await r);
    return out;
  }
}

/** The same on the main thread (sync, in process). */
@actor()
export class MainEcho extends Actor {
  seen: unknown[] = [];
  echo(v: unknown): unknown {
    this.seen.push(v);
    return v;
  }
  *items(v: unknown): Generator<unknown> {
    yield v;
  }
}

/** An in-process actor inside a worker (its id is the worker's) whose code creates a threaded Hand. */
@actor()
export class LocalBoss extends Actor {
  hire(label: string): ActorHandle<Hand> {
    return Hand.remote(label);
  }
}

/** A threaded actor that makes a LocalBoss in its worker; the boss hires a Hand (owned by the boss: A8). */
@actor({ mode: 'threaded' })
export class Nest extends Actor {
  boss: ActorHandle<LocalBoss> | undefined;
  async hireViaLocal(label: string): Promise<ActorHandle<Hand>> {
    this.boss = LocalBoss.remote();
    return (await this.boss.hire.remote(label)) as ActorHandle<Hand>;
  }
  killBoss(): void {
    kill(this.boss!);
  }
  /** Ends this worker (and with it the LocalBoss). */
  exit(): void {
    process.exit(3);
  }
}

/** Creates Hands from its worker and reports what happened instead of throwing. */
@actor({ mode: 'threaded' })
export class Recruiter extends Actor {
  tryHire(name: string): string {
    try {
      Hand.options({ name }).remote(name);
      return 'created';
    } catch (e) {
      return `failed: ${(e as Error).message}`;
    }
  }
  async hireMany(n: number): Promise<string[]> {
    const hs: ActorHandle<Hand>[] = [];
    for (let i = 0; i < n; i++) hs.push(Hand.remote(`m${i}`));
    return Promise.all(hs.map((h) => h.whoami.remote() as unknown as Promise<string>));
  }
}
