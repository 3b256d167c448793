/**
 * `ctx.ws` for script VUs: `connect` opens a session on the VU's client, recorded under the VU's
 * scope (scenario, group) and the URL's endpoint name (`WS /path`).
 */
import type { TlsMaterial } from '../../config/types.js';
import { endpointName } from '../../metrics/tags.js';
import type { ScriptScenarioEnvironment, VuScope } from '../module.js';
import type { WsApi, WsConnectParams, WsSessionApi } from './api.js';
import type { WsClient } from './client.js';
import type { WsRecorder } from './recorder.js';

/** `http://` → `ws://`, `https://` → `wss://`; relative URLs resolve against `base`. */
export function wsUrl(url: string, base: string | undefined): URL {
  const u = base === undefined ? new URL(url) : new URL(url, base);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:')
    throw new Error(`ws.connect: '${url}' is not a ws:// or wss:// URL`);
  return u;
}

export function wsScriptApi(
  recorder: WsRecorder,
  env: ScriptScenarioEnvironment,
  defaults: { insecureSkipTLSVerify: boolean; tls: TlsMaterial | undefined },
): (client: () => WsClient, scope: VuScope) => WsApi {
  const base = typeof env.definition.baseUrl === 'string' ? env.definition.baseUrl : undefined;
  return (client, scope) => {
    const recording = (): boolean => {
      try {
        scope.assertRunning();
        return true;
      } catch {
        return false;
      }
    };
    return {
      async connect(url: string, params: WsConnectParams = {}): Promise<WsSessionApi> {
        scope.assertRunning();
        const u = wsUrl(url, base);
        const extra = params.tags ?? {};
        const endpoint = recorder.endpoint({
          ...scope.tags,
          ...extra,
          scenario: env.scenario,
          name: extra.name ?? endpointName('WS', u),
        });
        const session = client().connect(
          u.href,
          {
            headers: params.headers,
            subprotocols: params.subprotocols,
            tls: params.tls ?? defaults.tls,
            insecureSkipTLSVerify: defaults.insecureSkipTLSVerify,
            timeoutMs: params.timeoutMs,
          },
          endpoint,
          recording,
        );
        await session.ready;
        return session;
      },
    };
  };
}
