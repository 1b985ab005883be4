// Registry globs are the only pattern language users see; the RE2 text is ours.
// Escaping every non-alphanumeric character makes `.`, `+`, `?`, `[` … literal,
// so a glob can never smuggle regular-expression syntax into the policy. The
// glob is read by the same tokenizer as the TS matcher, so both agree on it.
import { tokenizeImageGlob } from '../glob';

/** `*`: any run of characters within one path segment (`[^/]` also matches a newline in RE2). */
const STAR_RE2 = '[^/]*';
/**
 * `**`: any run of characters, `/` included; `s` so that it is truly any character.
 * Paired with the literal slashes around it, `a/**\/b` needs a segment between `a` and `b`.
 */
const GLOBSTAR_RE2 = '(?s:.*)';

function escapeRe2Char(ch: string): string {
  if (/^[A-Za-z0-9]$/.test(ch)) return ch;
  const code = ch.codePointAt(0) as number;
  // RE2 (C++ and Go) reads `\` + ASCII punctuation as that character.
  if (code > 0x20 && code < 0x7f) return `\\${ch}`;
  // Space, control and non-ASCII characters as explicit code points, so the
  // pattern's meaning does not depend on how the policy document is encoded.
  return `\\x{${code.toString(16)}}`;
}

function globBody(glob: string): string {
  return tokenizeImageGlob(glob)
    .map((t) => {
      if (t.kind === 'star') return STAR_RE2;
      if (t.kind === 'globstar') return GLOBSTAR_RE2;
      return Array.from(t.text, escapeRe2Char).join('');
    })
    .join('');
}

/**
 * The anchored RE2 pattern (for CEL `string.matches`, which searches) that
 * matches exactly the image references the registry glob matches.
 */
export function globToCelRegex(glob: string): string {
  return `^(?:${globBody(glob)})$`;
}

/** One anchored RE2 alternation matching any of the globs, or undefined when there are none. */
export function globsToCelRegex(globs: readonly string[]): string | undefined {
  if (globs.length === 0) return undefined;
  return `^(?:${globs.map((g) => `(?:${globBody(g)})`).join('|')})$`;
}
