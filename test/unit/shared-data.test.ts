/** Shared data: CSV and JSON indexing and lazy rows, the pick helpers, errors, and sharing with real worker threads. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { VolleyError } from '../../src/errors.js';
import { indexCsv } from '../../src/script/data/csv-index.js';
import { indexJsonArray } from '../../src/script/data/json-index.js';
import { decodeSpec, encodeSpec } from '../../src/engine/generator.js';
import type { GeneratorSpec } from '../../src/engine/protocol.js';
import { DataExhaustedError, DataRegistry, sharedTransferOf } from '../../src/script/data/shared-data.js';
import type { WorkerInput, WorkerReport } from '../fixtures/shared-data-worker.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `name` in the temp dir and returns the name (relative to the registry's baseDir). */
const file = (name: string, text: string | Buffer): string => {
  writeFileSync(join(dir, name), text);
  return name;
};

const volleyError = (code: string, message: RegExp) => (e: unknown) => {
  assert.ok(e instanceof VolleyError, `a VolleyError, not ${String(e)}`);
  assert.equal(e.code, code);
  assert.match(e.message, message);
  return true;
};

describe('shared data: CSV', () => {
  it('quotes, doubled quotes, delimiters and line breaks in quotes, CRLF, BOM, blank lines, no final newline', () => {
    const reg = new DataRegistry(dir);
    file(
      'a.csv',
      '\uFEFFid,name,note\r\n' +
        '1,"Smith, Ann","said ""hi"""\r\n' +
        '\r\n' +
        '2,Bob,"two\r\nlines\n\nand a blank one"\r\n' +
        '\n\n' +
        '3,,\r\n' +
        '4,5"6,"""quoted"""\r\n' +
        '5,é ü 日本,last',
    );
    const rows = reg.csv<{ id: string; name: string; note: string }>('a.csv');
    assert.equal(rows.length, 5);
    assert.equal(rows.path, join(dir, 'a.csv'));
    assert.deepEqual(
      [...rows],
      [
        { id: '1', name: 'Smith, Ann', note: 'said "hi"' },
        { id: '2', name: 'Bob', note: 'two\r\nlines\n\nand a blank one' },
        { id: '3', name: '', note: '' },
        { id: '4', name: '5"6', note: '"quoted"' },
        { id: '5', name: 'é ü 日本', note: 'last' },
      ],
    );
    assert.deepEqual(
      Object.keys(rows.at(0)),
      ['id', 'name', 'note'],
      'the BOM is not part of the first column',
    );
  });

  it('a trailing newline or none, LF or CRLF: the same rows', () => {
    const reg = new DataRegistry(dir);
    const bodies = [
      'a,b\n1,2\n3,4',
      'a,b\n1,2\n3,4\n',
      'a,b\r\n1,2\r\n3,4\r\n',
      'a,b\r\n1,2\r\n3,4',
      '\n\na,b\n\n1,2\n3,4\n\n\n',
    ];
    bodies.forEach((body, k) => {
      const rows = reg.csv(file(`t${k}.csv`, body));
      assert.deepEqual(
        [...rows],
        [
          { a: '1', b: '2' },
          { a: '3', b: '4' },
        ],
        JSON.stringify(body),
      );
    });
  });

  it('without a header rows are string arrays; a quote after the first character of a field is literal', () => {
    const reg = new DataRegistry(dir);
    file('n.csv', 'x,y\n1,"a,b"\n2,c"d\n');
    const rows = reg.csv<string[]>('n.csv', { header: false });
    assert.equal(rows.length, 3);
    assert.deepEqual(
      [...rows],
      [
        ['x', 'y'],
        ['1', 'a,b'],
        ['2', 'c"d'],
      ],
    );
  });

  it("delimiter ';' (and tab), with the delimiter inside quotes", () => {
    const reg = new DataRegistry(dir);
    file('s.csv', 'name;city\n"Doe; John";Paris\nAnn;"Lyon, FR"\n');
    assert.deepEqual(
      [...reg.csv('s.csv', { delimiter: ';' })],
      [
        { name: 'Doe; John', city: 'Paris' },
        { name: 'Ann', city: 'Lyon, FR' },
      ],
    );
    assert.deepEqual(reg.csv('s.csv', { delimiter: ';', header: false }).at(0), ['name', 'city']);
    file('tab.csv', 'a\tb\n1\t"x\ty"\n');
    assert.deepEqual(reg.csv('tab.csv', { delimiter: '\t' }).at(0), { a: '1', b: 'x\ty' });
    assert.throws(() => reg.csv('s.csv', { delimiter: '::' }), volleyError('INVALID_CONFIG', /delimiter/));
    assert.throws(() => reg.csv('s.csv', { delimiter: '"' }), volleyError('INVALID_CONFIG', /delimiter/));
  });

  it('short rows get empty strings; header names are trimmed; a __proto__ column is an ordinary field', () => {
    const reg = new DataRegistry(dir);
    file('h.csv', ' id , __proto__ ,c\n1\n2,x,y,extra\n');
    const rows = reg.csv<Record<string, string>>('h.csv');
    assert.deepEqual(rows.at(0), { id: '1', ['__proto__']: '', c: '' });
    assert.equal(Object.getPrototypeOf(rows.at(1)), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(rows.at(1), '__proto__')?.value, 'x');
    assert.equal(rows.at(1)['c'], 'y');
  });

  it('rows are fresh frozen objects: a VU cannot change what another reads', () => {
    const reg = new DataRegistry(dir);
    const rows = reg.csv<{ id: string }>(file('f.csv', 'id\n1\n'));
    const a = rows.at(0);
    assert.notEqual(a, rows.at(0));
    assert.ok(Object.isFrozen(a));
    assert.throws(() => {
      (a as { id: string }).id = 'changed';
    }, TypeError);
    assert.equal(rows.at(0).id, '1');
  });

  it('the same path and options load once; other options are another view', () => {
    const reg = new DataRegistry(dir);
    file('c.csv', 'a\n1\n');
    const one = reg.csv('c.csv');
    assert.equal(reg.csv('c.csv'), one);
    assert.equal(reg.csv('./c.csv', { header: true, delimiter: ',' }), one);
    assert.equal(reg.csv(join(dir, 'c.csv')), one, 'relative and absolute paths to one file');
    assert.notEqual(reg.csv('c.csv', { header: false }), one);
    assert.equal(reg.transfers().length, 2);
  });

  it('an empty file, or a header alone, has no rows', () => {
    const reg = new DataRegistry(dir);
    const empty = reg.csv(file('e.csv', ''));
    assert.equal(empty.length, 0);
    assert.throws(() => empty.random(), /e\.csv has no rows/);
    assert.equal(reg.csv(file('ho.csv', 'a,b\n')).length, 0);
  });

  it('indexes a file with a quote in every row and long multi-line fields consistently with the parser', () => {
    const lines = ['id,text'];
    for (let i = 0; i < 2000; i++) lines.push(`${i},"line ${i}\n""q"", ${'x'.repeat(i % 50)}"`);
    const reg = new DataRegistry(dir);
    const rows = reg.csv<{ id: string; text: string }>(file('q.csv', lines.join('\n')));
    assert.equal(rows.length, 2000);
    assert.deepEqual(rows.at(1999), { id: '1999', text: `line 1999\n"q", ${'x'.repeat(1999 % 50)}` });
    const index = indexCsv(new TextEncoder().encode(lines.join('\n')), { delimiter: 0x2c, header: true });
    assert.equal(index.rows, 2000);
    assert.deepEqual(index.columns, ['id', 'text']);
  });
});

describe('shared data: JSON', () => {
  it('an array of nested values, strings holding brackets, commas and escaped quotes', () => {
    const reg = new DataRegistry(dir);
    file(
      'a.json',
      '\uFEFF [ {"a": [1, {"b": "x]y,z}"}], "c": {}},\n' +
        ' "str \\" ] , [ {",\n' +
        ' -3.5e+2 , null, true, false, [], [[["deep"]]], "\\u00e9\\\\", "日本" ]\n',
    );
    const rows = reg.json('a.json');
    assert.equal(rows.length, 10);
    assert.deepEqual(
      [...rows],
      [
        { a: [1, { b: 'x]y,z}' }], c: {} },
        'str " ] , [ {',
        -350,
        null,
        true,
        false,
        [],
        [[['deep']]],
        'é\\',
        '日本',
      ],
    );
    assert.equal(rows.path, join(dir, 'a.json'));
  });

  it('elements are fresh and deeply frozen', () => {
    const reg = new DataRegistry(dir);
    const rows = reg.json<{ user: { tags: string[] } }>(file('fz.json', '[{"user": {"tags": ["a"]}}]'));
    const row = rows.at(0);
    assert.notEqual(row, rows.at(0));
    assert.ok(Object.isFrozen(row.user.tags));
    assert.throws(() => row.user.tags.push('b'), TypeError);
  });

  it('empty arrays and whitespace', () => {
    const reg = new DataRegistry(dir);
    assert.deepEqual([...reg.json(file('e.json', '[]'))], []);
    assert.deepEqual([...reg.json(file('e2.json', '\n  [ \n ]  \n'))], []);
    assert.deepEqual([...reg.json(file('one.json', '[ 1 ]'))], [1]);
  });

  it('agrees with JSON.parse on valid documents, element by element', () => {
    const values: unknown[] = [];
    for (let i = 0; i < 300; i++)
      values.push({
        i,
        s: `q"u\\o\nte ${'[]{},:'.slice(i % 6)} \u0001 ${String.fromCharCode(0x80 + i)}`,
        n: [i / 7, -(i + 1) * 1e21, 0, { deep: [[i]] }],
        b: i % 2 === 0,
        z: null,
      });
    for (const space of [0, 2]) {
      const text = JSON.stringify(values, null, space);
      const bytes = new TextEncoder().encode(text);
      const { index, rows } = indexJsonArray(bytes);
      assert.equal(rows, values.length);
      const offsets = new Int32Array(index);
      const decoder = new TextDecoder();
      for (let i = 0; i < rows; i++)
        assert.deepEqual(
          JSON.parse(decoder.decode(bytes.subarray(offsets[2 * i], offsets[2 * i + 1]))),
          values[i],
        );
    }
  });

  it('rejects what JSON.parse rejects, with line:column', () => {
    const bad: [string, RegExp][] = [
      ['[1,\n 2\n 3]', /:3:2\): expected ',' or ']' after an array element, found '3'/],
      ['[1, 2,]', /:1:7\): expected a value, found '\]'/],
      ['[{"a" 1}]', /:1:7\): expected ':' after a property name, found '1'/],
      ["[{'a': 1}]", /:1:3\): expected a property name in double quotes, found '''/],
      ['[{"a": 1,}]', /:1:10\): expected a property name/],
      ['[\n  "abc', /:2:3\): unterminated string/],
      ['["a\tb"]', /:1:4\): control character "\\t" in a string/],
      ['["\\x"]', /:1:3\): invalid escape/],
      ['["\\u12g4"]', /:1:3\): invalid escape/],
      ['[01]', /:1:3\): expected ',' or ']'/],
      ['[1.]', /:1:2\): invalid number/],
      ['[-]', /:1:2\): invalid number/],
      ['[1e]', /:1:2\): invalid number/],
      ['[tru]', /:1:2\): expected a value, found 't'/],
      ['[nul', /:1:2\): expected a value/],
      ['[1, 2', /:1:6\): expected ',' or ']' after an array element, found the end of the file/],
      ['[[1, 2]', /:1:8\): expected ',' or ']'/],
      ['[{"a": [1}]', /:1:10\): expected ',' or ']' after an array element, found '}'/],
      ['[1] 2', /:1:5\): unexpected '2' after the end of the top-level array/],
      ['["é", x]', /:1:7\): expected a value, found 'x'/],
    ];
    const reg = new DataRegistry(dir);
    bad.forEach(([text, message], k) => {
      assert.throws(() => JSON.parse(text), SyntaxError, `JSON.parse rejects ${text} too`);
      const name = file(`bad${k}.json`, text);
      assert.throws(() => reg.json(name), volleyError('INVALID_CONFIG', message), text);
      assert.throws(() => reg.json(name), new RegExp(`data file 'bad${k}\\.json' \\(${dir}/bad${k}\\.json:`));
    });
  });

  it('a top level that is not an array', () => {
    const reg = new DataRegistry(dir);
    file('users.json', '  {"users": []}');
    assert.throws(
      () => reg.json('users.json'),
      volleyError('INVALID_CONFIG', /^data\.json expects a top-level array: users\.json starts with '\{'$/),
    );
    file('s.json', '"text"');
    assert.throws(() => reg.json('s.json'), /s\.json starts with '"'/);
    file('z.json', ' \n');
    assert.throws(
      () => reg.json('z.json'),
      volleyError('INVALID_CONFIG', /^data\.json expects a top-level array: z\.json is empty$/),
    );
  });
});

describe('shared data: errors', () => {
  it('a missing file or a directory: UNREADABLE_FILE with the path as given and as resolved', () => {
    const reg = new DataRegistry(dir);
    assert.throws(
      () => reg.csv('./users.csv'),
      volleyError(
        'UNREADABLE_FILE',
        new RegExp(`^data file '\\./users\\.csv' \\(resolved to ${dir}/users\\.csv\\): no such file$`),
      ),
    );
    assert.throws(() => reg.json('nope.json'), volleyError('UNREADABLE_FILE', /nope\.json.*no such file/));
    mkdirSync(join(dir, 'adir'));
    assert.throws(() => reg.csv('adir'), volleyError('UNREADABLE_FILE', /is a directory/));
  });

  it('an unterminated quote names the file and the line it opens on', () => {
    const reg = new DataRegistry(dir);
    file('q1.csv', 'a,b\n1,"two\nlines"\n3,"open\n4,5\n');
    assert.throws(
      () => reg.csv('q1.csv'),
      volleyError(
        'INVALID_CONFIG',
        new RegExp(`^data file 'q1\\.csv' \\(${dir}/q1\\.csv:4\\): unterminated quoted field`),
      ),
    );
  });

  it('a column named twice in the header', () => {
    const reg = new DataRegistry(dir);
    file('dup.csv', 'id,name,id\n1,2,3\n');
    assert.throws(
      () => reg.csv('dup.csv'),
      volleyError('INVALID_CONFIG', /column 'id' appears twice.*columns 1 and 3/),
    );
    assert.deepEqual(reg.csv('dup.csv', { header: false }).at(1), ['1', '2', '3']);
  });
});

describe('shared data: picking rows', () => {
  const reg = new DataRegistry(dir);
  file('p.csv', 'n\n0\n1\n2\n');
  const d = reg.csv<{ n: string }>('p.csv');

  it('perVu: VU n keeps row n-1, wrapping around', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 1].map((vu) => d.perVu({ vu }).n),
      ['0', '1', '2', '0', '1', '0'],
    );
  });

  it('perIteration cycles through the rows', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 301].map((iteration) => d.perIteration({ iteration }).n),
      ['0', '1', '2', '0', '1', '2', '0', '1'],
    );
  });

  it('unique: row `iteration`, then DataExhaustedError once the iterations outnumber the rows', () => {
    assert.deepEqual(
      [0, 1, 2].map((iteration) => d.unique({ iteration }).n),
      ['0', '1', '2'],
    );
    assert.throws(
      () => d.unique({ iteration: 3 }),
      (e: unknown) =>
        e instanceof DataExhaustedError &&
        e.rows === 3 &&
        e.iteration === 3 &&
        e.message.startsWith('p.csv has 3 rows; unique() was asked for row 3 (iteration 3)'),
    );
    assert.throws(() => d.unique({ iteration: 1000 }), DataExhaustedError);
  });

  it('random stays in range and reaches every row', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) seen.add(d.random().n);
    assert.deepEqual([...seen].sort(), ['0', '1', '2']);
  });

  it('at() outside 0..length-1 is a RangeError', () => {
    for (const i of [-1, 3, 1.5, Number.NaN]) assert.throws(() => d.at(i), RangeError, String(i));
  });
});

describe('shared data: the portable form', () => {
  it('portable() carries the bytes and their sha256; this process finds its shared copy again without a copy', () => {
    const reg = new DataRegistry(dir);
    file('p.json', '[{"a":1},[2,3],"four"]');
    const csv = reg.csv(file('p.csv', 'id;name\n1;Ann\n2;"Bob; Jr"\n'), { delimiter: ';' });
    reg.json('p.json');
    const portable = reg.portable();
    assert.equal(portable.length, 2);
    const [c, j] = portable as [(typeof portable)[0], (typeof portable)[0]];
    assert.equal(c.sha256, createHash('sha256').update('id;name\n1;Ann\n2;"Bob; Jr"\n').digest('hex'));
    assert.equal(c.rows, 2);
    assert.equal(c.delimiter, ';');
    assert.ok(c.bytes.buffer instanceof SharedArrayBuffer, 'a view of the shared copy, not a copy');
    assert.equal(sharedTransferOf(c), reg.transfers()[0], 'the very transfer the registry loaded');
    assert.equal(sharedTransferOf(j), reg.transfers()[1]);
    assert.deepEqual(csv.at(1), { id: '2', name: 'Bob; Jr' });
  });

  it('a portable file that crossed as JSON is checked, copied into a SharedArrayBuffer and indexed', () => {
    const reg = new DataRegistry(dir);
    reg.csv(file('q.csv', 'k,v\na,1\nb,"2,5"\n'));
    reg.json(file('q.json', '[{"x":1},{"x":[2]}]'));
    const spec = { script: { data: reg.portable() } } as unknown as GeneratorSpec;
    const arrived = decodeSpec(encodeSpec(spec)).script?.data ?? [];
    assert.equal(arrived.length, 2);
    const [c, j] = arrived.map(sharedTransferOf) as [
      ReturnType<typeof sharedTransferOf>,
      ReturnType<typeof sharedTransferOf>,
    ];
    assert.ok(c.bytes instanceof SharedArrayBuffer && c.index instanceof SharedArrayBuffer);
    assert.notEqual(c, reg.transfers()[0], 'built anew from the bytes');
    assert.deepEqual([c.rows, c.columns, c.header, c.delimiter], [2, ['k', 'v'], true, ',']);
    // A registry seeded with it reads the same rows without the file.
    renameSync(join(dir, 'q.csv'), join(dir, 'q-moved.csv'));
    const there = new DataRegistry(dir);
    there.seed([c, j]);
    assert.deepEqual(
      [...there.csv('q.csv')],
      [
        { k: 'a', v: '1' },
        { k: 'b', v: '2,5' },
      ],
    );
    assert.deepEqual(there.json('q.json').at(1), { x: [2] });
    // The same arrived file again: the same shared copy (one per file and process).
    assert.equal(sharedTransferOf(arrived[0] as (typeof arrived)[0]), c);
  });

  it('bytes that do not match their digest are refused', () => {
    const reg = new DataRegistry(dir);
    reg.json(file('r.json', '[1,2,3]'));
    const [f] =
      decodeSpec(encodeSpec({ script: { data: reg.portable() } } as unknown as GeneratorSpec)).script?.data ??
      [];
    assert.ok(f);
    f.bytes[1] = 0x39; // '[9,2,3]'
    assert.throws(
      () => sharedTransferOf(f),
      volleyError('RUNTIME', /r\.json: its content does not match its sha256 digest/),
    );
  });
});

describe('shared data: worker threads', () => {
  it("workers read the main thread's SharedArrayBuffers: same rows, no re-read, no copy", async () => {
    const ROWS = 250_000;
    const lines = ['id,username,email,password,team'];
    for (let i = 0; i < ROWS; i++)
      lines.push(`${i},user${i},user${i}@example.com,"pw-${i}-${'x'.repeat(20)}",team-${i % 20}`);
    const name = file('big.csv', `${lines.join('\n')}\n`);
    const reg = new DataRegistry(dir);
    const data = reg.csv(name);
    assert.equal(data.length, ROWS);
    const transfers = reg.transfers();
    assert.equal(transfers.length, 1);
    const bytes = transfers[0]?.bytes;
    assert.ok(bytes instanceof SharedArrayBuffer);
    assert.ok(transfers[0]?.index instanceof SharedArrayBuffer);
    const size = bytes.byteLength;
    assert.ok(size > 18 * 1024 * 1024, `a ~20 MB file (${size} bytes)`);

    // The workers cannot read the file: it is gone before they start.
    renameSync(join(dir, name), join(dir, 'moved.csv'));
    const picks = (w: number): number[] => [0, 1, 4242 + w, ROWS - 1];
    const reports = await Promise.all(
      [0, 1].map(
        (w) =>
          new Promise<WorkerReport>((resolve, reject) => {
            const input: WorkerInput = { dir, file: name, transfers, picks: picks(w), reads: 1000 };
            const worker = new Worker(new URL('../fixtures/shared-data-worker.js', import.meta.url), {
              workerData: input,
            });
            worker.once('message', (m: WorkerReport) => {
              resolve(m);
              void worker.terminate();
            });
            worker.once('error', reject);
          }),
      ),
    );
    for (const [w, r] of reports.entries()) {
      assert.equal(r.length, ROWS);
      assert.equal(r.path, join(dir, name));
      assert.ok(r.shared, 'the buffers arrived as SharedArrayBuffers');
      assert.deepEqual(
        r.rows,
        picks(w).map((i) => data.at(i)),
      );
      assert.deepEqual(r.rows[2], {
        id: String(4242 + w),
        username: `user${4242 + w}`,
        email: `user${4242 + w}@example.com`,
        password: `pw-${4242 + w}-${'x'.repeat(20)}`,
        team: `team-${(4242 + w) % 20}`,
      });
      assert.match(r.unseeded, /^UNREADABLE_FILE: .*no such file/, 'only the seeded load avoids the disk');
      const growth = r.heapGrowth + r.arrayBufferGrowth;
      assert.ok(
        growth < 5 * 1024 * 1024,
        `worker ${w} grew ${r.heapGrowth} heap + ${r.arrayBufferGrowth} array-buffer bytes over 1000+ rows of a ${size}-byte file`,
      );
      assert.ok(r.arrayBufferGrowth < 1024 * 1024, `no copy of the bytes: ${r.arrayBufferGrowth}`);
    }
  });
});
