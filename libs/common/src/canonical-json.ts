// Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers and
// strings as ECMAScript serialises them (the same choices as RFC 8785), so that equal
// content always yields equal bytes and therefore an equal ETag.

/** Serialises a JSON value canonically. Throws on values JSON cannot represent faithfully. */
export function canonicalJson(value: unknown): string {
  const text = write(value, new Set());
  if (text === undefined) throw new TypeError(`canonicalJson: ${typeof value} is not a JSON value`);
  return text;
}

function write(value: unknown, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // JSON.stringify would quietly turn these into null, i.e. different content with the same hash.
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('canonicalJson: bigint is not a JSON number');
    case 'object': {
      if (value === null) return 'null';
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return write(toJSON.call(value), ancestors);
      if (ancestors.has(value)) throw new TypeError('canonicalJson: cyclic structure');
      ancestors.add(value);
      let text: string;
      if (Array.isArray(value)) {
        // As JSON.stringify: holes, undefined and functions in arrays become null.
        text = `[${value.map((item) => write(item, ancestors) ?? 'null').join(',')}]`;
      } else {
        const record = value as Record<string, unknown>;
        const parts: string[] = [];
        for (const key of Object.keys(record).sort()) {
          const item = write(record[key], ancestors);
          if (item !== undefined) parts.push(`${JSON.stringify(key)}:${item}`);
        }
        text = `{${parts.join(',')}}`;
      }
      ancestors.delete(value);
      return text;
    }
    default:
      // undefined, functions and symbols: left out of objects, as JSON.stringify does.
      return undefined;
  }
}
