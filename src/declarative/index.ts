/**
 * Declarative tests (YAML/JSON): read the file, validate it with `FILE:LINE:COL` for every
 * problem, and compile it to the same `TestDefinition` a TypeScript script exports.
 */
import { readFileSync } from 'node:fs';
import { VolleyError } from '../errors.js';
import type { TestDefinition } from '../script/api.js';
import { compileTestFile, type CompileOptions } from './compile.js';
import { assertValid, parseTestFile } from './load.js';

export type LoadDeclarativeOptions = Omit<CompileOptions, 'path' | 'locate'> & {
  /** The file's text, instead of reading `path` (a generator that received the test as content). */
  text?: string;
};

/**
 * Reads, validates and compiles a declarative test file. Throws `VolleyError('INVALID_CONFIG')`
 * with the first problem as the message and every problem in `details`, each `FILE:LINE:COL: …`;
 * `UNREADABLE_FILE` when the file cannot be read.
 */
export function loadDeclarativeTest(path: string, loadOptions: LoadDeclarativeOptions): TestDefinition {
  const { text: given, ...options } = loadOptions;
  let text: string;
  try {
    text = given ?? readFileSync(path, 'utf8');
  } catch (err) {
    throw new VolleyError(
      'UNREADABLE_FILE',
      `${path}: cannot read the test file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      { cause: err },
    );
  }
  const parsed = parseTestFile(path, text, { presets: options.presets });
  assertValid(parsed);
  return compileTestFile(parsed.value, { ...options, path, locate: parsed.locate });
}

export { compileTestFile, FlowError, type CompileOptions, type DataSource } from './compile.js';
export {
  assertValid,
  parseTestFile,
  type DocPath,
  type Locator,
  type ParsedTestFile,
  type PresetMap,
} from './load.js';
export { TEST_FILE_SCHEMA } from './schema.js';
