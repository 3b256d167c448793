/**
 * Freezes a value and everything it holds. An object already frozen is not walked again, so
 * shared references (YAML aliases) and cycles end the walk.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
