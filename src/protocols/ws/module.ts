/**
 * The WebSocket protocol module (`ws` package): `ctx.ws.connect(url)` sessions, quick mode for
 * ws:// and wss:// URLs (send, await the echo), the ws_* metrics (headline: ws_sessions /
 * ws_session_failed / ws_connecting), the `ws:` declarative step and a TCP/TLS preflight.
 */
import type { QuickRequest } from '../../config/types.js';
import type { ModuleWorker, ProtocolModule } from '../module.js';
import { WsClient } from './client.js';
import { WS_HEADLINE, WS_METRICS } from './metrics.js';
import { WS_OPTIONS, type WsOptions } from './options.js';
import { wsPreflight } from './preflight.js';
import { wsQuickIteration, wsQuickRequest, type WsQuickRequest } from './quick.js';
import { WsRecorder } from './recorder.js';
import { wsScriptApi } from './script-api.js';
import { WS_STEPS } from './steps.js';

export const wsModule: ProtocolModule<WsOptions, WsClient> = {
  name: 'ws',
  schemes: ['ws:', 'wss:'],
  metrics: WS_METRICS,
  headline: WS_HEADLINE,
  options: WS_OPTIONS,
  steps: WS_STEPS,

  quickRequest: (config) => (config.request ? wsQuickRequest(config.request as QuickRequest) : undefined),

  worker(options, env): ModuleWorker<WsClient> {
    const recorder = new WsRecorder(env.sink, env.maxEndpoints);
    return {
      createClient: () => new WsClient(),
      quickIteration: (request, tags) =>
        wsQuickIteration(
          request as WsQuickRequest,
          options,
          recorder,
          (p) => env.track(p),
          tags as Readonly<Record<string, string>> & { scenario: string },
        ),
      scriptApi: (scenario) =>
        wsScriptApi(recorder, scenario, {
          insecureSkipTLSVerify: options.insecureSkipTLSVerify,
          tls: options.tls,
        }),
    };
  },

  preflight: wsPreflight,
};
