/**
 * Section 4: coordinated omission. The stalling target blocks 1 s at t=2 s and t=7 s; at a fixed
 * 1000 req/s, 20% of a 10 s schedule's sends land in a stall and should wait U(0, 1 s). volley's
 * corrected iteration_latency against its uncorrected http_req_duration, against that model, and
 * against autocannon -R and wrk (closed loop) measured in the same invocation (as in RESULTS.md).
 */
import { readFileSync } from 'node:fs';
import { type Ctx, type SectionOutput, limitFor, runVolley } from '../lib/context.js';
import { int, ms, ratio, table } from '../lib/format.js';
import { cooldown, otherLoad, runGen } from '../lib/gen.js';
import { metric, parseAutocannon, parseWrk, type ToolNumbers, type VolleySummary } from '../lib/parse.js';
import { log } from '../lib/proc.js';
import { startStall, stopTarget, type Target } from '../lib/targets.js';

const RATE = 1000;
const CONNS = 50;

/** Open-loop model, as peers.sh: f = stalled share of the run; a send into a stall waits U(0, 1 s). */
export function model(durationS: number): {
  p50: number;
  p90: number;
  p99: number;
  stalls: number;
  share: number;
} {
  let stalls = 0;
  for (let k = 0; 2 + 5 * k + 1 <= durationS; k++) stalls++;
  const f = stalls / durationS;
  const q = (p: number): number => (1 - p < f ? 1000 * (1 - (1 - p) / f) : 1);
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), stalls, share: f };
}

interface CoRow {
  name: string;
  rps: number | undefined;
  p50: number | undefined;
  p90: number | undefined;
  p99: number | undefined;
  max: number | undefined;
  notes: string;
}

function stallsSeen(ctx: Ctx): string {
  try {
    const m = /stalls=(\d+)/.exec(readFileSync(`${ctx.rawDir}/target-stall.log`, 'utf8'));
    return m ? `target stalled ${m[1]}×` : '';
  } catch {
    return '';
  }
}

function volleyRows(name: string, s: VolleySummary | undefined, D: number, extra: string): CoRow[] {
  const count = metric(s, 'http_reqs', 'count');
  const rps = count !== undefined ? count / D : undefined;
  const dropped = s ? (metric(s, 'dropped_iterations', 'count') ?? 0) : undefined;
  const vusMax = metric(s, 'vus_max', 'max');
  // New connections opened during a stall can overflow the target's accept queue (Node: 511) and
  // wait for a SYN retransmit (~1 s): that is in iteration_latency, not in http_req_duration.
  const connect99 = metric(s, 'http_req_connecting', 'p(99)');
  const notes = [
    `dropped=${int(dropped)}`,
    vusMax !== undefined ? `vus_max=${int(vusMax)}` : '',
    connect99 !== undefined ? `http_req_connecting p99 ${ms(connect99)} ms` : '',
    extra,
  ]
    .filter(Boolean)
    .join('; ');
  const row = (suffix: string, m: string): CoRow => ({
    name: `${name} ${suffix}`,
    rps,
    p50: metric(s, m, 'med'),
    p90: metric(s, m, 'p(90)'),
    p99: metric(s, m, 'p(99)'),
    max: metric(s, m, 'max'),
    notes,
  });
  return [
    row('iteration_latency (corrected)', 'iteration_latency'),
    row('http_req_duration (uncorrected)', 'http_req_duration'),
  ];
}

export async function coordinatedOmission(ctx: Ctx): Promise<SectionOutput> {
  const D = ctx.durationS;
  const truth = model(D);
  const rows: CoRow[] = [];
  const ratios: string[] = [];

  const withStall = async <T>(fn: (t: Target) => Promise<T>): Promise<{ r: T; note: string }> => {
    const t = await startStall(ctx.targetEnv);
    try {
      const r = await fn(t);
      await stopTarget(t);
      const note = stallsSeen(ctx);
      await cooldown(ctx.cooldownS);
      return { r, note };
    } finally {
      await stopTarget(t);
    }
  };

  log('section 4: coordinated omission (stalling target)');
  // --no-preflight: the preflight request would start the target's stall clock before the run.
  const variants: { name: string; args: string[] }[] = [
    { name: 'volley --max-vus 2000', args: ['--max-vus', '2000'] },
    { name: `volley --max-vus ${CONNS}`, args: ['--max-vus', String(CONNS)] },
  ];
  for (const v of variants) {
    const { r, note } = await withStall((t) =>
      runVolley(
        ctx,
        `s4-${v.name}`,
        t.url,
        ['--rate', String(RATE), '--duration', `${D}s`, '--workers', '1', '--no-preflight', ...v.args],
        {
          core: ctx.genCore,
          target: t,
        },
      ),
    );
    rows.push(
      ...volleyRows(
        v.name,
        r.summary,
        D,
        [note, ...otherLoad(r.gen, ctx.genCore, ctx.targetCore)].filter(Boolean).join('; '),
      ),
    );
    const c = metric(r.summary, 'iteration_latency', 'p(99)');
    const u = metric(r.summary, 'http_req_duration', 'p(99)');
    ratios.push(
      `${v.name}: corrected/uncorrected p99 = ${ratio(c, u)}; corrected p99 / model ${Math.round(truth.p99)} ms = ${ratio(c, truth.p99)}; ` +
        `corrected p90 / model ${Math.round(truth.p90)} ms = ${ratio(metric(r.summary, 'iteration_latency', 'p(90)'), truth.p90)}`,
    );
  }

  const peer = async (
    name: string,
    argv: (url: string) => string[],
    parse: (s: string) => ToolNumbers,
  ): Promise<void> => {
    const { r, note } = await withStall((t) =>
      runGen({
        name: `s4-${name}`,
        argv: argv(t.url),
        core: ctx.genCore,
        limitS: limitFor(D),
        rawDir: ctx.rawDir,
        targetPid: t.pid,
      }),
    );
    const n = parse(r.out + r.err);
    rows.push({
      name,
      rps: n.rps,
      p50: n.p50,
      p90: n.p90,
      p99: n.p99,
      max: n.max,
      notes: [...n.notes, note, ...otherLoad(r, ctx.genCore, ctx.targetCore)].filter(Boolean).join('; '),
    });
    ratios.push(
      `${name}: p99 / model ${Math.round(truth.p99)} ms = ${ratio(n.p99, truth.p99)}; p90 / model ${Math.round(truth.p90)} ms = ${ratio(n.p90, truth.p90)}`,
    );
  };
  const { autocannon, wrk } = ctx.peers;
  if (autocannon) {
    await peer(
      `autocannon -c ${CONNS} -R ${RATE}`,
      (u) => [
        process.execPath,
        autocannon,
        '-c',
        String(CONNS),
        '-d',
        String(D),
        '-R',
        String(RATE),
        '-j',
        u,
      ],
      parseAutocannon,
    );
  }
  if (wrk)
    await peer(
      `wrk -t1 -c${CONNS} (closed loop)`,
      (u) => [wrk, '-t1', `-c${CONNS}`, `-d${D}s`, '--latency', u],
      parseWrk,
    );

  const body = [
    `Stalling target (bench/stall-target.js: 1 s event-loop stall at t=2 s and t=7 s after its first request), fresh per run, core ${ctx.targetCore}; ` +
      `generators on core ${ctx.genCore}, ${D} s. volley: \`--rate ${RATE} --duration ${D}s --workers 1 --no-preflight\` ` +
      `(the preflight request would start the stall clock early) with room for the backlog (\`--max-vus 2000\`) and with ${CONNS} connections like the peers (\`--max-vus ${CONNS}\`). ` +
      `achieved req/s = requests / ${D} s for volley, the tool's own figure for peers.`,
    '',
    table(
      ['tool / metric', 'achieved req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'notes'],
      [
        [
          `*open-loop truth at ${RATE} req/s (model)*`,
          String(RATE),
          `~${ms(truth.p50)}`,
          `~${ms(truth.p90)}`,
          `~${ms(truth.p99)}`,
          '~1000',
          `${truth.stalls} of ${D} s stalled → ${Math.round(truth.share * 100)}% of sends wait U(0, 1 s)`,
        ],
        ...rows.map((r) => [r.name, int(r.rps), ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max), r.notes]),
      ],
      'lrrrrrl',
    ),
    '',
    '**Ratios**:',
    '',
    ...ratios.map((r) => `- ${r}`),
  ];
  return { title: '4. Coordinated omission', body: body.join('\n') };
}
