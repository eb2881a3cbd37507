// Where a worker finds what the main thread asks it to run: classes and remote functions, keyed by the
// module that defined them and their name. Importing a module in a worker re-runs its decorators and
// remote() calls, which register here.

/** The module and name under which a threaded class or function is found in a worker. */
export interface Location {
  readonly url: string;
  readonly name: string;
}

const entries = new Map<string, unknown>();
const key = (kind: string, l: Location) => `${kind}\u0000${l.url}\u0000${l.name}`;

export function register(kind: 'class' | 'function', at: Location, value: unknown): void {
  entries.set(key(kind, at), value);
}

export function lookup(kind: 'class' | 'function', at: Location): unknown {
  return entries.get(key(kind, at));
}
