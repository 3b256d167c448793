/**
 * The command that runs this volley from where it is printed: `volley` when that name on PATH is
 * this very install (`npm install -g .`, `npm link`), else `node /abs/path/dist/src/cli/main.js`.
 * `npm ci` puts no `volley` on PATH, and `npx volley` outside the clone asks the public registry
 * for a package of that name, so a hint that says a bare `volley` would not work there.
 */
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This install's entry point: dist/src/cli/main.js. */
export const MAIN_JS = fileURLToPath(new URL('./main.js', import.meta.url));

const realpath = (p: string): string | undefined => {
  try {
    return realpathSync(p);
  } catch {
    return undefined; // a dangling link on PATH is not this volley
  }
};

/** The first executable `volley` on PATH, resolved through links (npm's bin links). */
export function volleyOnPath(path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'volley');
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue; // not in this folder
    }
    return realpath(candidate);
  }
  return undefined;
}

/** Quotes a path for a POSIX shell when it needs it. */
const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

const cache = new Map<string, string>();

/** `volley`, or the `node …/main.js` form when `volley` on PATH is missing or another install. */
export function volleyCommand(env: NodeJS.ProcessEnv, mainJs: string = MAIN_JS): string {
  const key = `${env.PATH ?? ''}\0${mainJs}`;
  let cmd = cache.get(key);
  if (cmd === undefined) {
    const onPath = volleyOnPath(env.PATH);
    cmd = onPath !== undefined && onPath === realpath(mainJs) ? 'volley' : `node ${shellWord(mainJs)}`;
    cache.set(key, cmd);
  }
  return cmd;
}
