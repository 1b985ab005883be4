import fc from 'fast-check';
import { compileImageGlob, matchesImageGlob, tokenizeImageGlob } from './glob';

describe('matchesImageGlob', () => {
  it.each([
    ['myacr.azurecr.io/**', 'myacr.azurecr.io/team/app:1.0', true],
    ['myacr.azurecr.io/**', 'myacr.azurecr.io/app', true],
    ['myacr.azurecr.io/*', 'myacr.azurecr.io/app:1.0', true],
    ['myacr.azurecr.io/*', 'myacr.azurecr.io/team/app:1.0', false],
    ['myacr.azurecr.io/*', 'myacr.azurecr.io.evil.com/app', false],
    ['openpolicyagent/*', 'openpolicyagent/opa:0.9.2', true],
    ['mydockerhub/*', 'mydockerhubmalicious/python', false],
    ['ubuntu:20.14', 'ubuntu:20.14', true],
    ['ubuntu:20.14', 'ubuntumalicious', false],
    ['ubuntu:20.14', 'ubuntu:20.145', false],
    ['docker.io/library/*', 'nginx:1.27', false],
    ['localhost:5000/*', 'localhost:5000/app@sha256:0123abcd', true],
    ['a/**/b', 'a/x/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/b', false],
    ['a/*/b', 'a/x/b', true],
    ['a/*/b', 'a/x/y/b', false],
    ['ghcr.io/*/app:*', 'ghcr.io/acme/app:1.2', true],
    ['ghcr.io/*/app:*', 'ghcr.io/acme/team/app:1.2', false],
    ['*', 'nginx', true],
    ['*', 'library/nginx', false],
    ['**', 'library/nginx', true],
    ['registry.io/app?', 'registry.io/app?', true],
    ['registry.io/app?', 'registry.io/app1', false],
    ['registry.io/[ab]', 'registry.io/a', false],
    ['registry.io/[ab]', 'registry.io/[ab]', true],
    ['registry.io/app.+', 'registry.io/appp', false],
    ['Registry.io/*', 'registry.io/app', false],
    ['*.azurecr.io/**', 'myacr.azurecr.io/x/y', true],
    ['*.azurecr.io/**', 'a/b.azurecr.io/x', false],
    ['*/*', 'a/b', true],
    ['ghcr.io/acme/**', 'ghcr.io/acme', false],
  ])('%s ~ %s → %s', (pattern, image, expected) => {
    expect(matchesImageGlob(pattern, image)).toBe(expected);
  });

  it('treats runs of three or more stars as **', () => {
    expect(tokenizeImageGlob('a/***/b')).toEqual([
      { kind: 'literal', text: 'a/' },
      { kind: 'globstar' },
      { kind: 'literal', text: '/b' },
    ]);
  });

  // No stopwatch here (speed is checked by bench/, not by tests): a backtracking matcher
  // would take longer than the universe on this input, so merely finishing is the check.
  it('stays linear on patterns that make backtracking matchers explode', () => {
    const pattern = `${'*a'.repeat(30)}b`;
    const image = 'a'.repeat(5000);
    expect(matchesImageGlob(pattern, image)).toBe(false);
  });

  it('matches a 512-character pattern against a 4096-character image (the largest the rule checks)', () => {
    const pattern = `${'a*'.repeat(254)}b/**`;
    expect(pattern).toHaveLength(512);
    expect(matchesImageGlob(pattern, `${'a'.repeat(4094)}b/`)).toBe(true);
    expect(matchesImageGlob(pattern, `${'a'.repeat(4094)}bc`)).toBe(false);
  });

  it('a compiled glob can be reused', () => {
    const glob = compileImageGlob('a/*/c/**');
    expect(glob.matches('a/b/c/d/e')).toBe(true);
    expect(glob.matches('a/b/x/c/d')).toBe(false);
    expect(glob.matches('a/b/c/d/e')).toBe(true);
  });
});

// A reference implementation by recursion over the token list: slow, obviously right.
function reference(pattern: string, image: string): boolean {
  const tokens = tokenizeImageGlob(pattern);
  const go = (t: number, i: number): boolean => {
    if (t === tokens.length) return i === image.length;
    const token = tokens[t];
    if (token.kind === 'literal') return image.startsWith(token.text, i) && go(t + 1, i + token.text.length);
    for (let j = i; j <= image.length; j++) {
      if (go(t + 1, j)) return true;
      if (j < image.length && token.kind === 'star' && image[j] === '/') return false;
    }
    return false;
  };
  return go(0, 0);
}

describe('glob properties', () => {
  const alphabet = fc.constantFrom('a', 'b', '/', '.', ':', '?');
  const imageArb = fc.array(alphabet, { maxLength: 12 }).map((cs) => cs.join(''));
  const patternArb = fc.array(fc.constantFrom('a', 'b', '/', '.', '*', '**', '?'), { maxLength: 8 }).map((cs) => cs.join(''));

  it('agrees with a reference matcher', () => {
    fc.assert(fc.property(patternArb, imageArb, (p, i) => matchesImageGlob(p, i) === reference(p, i)), { numRuns: 2000 });
  });

  it('a pattern without stars matches exactly itself', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes('*')), fc.string(), (p, i) => matchesImageGlob(p, i) === (p === i)),
    );
  });

  it('prefix/** matches every image under the prefix', () => {
    fc.assert(fc.property(imageArb, imageArb, (prefix, rest) => matchesImageGlob(`${prefix.replace(/\*/g, '')}/**`, `${prefix}/${rest}`)));
  });

  // Patterns longer than 32 states spread the state set over several machine words.
  it('agrees with the reference on patterns spanning several words of states', () => {
    const longPattern = fc.array(fc.constantFrom('a', 'b', '/', '*', '**', 'ab', 'a/b'), { minLength: 20, maxLength: 60 }).map((cs) => cs.join(''));
    const longImage = fc.array(fc.constantFrom('a', 'b', '/', 'ab', 'ba/'), { maxLength: 60 }).map((cs) => cs.join(''));
    fc.assert(fc.property(longPattern, longImage, (p, i) => matchesImageGlob(p, i) === reference(p, i)), { numRuns: 1000 });
    // Images that do match, so acceptance across word boundaries is exercised too.
    const tokens = fc.array(fc.constantFrom('a', 'b', '/', 'ab'), { minLength: 40, maxLength: 80 });
    fc.assert(
      fc.property(tokens, fc.nat(), (parts, seed) => {
        const image = parts.join('');
        // Replace some segment-free runs by stars: the image still matches.
        const pattern = parts.map((part, k) => ((seed >> (k % 30)) & 1 && !part.includes('/') ? '*' : part)).join('');
        return matchesImageGlob(pattern, image) === reference(pattern, image) && reference(pattern, image);
      }),
      { numRuns: 500 },
    );
  });

  it('* never matches across a slash', () => {
    fc.assert(
      fc.property(imageArb, imageArb, (a, b) => !matchesImageGlob('x/*', `x/${a.replace(/\//g, '')}/${b}`)),
    );
  });
});
