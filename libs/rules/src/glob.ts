// Registry globs for trusted-registries. The matcher is hand-written (a Thompson NFA
// over the pattern) rather than a RegExp built from user input, so a pattern can
// neither inject regex syntax nor cause catastrophic backtracking: matching is
// O(pattern × image) in the worst case.
//
// Syntax: `*` matches any run of characters except `/`; two or more consecutive `*`
// match any run including `/`. Every other character, `?` and `[` included, matches
// itself. The whole image reference must match, case-sensitively.

const STAR = 42;
const SLASH = 47;
// Program opcodes; non-negative values are literal UTF-16 code units.
const OP_STAR = -1;
const OP_GLOBSTAR = -2;

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
  const ops = Int32Array.from(program);
  const size = ops.length + 1;
  // Scratch state sets, reused across calls (matching never re-enters).
  let current = new Uint8Array(size);
  let next = new Uint8Array(size);

  // Wildcards may match nothing: an active wildcard state also activates its successor.
  // Epsilon edges only point forward, so one ascending pass computes the closure.
  const close = (states: Uint8Array): void => {
    for (let s = 0; s < ops.length; s++) {
      if (states[s] === 1 && ops[s] < 0) states[s + 1] = 1;
    }
  };

  return {
    pattern,
    matches(image: string): boolean {
      current.fill(0);
      current[0] = 1;
      close(current);
      for (let i = 0; i < image.length; i++) {
        const c = image.charCodeAt(i);
        next.fill(0);
        let alive = false;
        for (let s = 0; s < ops.length; s++) {
          if (current[s] === 0) continue;
          const op = ops[s];
          if (op === OP_GLOBSTAR || (op === OP_STAR && c !== SLASH)) {
            next[s] = 1;
            alive = true;
          } else if (op === c) {
            next[s + 1] = 1;
            alive = true;
          }
        }
        if (!alive) return false;
        close(next);
        const swap = current;
        current = next;
        next = swap;
      }
      return current[ops.length] === 1;
    },
  };
}

/** Whether `image` (as written, tag and digest included) matches the registry glob. */
export function matchesImageGlob(pattern: string, image: string): boolean {
  return compileImageGlob(pattern).matches(image);
}
