import { isUuid } from './uuid';

describe('isUuid', () => {
  it.each([
    ['a lower-case v4 id', '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b', true],
    ['an upper-case id (PostgreSQL accepts it)', '3F2B8C1E-9A4D-4E6F-8B7A-1C2D3E4F5A6B', true],
    ['the nil id', '00000000-0000-0000-0000-000000000000', true],
    ['no hyphens', '3f2b8c1e9a4d4e6f8b7a1c2d3e4f5a6b', false],
    ['braces', '{3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b}', false],
    ['a trailing newline', '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b\n', false],
    ['a non-hex digit', '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6g', false],
    ['the empty string', '', false],
    ['a number', 42, false],
    ['null', null, false],
  ])('%s → %s', (_name, value, expected) => {
    expect(isUuid(value)).toBe(expected);
  });
});
