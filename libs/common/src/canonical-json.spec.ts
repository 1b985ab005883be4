import fc from 'fast-check';
import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it.each([
    ['sorts keys at every depth', { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}'],
    ['writes no whitespace', { a: [1, 2], b: 'x y' }, '{"a":[1,2],"b":"x y"}'],
    ['sorts by UTF-16 code units, not locale', { b: 0, B: 0, é: 0, e: 0, '10': 0, '9': 0 }, '{"10":0,"9":0,"B":0,"b":0,"e":0,"é":0}'],
    ['escapes strings as JSON does', { s: 'quote " backslash \\ newline \n \u0001' }, '{"s":"quote \\" backslash \\\\ newline \\n \\u0001"}'],
    ['leaves out undefined properties', { a: undefined, b: 1 }, '{"b":1}'],
    ['writes undefined array items as null', [undefined, 1], '[null,1]'],
    ['writes numbers in their shortest form', [1.0, 1e21, 0.1, -0], '[1,1e+21,0.1,0]'],
    ['uses toJSON', { at: new Date(Date.UTC(2026, 0, 2)) }, '{"at":"2026-01-02T00:00:00.000Z"}'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', { a: Infinity }],
    ['bigint', { a: 1n }],
    ['undefined at the top', undefined],
  ])('rejects %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('rejects cycles but not shared subtrees', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cyclic/);
  });

  it('parses back to the same value, and does not depend on key insertion order', () => {
    const shuffleKeys = (value: unknown, seed: number): unknown => {
      if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, seed));
      if (value === null || typeof value !== 'object') return value;
      const entries = Object.entries(value);
      const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]);
      return Object.fromEntries(rotated.reverse().map(([k, v]) => [k, shuffleKeys(v, seed)]));
    };
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(10), (value, seed) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(shuffleKeys(value, seed))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});
