// Parameters are inlined into CEL source, so every literal goes through here:
// a user-controlled string must never be able to close the literal and inject CEL.

/** A single-quoted CEL string literal whose value is exactly `value`. */
export function celString(value: string): string {
  let out = "'";
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    // Other control and invisible characters would survive a YAML round trip badly.
    else if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) || code === 0x2028 || code === 0x2029) {
      out += code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + "'";
}

/** A CEL list literal of strings, in the given order. */
export function celStringList(values: readonly string[]): string {
  return `[${values.map(celString).join(', ')}]`;
}

/** A CEL int literal; ids in ranges are int64 in Kubernetes, so a fraction is a caller bug. */
export function celInt(value: number): string {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`not an integer CEL literal: ${value}`);
  }
  return String(value);
}
