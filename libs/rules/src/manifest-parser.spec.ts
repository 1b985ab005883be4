import { ManifestParseError, parseManifests } from './manifest-parser';

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
});
