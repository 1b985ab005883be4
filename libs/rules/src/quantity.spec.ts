import fc from 'fast-check';
import { compareQuantities, isValidQuantity, parseQuantity, quantityFromValue } from './quantity';

const nanos = (s: string): bigint => parseQuantity(s).nanos;

describe('parseQuantity', () => {
  it.each([
    ['1', 1_000_000_000n],
    ['500m', 500_000_000n],
    ['1.5', 1_500_000_000n],
    ['0.5', 500_000_000n],
    ['.5', 500_000_000n],
    ['1.', 1_000_000_000n],
    ['+1', 1_000_000_000n],
    ['-1', -1_000_000_000n],
    ['2Gi', 2n * 2n ** 30n * 10n ** 9n],
    ['100Ki', 102_400n * 10n ** 9n],
    ['0.5Mi', 524_288n * 10n ** 9n],
    ['1e3', 1000n * 10n ** 9n],
    ['1E3', 1000n * 10n ** 9n],
    ['1e+3', 1000n * 10n ** 9n],
    ['1e-3', 1_000_000n],
    ['1.1e9', 1_100_000_000n * 10n ** 9n],
    ['1n', 1n],
    ['1u', 1000n],
    ['1k', 1000n * 10n ** 9n],
    ['1M', 10n ** 6n * 10n ** 9n],
    ['1G', 10n ** 9n * 10n ** 9n],
    ['1T', 10n ** 12n * 10n ** 9n],
    ['1P', 10n ** 15n * 10n ** 9n],
    ['1E', 10n ** 18n * 10n ** 9n],
    ['1Ti', 2n ** 40n * 10n ** 9n],
    ['1Pi', 2n ** 50n * 10n ** 9n],
    ['536870912', 536_870_912n * 10n ** 9n],
    ['0', 0n],
    ['-0', 0n],
    ['000', 0n],
  ])('%s', (input, expected) => {
    expect(nanos(input)).toBe(expected);
  });

  it('rounds non-zero values up to one nano, as Kubernetes does', () => {
    expect(nanos('0.1n')).toBe(1n);
    expect(nanos('1.0000000001')).toBe(1_000_000_001n);
    expect(nanos('1e-100')).toBe(1n);
    expect(nanos('-0.1n')).toBe(-1n);
  });

  it('caps binary-suffixed values at MaxInt64 units, as Kubernetes does', () => {
    expect(compareQuantities(parseQuantity('8Ei'), parseQuantity('9Ei'))).toBe(0);
    expect(nanos('8Ei')).toBe(((1n << 63n) - 1n) * 10n ** 9n);
    // Decimal suffixes are not capped.
    expect(nanos('10E')).toBe(10n ** 19n * 10n ** 9n);
  });

  it.each(['', '1.2.3', 'abc', '1 Gi', ' 1', '1 ', '1K', '1i', '1e', '1ee3', '1e1.5', '1Mi3', 'Gi', '+', '-', '.', 'e3', '1gi', '0x10', '1,5', '1e99999'])(
    'rejects %j',
    (input) => {
      expect(() => parseQuantity(input)).toThrow(/invalid quantity/);
      expect(isValidQuantity(input)).toBe(false);
    },
  );

  it('reports the format', () => {
    expect(parseQuantity('1Gi').format).toBe('BinarySI');
    expect(parseQuantity('1e3').format).toBe('DecimalExponent');
    expect(parseQuantity('1G').format).toBe('DecimalSI');
    // Kubernetes switches sub-unit binary values to DecimalSI.
    expect(parseQuantity('0.5Ki').format).toBe('BinarySI');
    expect(parseQuantity('0.0001Ki').format).toBe('DecimalSI');
  });
});

describe('compareQuantities', () => {
  it.each([
    ['1', '1000m', 0],
    ['1Gi', '1G', 1],
    ['1G', '1Gi', -1],
    ['0.5', '500m', 0],
    ['512Mi', '536870912', 0],
    ['1.1e9', '1Gi', 1],
    ['1k', '1e3', 0],
    ['1Ki', '1024', 0],
    ['-1', '0', -1],
  ] as const)('%s vs %s', (a, b, expected) => {
    expect(compareQuantities(parseQuantity(a), parseQuantity(b))).toBe(expected);
  });
});

describe('quantityFromValue', () => {
  it('accepts numbers that YAML produced', () => {
    expect(quantityFromValue(1)?.nanos).toBe(10n ** 9n);
    expect(quantityFromValue(0.1)?.nanos).toBe(100_000_000n);
    expect(quantityFromValue(1e21)?.nanos).toBe(10n ** 30n);
    expect(quantityFromValue(2n)?.nanos).toBe(2n * 10n ** 9n);
    expect(quantityFromValue('250m')?.nanos).toBe(250_000_000n);
  });

  it.each([NaN, Infinity, null, undefined, true, {}, [], 'abc'])('returns undefined for %p', (value) => {
    expect(quantityFromValue(value)).toBeUndefined();
  });
});

describe('quantity properties', () => {
  const digits = fc.stringMatching(/^[0-9]{1,12}$/);
  const decimalSuffix = fc.constantFrom(['n', -9], ['u', -6], ['m', -3], ['', 0], ['k', 3], ['M', 6], ['G', 9], ['T', 12], ['P', 15], ['E', 18]);

  it('an integer with a decimal suffix equals the same integer with the matching exponent', () => {
    fc.assert(
      fc.property(digits, decimalSuffix, (d, [suffix, exponent]) => {
        const a = parseQuantity(`${d}${suffix}`);
        const b = parseQuantity(`${d}e${exponent}`);
        return compareQuantities(a, b) === 0;
      }),
    );
  });

  it('a binary suffix multiplies by a power of two exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(['Ki', 10n], ['Mi', 20n], ['Gi', 30n]), (n, [suffix, shift]) => {
        return parseQuantity(`${n}${suffix}`).nanos === (BigInt(n) << shift) * 10n ** 9n;
      }),
    );
  });

  it('milli-units compare like integers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), (a, b) => {
        const expected = a < b ? -1 : a > b ? 1 : 0;
        return compareQuantities(parseQuantity(`${a}m`), parseQuantity(`${b / 1000}`)) === expected;
      }),
    );
  });

  it('comparison is antisymmetric and matches the sign of the difference', () => {
    const quantity = fc
      .tuple(fc.boolean(), digits, fc.option(digits), fc.constantFrom('', 'm', 'k', 'Ki', 'Mi', 'G', 'e2', 'e-2'))
      .map(([neg, i, f, s]) => `${neg ? '-' : ''}${i}${f === null ? '' : `.${f}`}${s}`);
    fc.assert(
      fc.property(quantity, quantity, (a, b) => {
        const qa = parseQuantity(a);
        const qb = parseQuantity(b);
        return compareQuantities(qa, qb) === -compareQuantities(qb, qa);
      }),
    );
  });

  it('never throws anything but a QuantityParseError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        try {
          parseQuantity(s);
        } catch (err) {
          return (err as Error).name === 'QuantityParseError';
        }
        return true;
      }),
    );
  });
});
