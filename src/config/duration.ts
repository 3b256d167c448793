import { VolleyError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  us: 0.001,
  µs: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const PART = /(\d+(?:\.\d+)?)(us|µs|ms|s|m|h|d)/y;

/**
 * Parses a duration such as `30s`, `1m30s`, `250ms`, `1.5s` or `2h` into milliseconds.
 * A bare number is read as seconds (k6 and Locust users type `--duration 30`).
 * Returns `undefined` for anything malformed; `parseDurationMs` throws instead.
 */
export function tryParseDurationMs(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input * 1000 : undefined;
  const text = input.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  let total = 0;
  PART.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (!m || m.index !== pos) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = PART.lastIndex;
  }
  return total;
}

export function parseDurationMs(input: string | number, what: string): number {
  const ms = tryParseDurationMs(input);
  if (ms === undefined) {
    throw new VolleyError('INVALID_USAGE', `${what}: malformed duration '${String(input)}'`, {
      hint: "use a number with a unit, e.g. '500ms', '30s', '1m30s', '2h'",
    });
  }
  return ms;
}

/** Formats milliseconds for people: `850ms`, `12.5s`, `3m20s`, `1h2m`. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  if (h > 0) return `${h}h${m}m`;
  return s === 0 ? `${m}m` : `${m}m${s}s`;
}

const RANGE = /^\s*(\d+(?:\.\d+)?)\s*([a-zµ]*)\s*-\s*(\d+(?:\.\d+)?)\s*([a-zµ]*)\s*$/;

/**
 * A duration or a range of durations, as `{ min, max }` in ms: `2s`, `1-3s` (the unit of the upper
 * end applies to a bare lower end), `500ms-2s`, or a number of seconds. Undefined when malformed
 * or when max < min. Used for think time (`--think`, a YAML `think:` step).
 */
export function parseDurationRangeMs(input: unknown): { min: number; max: number } | undefined {
  if (typeof input === 'number')
    return input >= 0 && Number.isFinite(input) ? { min: input * 1000, max: input * 1000 } : undefined;
  if (typeof input !== 'string') return undefined;
  const range = RANGE.exec(input);
  if (range) {
    const hiUnit = range[4] || 's';
    const min = tryParseDurationMs(`${range[1]}${range[2] || hiUnit}`);
    const max = tryParseDurationMs(`${range[3]}${hiUnit}`);
    if (min === undefined || max === undefined || max < min) return undefined;
    return { min, max };
  }
  const ms = tryParseDurationMs(input);
  return ms === undefined ? undefined : { min: ms, max: ms };
}

/** `"10q"`, `a list`, `a map`: a value as a problem message quotes it. */
export function showValue(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a map';
  return JSON.stringify(v) ?? String(v);
}

/**
 * What is wrong with a duration as written (`'30s'`, `'1m30s'`, a number of seconds), or undefined
 * when it is fine; `positive` also refuses 0. The caller adds the path.
 */
export function durationProblem(
  v: unknown,
  positive: boolean,
): { code: string; message: string } | undefined {
  const ms = typeof v === 'string' || typeof v === 'number' ? tryParseDurationMs(v) : undefined;
  if (ms === undefined)
    return {
      code: 'not-a-duration',
      message: `malformed duration ${showValue(v)} (e.g. 500ms, 30s, 1m30s, or a number of seconds)`,
    };
  if (positive && ms <= 0) return { code: 'out-of-range', message: 'must be longer than 0' };
  return undefined;
}
