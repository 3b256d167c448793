/**
 * Every protocol module volley has, registered with the metrics layer when this file loads: code
 * that looks metrics up by name (thresholds, summary, reports) imports it first. A new protocol
 * is one folder under src/protocols/ and one entry here.
 */
import type { TestConfig } from '../config/types.js';
import { registerHeadline, registerMetrics } from '../metrics/definitions.js';
import { grpcModule } from './grpc/module.js';
import { httpModule } from './http/module.js';
import { wsModule } from './ws/module.js';
import type { AnyProtocolModule, JsonSchema, QuickPlan, StepKind } from './module.js';

export const PROTOCOL_MODULES: readonly AnyProtocolModule[] = [httpModule, grpcModule, wsModule];

for (const m of PROTOCOL_MODULES) {
  registerMetrics(m.metrics);
  registerHeadline(m.headline, m.name);
}

const byName = new Map(PROTOCOL_MODULES.map((m) => [m.name, m]));

/** The module called `name` (a name no module has is a programming error). */
export function protocolModule(name: string): AnyProtocolModule {
  const m = byName.get(name);
  if (m === undefined) throw new Error(`no protocol module '${name}'`);
  return m;
}

/** The module whose `schemes` include the URL's scheme (`ws:` → ws); HTTP for any other URL. */
export function protocolForUrl(url: URL | string): AnyProtocolModule {
  const scheme = new URL(url).protocol;
  return PROTOCOL_MODULES.find((m) => m.schemes?.includes(scheme)) ?? protocolModule('http');
}

/** Whether `m` may take quick mode's URL request: a module with schemes takes only its own. */
function acceptsQuickUrl(m: AnyProtocolModule, config: TestConfig): boolean {
  if (config.request === undefined) return true;
  return (
    protocolForUrl(config.request.url) === m ||
    (m.schemes === undefined && protocolForUrl(config.request.url).schemes === undefined)
  );
}

/** What a run's workers need of the protocols: each module's options, and quick mode's module and request. */
export function protocolInit(config: TestConfig): {
  quick: QuickPlan | undefined;
  protocols: Record<string, unknown>;
} {
  const protocols: Record<string, unknown> = {};
  let quick: QuickPlan | undefined;
  for (const m of PROTOCOL_MODULES) {
    protocols[m.name] = m.options.fromConfig(config);
    if (quick === undefined && config.script === undefined && acceptsQuickUrl(m, config)) {
      const request = m.quickRequest?.(config);
      if (request !== undefined) quick = { protocol: m.name, request };
    }
  }
  return { quick, protocols };
}

/**
 * Before any load: can the target of the module called `protocol` be reached, with the run's
 * options? Resolves at once for a module that has no preflight.
 */
export function preflightTarget(
  protocol: string,
  target: URL,
  config: TestConfig,
  timeoutMs = 3000,
): Promise<void> {
  const m = protocolModule(protocol);
  return m.preflight ? m.preflight(target, m.options.fromConfig(config), timeoutMs) : Promise.resolve();
}

/** Every declarative step kind of every module, by key (`get`, `post`, …). */
export const STEP_KINDS: ReadonlyMap<string, StepKind> = new Map(
  PROTOCOL_MODULES.flatMap((m) => (m.steps ?? []).map((s) => [s.key, s] as const)),
);

/**
 * The step kinds with their JSON-schema fragments, for the declarative schema: a step is one of
 * these keys (plus the request options), or think / group / loop.
 */
export function stepKindSchemas(): { key: string; protocol: string; schema: JsonSchema }[] {
  return PROTOCOL_MODULES.flatMap((m) =>
    (m.steps ?? []).map((s) => ({ key: s.key, protocol: m.name, schema: s.schema })),
  );
}

/** The step kind of a declarative step (the first kind whose key the step has). */
export function stepKindOf(step: Readonly<Record<string, unknown>>): StepKind | undefined {
  for (const [key, kind] of STEP_KINDS) if (step[key] !== undefined) return kind;
  return undefined;
}
