/**
 * Peers and targets the benchmark needs, installed when absent (or always with INSTALL=1):
 * Debian's wrk, hey and nginx-light through apt-get, autocannon 9 through npm into bench/.peers.
 * A tool that cannot be installed is skipped, and the report says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { log, runSync, which } from './proc.js';

export interface Peers {
  wrk: string | undefined;
  hey: string | undefined;
  nginx: string | undefined;
  autocannon: string | undefined;
  /** Why a tool is missing, for the report. */
  skipped: string[];
  versions: string[];
}

const DEBIAN: Record<'wrk' | 'hey' | 'nginx', string> = { wrk: 'wrk', hey: 'hey', nginx: 'nginx-light' };

function aptInstall(pkgs: string[]): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const r = runSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], {
    timeoutMs: 600_000,
    env,
    inherit: true,
  });
  return r.code === 0;
}

export function ensurePeers(opts: { benchDir: string; need: Set<string>; force: boolean }): Peers {
  const skipped: string[] = [];
  const wanted = (['wrk', 'hey', 'nginx'] as const).filter((t) => opts.need.has(t));
  const missing = wanted.filter((t) => opts.force || !which(t));
  if (!existsSync('/usr/bin/time'))
    log('note: /usr/bin/time (Debian package "time") is missing: no generator CPU/RSS');
  if (missing.length > 0) {
    const pkgs = missing.map((t) => DEBIAN[t]);
    if (!which('apt-get')) {
      skipped.push(`${pkgs.join(', ')}: no apt-get on this machine`);
    } else {
      log(`installing Debian packages: ${pkgs.join(' ')} (apt-get update first)`);
      const up = runSync('apt-get', ['update'], { timeoutMs: 300_000, inherit: true });
      if (up.code !== 0) log('apt-get update failed; trying the install anyway');
      if (!aptInstall(pkgs)) {
        // one at a time, so one unavailable package does not take the others down
        for (const p of pkgs) if (!aptInstall([p])) log(`apt-get install ${p} failed`);
      }
    }
  }
  const peers: Peers = {
    wrk: opts.need.has('wrk') ? which('wrk') : undefined,
    hey: opts.need.has('hey') ? which('hey') : undefined,
    nginx: opts.need.has('nginx') ? which('nginx') : undefined,
    autocannon: undefined,
    skipped,
    versions: [],
  };
  for (const t of wanted)
    if (!peers[t]) skipped.push(`${t}: not installed and \`apt-get install ${DEBIAN[t]}\` failed`);

  if (opts.need.has('autocannon')) {
    const prefix = `${opts.benchDir}/.peers`;
    const bin = `${prefix}/node_modules/autocannon/autocannon.js`;
    if (opts.force || !existsSync(bin)) {
      log(`installing autocannon@9 into ${prefix}`);
      const r = runSync(
        'npm',
        [
          'install',
          '--no-save',
          '--no-audit',
          '--no-fund',
          '--no-package-lock',
          '--prefix',
          prefix,
          'autocannon@9',
        ],
        { timeoutMs: 600_000, inherit: true },
      );
      if (r.code !== 0) log('npm install autocannon@9 failed');
    }
    if (existsSync(bin)) peers.autocannon = bin;
    else skipped.push('autocannon: `npm install --prefix bench/.peers autocannon@9` failed');
  }
  peers.versions = versions(peers);
  for (const s of skipped) log(`SKIPPED ${s}`);
  return peers;
}

function dpkgVersion(pkg: string): string {
  const r = runSync('dpkg-query', ['-W', '-f', '${Version}', pkg]);
  return r.code === 0 ? r.out.trim() : '?';
}

function versions(p: Peers): string[] {
  const v: string[] = [];
  if (p.wrk) v.push(`wrk (Debian ${dpkgVersion('wrk')})`);
  if (p.hey) v.push(`hey (Debian ${dpkgVersion('hey')})`);
  if (p.nginx)
    v.push(
      `${runSync(p.nginx, ['-v']).out.trim().replace('nginx version: ', '')} (nginx-light ${dpkgVersion('nginx-light')})`,
    );
  if (p.autocannon) {
    const pkg = JSON.parse(readFileSync(p.autocannon.replace(/autocannon\.js$/, 'package.json'), 'utf8')) as {
      version: string;
    };
    v.push(`autocannon ${pkg.version}`);
  }
  return v;
}
