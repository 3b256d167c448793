/**
 * gRPC over TLS through the real CLI: a grpc-js server that requires a client certificate signed
 * by a CA made here with openssl. Quick mode with --ca --cert --key succeeds (the server counts
 * every call volley reports); without the client certificate every call fails, classified `tls`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server, ServerCredentials, type ServiceDefinition, type sendUnaryData } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoDir } from '../../src/target/grpc/service.js';
import { runCli } from '../helpers/cli.js';
import { makeTestCertificates } from '../helpers/openssl-ca.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-grpc-tls-'));
const makeCertificates = (): void => makeTestCertificates(dir);

interface Summary {
  metrics: Record<string, { values: Record<string, number> }>;
  thresholds: { results: { metric: string; ok: boolean; actual: number | null }[] };
}

describe('gRPC over TLS with a client certificate', () => {
  let server: Server;
  let target: string;
  let calls = 0;
  before(async () => {
    makeCertificates();
    const def = loadSync(join(protoDir(), 'taskqueue.proto'), { includeDirs: [protoDir()], keepCase: true });
    server = new Server();
    server.addService(def['taskqueue.TaskQueue'] as ServiceDefinition, {
      SubmitTask: (_call: unknown, cb: sendUnaryData<unknown>) => {
        calls++;
        cb(null, { task_id: String(calls), duplicate: false, state: 'QUEUED' });
      },
    });
    const creds = ServerCredentials.createSsl(
      readFileSync(join(dir, 'ca.pem')),
      [
        {
          cert_chain: readFileSync(join(dir, 'server.pem')),
          private_key: readFileSync(join(dir, 'server.key')),
        },
      ],
      true,
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
    );
    target = `127.0.0.1:${port}`;
  });
  after(() => server.forceShutdown());

  async function run(args: string[]): Promise<{ code: number | null; stderr: string; summary: Summary }> {
    const out = join(dir, `out-${Date.now()}.json`);
    const r = await runCli(
      [
        'run',
        '--grpc',
        target,
        '--proto',
        join(protoDir(), 'taskqueue.proto'),
        '--import-path',
        protoDir(),
        '--call',
        'taskqueue.TaskQueue/SubmitTask',
        '--data',
        '{"idempotency_key":"{{uuid}}"}',
        '--iterations',
        '40',
        '--vus',
        '4',
        '--workers',
        '1',
        '-q',
        '--out',
        `json=${out}`,
        ...args,
      ],
      { timeoutMs: 40_000 },
    );
    let summary: Summary;
    try {
      summary = JSON.parse(readFileSync(out, 'utf8')) as Summary;
    } catch {
      assert.fail(`no summary (exit ${r.code}): ${r.stderr}`);
    }
    return { code: r.code, stderr: r.stderr, summary };
  }

  it('--ca --cert --key: every call succeeds, and the server counted them', async () => {
    calls = 0;
    const r = await run([
      '--ca',
      join(dir, 'ca.pem'),
      '--cert',
      join(dir, 'client.pem'),
      '--key',
      join(dir, 'client.key'),
      '--threshold',
      'grpc_req_failed:rate==0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.summary.metrics.grpc_reqs?.values.count, 40);
    assert.equal(calls, 40);
  });

  it('without the client certificate: every call fails as tls, none reaches the service', async () => {
    calls = 0;
    const r = await run([
      '--ca',
      join(dir, 'ca.pem'),
      '--no-preflight',
      '--threshold',
      'grpc_reqs{error:tls}:count==40',
    ]);
    assert.equal(r.code, 0, JSON.stringify(r.summary.thresholds.results));
    assert.equal(calls, 0);
  });
});
