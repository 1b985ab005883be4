import { run, isCelError } from '@bufbuild/cel';
import { matchesImageGlob } from '../glob';
import { celString } from './cel-literal';
import { globToCelRegex, globsToCelRegex } from './glob-regex';

/** Matches through CEL's own `matches` (RE2), exactly as the policy will. */
function celMatches(regex: string, image: string): boolean {
  const result = run(`image.matches(${celString(regex)})`, { image });
  if (isCelError(result)) throw result;
  return result as boolean;
}

const matches = (glob: string, image: string) => celMatches(globToCelRegex(glob), image);

describe('globToCelRegex', () => {
  it('anchors the pattern', () => {
    expect(globToCelRegex('nginx')).toBe('^(?:nginx)$');
    expect(matches('nginx', 'nginx')).toBe(true);
    expect(matches('nginx', 'my-nginx')).toBe(false);
    expect(matches('nginx', 'nginx:1.27')).toBe(false);
  });

  it('keeps * within a path segment', () => {
    expect(matches('myacr.azurecr.io/*', 'myacr.azurecr.io/app:1.0')).toBe(true);
    expect(matches('myacr.azurecr.io/*', 'myacr.azurecr.io/team/app:1.0')).toBe(false);
    expect(matches('localhost:5000/*', 'localhost:5000/app@sha256:0123abcd')).toBe(true);
  });

  it('lets ** cross segments, needing a segment between a/**/b', () => {
    expect(matches('myacr.azurecr.io/**', 'myacr.azurecr.io/platform/tools/migrate:2.3')).toBe(true);
    expect(matches('a/**/b', 'a/x/b')).toBe(true);
    expect(matches('a/**/b', 'a/x/y/b')).toBe(true);
    expect(matches('a/**/b', 'a/b')).toBe(false);
  });

  it.each([
    ['my.registry/app', 'myXregistry/app'],
    ['app+', 'appp'],
    ['app?', 'app'],
    ['app?', 'apps'],
    ['[ab]/app', 'a/app'],
    ['(a|b)', 'a'],
    ['a{2}', 'aa'],
    ['^a$', 'a'],
    ['a\\d', 'a1'],
    ['.*', 'anything'],
  ])('matches %j only literally (not %j)', (glob, other) => {
    expect(matches(glob, glob)).toBe(true);
    expect(matches(glob, other)).toBe(false);
  });

  it('escapes every non-alphanumeric character', () => {
    expect(globToCelRegex('a.b+c?[d]')).toBe('^(?:a\\.b\\+c\\?\\[d\\])$');
    expect(globToCelRegex('a b')).toBe('^(?:a\\x{20}b)$');
  });

  it('matches quotes, backslashes and non-ASCII literally', () => {
    expect(matches("it's/app", "it's/app")).toBe(true);
    expect(matches('back\\slash/*', 'back\\slash/x')).toBe(true);
    expect(matches('ünï/**/cödé', 'ünï/x/cödé')).toBe(true);
    expect(matches('ünï/**/cödé', 'uni/x/code')).toBe(false);
  });

  it('is case-sensitive', () => {
    expect(matches('ghcr.io/acme/*', 'GHCR.io/acme/app')).toBe(false);
  });

  it('combines several globs into one alternation', () => {
    const regex = globsToCelRegex(['a/*', 'b/**'])!;
    expect(celMatches(regex, 'a/x')).toBe(true);
    expect(celMatches(regex, 'b/x/y')).toBe(true);
    expect(celMatches(regex, 'a/x/y')).toBe(false);
    expect(celMatches(regex, 'c/x')).toBe(false);
    expect(globsToCelRegex([])).toBeUndefined();
  });

  describe('agrees with the TS matcher (glob.ts)', () => {
    const globs = ['*', '**', 'a/*', 'a/**', 'a/**/b', '*/b', 'a*b', 'a**b', 'a***b', '**/b', 'a/*/*', 'a.b/*:1.?', '*[x]*', ''];
    const images = ['', 'a', 'b', 'a/b', 'a/x/b', 'a//b', 'ab', 'axb', 'ax/yb', 'a/x/y', 'x/b', 'a.b/c:1.?', 'a.b/c:1.0', 'q[x]r', 'qxr', 'a/b/c'];
    const table = globs.flatMap((g) => images.map((i) => [g, i] as const));
    it.each(table)('%j vs %j', (glob, image) => {
      expect(matches(glob, image)).toBe(matchesImageGlob(glob, image));
    });
  });
});
