/** Tag sets: canonical keys, subset matching for threshold filters, and URL grouping for bounded cardinality. */

export type Tags = Readonly<Record<string, string>>;

/** A stable key for a tag set: sorted entries. */
export function tagsKey(tags: Tags): string {
  const keys = Object.keys(tags).sort();
  let out = '';
  for (const k of keys) out += `${k}\u0001${tags[k] as string}\u0002`;
  return out;
}

/**
 * A filter value `Nxx` (a digit and `xx`) is a class of three-digit codes: `5xx` matches 500-599.
 * Generic on purpose: any tag whose values are three-digit codes (a status) can be filtered by class.
 */
const CODE_CLASS = /^[1-9]xx$/i;
const CODE = /^\d{3}$/;

function valueMatches(value: string | undefined, wanted: string): boolean {
  if (value === wanted) return true;
  return value !== undefined && CODE_CLASS.test(wanted) && CODE.test(value) && value[0] === wanted[0];
}

/**
 * Does `tags` contain every entry of `filter`? A value equals the filter's, or falls in its code
 * class (`status:5xx` matches `status:503`; a value literally `5xx` still matches too).
 */
export function matchesFilter(tags: Tags, filter: Tags): boolean {
  for (const k in filter) if (!valueMatches(tags[k], filter[k] as string)) return false;
  return true;
}

const ID_SEGMENT =
  /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[0-9A-Za-z_-]{24,})$/i;

/**
 * The endpoint name of a request that has no explicit name: method plus the path with id-like
 * segments (numbers, UUIDs, long hex or tokens) replaced by `:id` and the query dropped, so
 * `/api/users/17` and `/api/users/18` are one endpoint.
 */
export function endpointName(method: string, url: URL): string {
  const parts = url.pathname.split('/');
  for (let i = 0; i < parts.length; i++) if (ID_SEGMENT.test(parts[i] as string)) parts[i] = ':id';
  return `${method} ${parts.join('/')}`;
}
