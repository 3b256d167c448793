/**
 * A parser for the Prometheus text exposition format 0.0.4 (what `/metrics` endpoints serve):
 * `# HELP` / `# TYPE` lines, other comments, samples with optional labels (escapes `\\`, `\"`,
 * `\n`), values including NaN and ±Inf, and an optional millisecond timestamp. It is lenient like
 * Prometheus' own scraper is not: a malformed line is reported and skipped, the rest still counts.
 * OpenMetrics extras (`# EOF`, `# UNIT`) are accepted as comments; quoted metric names are not.
 */

export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface PromExposition {
  /** `# TYPE` by family name. */
  types: Map<string, PromType>;
  samples: PromSample[];
  /** One message per malformed line (`line N: …`). */
  errors: string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** A float as Go's strconv.ParseFloat reads it (what Prometheus uses): also `NaN`, `Inf`, `+Inf`, `-Inf`. */
export function parsePromFloat(text: string): number | undefined {
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) && !/^[+-]?0[xX][0-9a-fA-F]+$/.test(text))
    return undefined;
  const v = Number(text.startsWith('+') ? text.slice(1) : text);
  return Number.isNaN(v) ? undefined : v;
}

/** Parses one sample line; returns the sample or an error message. */
function parseSample(line: string): PromSample | string {
  const nameMatch = NAME.exec(line);
  if (!nameMatch) return 'expected a metric name';
  const name = nameMatch[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  const skipSpace = (): void => {
    while (line[i] === ' ' || line[i] === '\t') i++;
  };
  skipSpace();
  if (line[i] === '{') {
    i++;
    for (;;) {
      skipSpace();
      if (line[i] === '}') {
        i++;
        break;
      }
      const ln = LABEL_NAME.exec(line.slice(i));
      if (!ln) return `bad label name at column ${i + 1}`;
      i += ln[0].length;
      skipSpace();
      if (line[i] !== '=') return `expected '=' after label ${ln[0]}`;
      i++;
      skipSpace();
      if (line[i] !== '"') return `expected '"' to open the value of label ${ln[0]}`;
      i++;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) return `unterminated value of label ${ln[0]}`;
        i++;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i];
          i++;
          if (e === 'n') value += '\n';
          else if (e === '\\' || e === '"') value += e;
          else if (e === undefined) return `unterminated value of label ${ln[0]}`;
          // Prometheus keeps an unknown escape as written.
          else value += `\\${e}`;
        } else value += c;
      }
      if (Object.hasOwn(labels, ln[0])) return `label ${ln[0]} given twice`;
      labels[ln[0]] = value;
      skipSpace();
      if (line[i] === ',') {
        i++;
        continue;
      }
      if (line[i] === '}') {
        i++;
        break;
      }
      return `expected ',' or '}' after the value of label ${ln[0]}`;
    }
  }
  const rest = line
    .slice(i)
    .trim()
    .split(/[ \t]+/);
  if (rest.length === 0 || rest[0] === '') return 'missing value';
  if (rest.length > 2) return 'unexpected text after the timestamp';
  const value = parsePromFloat(rest[0] as string);
  if (value === undefined) return `bad value '${rest[0]}'`;
  const sample: PromSample = { name, labels, value };
  if (rest.length === 2) {
    const ts = rest[1] as string;
    if (!/^-?\d+$/.test(ts)) return `bad timestamp '${ts}'`;
    sample.timestampMs = Number(ts);
  }
  return sample;
}

export function parsePrometheusText(text: string): PromExposition {
  const out: PromExposition = { types: new Map(), samples: [], errors: [] };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#[ \t]+TYPE[ \t]+([a-zA-Z_:][a-zA-Z0-9_:]*)[ \t]+(\S+)[ \t]*$/.exec(line);
      if (m) {
        if (TYPES.has(m[2] as string)) out.types.set(m[1] as string, m[2] as PromType);
        else out.errors.push(`line ${n + 1}: unknown type '${m[2]}'`);
      }
      // HELP and any other comment carry nothing we record.
      continue;
    }
    const s = parseSample(line);
    if (typeof s === 'string') out.errors.push(`line ${n + 1}: ${s}`);
    else out.samples.push(s);
  }
  return out;
}

/**
 * Whether a sample only ever goes up (so its per-second rate is what matters): a counter, a
 * histogram's or summary's `_sum`/`_count`/`_bucket`, or any `_total` without a TYPE line.
 * Accepts both spellings of a counter's family: `# TYPE x_total counter` (0.0.4) and
 * `# TYPE x counter` with samples `x_total` (OpenMetrics).
 */
export function isCumulative(name: string, types: ReadonlyMap<string, PromType>): boolean {
  const own = types.get(name);
  if (own === 'counter') return true;
  if (own !== undefined && own !== 'untyped') return false;
  const m = /^(.*)_(total|sum|count|bucket)$/.exec(name);
  if (!m) return false;
  const family = types.get(m[1] as string);
  if (m[2] === 'total') return family === undefined || family === 'counter' || family === 'untyped';
  return family === 'histogram' || family === 'summary';
}
