/**
 * Threshold syntax (k6's): a key `metric` or `metric{tag:value,...}` and expressions such as
 * `p(99)<100`, `avg<50`, `med<=20`, `max<2000`, `rate<0.001`, `count>100`, with optional
 * `abortOnFail` and `delayAbortEval`. Parsing reports every problem at once.
 */
import { tryParseDurationMs } from '../config/duration.js';
import type { ThresholdSpec } from '../config/types.js';
import { headlineMetrics, type MetricDefinition, type MetricType } from '../metrics/definitions.js';
import type { Tags } from '../metrics/tags.js';
import { problemPath, type Problem } from '../config/problems.js';
import { suggest } from '../config/suggest.js';

/** The metric an example threshold names: the first protocol's duration (the engine's own without one). */
const exampleDuration = (): string => headlineMetrics()[0]?.duration ?? 'iteration_duration';

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Threshold {
  /** The key as written, e.g. `iteration_duration{scenario:checkout}`. */
  key: string;
  metric: string;
  metricType: MetricType;
  filter: Tags | undefined;
  /** The expression as written, e.g. `p(99)<100`. */
  source: string;
  stat: string;
  op: Operator;
  value: number;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
}

const KEY = /^([A-Za-z_][A-Za-z0-9_.-]*)(?:\{(.*)\})?$/s;
const EXPR =
  /^\s*(avg|min|max|med|count|rate|value|passes|fails|p\([^)]*\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;

const STATS_BY_TYPE: Record<MetricType, (s: string) => boolean> = {
  counter: (s) => s === 'count' || s === 'rate',
  gauge: (s) => s === 'value' || s === 'min' || s === 'max',
  rate: (s) => s === 'rate' || s === 'passes' || s === 'fails' || s === 'count',
  trend: (s) => ['avg', 'min', 'max', 'med', 'count'].includes(s) || s.startsWith('p('),
};

/**
 * The resource monitor's metrics are named by what is monitored (`target_cpu_percent`,
 * `prom_queue_depth`), so they are known only once the run starts: any `target_*` or `prom_*`
 * name is a trend (docs/metrics.md). A threshold on one that never reports reads "no data".
 */
export function monitorMetric(name: string): MetricDefinition | undefined {
  if (!/^(target|prom)_[A-Za-z0-9_]+$/.test(name)) return undefined;
  return { name, type: 'trend', contains: 'default', description: 'resource monitor reading' };
}

export function parseThresholdKey(key: string): { metric: string; filter: Tags | undefined } | string {
  const m = KEY.exec(key.trim());
  if (!m) return `'${key}' is not a metric name or metric{tag:value} filter`;
  const metric = m[1] as string;
  if (m[2] === undefined) return { metric, filter: undefined };
  const filter: Record<string, string> = {};
  for (const part of m[2].split(',')) {
    if (part.trim() === '') continue;
    const idx = part.indexOf(':');
    if (idx <= 0) return `tag filter '${part.trim()}' in '${key}' must be tag:value`;
    filter[part.slice(0, idx).trim()] = part.slice(idx + 1).trim();
  }
  return { metric, filter };
}

/**
 * Parses every threshold; `metrics` resolves metric names (built-in and custom). Returns the
 * thresholds and every problem, each at its path: `thresholds.KEY` for the key (an unknown metric
 * is said once, not once per expression), `thresholds.KEY[i]` for the i-th expression.
 */
export function parseThresholds(
  specs: Record<string, readonly ThresholdSpec[]>,
  metrics: (name: string) => MetricDefinition | undefined,
  /** The metric names `metrics` knows, for "did you mean" on an unknown one. */
  names: Iterable<string> = [],
  /** Where the map sits in the definition. */
  root = 'thresholds',
): { thresholds: Threshold[]; problems: Problem[] } {
  const thresholds: Threshold[] = [];
  const problems: Problem[] = [];
  for (const [key, list] of Object.entries(specs)) {
    const keyPath = problemPath(root, key);
    const parsedKey = parseThresholdKey(key);
    if (typeof parsedKey === 'string') {
      problems.push({ path: keyPath, code: 'invalid-syntax', message: parsedKey });
      continue;
    }
    const def = metrics(parsedKey.metric) ?? monitorMetric(parsedKey.metric);
    if (!def) {
      problems.push({
        path: keyPath,
        code: 'unknown-name',
        message: `unknown metric '${parsedKey.metric}'${suggest(parsedKey.metric, names)}`,
      });
      continue;
    }
    list.forEach((spec, i) => {
      const path = problemPath(keyPath, i);
      const obj = typeof spec === 'string' ? { threshold: spec } : spec;
      const problem = (code: string, message: string): void => void problems.push({ path, code, message });
      if (typeof obj?.threshold !== 'string')
        return problem(
          'wrong-type',
          "must be an expression such as 'p(99)<100' or { threshold, abortOnFail }",
        );
      const m = EXPR.exec(obj.threshold);
      if (!m)
        return problem(
          'invalid-syntax',
          `'${obj.threshold}' is not an expression like 'p(99)<100', 'avg<50', 'rate<0.01' or 'count>10'`,
        );
      const stat = (m[1] as string).replace(/\s+/g, '');
      if (!STATS_BY_TYPE[def.type](stat))
        return problem(
          'wrong-type',
          `'${obj.threshold}': '${stat}' does not apply to ${def.type} metric '${def.name}'`,
        );
      // A percentile is a number from 0 to 100: p(101), p(-1) and p(abc) are config errors, not thresholds that pass.
      const pm = /^p\((.*)\)$/.exec(stat);
      if (pm && !(/^\d+(?:\.\d+)?$/.test(pm[1] as string) && Number(pm[1]) <= 100))
        return problem(
          'out-of-range',
          `'${obj.threshold}': the percentile in '${stat}' must be a number from 0 to 100, e.g. p(99) or p(99.9)`,
        );
      let delayAbortEvalMs = 0;
      if (obj.delayAbortEval !== undefined) {
        const d = tryParseDurationMs(obj.delayAbortEval);
        if (d === undefined)
          return problem(
            'not-a-duration',
            `'${obj.threshold}': delayAbortEval '${obj.delayAbortEval}' is not a duration`,
          );
        delayAbortEvalMs = d;
      }
      const op = (m[2] === '===' ? '==' : m[2]) as Operator;
      thresholds.push({
        key,
        metric: parsedKey.metric,
        metricType: def.type,
        filter: parsedKey.filter,
        source: obj.threshold.trim(),
        stat,
        op,
        value: Number(m[3]),
        abortOnFail: obj.abortOnFail === true,
        delayAbortEvalMs,
      });
    });
  }
  return { thresholds, problems };
}

/**
 * Parses the CLI form `METRIC[{tags}]:EXPR[:abortOnFail[=DELAY]]`, e.g.
 * `iteration_duration{scenario:checkout}:p(99)<80` or `checks:rate>0.99:abortOnFail=10s`.
 */
export function parseCliThreshold(text: string): { key: string; spec: ThresholdSpec } | string {
  let depth = 0;
  let split = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ':' && depth === 0) {
      split = i;
      break;
    }
  }
  if (split <= 0) return `--threshold '${text}' must be METRIC:EXPR, e.g. '${exampleDuration()}:p(99)<100'`;
  const key = text.slice(0, split).trim();
  const rest = text.slice(split + 1);
  const abort = /:abortOnFail(?:=([^:]+))?\s*$/.exec(rest);
  if (!abort) return { key, spec: rest.trim() };
  const expr = rest.slice(0, abort.index).trim();
  const spec: ThresholdSpec = { threshold: expr, abortOnFail: true };
  if (abort[1] !== undefined) spec.delayAbortEval = abort[1];
  return { key, spec };
}
