// Which module defined a class or function: read from V8's structured call sites at decoration time
// (string parsing of `stack` breaks with tslib helpers and source maps). The first frame outside troupe's
// own lib/ is the user's module; a worker imports it to find the class by name.
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
