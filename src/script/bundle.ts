/**
 * Bundles a TypeScript/JavaScript test script once with esbuild, so every worker (and later every
 * agent) loads the same single file. `import … from 'volley'` resolves to the API of the volley
 * that runs the test — global, local or npx — so a script anywhere on disk needs no setup.
 * Source maps are inline: stack traces of user errors point at the user's own file and line.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Message, Plugin } from 'esbuild';
import type { ScriptAttachment, ScriptRef, ScriptSource } from '../config/types.js';
import { VolleyError } from '../errors.js';
import { k6ImportHint } from './k6-hints.js';

/** The running volley's public entry point (dist/src/index.js). */
export const VOLLEY_ENTRY = fileURLToPath(new URL('../index.js', import.meta.url));

export interface ScriptBundle {
  /** The bundled ES module on disk (a temp folder). */
  path: string;
  /** The script imports a free function that needs to know its VU (check, group, sleep, metrics). */
  trackVu: boolean;
  /** The bundle's text: what generators receive (see `bundleSource`). */
  code: string;
  /** sha256 of `code`, hex. */
  sha256: string;
  /** Removes the temp folder. */
  dispose(): void;
}

const volleyAlias: Plugin = {
  name: 'volley-self',
  setup(b) {
    b.onResolve({ filter: /^volley$/ }, () => ({ path: VOLLEY_ENTRY, external: true }));
  },
};

/** `file:line:col: message` with the line and a caret; `file` made absolute from esbuild's working folder. */
export function formatEsbuildMessage(m: Message, workingDir: string): string {
  const loc = m.location;
  if (!loc) return m.text;
  const where = `${resolve(workingDir, loc.file)}:${loc.line}:${loc.column + 1}`;
  const caret = loc.lineText ? `\n    ${loc.lineText}\n    ${' '.repeat(loc.column)}^` : '';
  return `${where}: ${m.text}${caret}`;
}

/** Exports of 'volley' that find the running VU through AsyncLocalStorage. */
const VU_AWARE = new Set(['check', 'group', 'sleep', 'Counter', 'Gauge', 'Rate', 'Trend']);

/**
 * Whether the bundle imports any VU-aware export of 'volley'. Any other way of reaching the module
 * (a namespace or default import, a dynamic import) counts as yes.
 */
export function needsVuTracking(code: string): boolean {
  const entry = JSON.stringify(VOLLEY_ENTRY);
  let named = 0;
  for (const m of code.matchAll(/import\s*\{([^}]*)\}\s*from\s*("[^"]*")/g)) {
    if (m[2] !== entry) continue;
    named++;
    const names = (m[1] as string).split(',').map((x) => (x.trim().split(/\s+as\s+/)[0] ?? '').trim());
    if (names.some((n) => VU_AWARE.has(n))) return true;
  }
  const mentions = code.split(entry).length - 1;
  return mentions > named;
}

export async function bundleScript(scriptPath: string): Promise<ScriptBundle> {
  const entry = resolve(scriptPath);
  const dir = mkdtempSync(join(tmpdir(), 'volley-script-'));
  const out = join(dir, `${basename(entry).replace(/\.[^.]+$/, '')}.bundle.mjs`);
  let code: string;
  try {
    // esbuild loads only when a script is bundled: quick mode and --version never need it.
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [entry],
      // Messages name files relative to this folder: the script's, whatever the process's cwd.
      absWorkingDir: dirname(entry),
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile: out,
      sourcemap: 'inline',
      sourcesContent: false,
      logLevel: 'silent',
      plugins: [volleyAlias],
      // npm packages a script imports are bundled in; CommonJS ones get a require() that works in ESM.
      banner: {
        js: "import { createRequire as __volleyCreateRequire } from 'node:module'; const require = __volleyCreateRequire(import.meta.url);",
      },
    });
    code = (result.outputFiles[0] as { text: string }).text;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const errors = (err as { errors?: Message[] }).errors;
    if (errors && errors.length > 0) {
      const details = errors.map((m) => formatEsbuildMessage(m, dirname(entry)));
      const unresolved = errors.flatMap((m) => /^Could not resolve "([^"]+)"/.exec(m.text)?.[1] ?? []);
      const hint = k6ImportHint(unresolved);
      throw new VolleyError('INVALID_SCRIPT', details[0] as string, { details, ...(hint && { hint }) });
    }
    throw new VolleyError('INVALID_SCRIPT', `${scriptPath}: ${(err as Error).message}`, { cause: err });
  }
  writeFileSync(out, code);
  return {
    path: out,
    code,
    sha256: sha256Hex(code),
    trackVu: needsVuTracking(code),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The bundle as generators receive it: content, digest, and the volley it imports. */
export function bundleSource(bundle: ScriptBundle, scriptPath: string): ScriptSource {
  return {
    kind: 'bundle',
    scriptPath,
    trackVu: bundle.trackVu,
    code: bundle.code,
    sha256: bundle.sha256,
    volleyEntry: VOLLEY_ENTRY,
  };
}

/** Whether the file at `path` exists and holds exactly the content of digest `sha256`. */
function holds(path: string | undefined, sha256: string): path is string {
  if (path === undefined || !existsSync(path)) return false;
  return sha256Hex(readFileSync(path, 'utf8')) === sha256;
}

/**
 * Where this generator imports the test from. A bundle already on this machine (the coordinator's
 * own, for threads) is used when its content matches the digest; otherwise the received content
 * is checked against its digest, its import of 'volley' re-pointed at the volley running here, and
 * written to a temp folder that `dispose` removes. A declarative file is read from its path when
 * that holds the same content, and parsed from the received text otherwise.
 */
export function localScriptRef(script: ScriptAttachment): { ref: ScriptRef; dispose(): void } {
  const source = script.ref;
  if (source.kind === 'declarative') {
    if (holds(source.path, source.sha256))
      return { ref: { kind: 'declarative', path: source.path }, dispose: () => {} };
    // Parsed from the text, under its original path: messages name it, and data paths resolve
    // against its folder, as they did where the test was loaded.
    if (sha256Hex(source.text) !== source.sha256)
      throw new VolleyError(
        'INVALID_SCRIPT',
        `${source.path}: the test file does not match its sha256 digest (changed or damaged on the way)`,
      );
    return { ref: { kind: 'declarative', path: source.path, text: source.text }, dispose: () => {} };
  }
  const { scriptPath, trackVu } = source;
  if (holds(script.localBundlePath, source.sha256))
    return {
      ref: { kind: 'bundle', bundlePath: script.localBundlePath, scriptPath, trackVu },
      dispose: () => {},
    };
  if (sha256Hex(source.code) !== source.sha256)
    throw new VolleyError(
      'INVALID_SCRIPT',
      `${scriptPath}: the bundled script does not match its sha256 digest (changed or damaged on the way)`,
    );
  const code =
    source.volleyEntry === VOLLEY_ENTRY
      ? source.code
      : source.code.split(JSON.stringify(source.volleyEntry)).join(JSON.stringify(VOLLEY_ENTRY));
  const dir = mkdtempSync(join(tmpdir(), 'volley-script-'));
  const bundlePath = join(dir, `${basename(scriptPath).replace(/\.[^.]+$/, '')}.bundle.mjs`);
  writeFileSync(bundlePath, code);
  return {
    ref: { kind: 'bundle', bundlePath, scriptPath, trackVu },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
