/**
 * Freezes a value and everything reachable from it, so data shared between callers
 * (the rule catalog, cached compiled policies) cannot be changed by one of them.
 * Already-frozen objects are not descended into, which also ends cycles.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
