/**
 * `ctx.http` for script VUs: one `ScriptHttpClient` per VU on the VU's connection, recording each
 * response under the VU's current scope (scenario, group) and the request's endpoint name.
 */
import type { ScriptScenarioEnvironment, VuScope } from '../module.js';
import type { ExpectedStatuses } from './expected-statuses.js';
import type { EndpointRecorder, HttpRecorder } from './recorder.js';
import { ScriptHttpClient, type HttpClientDefaults, type ResponseRecorder } from './script-client.js';
import { httpDefaults, type HttpDefinitionPart } from './script-defaults.js';
import type { HttpConnection, HttpResponse } from './types.js';

/** Endpoint recorders of one scenario, cached per scope, method and name (extra tags: looked up each time). */
export class ScenarioEndpoints {
  /** Scope key → method → name → recorder: three lookups and no key string built per request. */
  private readonly endpoints = new Map<string, Map<string, Map<string, EndpointRecorder>>>();
  constructor(
    private readonly recorder: HttpRecorder,
    private readonly scenario: string,
  ) {}

  endpoint(
    scope: VuScope,
    method: string,
    name: string,
    extra: Readonly<Record<string, string>> | undefined,
  ): EndpointRecorder {
    let byName: Map<string, EndpointRecorder> | undefined;
    if (extra === undefined) {
      let byMethod = this.endpoints.get(scope.key);
      if (byMethod === undefined) {
        byMethod = new Map();
        this.endpoints.set(scope.key, byMethod);
      }
      byName = byMethod.get(method);
      if (byName === undefined) {
        byName = new Map();
        byMethod.set(method, byName);
      }
      const e = byName.get(name);
      if (e !== undefined) return e;
    }
    const tags: Record<string, string> & { scenario: string; name: string; method: string } = {
      ...scope.tags,
      scenario: this.scenario,
      name,
      method,
    };
    if (extra) Object.assign(tags, extra);
    const e = this.recorder.endpoint(tags);
    // Names past the cap share the `other` recorder: caching it under each name would keep
    // one entry per distinct name for the whole run.
    if (byName !== undefined && !e.overflow) byName.set(name, e);
    return e;
  }
}

/** A VU's recorder: its scope decides the tags, the scenario's cache the series. */
class ScopeRecorder implements ResponseRecorder {
  constructor(
    private readonly endpoints: ScenarioEndpoints,
    private readonly scope: VuScope,
  ) {}
  assertRunning(): void {
    this.scope.assertRunning();
  }
  record(
    res: HttpResponse,
    method: string,
    name: string,
    extra: Readonly<Record<string, string>> | undefined,
    expected?: ExpectedStatuses,
  ): void {
    this.endpoints.endpoint(this.scope, method, name, extra).record(res, expected);
  }
}

/** Once per scenario and worker: the factory of its VUs' `ctx.http`. */
export function httpScriptApi(
  recorder: HttpRecorder,
  env: ScriptScenarioEnvironment,
): (conn: () => HttpConnection, scope: VuScope) => ScriptHttpClient {
  const defaults: HttpClientDefaults = httpDefaults(env.definition as HttpDefinitionPart);
  const endpoints = new ScenarioEndpoints(recorder, env.scenario);
  return (conn, scope) => new ScriptHttpClient(conn, defaults, new ScopeRecorder(endpoints, scope));
}
