/**
 * `volley check FILE` / `volley run --typecheck FILE`: type-checks a TypeScript script with the
 * TypeScript compiler before running it (k6 only strips types). `import … from 'volley'` resolves
 * to the types of the volley that runs the check; Node's types come with volley too.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type ts from 'typescript';

/** The running volley's declaration entry (dist/src/index.d.ts). */
export const VOLLEY_TYPES = fileURLToPath(new URL('../index.d.ts', import.meta.url));
const require = createRequire(import.meta.url);

/**
 * The compiler, loaded on first use: it costs ~30 MB of heap (70 MB RSS), and every `volley run`
 * imports this module although only `--typecheck` and `volley check` need it.
 */
function compiler(): typeof ts {
  return require('typescript') as typeof ts;
}

function nodeTypesRoot(): string | undefined {
  try {
    return dirname(dirname(require.resolve('@types/node/package.json')));
  } catch {
    return undefined;
  }
}

/** Compiler options for scripts: strict, modern ESM, 'volley' mapped to this volley's types. */
export function scriptCompilerOptions(): ts.CompilerOptions {
  const typeRoots = nodeTypesRoot();
  const ts = compiler();
  return {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    esModuleInterop: true,
    skipLibCheck: true,
    allowJs: true,
    checkJs: false,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    ...(typeRoots ? { typeRoots: [typeRoots] } : {}),
    paths: { volley: [VOLLEY_TYPES] },
  };
}

/** Every type error as `file:line:col: message`; empty when the script checks. */
export function typecheckScript(path: string): string[] {
  const file = resolve(path);
  if (!existsSync(file)) return [`${path}: no such file`];
  const ts = compiler();
  const program = ts.createProgram([file], scriptCompilerOptions());
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
    if (!d.file || d.start === undefined) return `${path}: ${text}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${d.file.fileName}:${line + 1}:${character + 1}: ${text} (TS${d.code})`;
  });
}

/** The same options as a tsconfig.json `compilerOptions` object (for `volley init`). */
export function scriptCompilerOptionsJson(): Record<string, unknown> {
  const typeRoots = nodeTypesRoot();
  return {
    strict: true,
    noEmit: true,
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    esModuleInterop: true,
    skipLibCheck: true,
    lib: ['ES2023'],
    types: ['node'],
    ...(typeRoots ? { typeRoots: [typeRoots] } : {}),
    paths: { volley: [VOLLEY_TYPES] },
  };
}
