// @ts-check
/**
 * The layers of src/, bottom to top, and the zones that enforce them (eslint.config.js,
 * `import-x/no-restricted-paths`). A folder imports only from layers below it, or from itself;
 * two folders of one layer do not import each other. Type-only imports count: a type names the
 * layer that owns it. docs/architecture.md draws this order and says what each layer owns.
 *
 * Folders that do not exist yet are listed where they go: the order is the contract.
 */
export const LAYERS = /** @type {const} */ ([
  ['errors.ts'],
  ['config'],
  ['metrics'],
  ['thresholds', 'executors'],
  ['summary'],
  ['protocols'],
  ['script'],
  ['declarative'],
  ['loader'],
  ['engine'],
  ['generators'],
  ['monitor', 'store'],
  ['analysis'],
  ['report'],
  ['outputs'],
  ['session'],
  ['server'],
  ['cli'],
  // The package's public entry point (package.json "exports"): nothing inside src/ imports it.
  ['index.ts'],
]);

/** The demo target stands alone: it may use the bottom layer, and only the CLI may start it. */
const TARGET = 'target';
const TARGET_MAY_IMPORT = ['errors.ts', 'config'];
const TARGET_IMPORTED_BY = ['cli'];

/**
 * Upward imports the lint tolerates, by file: none. Issue 13 emptied this list; an entry here is a
 * debt with an owner (`{ file, imports, owner }`), and test/unit/layers.test.ts keeps it honest.
 * @type {{ file: string; imports: string[]; owner: string }[]}
 */
export const PENDING_UPWARD_IMPORTS = [];

/**
 * @typedef {{ target: string; from: string; except?: string[]; message: string }} Zone
 */

/** `src/x` for a folder, `src/x.ts` for a file at the root of src/. */
const srcPath = (/** @type {string} */ name) => `src/${name}`;

/**
 * One zone per (folder, folder it must not import). With `file` and `allowed`, the zones for that
 * one file, with the allowed upward imports excepted (paths as in PENDING_UPWARD_IMPORTS).
 * @param {string} [file]
 * @param {readonly string[]} [allowed]
 * @returns {Zone[]}
 */
export function layerZones(file, allowed = []) {
  /** @type {Zone[]} */
  const zones = [];
  const all = LAYERS.flat();
  const zone = (/** @type {string} */ target, /** @type {string} */ from, /** @type {string} */ why) => {
    const fromPath = srcPath(from);
    const except = allowed
      .filter((a) => a.startsWith(`${fromPath}/`))
      .map((a) => `./${a.slice(fromPath.length + 1)}`);
    zones.push({
      target: srcPath(target),
      from: fromPath,
      ...(except.length > 0 ? { except } : {}),
      message: `${target} must not import ${from}: ${why} (layer order in layers.config.js, docs/architecture.md).`,
    });
  };
  LAYERS.forEach((layer, rank) => {
    for (const folder of layer) {
      for (const [otherRank, other] of LAYERS.entries())
        for (const o of other) {
          if (o === folder) continue;
          if (otherRank > rank) zone(folder, o, `${o} is above it`);
          else if (otherRank === rank) zone(folder, o, 'they are one layer: move what both need below them');
        }
      if (!TARGET_IMPORTED_BY.includes(folder)) zone(folder, TARGET, 'the demo target stands alone');
    }
  });
  for (const o of all) if (!TARGET_MAY_IMPORT.includes(o)) zone(TARGET, o, 'the demo target stands alone');
  if (file === undefined) return zones;
  // A file's own zones only: the block that uses them applies to that file.
  return zones.filter((z) => file === z.target || file.startsWith(`${z.target}/`));
}
