/**
 * Imports a test in this thread, whichever its kind: a bundled script (src/script) or a declarative
 * YAML/JSON file (src/declarative). The one place that knows both, so neither imports the other.
 */
import { dirname, resolve } from 'node:path';
import type { ScriptRef } from '../config/types.js';
import { dataRegistry } from '../script/data-access.js';
import { importBundle, scriptPathOf, type TestModule } from '../script/load.js';
import { PRESETS } from '../script/presets.js';
import { threadState } from '../script/thread-state.js';

/** `env` is what `${{ $env.X }}` templates of declarative files see. */
export async function importTestModule(
  ref: ScriptRef,
  env: Readonly<Record<string, string | undefined>>,
): Promise<TestModule> {
  if (ref.kind === 'bundle') return importBundle(ref);
  threadState.scriptDir = dirname(resolve(scriptPathOf(ref)));
  // ajv and yaml load only for declarative files: a script's workers start without them.
  const { loadDeclarativeTest } = await import('../declarative/index.js');
  const definition = loadDeclarativeTest(ref.path, {
    env,
    data: dataRegistry(),
    presets: PRESETS,
    ...(ref.text !== undefined && { text: ref.text }),
  });
  return { definition, exports: {} };
}
