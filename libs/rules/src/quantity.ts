// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource), exact.
//
// The value is kept as an integer count of nano-units because ParseQuantity rounds
// every non-zero value away from zero to 10^-9; after that rounding two quantities
// compare exactly as bigints. Intermediate arithmetic is a bigint rational, never a
// float, so `0.1` + suffixes cannot drift.
//
// Deliberate deviations from ParseQuantity, all on the strict side:
// - a mantissa needs at least one digit: Go accepts "+", ".", "Gi", "e3" as zero;
// - decimal exponents above MAX_EXPONENT are rejected instead of wrapping at int32.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value in units of 10^-9, as Kubernetes stores it after rounding. */
  readonly nanos: bigint;
  /** How the value was written; Kubernetes uses it only for re-serialising. */
  readonly format: QuantityFormat;
}

export class QuantityParseError extends Error {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`invalid quantity ${JSON.stringify(input)}: ${reason}`);
    this.name = 'QuantityParseError';
  }
}

// 10^10000 is a ~33 kbit bigint: cheap, and far beyond any real resource.
const MAX_EXPONENT = 10_000;
const NANO_EXPONENT = 9;
// ParseQuantity caps BinarySI values at MaxInt64 units (not nanos).
const MAX_BINARY_NANOS = ((1n << 63n) - 1n) * 10n ** 9n;

const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);

const BINARY_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);

// Bound once: global lookups are slow inside vm contexts (Jest, sandboxes).
const toBigInt = BigInt;
const isFiniteNumber = Number.isFinite;

const CODE_0 = 48;
const CODE_9 = 57;

function isDigit(code: number): boolean {
  return code >= CODE_0 && code <= CODE_9;
}

const POW10_CACHE: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) {
    let cached = POW10_CACHE[n];
    if (cached === undefined) {
      cached = 10n ** toBigInt(n);
      POW10_CACHE[n] = cached;
    }
    return cached;
  }
  return 10n ** toBigInt(n);
}

interface Suffix {
  base: 10 | 2;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(input: string, suffix: string): Suffix {
  const decimal = DECIMAL_SUFFIXES.get(suffix);
  if (decimal !== undefined) return { base: 10, exponent: decimal, format: 'DecimalSI' };
  const binary = BINARY_SUFFIXES.get(suffix);
  if (binary !== undefined) return { base: 2, exponent: binary, format: 'BinarySI' };
  const first = suffix.charCodeAt(0);
  // 'e' / 'E' followed by a signed integer; a bare "E" was the exa suffix above.
  if (suffix.length > 1 && (first === 101 || first === 69)) {
    let i = 1;
    let negative = false;
    const sign = suffix.charCodeAt(1);
    if (sign === 43 || sign === 45) {
      negative = sign === 45;
      i = 2;
    }
    if (i >= suffix.length) throw new QuantityParseError(input, 'exponent has no digits');
    let exponent = 0;
    for (; i < suffix.length; i++) {
      const c = suffix.charCodeAt(i);
      if (!isDigit(c)) throw new QuantityParseError(input, `unknown suffix ${JSON.stringify(suffix)}`);
      // Saturate instead of overflowing; the range check below rejects it either way.
      exponent = Math.min(exponent * 10 + (c - CODE_0), Number.MAX_SAFE_INTEGER / 100);
    }
    if (exponent > MAX_EXPONENT && !negative) {
      throw new QuantityParseError(input, `exponent above ${MAX_EXPONENT} is not supported`);
    }
    return { base: 10, exponent: negative ? -exponent : exponent, format: 'DecimalExponent' };
  }
  throw new QuantityParseError(input, `unknown suffix ${JSON.stringify(suffix)}`);
}

/** Parses a Kubernetes quantity string ("500m", "1.5", "2Gi", "1e3", "+1") exactly. */
export function parseQuantity(s: string): Quantity {
  if (typeof s !== 'string') throw new QuantityParseError(String(s), 'not a string');
  const end = s.length;
  if (end === 0) throw new QuantityParseError(s, 'empty string');

  let pos = 0;
  let negative = false;
  const signCode = s.charCodeAt(0);
  if (signCode === 43 || signCode === 45) {
    negative = signCode === 45;
    pos = 1;
  }

  const intStart = pos;
  while (pos < end && isDigit(s.charCodeAt(pos))) pos++;
  const intDigits = s.slice(intStart, pos);
  let fracDigits = '';
  if (pos < end && s.charCodeAt(pos) === 46) {
    pos++;
    const fracStart = pos;
    while (pos < end && isDigit(s.charCodeAt(pos))) pos++;
    fracDigits = s.slice(fracStart, pos);
  }
  if (intDigits.length + fracDigits.length === 0) throw new QuantityParseError(s, 'no digits');

  const suffix = interpretSuffix(s, s.slice(pos));
  const mantissa = toBigInt(intDigits + fracDigits);
  if (mantissa === 0n) return { nanos: 0n, format: suffix.format };

  // |value| = mantissa * 10^decimalShift * 2^binaryShift, measured in nanos.
  let decimalShift = NANO_EXPONENT - fracDigits.length;
  let numerator = mantissa;
  if (suffix.base === 2) numerator <<= toBigInt(suffix.exponent);
  else decimalShift += suffix.exponent;

  let nanos: bigint;
  if (decimalShift >= 0) {
    nanos = numerator * pow10(decimalShift);
  } else if (-decimalShift > numerator.toString().length) {
    // Strictly between 0 and 1 nano: Kubernetes rounds non-zero values up to 1n.
    nanos = 1n;
  } else {
    const divisor = pow10(-decimalShift);
    nanos = numerator / divisor;
    if (numerator % divisor !== 0n) nanos += 1n;
  }

  let format = suffix.format;
  if (format === 'BinarySI') {
    if (nanos > MAX_BINARY_NANOS) nanos = MAX_BINARY_NANOS;
    if (nanos < 1_000_000_000n) format = 'DecimalSI';
  }
  return { nanos: negative ? -nanos : nanos, format };
}

export function isValidQuantity(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/**
 * A quantity from a manifest value: YAML turns `cpu: 1` or `memory: 1e9` into numbers,
 * which Kubernetes accepts (int-or-string). Returns undefined for anything that is not a
 * valid quantity.
 */
export function quantityFromValue(v: unknown): Quantity | undefined {
  let text: string;
  if (typeof v === 'string') text = v;
  else if (typeof v === 'number') {
    if (!isFiniteNumber(v)) return undefined;
    // String() gives the shortest round-trip form ("0.1", "1e+21"), which is what was written.
    text = `${v}`;
  } else if (typeof v === 'bigint') text = v.toString();
  else return undefined;
  try {
    return parseQuantity(text);
  } catch {
    return undefined;
  }
}
