/**
 * The raw fast path stands on two Node internals (node-internals.ts): llhttp from `_http_common`
 * and the stream_wrap binding's direct writes. Without them volley must pick its fallbacks by
 * itself — undici for plain http://, `socket.write()` for writes — and still count right.
 * `VOLLEY_NODE_INTERNALS=off` makes both unavailable: this file reruns itself under it (the
 * conformance suite, with undici's quirks although the connection asks for the fast path), and
 * runs the CLI under it against a counting server.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { connectionOptions, HTTP_OPTIONS } from '../../src/protocols/http/options.js';
import { directWrite, llhttp, rawHttp1Available } from '../../src/protocols/http/node-internals.js';
import { runCli } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { conformanceSuite } from '../helpers/http-conformance.js';

const forced = process.env.VOLLEY_NODE_INTERNALS === 'off';

if (forced) {
  describe('without Node internals', () => {
    it('has neither llhttp nor direct writes, and turns the fast path off by itself', () => {
      assert.equal(llhttp, undefined);
      assert.equal(directWrite, undefined);
      assert.equal(rawHttp1Available(), false);
      const o = { ...HTTP_OPTIONS.defaults, fastPath: true };
      assert.equal(connectionOptions(o).fastPath, false);
    });
  });
  // Asked for the fast path, served by undici: undici's quirks are what this suite must see.
  conformanceSuite(
    'fast path asked, internals off',
    { fastPath: true, insecureSkipTLSVerify: false },
    { headClosesConnection: true, notModifiedWithLengthClosesConnection: true, unsolicited100Fails: true },
  );
} else {
  describe('Node internals present (this machine)', () => {
    it('finds llhttp and direct writes: the fast path is on by default', () => {
      assert.notEqual(llhttp, undefined);
      assert.notEqual(directWrite, undefined);
      assert.equal(connectionOptions({ ...HTTP_OPTIONS.defaults }).fastPath, true);
    });
  });

  describe('VOLLEY_NODE_INTERNALS=off: the fallbacks', () => {
    let srv: CountingServer;
    before(async () => {
      srv = await startCountingServer();
    });
    after(async () => srv.close());

    it('pass the HTTP/1.1 conformance suite through undici (this file, rerun without the internals)', () => {
      const self = fileURLToPath(import.meta.url);
      const r = spawnSync(process.execPath, ['--test', self], {
        // Without NODE_TEST_CONTEXT the child reports as a top-level runner (text, not to this runner).
        env: { ...process.env, NODE_TEST_CONTEXT: undefined, VOLLEY_NODE_INTERNALS: 'off' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      const pass = Number(/^# pass (\d+)/m.exec(r.stdout)?.[1] ?? 0);
      const fail = Number(/^# fail (\d+)/m.exec(r.stdout)?.[1] ?? -1);
      assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr);
      assert.equal(fail, 0);
      assert.ok(pass >= 10, `the rerun passed ${pass} tests`);
    });

    it('a quick-mode run counts exactly what the server received', async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'volley-fallback-')), 'summary.json');
      const r = await runCli(
        [
          'run',
          '--url',
          `${srv.url}/x`,
          '--vus',
          '10',
          '-n',
          '2000',
          '--workers',
          '2',
          '--no-store',
          '-q',
          '--out',
          `json=${out}`,
        ],
        { env: { VOLLEY_NODE_INTERNALS: 'off' } },
      );
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(readFileSync(out, 'utf8')) as {
        metrics: Record<string, { values: Record<string, number> }>;
      };
      assert.equal(srv.count(), 2000);
      assert.equal(s.metrics.http_reqs?.values.count, 2000);
      assert.equal(s.metrics.http_req_failed?.values.rate, 0);
      // One connection per VU, plus the preflight request's.
      assert.ok(srv.connections() <= 11, `${srv.connections()} connections for 10 VUs: kept alive`);
    });
  });
}
