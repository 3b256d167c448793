/**
 * The structure of a declarative file: types, required and unknown fields, as TEST_FILE_SCHEMA
 * (schema.ts) says them, checked by ajv and worded for people at the position of each problem.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { problemText, type Problem } from '../config/problems.js';
import { closest, suggest } from '../config/suggest.js';
import { dotted, type DocPath, type Issues } from './locate.js';
import { TEST_FILE_SCHEMA } from './schema.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validateSchema = ajv.compile(TEST_FILE_SCHEMA);

const show = (v: unknown): string => {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a map';
  return JSON.stringify(v) ?? String(v);
};

const TYPE_WORDS: Readonly<Record<string, string>> = {
  object: 'a map',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  null: 'null',
};
/** `a, b or c`. */
const either = (words: string[]): string =>
  words.length <= 1
    ? (words[0] ?? '')
    : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] as string}`;
const typeWords = (t: unknown): string =>
  either((Array.isArray(t) ? t : [t]).map((x) => TYPE_WORDS[String(x)] ?? String(x)));

/** What the branches of an `anyOf` accept: `integer or a list of integer`. */
function anyOfWords(branches: unknown): string {
  if (!Array.isArray(branches)) return 'something else';
  return either(
    branches.map((b: Obj) => {
      if (b.type === 'array' && isObj(b.items)) {
        const items = b.items.anyOf ? anyOfWords(b.items.anyOf) : typeWords(b.items.type);
        return `a list of ${items.replace(/^an? /, '')}`;
      }
      if (b.type === 'object' && isObj(b.properties)) return `{ ${Object.keys(b.properties).join(', ')} }`;
      return typeWords(b.type);
    }),
  );
}

/** An ajv error as a problem at its path, in words: `scenarios.load.vus: must be an integer (got "many")`. */
function schemaProblem(err: ErrorObject, path: DocPath): Problem {
  const where = dotted(path);
  const p = err.params as Record<string, unknown>;
  const at = (code: string, message: string, under?: string): Problem => ({
    path: under === undefined ? where : dotted([...path, under]),
    code,
    message,
  });
  switch (err.keyword) {
    case 'additionalProperties': {
      const prop = String(p.additionalProperty);
      const parent = err.parentSchema as { properties?: Obj } | undefined;
      return at(
        'unknown-field',
        `unknown field${suggest(prop, Object.keys(parent?.properties ?? {}))}`,
        prop,
      );
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const got = err.data;
      const best = typeof got === 'string' ? closest(got, allowed) : undefined;
      return at(
        'unknown-name',
        `must be one of ${allowed.join(', ')} (got ${show(got)}${best ? `; did you mean '${best}'?` : ''})`,
      );
    }
    case 'required':
      return at('required', 'is required', String(p.missingProperty));
    case 'type':
      return at('wrong-type', `must be ${typeWords(p.type)} (got ${show(err.data)})`);
    case 'anyOf':
      return at('wrong-type', `must be ${anyOfWords(err.schema)} (got ${show(err.data)})`);
    case 'const':
      return at('wrong-type', `must be ${show(p.allowedValue)}`);
    case 'minimum':
      return at('out-of-range', `must be >= ${String(p.limit)} (got ${show(err.data)})`);
    case 'minItems':
    case 'maxItems':
      return at(
        'out-of-range',
        `must have ${err.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`,
      );
    case 'minProperties':
      return path.length === 1 && path[0] === 'scenarios'
        ? at('required', 'define at least one scenario')
        : at('out-of-range', 'must not be empty');
    case 'minLength':
    case 'maxLength':
      return at(
        'out-of-range',
        `must be ${String(p.limit)} character${p.limit === 1 ? '' : 's'} ${err.keyword === 'minLength' ? 'or more' : 'or less'}`,
      );
    default:
      return at('invalid', err.message ?? 'is invalid');
  }
}

/** Reports every schema problem of `value` (the parsed document) to `issues`. */
export function checkStructure(value: unknown, issues: Issues): void {
  if (!validateSchema(value)) {
    for (const err of validateSchema.errors ?? []) {
      // The branches of an anyOf fail on their own: the anyOf error says it once.
      if (err.schemaPath.includes('/anyOf/')) continue;
      // propertyNames reports the pattern failure and then itself: keep the first.
      if (err.keyword === 'propertyNames') continue;
      const at = err.instancePath
        .split('/')
        .slice(1)
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s, i, all) =>
          /^\d+$/.test(s) && Array.isArray(pathValue(value, all.slice(0, i))) ? Number(s) : s,
        );
      const p = err.params as Record<string, unknown>;
      if (err.keyword === 'additionalProperties') {
        const prop = String(p.additionalProperty);
        issues.add([...at, prop], problemText(schemaProblem(err, at)), true);
        // 'duraton' (did you mean 'duration'?): no second message saying duration is missing.
        const parent = err.parentSchema as { properties?: Obj } | undefined;
        const best = closest(prop, Object.keys(parent?.properties ?? {}));
        if (best !== undefined) issues.mark([...at, best]);
      } else if (typeof err.propertyName === 'string') {
        const name = [...at, err.propertyName];
        const message = 'is not a valid name (letters, digits, _ and -, not starting with a digit)';
        issues.add(name, problemText({ path: dotted(name), code: 'invalid-syntax', message }), true);
      } else {
        issues.add(at, problemText(schemaProblem(err, at)));
      }
    }
  }
}

function pathValue(root: unknown, path: readonly string[]): unknown {
  let cur = root;
  for (const k of path) cur = isObj(cur) || Array.isArray(cur) ? (cur as Obj)[k] : undefined;
  return cur;
}
