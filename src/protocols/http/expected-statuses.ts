/**
 * Which statuses count as a success in `http_req_failed` (k6's
 * `http.setResponseCallback(http.expectedStatuses(...))`): a list of codes and `{ min, max }`
 * ranges, per test (`http.expectedStatuses`, `--expected-status`) and per request. A list is
 * compiled once into a 600-entry lookup table, so the recorder's decision stays one array read.
 */
import { problemPath, type Problem } from '../../config/problems.js';

/** One entry of an `expectedStatuses` list: a status code, or an inclusive range. */
export type StatusRange = number | { min: number; max: number };

const MAX_STATUS = 599;

export class ExpectedStatuses {
  private readonly table = new Uint8Array(MAX_STATUS + 1);
  constructor(readonly ranges: readonly StatusRange[]) {
    for (const r of ranges) {
      const [min, max] = typeof r === 'number' ? [r, r] : [r.min, r.max];
      for (let s = Math.max(0, min); s <= Math.min(MAX_STATUS, max); s++) this.table[s] = 1;
    }
  }
  /** Is `status` expected (a success)? */
  has(status: number): boolean {
    return this.table[status] === 1;
  }
}

/** k6's default: 200-399 is a success. */
export const DEFAULT_EXPECTED = new ExpectedStatuses([{ min: 200, max: 399 }]);

const isStatus = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= MAX_STATUS;

/** Every problem with an `expectedStatuses` value, each at its path. */
export function expectedStatusProblems(value: unknown, path: string): Problem[] {
  if (!Array.isArray(value) || value.length === 0)
    return [
      {
        path,
        code: 'wrong-type',
        message:
          'must be a non-empty list of status codes and { min, max } ranges, e.g. [{ min: 200, max: 399 }, 404]',
      },
    ];
  const out: Problem[] = [];
  value.forEach((v, i) => {
    const at = problemPath(path, i);
    if (typeof v === 'number') {
      if (!isStatus(v))
        out.push({ path: at, code: 'out-of-range', message: `${v} is not a status from 100 to 599` });
      return;
    }
    const r = v as { min?: unknown; max?: unknown };
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !isStatus(r.min) || !isStatus(r.max)) {
      out.push({
        path: at,
        code: 'wrong-type',
        message: 'must be a status code (100-599) or { min, max } with both from 100 to 599',
      });
      return;
    }
    const extra = Object.keys(v).filter((k) => k !== 'min' && k !== 'max');
    if (extra.length > 0)
      out.push({
        path: at,
        code: 'unknown-field',
        message: `has fields other than min and max: ${extra.join(', ')}`,
      });
    else if (r.min > r.max)
      out.push({ path: at, code: 'out-of-range', message: `min ${r.min} is above max ${r.max}` });
  });
  return out;
}

/** `--expected-status 200-399,404` → the list; a string says what is wrong. */
export function parseExpectedStatusFlag(text: string): StatusRange[] | string {
  const out: StatusRange[] = [];
  for (const part of text.split(',')) {
    const p = part.trim();
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(p);
    if (!m) return `--expected-status: '${p}' is not a status (404) or a range (200-399)`;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : Number(m[2]);
    if (!isStatus(min) || !isStatus(max) || min > max)
      return `--expected-status: '${p}' is not a status or range within 100-599`;
    out.push(min === max ? min : { min, max });
  }
  return out;
}

const byIdentity = new WeakMap<readonly StatusRange[], ExpectedStatuses>();
const byText = new Map<string, ExpectedStatuses>();
const BY_TEXT_MAX = 256;

/**
 * The compiled set of a request's `expectedStatuses`: cached by the list object (a list kept in a
 * variable costs one WeakMap read) and by its content (a literal written in the call).
 */
export function expectedStatusesOf(list: readonly StatusRange[]): ExpectedStatuses {
  let set = byIdentity.get(list);
  if (set !== undefined) return set;
  const key = list.map((r) => (typeof r === 'number' ? String(r) : `${r.min}-${r.max}`)).join(',');
  set = byText.get(key);
  if (set === undefined) {
    const problems = expectedStatusProblems(list, 'expectedStatuses');
    if (problems.length > 0)
      throw new TypeError(`${(problems[0] as Problem).path}: ${(problems[0] as Problem).message}`);
    set = new ExpectedStatuses(list);
    if (byText.size < BY_TEXT_MAX) byText.set(key, set);
  }
  byIdentity.set(list, set);
  return set;
}
