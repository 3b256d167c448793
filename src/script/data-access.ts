/** The thread's data registry: `data.csv()`/`data.json()` resolve against the script's folder and share one copy per test. */
import { DataRegistry } from './data/shared-data.js';
import { threadState } from './thread-state.js';

let registry: DataRegistry | undefined;
let registryDir = '';

export function dataRegistry(): DataRegistry {
  if (!registry || registryDir !== threadState.scriptDir) {
    registry = new DataRegistry(threadState.scriptDir);
    registryDir = threadState.scriptDir;
  }
  return registry;
}
