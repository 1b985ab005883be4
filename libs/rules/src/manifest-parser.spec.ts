import { MANIFEST_LIMITS, ManifestParseError, parseManifests } from './manifest-parser';

function parseError(text: string): ManifestParseError {
  try {
    parseManifests(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestParseError);
    return err as ManifestParseError;
  }
  throw new Error('expected a ManifestParseError');
}

describe('parseManifests', () => {
  it('parses multi-document YAML and skips empty documents', () => {
    const docs = parseManifests('---\nkind: Pod\n---\n---\n# only a comment\n---\nkind: Service\n...\n');
    expect(docs).toEqual([{ kind: 'Pod' }, { kind: 'Service' }]);
  });

  it('parses JSON', () => {
    expect(parseManifests('{"apiVersion": "v1", "kind": "Pod", "spec": {"hostPID": true}}')).toEqual([
      { apiVersion: 'v1', kind: 'Pod', spec: { hostPID: true } },
    ]);
  });

  it('returns nothing for empty input', () => {
    expect(parseManifests('')).toEqual([]);
    expect(parseManifests('\n# nothing\n')).toEqual([]);
  });

  it('reads booleans the way Kubernetes (YAML 1.1) does', () => {
    expect(parseManifests('a: yes\nb: on\nc: off\nd: "yes"\ne: 1:20\n')).toEqual([{ a: true, b: true, c: false, d: 'yes', e: '1:20' }]);
  });

  it('keeps quantities as written when they are strings, numbers otherwise', () => {
    expect(parseManifests('cpu: 500m\nmemory: 1.1e9\ncount: 1\n')).toEqual([{ cpu: '500m', memory: 1.1e9, count: 1 }]);
  });

  it('expands a v1 List', () => {
    expect(parseManifests('apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n- kind: Job\n')).toEqual([{ kind: 'Pod' }, { kind: 'Job' }]);
  });

  it('reports syntax errors with 1-based line and column', () => {
    const error = parseError('kind: Pod\nspec:\n  containers: [\n  - name: a\n');
    expect(error.line).toBeGreaterThanOrEqual(3);
    expect(error.column).toBeGreaterThanOrEqual(1);
    expect(error.documentIndex).toBe(0);
    expect(error.message).toMatch(/^document 1: /);
  });

  it('locates errors in later documents', () => {
    const error = parseError('kind: Pod\n---\nkind: Job\n  bad: indent\n');
    expect(error.documentIndex).toBe(1);
    expect([error.line, error.column]).toEqual([3, 7]);
  });

  it('rejects duplicate keys, which would hide a setting', () => {
    const error = parseError('securityContext:\n  privileged: false\n  privileged: true\n');
    expect(error.line).toBe(3);
    expect(error.column).toBe(3);
  });

  it.each([
    ['a scalar', 'kind: Pod\n---\njust a string\n', 1, 3, /document 2 must be a Kubernetes object \(a mapping\) but is a string/],
    ['a list', '- kind: Pod\n', 0, 1, /document 1 .* but is a list/],
    ['a number', '42', 0, 1, /but is a number/],
  ])('rejects a document that is %s, naming its index', (_name, text, index, line, message) => {
    const error = parseError(text);
    expect(error.documentIndex).toBe(index);
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
  });

  it('refuses alias bombs', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
    expect(() => parseManifests(bomb)).toThrow(ManifestParseError);
  });

  it('compares keys as the properties they become (yes = true, 1 = "1"); merge keys may repeat', () => {
    const truthy = parseError('yes: 1\ntrue: 2\n');
    expect([truthy.line, truthy.column]).toEqual([2, 1]);
    expect(truthy.message).toMatch(/^document 1: duplicate key "true"/);
    const numeric = parseError('1: a\n"1": b\n');
    expect([numeric.line, numeric.column, numeric.message]).toEqual([2, 1, 'document 1: duplicate key "1" (keys of a mapping must be unique)']);
    expect(parseManifests('base: &b { x: 1 }\nmore: &m { z: 2 }\nout:\n  <<: *b\n  <<: *m\n')[0].out).toEqual({ x: 1, z: 2 });
    const flow = parseError('kind: Pod\nspec: { hostPID: false, hostPID: true }\n');
    expect([flow.line, flow.column]).toEqual([2, 25]);
  });
});

// Each of these took the server from seconds to minutes before the caps and the linear
// duplicate-key check; merely finishing within Jest's timeout is part of the check.
describe('parseManifests on large and hostile input', () => {
  const configMap = (keys: number, extra = '') =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n${Array.from({ length: keys }, (_, i) => `  k${i}: v`).join('\n')}\n${extra}`;

  it('parses a ConfigMap of 60,000 keys (700 KB), and still finds a duplicate among them', () => {
    const [doc] = parseManifests(configMap(60_000));
    expect(Object.keys(doc.data as object)).toHaveLength(60_000);
    expect((doc.data as Record<string, string>).k59999).toBe('v');
    // Lines 1-5 are the header and k0 is on line 6, so k59999 is on line 60005 and the repeat on 60006.
    const error = parseError(configMap(60_000, '  k123: again\n'));
    expect([error.line, error.column]).toEqual([60_006, 3]);
    expect(error.message).toBe('document 1: duplicate key "k123" (keys of a mapping must be unique)');
  });

  it('refuses nesting deeper than the limit, at the collection that crosses it', () => {
    const { maxDepth } = MANIFEST_LIMITS;
    expect(maxDepth).toBe(100);
    expect(parseManifests(`a: ${'['.repeat(99)}1${']'.repeat(99)}\n`)).toHaveLength(1);
    // The mapping is level 1, so the 100th bracket (column 103) opens level 101.
    const flow = parseError(`a: ${'['.repeat(100)}1${']'.repeat(100)}\n`);
    expect([flow.line, flow.column]).toEqual([1, 103]);
    expect(flow.message).toBe('document 1: collections are nested more than 100 levels deep');
    const deep = parseError(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(deep.message).toMatch(/nested more than 100 levels/);
    // Block mappings: level n is the line indented by n-1 spaces; line 101 opens level 101.
    const block = parseError(`${Array.from({ length: 120 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} leaf\n`);
    expect([block.line, block.column]).toEqual([101, 101]);
  });

  it('refuses more documents than the limit, naming the first one over it', () => {
    expect(MANIFEST_LIMITS.maxDocuments).toBe(5_000);
    const pods = (n: number) => Array.from({ length: n }, (_, i) => `kind: Pod\nmetadata: { name: p${i} }`).join('\n---\n');
    expect(parseManifests(pods(5_000))).toHaveLength(5_000);
    const error = parseError(pods(10_000));
    expect(error.documentIndex).toBe(5_000);
    // Each document takes three lines (two of its own and a ---).
    expect([error.line, error.column]).toEqual([15_001, 1]);
    expect(error.message).toBe('document 5001: the manifest holds more than 5000 documents (List items included)');
    const list = parseError(`apiVersion: v1\nkind: List\nitems:\n${'- { kind: Pod }\n'.repeat(5_001)}`);
    expect(list.message).toMatch(/more than 5000 documents/);
  });

  it('refuses more YAML nodes than the limit, at the node that crosses it', () => {
    expect(MANIFEST_LIMITS.maxNodes).toBe(200_000);
    // The document is a mapping (node 1) with key `a` (2) and a list (3) of n numbers (4…).
    const list = (n: number) => `a: [${Array.from({ length: n }, () => '1').join(',')}]\n`;
    expect(() => parseManifests(list(199_997))).not.toThrow();
    const error = parseError(list(199_998));
    // Node 200,001 is the 199,998th number: column 5 + 2 × 199,997.
    expect([error.line, error.column]).toEqual([1, 399_999]);
    expect(error.message).toBe('document 1: the manifest has more than 200000 YAML nodes (keys, values and collections)');
  });

  it('refuses a scalar longer than the limit, at the scalar', () => {
    expect(MANIFEST_LIMITS.maxScalarLength).toBe(262_144);
    expect(parseManifests(`kind: ConfigMap\ndata:\n  a: ${'x'.repeat(262_144)}\n`)).toHaveLength(1);
    const error = parseError(`kind: ConfigMap\ndata:\n  a: ${'x'.repeat(262_145)}\n`);
    expect([error.line, error.column]).toEqual([3, 6]);
    expect(error.message).toBe('document 1: a value is longer than 262144 characters');
    const key = parseError(`kind: ConfigMap\ndata:\n  "${'k'.repeat(262_145)}": v\n`);
    expect([key.line, key.column]).toEqual([3, 3]);
  });

  it('takes smaller limits from the caller', () => {
    const limits = { ...MANIFEST_LIMITS, maxDocuments: 2 };
    expect(parseManifests('a: 1\n---\nb: 2\n')).toHaveLength(2);
    expect(() => parseManifests('a: 1\n---\nb: 2\n---\nc: 3\n', limits)).toThrow(/more than 2 documents/);
  });
});
