/**
 * Section 8: HTTP/2 closed-loop throughput against h2load (Debian `nghttp2-client`), both on one
 * core, against nginx speaking cleartext HTTP/2 (h2c with prior knowledge) on the target core, at
 * matching concurrency: C clients × M streams each is h2load `-c C -m M` and volley
 * `--vus C*M --http2 --http2-streams M` (M VUs share one connection, a stream each), and a plain
 * node:http2 loop (bench/h2-plain-loop.js) for what Node's HTTP/2 alone costs. Ratios from this
 * invocation only.
 */
import { type Ctx, type SectionOutput, limitFor, runVolley } from '../lib/context.js';
import { int, ms, pct, ratio, table } from '../lib/format.js';
import { cooldown, otherLoad, runGen, type GenResult } from '../lib/gen.js';
import { volleyNumbers, type ToolNumbers } from '../lib/parse.js';
import { log, runSync, which } from '../lib/proc.js';
import { startNginxH2c, stopTarget, targetAlive, type Target } from '../lib/targets.js';

/** clients × streams per client. */
const SHAPES: readonly { c: number; m: number }[] = [
  { c: 50, m: 1 },
  { c: 10, m: 10 },
];

/** h2load's summary: "finished in 5.00s, 59445.40 req/s, …", "requests: N total, … F failed, E errored", "time for request: min max mean sd". */
export function parseH2load(txt: string): ToolNumbers {
  const r: ToolNumbers = {
    rps: undefined,
    requests: undefined,
    p50: undefined,
    p90: undefined,
    p99: undefined,
    max: undefined,
    notes: [],
  };
  const fin = /finished in [\d.]+s, ([\d.]+) req\/s/.exec(txt);
  if (fin) r.rps = Number(fin[1]);
  const req = /requests: (\d+) total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed, (\d+) errored/.exec(
    txt,
  );
  if (req) {
    r.requests = Number(req[1]);
    if (Number(req[2]) > 0) r.notes.push(`failed=${req[2]}`);
    if (Number(req[3]) > 0) r.notes.push(`errored=${req[3]}`);
  }
  const unit = (v: string, u: string): number => Number(v) * (u === 'us' ? 0.001 : u === 's' ? 1000 : 1);
  const t = /time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)/.exec(txt);
  if (t) {
    r.max = unit(t[3] as string, t[4] as string);
    r.notes.push(`mean ${unit(t[5] as string, t[6] as string).toFixed(2)} ms (h2load gives no percentiles)`);
  }
  if (r.rps === undefined) r.notes.push('no h2load summary');
  return r;
}

/** bench/h2-plain-loop.js prints one JSON line: requests, seconds, rps, errors. */
function parsePlain(txt: string): ToolNumbers {
  const r = parseH2load('');
  r.notes = [];
  try {
    const j = JSON.parse(txt.trim().split('\n').pop() ?? '') as {
      rps: number;
      requests: number;
      errors: number;
    };
    r.rps = j.rps;
    r.requests = j.requests;
    if (j.errors > 0) r.notes.push(`errors=${j.errors}`);
  } catch {
    r.notes.push('no output');
  }
  return r;
}

interface Row {
  tool: string;
  shape: string;
  n: ToolNumbers;
  gen: GenResult;
}

/** h2load from PATH, or `apt-get install nghttp2-client` once when INSTALL=1 or it is missing. */
function h2loadPath(): string | undefined {
  const found = which('h2load');
  if (found && process.env.INSTALL !== '1') return found;
  if (!which('apt-get')) return found;
  log('installing Debian package nghttp2-client (h2load)');
  runSync('apt-get', ['install', '-y', '--no-install-recommends', 'nghttp2-client'], {
    timeoutMs: 600_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    inherit: true,
  });
  return which('h2load');
}

export async function http2(ctx: Ctx): Promise<SectionOutput> {
  const title = '8. HTTP/2 against h2load (h2c, one core)';
  const h2load = h2loadPath();
  const nginx = ctx.peers.nginx;
  if (!nginx || !h2load)
    return {
      title,
      body: `skipped: ${!nginx ? 'nginx' : 'h2load (Debian nghttp2-client)'} is not installed.`,
    };
  const version = runSync(h2load, ['--version']).out.trim().split('\n')[0] ?? '';
  const D = ctx.durationS;
  const rows: Row[] = [];
  const t: Target = await startNginxH2c(ctx.targetEnv, nginx);
  try {
    log(`section 8: nginx h2c at ${t.url}`);
    // Warm-up in HTTP/2 (the shared warm-up speaks HTTP/1.1, which an h2c-only nginx refuses).
    await runGen({
      name: 'warmup-nginx-h2c',
      argv: [h2load, '-c', '10', '-m', '10', '-D', '2', t.url],
      core: ctx.genCore,
      limitS: limitFor(2),
      rawDir: ctx.rawDir,
    });
    await cooldown(1);
    for (const { c, m } of SHAPES) {
      const shape = `${c} × ${m}`;
      const v = await runVolley(
        ctx,
        `s8-volley-c${c}-m${m}`,
        t.url,
        [
          '--http2',
          '--vus',
          String(c * m),
          '--http2-streams',
          String(m),
          '--workers',
          '1',
          '--duration',
          `${D}s`,
        ],
        { core: ctx.genCore, target: t },
      );
      rows.push({ tool: 'volley', shape, n: volleyNumbers(v.summary), gen: v.gen });
      await cooldown(ctx.cooldownS);
      const gen = await runGen({
        name: `s8-h2load-c${c}-m${m}`,
        argv: [h2load, '-c', String(c), '-m', String(m), '-D', String(D), t.url],
        core: ctx.genCore,
        limitS: limitFor(D),
        rawDir: ctx.rawDir,
        targetPid: t.pid,
      });
      rows.push({ tool: 'h2load', shape, n: parseH2load(gen.out + gen.err), gen });
      await cooldown(ctx.cooldownS);
      const plain = await runGen({
        name: `s8-node-http2-c${c}-m${m}`,
        argv: [process.execPath, `${ctx.benchDir}/h2-plain-loop.js`, t.url, String(c), String(m), String(D)],
        core: ctx.genCore,
        limitS: limitFor(D),
        rawDir: ctx.rawDir,
        targetPid: t.pid,
      });
      rows.push({ tool: 'plain node:http2 loop', shape, n: parsePlain(plain.out), gen: plain });
      for (const r of rows.slice(-3))
        log(
          `    ${r.tool} ${shape} -> ${int(r.n.rps)} req/s, gen CPU ${pct(r.gen.genCpu)}, target CPU ${pct(r.gen.targetCpu)}`,
        );
      if (!targetAlive(t)) throw new Error('target nginx-h2c died');
      await cooldown(ctx.cooldownS);
    }
  } finally {
    await stopTarget(t);
  }
  const body: string[] = [
    `${D} s per run, generator pinned to core ${ctx.genCore}, nginx (\`listen … http2\`, cleartext) on core ${ctx.targetCore}. ` +
      `C × M = h2load \`-c C -m M -D ${D}\` (${version}) and volley \`--http2 --vus C·M --http2-streams M --workers 1\`. ` +
      'volley latency is http_req_duration; h2load prints only min/max/mean per request.',
    '',
    table(
      ['tool', 'clients × streams', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'gen CPU', 'target CPU', 'notes'],
      rows.map((r) => [
        r.tool,
        r.shape,
        int(r.n.rps),
        ms(r.n.p50),
        ms(r.n.p99),
        ms(r.n.max),
        pct(r.gen.genCpu),
        pct(r.gen.targetCpu),
        [
          ...r.n.notes,
          ...otherLoad(r.gen, ctx.genCore, ctx.targetCore),
          r.gen.rc !== 0 ? `rc=${r.gen.rc}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      ]),
      'llrrrrrrl',
    ),
    '',
    '**Ratios** (req/s, this invocation only):',
    '',
  ];
  for (const { c, m } of SHAPES) {
    const shape = `${c} × ${m}`;
    const rps = (tool: string): number | undefined =>
      rows.find((r) => r.tool === tool && r.shape === shape)?.n.rps;
    body.push(
      `- ${shape}: volley/h2load = ${ratio(rps('volley'), rps('h2load'))}, ` +
        `volley/plain node:http2 loop = ${ratio(rps('volley'), rps('plain node:http2 loop'))}, ` +
        `plain node:http2 loop/h2load = ${ratio(rps('plain node:http2 loop'), rps('h2load'))}`,
    );
  }
  return { title, body: body.join('\n') };
}
