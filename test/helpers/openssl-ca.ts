/**
 * A throwaway certificate authority made with the machine's `openssl` (P-256, valid two days), for
 * tests of TLS client certificates and custom CAs: writes into `dir` ca.pem/ca.key, server.pem/
 * server.key (for 127.0.0.1 and localhost) and client.pem/client.key (clientAuth), all signed by
 * the CA. Test-only: it protects nothing.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function makeTestCertificates(dir: string): void {
  const openssl = (...args: string[]): void =>
    void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=volley test CA',
  );
  const sign = (name: string, subject: string, ext: string): void => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl(
      ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'],
      ...['-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`],
    );
  };
  sign('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  sign('client', '/CN=volley client', 'extendedKeyUsage=clientAuth\n');
}
