/**
 * A problem found in a test definition, an option or an API body: where (`path`, dotted from the
 * definition's root, e.g. `scenarios.main.rate`), what (`message`, for people) and which kind
 * (`code`, a stable kebab-case identifier for tools: `required`, `wrong-type`, `out-of-range`).
 */
export interface Problem {
  path: string;
  message: string;
  code: string;
}

/** `scenarios.main` + `rate` → `scenarios.main.rate`; an empty base gives the key alone. */
export function problemPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/** How a problem reads in one line: `scenarios.main.rate: must be a positive number`. */
export function problemText(p: Problem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}
