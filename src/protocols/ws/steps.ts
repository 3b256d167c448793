/**
 * The WebSocket declarative step: `ws: URL` connects, sends the step's `body` (or `json`, as
 * text), awaits the reply (one round trip: ws_rtt), checks it with `check.bodyContains`, and
 * closes with 1000. It reuses the request step's fields (headers, body, json, timeout, name,
 * tags, check.bodyContains), so the YAML schema and checks need nothing new.
 */
import { tryParseDurationMs } from '../../config/duration.js';
import type { StepCompiler, StepKind, StepValue } from '../module.js';
import type { WsApi, WsMessage } from './api.js';

type Obj = Record<string, unknown>;
type Path = readonly (string | number)[];

interface StepVu {
  readonly ws: WsApi;
  check<T>(value: T, checks: Record<string, (value: T) => boolean>): boolean;
}

const get = <Ctx>(v: StepValue<Ctx> | undefined, ctx: Ctx): unknown =>
  v === undefined ? undefined : v.fixed ? v.value : v.get(ctx);

const text = (m: WsMessage): string => (typeof m.data === 'string' ? m.data : Buffer.from(m.data).toString());

function compileWs<Ctx extends StepVu>(
  step: Readonly<Obj>,
  path: Path,
  c: StepCompiler<Ctx>,
): (ctx: Ctx) => Promise<void> {
  const url = c.string(String(step.ws), [...path, 'ws'], false);
  const headers =
    step.headers === undefined
      ? undefined
      : c.tree(
          Object.fromEntries(Object.entries(step.headers as Obj).map(([k, v]) => [k, String(v)])),
          [...path, 'headers'],
          false,
        );
  const body =
    step.json !== undefined
      ? c.tree(step.json, [...path, 'json'], true)
      : step.body !== undefined
        ? c.string(String(step.body), [...path, 'body'], false)
        : undefined;
  const timeoutMs = typeof step.timeout === 'string' ? tryParseDurationMs(step.timeout) : undefined;
  const tags: Record<string, string> = { ...((step.tags as Record<string, string> | undefined) ?? {}) };
  if (typeof step.name === 'string') tags.name = step.name;
  const contains = (step.check as Obj | undefined)?.bodyContains;
  const containsValue =
    contains === undefined
      ? undefined
      : c.string(String(contains), [...path, 'check', 'bodyContains'], false);
  const isJson = step.json !== undefined;
  // Named after the template as written, so a templated check stays one check series.
  const checkName = `ws reply contains ${String(contains)}`;
  return async (ctx) => {
    const session = await ctx.ws.connect(String(get(url, ctx)), {
      headers: get(headers, ctx) as Record<string, string> | undefined,
      timeoutMs,
      tags,
    });
    try {
      if (body !== undefined) {
        const v = get(body, ctx);
        const reply = await session.roundTrip(isJson ? JSON.stringify(v) : String(v));
        if (containsValue !== undefined) {
          const want = String(get(containsValue, ctx));
          ctx.check(reply, { [checkName]: (r) => text(r).includes(want) });
        }
      }
    } finally {
      await session.close(1000);
    }
  };
}

export const WS_STEPS: readonly StepKind[] = [
  {
    key: 'ws',
    schema: {
      type: 'string',
      description:
        'a WebSocket session to this URL (ws://, wss://, or relative to baseUrl): connect, send body/json, await the reply (ws_rtt), check.bodyContains, close',
    },
    compile: <Ctx>(step: Readonly<Obj>, path: Path, compiler: StepCompiler<Ctx>) =>
      compileWs(step, path, compiler as unknown as StepCompiler<StepVu>) as unknown as (
        ctx: Ctx,
      ) => Promise<void>,
  },
];
