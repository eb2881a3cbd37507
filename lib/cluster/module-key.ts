// How a class is named across machines: by the module's path inside its package plus the package's name
// (`app:dist/app/actors.js`), the same wherever the application is deployed, never by a file URL. A node
// hosts only what the modules it imported at start defined (hosting/node.ts); a key names one of them.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const keys = new Map<string, string | undefined>();

/** The key of module `url` (a file URL), or undefined when it is not a file. */
export function moduleKey(url: string): string | undefined {
  if (keys.has(url)) return keys.get(url);
  let key: string | undefined;
  if (url.startsWith('file:')) {
    const file = fileURLToPath(url);
    let dir = dirname(file);
    for (;;) {
      const pj = join(dir, 'package.json');
      if (existsSync(pj)) {
        let name = '';
        try {
          const n = (JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name;
          if (typeof n === 'string') name = n;
        } catch {
          // a package.json that does not parse: the path alone names the module
        }
        key = `${name}:${relative(dir, file).split(sep).join('/')}`;
        break;
      }
      const up = dirname(dir);
      if (up === dir) {
        key = `:${file.split(sep).join('/')}`;
        break;
      }
      dir = up;
    }
  }
  keys.set(url, key);
  return key;
}

/** The key of class `name` of module `url`. */
export const classKey = (url: string, name: string): string | undefined => {
  const m = moduleKey(url);
  return m === undefined ? undefined : `${m}#${name}`;
};
