// Where threaded classes and remote functions are defined, and found again: the module that defined one is
// read from V8's structured call sites when its decorator or remote() runs (string parsing of `stack`
// breaks with tslib helpers and source maps; the first frame outside troupe's own lib/ is the user's
// module), and each is registered by module and name, so that a worker that imports the same module (which
// re-runs its decorators and remote() calls) finds it there.
import { pathToFileURL } from 'node:url';

const libRoot = new URL('..', import.meta.url).href; // .../lib/

export function callerModule(): string | undefined {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[] = [];
  try {
    Error.stackTraceLimit = 50;
    Error.prepareStackTrace = (_e, s) => s;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, callerModule);
    sites = (holder.stack as NodeJS.CallSite[] | undefined) ?? [];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
  for (const s of sites) {
    const f = s.getFileName() ?? s.getScriptNameOrSourceURL?.();
    if (!f || f.startsWith('node:')) continue;
    const url = f.startsWith('file:') ? f : f.startsWith('/') ? pathToFileURL(f).href : f;
    if (url.startsWith(libRoot)) continue;
    return url;
  }
  return undefined;
}

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

/** Everything of `kind` registered so far (what a cluster node can host: hosting/node.ts). */
export function registered(kind: 'class' | 'function'): Location[] {
  const out: Location[] = [];
  for (const k of entries.keys()) {
    const [kk, url, name] = k.split('\u0000') as [string, string, string];
    if (kk === kind) out.push({ url, name });
  }
  return out;
}
