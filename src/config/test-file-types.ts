/**
 * The file types a test can be written in, by extension. Kept at the bottom so that code listing or
 * checking test files (the API's file picker, `script` in POST /api/runs) needs neither the bundler
 * nor the loaders that read them.
 */

/** Bundled with esbuild and imported (src/script/bundle.ts). */
export const SCRIPT_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;

/** Parsed as a declarative test (src/declarative/). */
export const DECLARATIVE_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

export const TEST_FILE_EXTENSIONS: readonly string[] = [...SCRIPT_EXTENSIONS, ...DECLARATIVE_EXTENSIONS];
