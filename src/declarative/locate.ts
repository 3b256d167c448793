/**
 * Where things are in a declarative file: document paths (`['scenarios', 'load', 'flow', 0]`),
 * their `FILE:LINE:COL`, and the collector every check reports to — by document path, or by a
 * validator's structured `Problem` whose path it resolves the same way.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import { pathSegments, problemText, type Problem } from '../config/problems.js';

/** A position in the document: keys and list indexes from the root, e.g. `['scenarios', 'load', 'flow', 0]`. */
export type DocPath = readonly (string | number)[];

/** `FILE:LINE:COL` of a document path (or of its nearest parent that exists). */
export type Locator = (path: DocPath) => string;

/** `scenarios.load.flow[0].get`; keys that are not plain names are quoted. */
export function dotted(path: DocPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out === '' ? 'the top level' : out;
}

interface Found {
  /** The value node (or the key node of the last pair found when the path goes further). */
  node: Node | undefined;
  key: Node | undefined;
  complete: boolean;
}

function walk(doc: Document, path: DocPath): Found {
  let node = doc.contents as Node | null;
  let key: Node | undefined;
  for (let i = 0; i < path.length; i++) {
    if (node && isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null;
    const seg = path[i] as string | number;
    if (isMap(node)) {
      const pair = (node.items as Pair<Node, Node>[]).find(
        (it) => isScalar(it.key) && String(it.key.value) === String(seg),
      );
      if (!pair) return { node: key ? undefined : (node as Node), key, complete: false };
      key = pair.key ?? undefined;
      node = pair.value ?? null;
      if (!node) return { node: undefined, key, complete: i === path.length - 1 };
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      key = undefined;
      node = node.items[seg] as Node;
    } else {
      return { node: node ?? undefined, key, complete: false };
    }
  }
  return { node: node ?? undefined, key, complete: true };
}

interface Issue {
  offset: number;
  where: string;
  message: string;
}

/** Problem codes shown at the key they name (`duraton:`), not at its value. */
const AT_KEY = new Set(['unknown-field', 'conflict', 'nothing-to-run']);

/** Every problem of one file, reported with its position and listed in file order. */
export class Issues {
  readonly list: Issue[] = [];
  /** Paths a problem was reported at. */
  private readonly reported = new Set<string>();
  /** Paths that must not get a second message (a field an unknown key was probably meant to be). */
  private readonly marked = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly lc: LineCounter,
    private readonly doc: Document | undefined,
  ) {}

  at(offset: number): string {
    const p = this.lc.linePos(offset);
    return `${this.file}:${p.line}:${p.col}`;
  }

  readonly locate: Locator = (p) => this.at(this.offsetOf(p));

  /** The offset of a path: its value node, or its key (`key`), or the nearest existing parent's key. */
  offsetOf(path: DocPath, key = false): number {
    if (!this.doc) return 0;
    const f = walk(this.doc, path);
    if (f.complete) {
      const n = key && f.key ? f.key : (f.node ?? f.key);
      return n?.range?.[0] ?? 0;
    }
    return (f.key ?? f.node)?.range?.[0] ?? 0;
  }

  addAt(offset: number, message: string): void {
    this.list.push({ offset, where: this.at(offset), message });
  }

  add(path: DocPath, message: string, key = false): void {
    this.reported.add(JSON.stringify(path));
    this.addAt(this.offsetOf(path, key), message);
  }

  /**
   * A validator's problem, at the document path its `path` names, unless that path already has
   * a problem or a parent of it was reported (one mistake, one message). `where` overrides the
   * document path when the problem's own is not where the user wrote it; `atKey` shows it at the key.
   */
  addProblem(p: Problem, where?: DocPath, atKey = AT_KEY.has(p.code)): void {
    const path = where ?? pathSegments(p.path);
    if (this.has(path)) return;
    for (let n = 1; n < path.length; n++) if (this.reported.has(JSON.stringify(path.slice(0, n)))) return;
    this.add(path, problemText(p), atKey);
  }

  /** Counts `path` as having a problem without a message (suppresses follow-up messages). */
  mark(path: DocPath): void {
    this.marked.add(JSON.stringify(path));
  }

  has(path: DocPath): boolean {
    const id = JSON.stringify(path);
    return this.reported.has(id) || this.marked.has(id);
  }

  lines(): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const i of [...this.list].sort((a, b) => a.offset - b.offset)) {
      const line = `${i.where}: ${i.message}`;
      if (!seen.has(line)) {
        seen.add(line);
        out.push(line);
      }
    }
    return out;
  }
}
