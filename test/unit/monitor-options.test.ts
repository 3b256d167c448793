/**
 * The `monitor` option of test files and API bodies: its validation, its flags, memory sizes, and
 * the cgroup v2 memory limit read from a fake /sys/fs/cgroup tree.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tryParseBytes } from '../../src/config/size.js';
import { mergeMonitorFlags, monitorOptionFlags, planMonitors } from '../../src/monitor/index.js';
import { cgroupMemoryLimit } from '../../src/monitor/process-monitor.js';
import { SCRIPT_FORM } from '../../src/script/load.js';
import { validateDefinitionData } from '../../src/script/validate-definition.js';
import { validateCreateRun } from '../../src/server/validate.js';
import { fileBodyFlags, quickBodyFlags } from '../../src/session/run-options.js';

const scenarios = { a: { executor: 'constant-vus', vus: 1, duration: '1s', exec: 'x' } };

describe('monitor option', () => {
  it('a test file: every shape problem at once, with its path', () => {
    const problems = validateDefinitionData(
      {
        scenarios,
        monitor: { pids: [0, 'x'], processName: '', memoryLimit: 'lots', interval: 'often', pid: 3 },
        capacityHeadroom: '120%',
      },
      SCRIPT_FORM,
    );
    const paths = problems.map((p) => p.path).sort();
    assert.deepEqual(paths, [
      'capacityHeadroom',
      'monitor.interval',
      'monitor.memoryLimit',
      'monitor.pid',
      'monitor.pids',
      'monitor.processName',
    ]);
    assert.match(problems.find((p) => p.path === 'monitor.pid')?.message ?? '', /did you mean 'pids'/);
    assert.deepEqual(
      validateDefinitionData(
        {
          scenarios,
          monitor: {
            pids: [1],
            memoryLimit: '512MB',
            prometheus: { url: 'http://h:9/metrics', series: ['q'] },
          },
          capacityHeadroom: 0.25,
        },
        SCRIPT_FORM,
      ),
      [],
    );
  });

  it('becomes the --monitor-* flags, joined with the command line', () => {
    const flags = monitorOptionFlags({
      pids: [7],
      processName: 'api',
      prometheus: { url: 'http://h:9/metrics', series: ['a', 'b{x="1"}'] },
      interval: '2s',
      memoryLimit: '1GiB',
    });
    assert.deepEqual(flags, {
      monitorPid: ['7'],
      monitorProcessName: ['api'],
      monitorPrometheus: ['http://h:9/metrics'],
      monitorSeries: ['a,b{x="1"}'],
      monitorInterval: '2s',
      monitorMemoryLimit: '1GiB',
    });
    const merged = mergeMonitorFlags({ monitorPid: ['3'], monitorMemoryLimit: '2GB' }, flags);
    assert.deepEqual(merged?.monitorPid, ['3', '7']);
    assert.equal(merged?.monitorMemoryLimit, '2GB');
    const errors: string[] = [];
    const plan = planMonitors({ monitorPid: [String(process.pid)], monitorMemoryLimit: '512MB' }, errors);
    assert.deepEqual(errors, []);
    assert.equal(plan.memoryLimitBytes, 512e6);
    planMonitors({ monitorProcessName: ['no-such-process-volley'], monitorMemoryLimit: 'x' }, errors);
    assert.equal(errors.length, 2, errors.join('\n'));
  });

  it('API bodies take monitor (quick, script and config) and refuse a wrong shape', () => {
    const monitor = { pids: [42], memoryLimit: '512MB' };
    assert.equal(validateCreateRun({ url: 'http://h/', rate: 5, monitor }).ok, true);
    assert.equal(validateCreateRun({ script: 't.yaml', monitor }).ok, true);
    assert.equal(validateCreateRun({ config: { scenarios: {} }, monitor }).ok, true);
    const bad = validateCreateRun({ url: 'http://h/', rate: 5, monitor: { pids: ['x'], cpu: true } });
    assert.equal(bad.ok, false);
    assert.deepEqual(quickBodyFlags({ url: 'http://h/', rate: 5, monitor }).monitorOptions, monitor);
    assert.deepEqual(fileBodyFlags({ monitor }).monitorOptions, monitor);
  });

  it('memory sizes', () => {
    assert.equal(tryParseBytes('512MB'), 512e6);
    assert.equal(tryParseBytes('1GiB'), 1024 ** 3);
    assert.equal(tryParseBytes('512M'), 512 * 1024 ** 2);
    assert.equal(tryParseBytes('1.5GB'), 1.5e9);
    assert.equal(tryParseBytes('1048576'), 1048576);
    assert.equal(tryParseBytes('0MB'), undefined);
    assert.equal(tryParseBytes('lots'), undefined);
    assert.equal(tryParseBytes('5 parsecs'), undefined);
  });
});

describe('cgroup v2 memory limit', () => {
  it("reads the process's cgroup memory.max, walking up past 'max'", () => {
    const root = mkdtempSync(join(tmpdir(), 'volley-cgroup-'));
    try {
      // A hybrid host lists v1 controllers too: only the `0::` line is cgroup v2.
      const cgroupFile = join(root, 'cgroup');
      writeFileSync(cgroupFile, '4:memory:/elsewhere\n0::/system.slice/api.service\n');
      const leaf = join(root, 'system.slice', 'api.service');
      mkdirSync(leaf, { recursive: true });
      writeFileSync(join(leaf, 'memory.max'), 'max\n');
      assert.equal(cgroupMemoryLimit(1, root, cgroupFile), undefined);
      writeFileSync(join(root, 'system.slice', 'memory.max'), '536870912\n');
      assert.equal(cgroupMemoryLimit(1, root, cgroupFile), 536870912);
      writeFileSync(join(leaf, 'memory.max'), '268435456\n');
      assert.equal(cgroupMemoryLimit(1, root, cgroupFile), 268435456);
      writeFileSync(cgroupFile, '4:memory:/x\n');
      assert.equal(cgroupMemoryLimit(1, root, cgroupFile), undefined, 'no cgroup v2 line');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
