/**
 * Shared test data at scale: generates a ~50 MB CSV (500k rows of id,username,email,password,team)
 * and the same records as a JSON array in a temp dir, loads each through a DataRegistry, and prints
 * the load time (read + index), the index time alone, the row count, row-read speed, and RSS /
 * ArrayBuffer memory before and after.
 *
 *   npx tsc -p tsconfig.json && node --expose-gc dist/bench/data-load.js [rows]
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { indexCsv } from '../src/script/data/csv-index.js';
import { indexJsonArray } from '../src/script/data/json-index.js';
import { DataRegistry, type SharedData } from '../src/script/data/shared-data.js';

const ROWS = Number(process.argv[2] ?? 500_000);
const MB = 1024 * 1024;

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const mem = (): NodeJS.MemoryUsage => {
  gc();
  return process.memoryUsage();
};
const mb = (n: number): string => `${(n / MB).toFixed(1)} MB`;
const ms = (n: number): string => `${n.toFixed(1)} ms`;

interface Rec {
  id: number;
  username: string;
  email: string;
  password: string;
  team: string;
}
const rec = (i: number): Rec => ({
  id: i,
  username: `user${i}`,
  email: `user${i}@example.com`,
  // A hash-like value so the rows are ~100 bytes, as a credentials file would be.
  password: `pw${((i * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(7).slice(0, 54)}`,
  team: `team-${i % 50}`,
});

/** Writes the files in chunks, so generating them leaves no garbage behind to blur the memory numbers. */
function generate(dir: string): { csv: string; quoted: string; json: string } {
  const paths = {
    csv: join(dir, 'users.csv'),
    quoted: join(dir, 'users-quoted.csv'),
    json: join(dir, 'users.json'),
  };
  const fds = {
    csv: openSync(paths.csv, 'w'),
    quoted: openSync(paths.quoted, 'w'),
    json: openSync(paths.json, 'w'),
  };
  const header = 'id,username,email,password,team\n';
  writeSync(fds.csv, header);
  writeSync(fds.quoted, header);
  writeSync(fds.json, '[\n');
  const CHUNK = 10_000;
  for (let from = 0; from < ROWS; from += CHUNK) {
    let csv = '';
    let quoted = '';
    let json = '';
    for (let i = from; i < Math.min(from + CHUNK, ROWS); i++) {
      const r = rec(i);
      csv += `${r.id},${r.username},${r.email},${r.password},${r.team}\n`;
      quoted += `${r.id},${r.username},"${r.email}","${r.password}, ""quoted""",${r.team}\n`;
      json += `${i === 0 ? '' : ',\n'}${JSON.stringify(r)}`;
    }
    writeSync(fds.csv, csv);
    writeSync(fds.quoted, quoted);
    writeSync(fds.json, json);
  }
  writeSync(fds.json, '\n]\n');
  for (const fd of Object.values(fds)) closeSync(fd);
  return paths;
}

function reads(data: SharedData<unknown>): { perRowUs: number } {
  const n = 100_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) data.random();
  return { perRowUs: ((performance.now() - t0) * 1000) / n };
}

function report(kind: 'csv' | 'json', path: string, label: string = kind.toUpperCase()): void {
  const reg = new DataRegistry(tmpdir());
  const before = mem();
  const t0 = performance.now();
  const data = kind === 'csv' ? reg.csv(path) : reg.json(path);
  const loadMs = performance.now() - t0;
  const afterLoad = mem();
  const bytes = new Uint8Array(reg.transfers()[0]?.bytes ?? new SharedArrayBuffer(0));
  const t1 = performance.now();
  if (kind === 'csv') indexCsv(bytes, { delimiter: 0x2c, header: true });
  else indexJsonArray(bytes);
  const indexMs = performance.now() - t1;
  const { perRowUs } = reads(data);
  const afterReads = mem();
  console.log(`\n${label}  ${path}  (${mb(statSync(path).size)})`);
  console.log(`  rows                 ${data.length}`);
  console.log(`  load (read + index)  ${ms(loadMs)}`);
  console.log(
    `  index alone          ${ms(indexMs)}${kind === 'json' ? ' (validates the whole file as it indexes)' : ''}`,
  );
  console.log(`  row read (random)    ${perRowUs.toFixed(2)} µs/row over 100k reads`);
  console.log(
    `  rss                  ${mb(before.rss)} → ${mb(afterLoad.rss)} after load → ${mb(afterReads.rss)} after reads`,
  );
  console.log(
    `  arrayBuffers         ${mb(before.arrayBuffers)} → ${mb(afterLoad.arrayBuffers)} → ${mb(afterReads.arrayBuffers)}`,
  );
  console.log(
    `  heapUsed             ${mb(before.heapUsed)} → ${mb(afterLoad.heapUsed)} → ${mb(afterReads.heapUsed)}`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'volley-data-bench-'));
try {
  const t0 = performance.now();
  const files = generate(dir);
  console.log(`generated ${ROWS} rows in ${ms(performance.now() - t0)}`);
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with --expose-gc for steadier memory numbers)');
  report('csv', files.csv);
  report('csv', files.quoted, 'CSV, quoted fields in every row');
  report('json', files.json);
  // For comparison: validating JSON with JSON.parse of the whole text instead of the byte scanner.
  const before = mem();
  const t1 = performance.now();
  const parsed = JSON.parse(readFileSync(files.json, 'utf8')) as unknown[];
  const parseMs = performance.now() - t1;
  const held = process.memoryUsage();
  console.log(
    `\nfor comparison, JSON.parse of the whole ${mb(statSync(files.json).size)} file: ${ms(parseMs)}`,
  );
  console.log(
    `  ${parsed.length} elements; heapUsed ${mb(before.heapUsed)} → ${mb(held.heapUsed)} while the result is held`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
