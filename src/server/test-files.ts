/**
 * What the dashboard's script picker offers from --scripts: test files only. A folder of tests
 * also collects outputs (`--out json=sum.json`, CSV, data files); a summary offered as a test fails
 * once run. Scripts are recognised by a default export, YAML/JSON tests by their `scenarios` map;
 * nothing is executed to tell.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TEST_FILE_EXTENSIONS } from '../config/test-file-types.js';

/** Larger files are data, not tests someone wrote by hand. */
const MAX_TEST_FILE_BYTES = 1_000_000;
const SCRIPT_EXTS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

/** Why `file` is not a test, or undefined when it is one. */
export function notATest(file: string): string | undefined {
  const ext = extname(file).toLowerCase();
  if (!TEST_FILE_EXTENSIONS.includes(ext) || file.endsWith('.d.ts')) return 'not a test file type';
  if (statSync(file).size > MAX_TEST_FILE_BYTES) return 'larger than a test file';
  const text = readFileSync(file, 'utf8');
  if (SCRIPT_EXTS.has(ext))
    return /\bexport\s+default\b|\bas\s+default\b|module\.exports\s*=/.test(text)
      ? undefined
      : 'a script without a default export (a helper module)';
  let doc: unknown;
  try {
    doc = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch {
    return 'not valid JSON or YAML';
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'not a test document';
  const schema = (doc as { schema?: unknown }).schema;
  if (typeof schema === 'string' && schema.startsWith('volley.'))
    return `a volley output (${schema}), not a test`;
  const scenarios = (doc as { scenarios?: unknown }).scenarios;
  return typeof scenarios === 'object' && scenarios !== null
    ? undefined
    : 'no scenarios (not a test document)';
}

/** Test files under `root` (four folders deep), as sorted paths relative to it. */
export function listTestFiles(root: string | undefined): string[] {
  if (!root) return [];
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory() && depth < 4) walk(p, depth + 1);
      else if (e.isFile() && TEST_FILE_EXTENSIONS.includes(extname(e.name).toLowerCase())) {
        let why: string | undefined;
        try {
          why = notATest(p);
        } catch (err) {
          why = `unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
        }
        if (why === undefined) out.push(relative(root, p));
      }
    }
  };
  walk(root, 0);
  return out.sort();
}
