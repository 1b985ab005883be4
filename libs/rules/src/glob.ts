// Registry globs for trusted-registries. The matcher is hand-written (a Thompson NFA
// over the pattern, simulated 32 states per machine word) rather than a RegExp built
// from user input, so a pattern can neither inject regex syntax nor cause catastrophic
// backtracking. Matching is O(⌈pattern / 32⌉ × image) in the worst case, and both are
// bounded: patterns by the rule's parameter schema, image references by
// MAX_IMAGE_REFERENCE_LENGTH (a longer one is a finding, not a computation).
//
// Syntax: `*` matches any run of characters except `/`; two or more consecutive `*`
// match any run including `/`. Every other character, `?` and `[` included, matches
// itself. The whole image reference must match, case-sensitively.

const STAR = 42;
const SLASH = 47;
// Program opcodes; non-negative values are literal UTF-16 code units.
const OP_STAR = -1;
const OP_GLOBSTAR = -2;

/**
 * Longest image reference the rule matches against its patterns (in characters). Real
 * references stay far below (Docker caps a repository name at 255); the trusted-registries
 * rule reports a longer one as a finding instead of matching it.
 */
export const MAX_IMAGE_REFERENCE_LENGTH = 4096;

export type ImageGlobToken =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'star' }
  | { readonly kind: 'globstar' };

/**
 * Splits a pattern into literal runs and wildcards. Exposed so the CEL rendering turns
 * a pattern into an RE2 expression from exactly the same reading of it.
 */
export function tokenizeImageGlob(pattern: string): ImageGlobToken[] {
  const tokens: ImageGlobToken[] = [];
  let literalStart = 0;
  let i = 0;
  while (i < pattern.length) {
    if (pattern.charCodeAt(i) !== STAR) {
      i++;
      continue;
    }
    if (i > literalStart) tokens.push({ kind: 'literal', text: pattern.slice(literalStart, i) });
    let run = 0;
    while (i < pattern.length && pattern.charCodeAt(i) === STAR) {
      run++;
      i++;
    }
    tokens.push(run === 1 ? { kind: 'star' } : { kind: 'globstar' });
    literalStart = i;
  }
  if (i > literalStart) tokens.push({ kind: 'literal', text: pattern.slice(literalStart, i) });
  return tokens;
}

export interface CompiledImageGlob {
  readonly pattern: string;
  matches(image: string): boolean;
}

/** Compiles a pattern once; matching then allocates nothing. */
export function compileImageGlob(pattern: string): CompiledImageGlob {
  const tokens = tokenizeImageGlob(pattern);

  // Most real patterns are an exact reference or a literal prefix plus one trailing
  // wildcard; those need no automaton.
  if (tokens.length === 0) return { pattern, matches: (image) => image === '' };
  if (tokens.length === 1 && tokens[0].kind === 'literal') {
    return { pattern, matches: (image) => image === pattern };
  }
  const last = tokens[tokens.length - 1];
  if (tokens.length <= 2 && last.kind !== 'literal') {
    const prefix = tokens.length === 2 && tokens[0].kind === 'literal' ? tokens[0].text : '';
    if (last.kind === 'globstar') return { pattern, matches: (image) => image.startsWith(prefix) };
    return {
      pattern,
      matches: (image) => image.startsWith(prefix) && image.indexOf('/', prefix.length) === -1,
    };
  }

  const program: number[] = [];
  for (const token of tokens) {
    if (token.kind === 'star') program.push(OP_STAR);
    else if (token.kind === 'globstar') program.push(OP_GLOBSTAR);
    else for (let i = 0; i < token.text.length; i++) program.push(token.text.charCodeAt(i));
  }
  // State s means "op s is next"; state `program.length` accepts. Bit s of a state set is
  // bit (s % 32) of word (s / 32).
  const words = (program.length >>> 5) + 1;
  const acceptWord = program.length >>> 5;
  const acceptBit = 1 << (program.length & 31);
  /** Per literal character: the states whose op is that character. */
  const literal = new Map<number, Uint32Array>();
  /** States looping on any character but `/` (stars) or on any character (both kinds). */
  const star = new Uint32Array(words);
  const wildcard = new Uint32Array(words);
  program.forEach((op, s) => {
    const bit = 1 << (s & 31);
    if (op < 0) {
      wildcard[s >>> 5] |= bit;
      if (op === OP_STAR) star[s >>> 5] |= bit;
      return;
    }
    let mask = literal.get(op);
    if (mask === undefined) literal.set(op, (mask = new Uint32Array(words)));
    mask[s >>> 5] |= bit;
  });
  const globstar = wildcard.map((w, i) => w & ~star[i]);
  // A leading or trailing literal must sit at the image's start or end: a cheap early no.
  const first = tokens[0];
  const prefix = first.kind === 'literal' ? first.text : '';
  const suffix = last.kind === 'literal' && tokens.length > 1 ? last.text : '';
  // Scratch state sets, reused across calls (matching never re-enters).
  let current = new Uint32Array(words);
  let next = new Uint32Array(words);

  // Wildcards may match nothing: an active wildcard state also activates its successor.
  // Wildcards are never adjacent (runs of stars are one token), so one shift suffices.
  const close = (states: Uint32Array): void => {
    let carry = 0;
    for (let w = 0; w < words; w++) {
      const active = states[w] & wildcard[w];
      states[w] |= (active << 1) | carry;
      carry = active >>> 31;
    }
  };

  return {
    pattern,
    matches(image: string): boolean {
      if (!image.startsWith(prefix) || !image.endsWith(suffix) || image.length < prefix.length + suffix.length) return false;
      current.fill(0);
      current[0] = 1;
      close(current);
      for (let i = 0; i < image.length; i++) {
        const c = image.charCodeAt(i);
        const consumes = literal.get(c);
        const loops = c === SLASH ? globstar : wildcard;
        let carry = 0;
        let alive = 0;
        for (let w = 0; w < words; w++) {
          const states = current[w];
          const advanced = consumes === undefined ? 0 : states & consumes[w];
          const value = (advanced << 1) | carry | (states & loops[w]);
          carry = advanced >>> 31;
          next[w] = value;
          alive |= value;
        }
        if (alive === 0) return false;
        close(next);
        const swap = current;
        current = next;
        next = swap;
      }
      return (current[acceptWord] & acceptBit) !== 0;
    },
  };
}

/** Whether `image` (as written, tag and digest included) matches the registry glob. */
export function matchesImageGlob(pattern: string, image: string): boolean {
  return compileImageGlob(pattern).matches(image);
}
