/**
 * TLS client certificates and a custom CA, against a real HTTPS server that requires a client
 * certificate (requestCert, rejectUnauthorized) from a CA made here with openssl: with the
 * certificate every request succeeds and the server counts what volley reports; without it every
 * request fails classified as TLS; a file that cannot be read or used is exit 2 before any traffic.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { runWithSummary } from '../helpers/cli.js';
import { makeTestCertificates } from '../helpers/openssl-ca.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-http-tls-'));

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  makeTestCertificates(dir);
  writeFileSync(join(dir, 'not-pem.txt'), 'hello\n');
}

interface Summary {
  metrics: Record<string, { values: Record<string, number> }>;
  errors: Record<string, number>;
}

const run = (args: string[]): ReturnType<typeof runWithSummary<Summary>> =>
  runWithSummary<Summary>(dir, args, { cwd: dir });

describe('TLS: a custom CA and a client certificate', () => {
  let server: Server;
  let url = '';
  /** Requests answered, by the client certificate's CN. */
  const byClient = new Map<string, number>();
  let handshakesWithoutCert = 0;

  before(async () => {
    makeCertificates();
    server = createServer(
      {
        key: readFileSync(join(dir, 'server.key')),
        cert: readFileSync(join(dir, 'server.pem')),
        ca: readFileSync(join(dir, 'ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const cn = String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '?');
        byClient.set(cn, (byClient.get(cn) ?? 0) + 1);
        req.resume();
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
        res.end('ok');
      },
    );
    server.on('tlsClientError', () => handshakesWithoutCert++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a script with http.tls { ca, cert, key } (paths relative to it): every request succeeds, counted by the server', async () => {
    byClient.clear();
    writeFileSync(
      join(dir, 'mtls.ts'),
      `
      import { defineTest } from 'volley';
      export default defineTest({
        baseUrl: '${url}',
        http: { tls: { ca: 'ca.pem', cert: 'client.pem', key: 'client.key' } },
        scenarios: { main: { executor: 'shared-iterations', vus: 3, iterations: 60, exec: async ({ http }) => { await http.get('/x'); } } },
      });`,
    );
    const r = await run([join(dir, 'mtls.ts')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(byClient.get('volley client'), 60);
    assert.equal(r.summary?.metrics.http_reqs?.values.count, 60);
    assert.equal(r.summary?.metrics.http_req_failed?.values.rate, 0);
  });

  it('quick mode --ca --cert --key: succeeds; with the CA only, every request fails as tls', async () => {
    byClient.clear();
    const ok = await run([
      '--url',
      `${url}/q`,
      '--iterations',
      '40',
      '--vus',
      '2',
      '--ca',
      'ca.pem',
      '--cert',
      'client.pem',
      '--key',
      'client.key',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(byClient.get('volley client'), 40);
    assert.equal(ok.summary?.metrics.http_reqs?.values.count, 40);
    assert.equal(ok.summary?.metrics.http_req_failed?.values.rate, 0);

    byClient.clear();
    const before = handshakesWithoutCert;
    const noCert = await run(['--url', `${url}/q`, '--iterations', '10', '--vus', '1', '--ca', 'ca.pem']);
    assert.equal(byClient.size, 0, 'the server answered nothing without a client certificate');
    assert.equal(noCert.summary?.metrics.http_reqs?.values.count, 10);
    assert.equal(noCert.summary?.metrics.http_req_failed?.values.rate, 1);
    assert.equal(noCert.summary?.errors.tls, 10, `errors: ${JSON.stringify(noCert.summary?.errors)}`);
    assert.ok(handshakesWithoutCert - before >= 10, 'each attempt reached the server and was refused in TLS');
  });

  it('a missing file, a file that is not PEM, or a cert without its key: exit 2 before any traffic', async () => {
    byClient.clear();
    const missing = await run([
      '--url',
      `${url}/q`,
      '--iterations',
      '1',
      '--ca',
      'ca.pem',
      '--cert',
      'nope.pem',
      '--key',
      'client.key',
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--cert: cannot read .*nope\.pem: no such file/);

    const notPem = await run(['--url', `${url}/q`, '--iterations', '1', '--ca', 'not-pem.txt']);
    assert.equal(notPem.code, 2);
    assert.match(notPem.stderr, /--ca: .*not-pem\.txt is not a PEM file/);

    const mismatch = await run([
      '--url',
      `${url}/q`,
      '--iterations',
      '1',
      '--cert',
      'client.pem',
      '--key',
      'server.key',
    ]);
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /--cert \/ --key: the TLS material cannot be used: .*key values mismatch/);

    writeFileSync(
      join(dir, 'bad.ts'),
      `
      import { defineTest } from 'volley';
      export default defineTest({
        baseUrl: '${url}',
        http: { tls: { cert: 'client.pem' } },
        scenarios: { main: { executor: 'shared-iterations', vus: 1, iterations: 1, exec: async ({ http }) => { await http.get('/x'); } } },
      });`,
    );
    const bad = await run([join(dir, 'bad.ts')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /http\.tls: a client certificate needs both cert and key/);

    writeFileSync(
      join(dir, 'missing.ts'),
      `
      import { defineTest } from 'volley';
      export default defineTest({
        baseUrl: '${url}',
        http: { tls: { ca: 'missing-ca.pem' } },
        scenarios: { main: { executor: 'shared-iterations', vus: 1, iterations: 1, exec: async ({ http }) => { await http.get('/x'); } } },
      });`,
    );
    const missingCa = await run([join(dir, 'missing.ts')]);
    assert.equal(missingCa.code, 2);
    assert.match(missingCa.stderr, /http\.tls\.ca: cannot read .*missing-ca\.pem: no such file/);
    assert.equal(byClient.size, 0, 'no request reached the server');
  });
});
