/** Shared data: CSV and JSON indexing and lazy rows, the pick helpers, errors, and sharing with real worker threads. */
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { VolleyError } from '../../src/errors.js';
import { DataExhaustedError, DataRegistry } from '../../src/script/data/shared-data.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-data-'));
const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return name;
};

describe('shared data', () => {
  it('CSV: quotes, doubled quotes, newlines in quotes, CRLF, BOM, blank lines, no trailing newline', () => {
    const reg = new DataRegistry(dir);
    file('a.csv', '\uFEFFid,name,note\r\n1,"Smith, Ann","said ""hi"""\r\n\r\n2,Bob,"two\nlines"\r\n3,,last');
    const rows = reg.csv<{ id: string; name: string; note: string }>('a.csv');
    assert.equal(rows.length, 3);
    assert.deepEqual(rows.at(0), { id: '1', name: 'Smith, Ann', note: 'said "hi"' });
    assert.deepEqual(rows.at(1), { id: '2', name: 'Bob', note: 'two\nlines' });
    assert.deepEqual(rows.at(2), { id: '3', name: '', note: 'last' });
    assert.throws(() => rows.at(3), RangeError);
    assert.ok(Object.isFrozen(rows.at(0)), 'rows cannot be changed by one VU for another');
    assert.notEqual(rows.at(0), rows.at(0), 'a fresh object per read');
    file('b.csv', 'x;y\n1;2\n');
    assert.deepEqual(reg.csv('b.csv', { delimiter: ';', header: false }).at(0), ['x', 'y']);
    assert.equal(reg.csv('a.csv'), rows, 'the same file and options load once');
  });

  it('JSON arrays: nested values and strings with brackets, commas and escaped quotes', () => {
    const reg = new DataRegistry(dir);
    file('a.json', ' [ {"a": [1, {"b": "x]y,z"}]}, "str \\" ] ,", 3 , null ] ');
    const rows = reg.json('a.json');
    assert.equal(rows.length, 4);
    assert.deepEqual(rows.at(0), { a: [1, { b: 'x]y,z' }] });
    assert.equal(rows.at(1), 'str " ] ,');
    assert.equal(rows.at(2), 3);
    assert.equal(rows.at(3), null);
    assert.deepEqual([...reg.json(file('e.json', '[]'))], []);
  });

  it('pick helpers: per VU, per iteration (cycling), unique (then exhausted), random', () => {
    const reg = new DataRegistry(dir);
    file('p.csv', 'n\n0\n1\n2\n');
    const d = reg.csv<{ n: string }>('p.csv');
    assert.deepEqual(
      [1, 2, 3, 4].map((vu) => d.perVu({ vu }).n),
      ['0', '1', '2', '0'],
    );
    assert.deepEqual(
      [0, 1, 2, 3, 7].map((iteration) => d.perIteration({ iteration }).n),
      ['0', '1', '2', '0', '1'],
    );
    assert.equal(d.unique({ iteration: 2 }).n, '2');
    assert.throws(() => d.unique({ iteration: 3 }), DataExhaustedError);
    for (let i = 0; i < 50; i++) assert.ok(['0', '1', '2'].includes(d.random().n));
  });

  it('errors: missing file, unterminated quote with its line, non-array JSON, invalid JSON with line:col', () => {
    const reg = new DataRegistry(dir);
    assert.throws(
      () => reg.csv('missing.csv'),
      (e: unknown) => e instanceof VolleyError && /missing\.csv.*no such file/.test(e.message),
    );
    file('q.csv', 'a,b\n1,2\n3,"open\n4,5\n');
    assert.throws(() => reg.csv('q.csv'), /q\.csv:3: unterminated quoted field/);
    file('o.json', '{"users": []}');
    assert.throws(() => reg.json('o.json'), /expects a top-level array.*starts with "\{"/);
    file('bad.json', '[1,\n 2\n 3]');
    assert.throws(() => reg.json('bad.json'), /bad\.json':3:2: invalid JSON/);
  });

  it("workers read the main thread's SharedArrayBuffer: no re-read, no copy", async () => {
    const rows = ['id,user,email,password,team'];
    for (let i = 0; i < 200_000; i++)
      rows.push(`${i},user${i},user${i}@example.com,pw-${i}-xxxxxxxxxxxxxxxx,team${i % 20}`);
    const big = file('big.csv', `${rows.join('\n')}\n`);
    const reg = new DataRegistry(dir);
    const data = reg.csv<{ id: string; user: string }>(big);
    const transfers = reg.transfers();
    assert.ok(transfers[0]?.bytes instanceof SharedArrayBuffer);
    const size = transfers[0]?.bytes.byteLength ?? 0;
    assert.ok(size > 10 * 1024 * 1024, `a big file (${size} bytes)`);
    // The worker must not touch the disk: the file is gone before it starts.
    renameSync(join(dir, big), join(dir, 'moved.csv'));
    const results = await Promise.all(
      [0, 1].map(
        (w) =>
          new Promise<{ rows: string[]; growthBytes: number; length: number }>((resolve, reject) => {
            const worker = new Worker(new URL('../fixtures/shared-data-worker.js', import.meta.url), {
              workerData: { dir, file: big, transfers, picks: [0, 1, 199_999, 1000 + w] },
            });
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      ),
    );
    for (const [w, r] of results.entries()) {
      assert.equal(r.length, 200_000);
      assert.deepEqual(
        r.rows,
        [0, 1, 199_999, 1000 + w].map((i) => data.at(i).user),
      );
      assert.ok(r.growthBytes < size / 4, `worker ${w} grew ${r.growthBytes} bytes for a ${size}-byte file`);
    }
  });
});
