/**
 * Section 1: closed-loop maximum throughput, 50 connections, generator pinned to one core, against
 * nginx and the plain Node target. volley (fast path and --no-fast-path) interleaved with
 * autocannon, wrk and hey in the same invocation; ratios only from these numbers.
 */
import { writeFileSync } from 'node:fs';
import { type Ctx, type SectionOutput, limitFor, runVolley, warmup } from '../lib/context.js';
import { int, median, ms, pct, ratio, table } from '../lib/format.js';
import { cooldown, leastDisturbed, otherLoad, runGen, type GenResult } from '../lib/gen.js';
import { parseAutocannon, parseHey, parseWrk, volleyNumbers, type ToolNumbers } from '../lib/parse.js';
import { log } from '../lib/proc.js';
import { startNginx, startNode, stopTarget, targetAlive, type Target } from '../lib/targets.js';

const CONNS = 50;

interface Row {
  tool: string;
  target: string;
  run: number;
  n: ToolNumbers;
  gen: GenResult;
}

type Tool = {
  name: string;
  run: (t: Target, runName: string) => Promise<{ n: ToolNumbers; gen: GenResult }>;
};

function tools(ctx: Ctx): { list: Tool[]; skipped: string[] } {
  const D = ctx.durationS;
  const list: Tool[] = [];
  const skipped: string[] = [];
  const volley = (name: string, extra: string[], main?: string): Tool => ({
    name,
    run: async (t, runName) => {
      const r = await runVolley(
        ctx,
        runName,
        t.url,
        ['--vus', String(CONNS), '--workers', '1', '--duration', `${D}s`, ...extra],
        {
          core: ctx.genCore,
          target: t,
          ...(main ? { main } : {}),
        },
      );
      return { n: volleyNumbers(r.summary), gen: r.gen };
    },
  });
  // The same load as a test file: what a VU context, the script HTTP client and the cookie jar
  // cost per request against quick mode (script.ts), and the flow interpreter on top (test.yaml).
  const volleyFile = (
    name: string,
    ext: 'ts' | 'yaml',
    content: (url: string) => string,
    main?: string,
  ): Tool => ({
    name,
    run: async (t, runName) => {
      const file = `${ctx.rawDir}/${runName.replace(/[^\w.-]+/g, '_')}.${ext}`;
      writeFileSync(file, content(t.url));
      const r = await runVolley(ctx, runName, t.url, ['--workers', '1'], {
        core: ctx.genCore,
        target: t,
        file,
        ...(main ? { main } : {}),
      });
      return { n: volleyNumbers(r.summary), gen: r.gen };
    },
  });
  const scriptTs = (url: string): string =>
    `import { defineTest } from 'volley';\nexport default defineTest({\n  scenarios: { s: { executor: 'constant-vus', vus: ${CONNS}, duration: '${D}s', exec: async ({ http }) => { await http.get(${JSON.stringify(url)}); } } },\n});\n`;
  const testYaml = (url: string): string =>
    `scenarios:\n  s:\n    executor: constant-vus\n    vus: ${CONNS}\n    duration: ${D}s\n    exec: get\nflows:\n  get:\n    - get: ${JSON.stringify(url)}\n`;
  const volleyScript = (name: string, main?: string): Tool => volleyFile(name, 'ts', scriptTs, main);
  const volleyYaml = (name: string): Tool => volleyFile(name, 'yaml', testYaml);
  const peer = (
    name: string,
    argv: (url: string) => string[],
    parse: (txt: string) => ToolNumbers,
  ): Tool => ({
    name,
    run: async (t, runName) => {
      const gen = await runGen({
        name: runName,
        argv: argv(t.url),
        core: ctx.genCore,
        limitS: limitFor(D),
        rawDir: ctx.rawDir,
        targetPid: t.pid,
      });
      return { n: parse(gen.out + gen.err), gen };
    },
  });
  const { wrk, hey, autocannon } = ctx.peers;
  // Interleaved: volley first, the undici path in the middle, peers in between.
  list.push(volley('volley', []));
  // BENCH_BASELINE: the other build right after this one, the same load, so their ratio is fair.
  if (ctx.baselineMain) list.push(volley('volley (baseline)', [], ctx.baselineMain));
  if (autocannon) {
    list.push(
      peer(
        'autocannon',
        (u) => [process.execPath, autocannon, '-c', String(CONNS), '-d', String(D), '-j', u],
        parseAutocannon,
      ),
    );
  } else skipped.push('autocannon');
  if (wrk) list.push(peer('wrk', (u) => [wrk, '-t1', `-c${CONNS}`, `-d${D}s`, '--latency', u], parseWrk));
  else skipped.push('wrk');
  list.push(volley('volley --no-fast-path', ['--no-fast-path']));
  list.push(volleyScript('volley script.ts'));
  if (ctx.baselineMain) list.push(volleyScript('volley script.ts (baseline)', ctx.baselineMain));
  list.push(volleyYaml('volley test.yaml'));
  if (hey) list.push(peer('hey', (u) => [hey, '-c', String(CONNS), '-z', `${D}s`, u], parseHey));
  else skipped.push('hey');
  return { list, skipped };
}

/** Which side limited the run: a process using ≥ 85% of its core. */
function bound(gen: GenResult): string {
  const g = (gen.genCpu ?? 0) >= 85;
  const t = (gen.targetCpu ?? 0) >= 85;
  return g && t ? 'both' : g ? 'generator' : t ? 'target' : 'neither';
}

export async function throughput(ctx: Ctx): Promise<SectionOutput> {
  const { list, skipped } = tools(ctx);
  const rows: Row[] = [];
  const targets: { name: string; start: () => Promise<Target> }[] = [];
  // BENCH_TARGETS=node (or nginx) reruns one half of the matrix, e.g. after a disturbed run.
  const wanted = new Set((process.env.BENCH_TARGETS ?? 'nginx,node').split(',').map((x) => x.trim()));
  if (ctx.peers.nginx && wanted.has('nginx')) {
    const nginx = ctx.peers.nginx;
    targets.push({ name: 'nginx', start: () => startNginx(ctx.targetEnv, nginx) });
  }
  if (wanted.has('node')) targets.push({ name: 'node', start: () => startNode(ctx.targetEnv) });

  for (const tdef of targets) {
    const t = await tdef.start();
    try {
      log(`section 1: ${tdef.name} at ${t.url}`);
      await warmup(ctx, t);
      for (let run = 1; run <= ctx.runs; run++) {
        for (const tool of list) {
          const { result, note } = await leastDisturbed(
            (k) => tool.run(t, `s1-${tool.name}-${tdef.name}-r${run}${k > 1 ? `-try${k}` : ''}`),
            (r) => r.gen,
            ctx,
          );
          const { n, gen } = result;
          if (note) n.notes.push(note);
          rows.push({ tool: tool.name, target: tdef.name, run, n, gen });
          log(
            `    -> ${int(n.rps)} req/s, p99 ${ms(n.p99)} ms, gen CPU ${pct(gen.genCpu)}, target CPU ${pct(gen.targetCpu)}`,
          );
          if (!targetAlive(t)) throw new Error(`target ${tdef.name} died`);
          await cooldown(ctx.cooldownS);
        }
      }
    } finally {
      await stopTarget(t);
    }
  }

  const body: string[] = [];
  body.push(
    `${ctx.durationS} s per run, ${CONNS} keep-alive connections, every generator pinned to core ${ctx.genCore} ` +
      `(volley: \`--vus ${CONNS} --workers 1\`; autocannon \`-c ${CONNS}\`; wrk \`-t1 -c${CONNS}\`; hey \`-c ${CONNS} -z ${ctx.durationS}s\`), ` +
      `target pinned to core ${ctx.targetCore}. ${ctx.runs} run(s) per tool, interleaved. ` +
      'Gen CPU is GNU time %P over the whole process life (100% = one core), target CPU from /proc/PID/stat over the run; ' +
      '"bound" names the process(es) at ≥ 85% of their core. "other load" = core busy minus the pinned process: work of other programs on this shared machine.',
  );
  body.push('');
  body.push(
    table(
      [
        'tool',
        'target',
        'run',
        'req/s',
        'p50 ms',
        'p99 ms',
        'max ms',
        'gen CPU',
        'target CPU',
        `core${ctx.genCore}/core${ctx.targetCore} busy`,
        'bound',
        'notes',
      ],
      rows.map((r) => [
        r.tool,
        r.target,
        String(r.run),
        int(r.n.rps),
        ms(r.n.p50),
        ms(r.n.p99),
        ms(r.n.max),
        pct(r.gen.genCpu),
        pct(r.gen.targetCpu),
        `${pct(r.gen.cores.busy[`cpu${ctx.genCore}`])}/${pct(r.gen.cores.busy[`cpu${ctx.targetCore}`])}`,
        bound(r.gen),
        [
          ...r.n.notes,
          ...otherLoad(r.gen, ctx.genCore, ctx.targetCore),
          r.gen.rc !== 0 ? `rc=${r.gen.rc}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      ]),
      'llrrrrrrrrll',
    ),
  );
  body.push('');
  body.push(`**Ratios** (req/s${ctx.runs > 1 ? `, median of ${ctx.runs} runs` : ''}, this invocation only):`);
  body.push('');
  for (const tdef of targets) {
    const rps = (tool: string): number | undefined =>
      median(rows.filter((r) => r.tool === tool && r.target === tdef.name).map((r) => r.n.rps));
    const v = rps('volley');
    const parts = [
      `volley/autocannon = ${ratio(v, rps('autocannon'))}`,
      `volley/wrk = ${ratio(v, rps('wrk'))}`,
      `volley/hey = ${ratio(v, rps('hey'))}`,
      `fast path gain (volley / volley --no-fast-path) = ${ratio(v, rps('volley --no-fast-path'))}`,
      `script.ts/autocannon = ${ratio(rps('volley script.ts'), rps('autocannon'))}`,
      `script.ts/quick mode = ${ratio(rps('volley script.ts'), v)}`,
      `test.yaml/script.ts = ${ratio(rps('volley test.yaml'), rps('volley script.ts'))}`,
    ];
    if (ctx.baselineMain)
      parts.push(
        `volley/baseline = ${ratio(v, rps('volley (baseline)'))}`,
        `script.ts/baseline script.ts = ${ratio(rps('volley script.ts'), rps('volley script.ts (baseline)'))}`,
      );
    body.push(`- ${tdef.name}: ${parts.join(', ')}`);
  }
  if (!ctx.peers.nginx && wanted.has('nginx')) body.push('- nginx target skipped: nginx is not installed.');
  if (skipped.length > 0) body.push(`- skipped (not installed): ${skipped.join(', ')}`);
  if (ctx.baselineMain) body.push(`- baseline build (BENCH_BASELINE): \`${ctx.baselineMain}\``);
  return { title: '1. Closed-loop maximum throughput', body: body.join('\n') };
}
