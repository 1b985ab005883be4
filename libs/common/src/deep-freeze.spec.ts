import { deepFreeze } from './deep-freeze';

describe('deepFreeze', () => {
  it('freezes nested objects and arrays, so a shared value cannot be changed through any path', () => {
    const value = { a: { b: [1, { c: 'x' }] } };
    const frozen = deepFreeze(value);
    expect(frozen).toBe(value);
    expect(() => {
      (value.a.b[1] as { c: string }).c = 'y';
    }).toThrow(TypeError);
    expect(() => (value.a.b as unknown[]).push(2)).toThrow(TypeError);
    expect(value).toEqual({ a: { b: [1, { c: 'x' }] } });
  });

  it('ends on cycles and leaves primitives alone', () => {
    const cyclic: { self?: unknown; n: number } = { n: 1 };
    cyclic.self = cyclic;
    expect(Object.isFrozen(deepFreeze(cyclic))).toBe(true);
    expect(deepFreeze(3)).toBe(3);
    expect(deepFreeze(null)).toBeNull();
  });
});
