import { AppError } from '@rampart/platform';
import { RULE_CATALOG } from '@rampart/rules';
import { POLICY_LIMITS, assertPolicySize, defaultPolicyRules, normalizeName, normalizeRules, normalizeScope } from './policy-input';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return `${error.code} ${error.field}`;
    throw error;
  }
  return undefined;
}

describe('policy input', () => {
  it('stores the whole catalog in catalog order: listed rules as given with defaults, the rest off', () => {
    const rules = normalizeRules([
      { ruleId: 'capabilities', enabled: true, parameters: { requireDropAll: true } },
      { ruleId: 'privileged-containers', enabled: false },
    ]);
    expect(rules.map((r) => r.ruleId)).toEqual(RULE_CATALOG.map((r) => r.id));
    expect(rules.find((r) => r.ruleId === 'capabilities')).toEqual({
      ruleId: 'capabilities',
      enabled: true,
      parameters: { allowedCapabilities: [], requireDropAll: true },
    });
    expect(rules.filter((r) => r.enabled).map((r) => r.ruleId)).toEqual(['capabilities']);
  });

  it('the default policy enables every rule but trusted-registries, with catalog defaults', () => {
    const rules = defaultPolicyRules();
    expect(rules.filter((r) => !r.enabled).map((r) => r.ruleId)).toEqual(['trusted-registries']);
    expect(rules.map((r) => r.parameters)).toEqual(RULE_CATALOG.map((r) => r.defaultParameters));
    // The catalog is frozen; the stored copy must not be.
    expect(Object.isFrozen(rules.find((r) => r.ruleId === 'capabilities')!.parameters)).toBe(false);
  });

  it('names the input path of each error', () => {
    expect(fieldOf(() => normalizeName(' '.repeat(3)))).toBe('BAD_USER_INPUT input.name');
    expect(fieldOf(() => normalizeRules([{ ruleId: 'non-root-user', enabled: true, parameters: { allowedGroupIds: [{ min: 1 }] } }]))).toBe(
      'BAD_USER_INPUT input.rules[0].parameters.allowedGroupIds[0].max',
    );
    expect(fieldOf(() => normalizeScope({ namespaces: ['a', 'a'.repeat(63), '-a'] }))).toBe('BAD_USER_INPUT input.scope.namespaces[2]');
    expect(fieldOf(() => normalizeScope({ namespaces: ['kube-system', 'a'.repeat(63)] }))).toBeUndefined();
  });

  it('compares scope ids case-insensitively and stores them lower-case', () => {
    const id = 'AAAAAAAA-0000-4000-8000-000000000000';
    expect(normalizeScope({ cloudScopeIds: [id] }).cloudScopeIds).toEqual([id.toLowerCase()]);
    expect(fieldOf(() => normalizeScope({ cloudScopeIds: [id, id.toLowerCase()] }))).toBe('BAD_USER_INPUT input.scope.cloudScopeIds[1]');
  });
});

describe('policy limits', () => {
  const uuids = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

  it('caps every scope list, counting before looking at the entries', () => {
    expect(POLICY_LIMITS).toEqual({ maxScopeCloudScopeIds: 100, maxScopeClusterIds: 1000, maxScopeNamespaces: 500, maxRulesAndScopeBytes: 65_536 });
    expect(normalizeScope({ cloudScopeIds: uuids(100), clusterIds: uuids(1000), namespaces: uuids(500).map((_, i) => `ns-${i}`) }).clusterIds).toHaveLength(1000);
    expect(fieldOf(() => normalizeScope({ cloudScopeIds: uuids(101) }))).toBe('BAD_USER_INPUT input.scope.cloudScopeIds');
    expect(fieldOf(() => normalizeScope({ clusterIds: [...uuids(1000), 'not even a uuid'] }))).toBe('BAD_USER_INPUT input.scope.clusterIds');
    expect(fieldOf(() => normalizeScope({ namespaces: Array.from({ length: 501 }, (_, i) => `ns-${i}`) }))).toBe('BAD_USER_INPUT input.scope.namespaces');
  });

  it('caps rules and scope together at 64 KiB of JSON, naming the larger part the caller sent', () => {
    const patterns = (n: number, length: number) => Array.from({ length: n }, (_, i) => `${i}/`.padEnd(length, 'p'));
    const rules = (n: number, length: number) => normalizeRules([{ ruleId: 'trusted-registries', enabled: true, parameters: { allowedPatterns: patterns(n, length) } }]);
    const scope = normalizeScope({});
    expect(() => assertPolicySize(rules(100, 400), scope, ['rules', 'scope'])).not.toThrow();
    expect(fieldOf(() => assertPolicySize(rules(200, 400), scope, ['rules', 'scope']))).toBe('BAD_USER_INPUT input.rules');
    const wide = normalizeScope({ clusterIds: uuids(1000), namespaces: Array.from({ length: 500 }, (_, i) => `${i}-`.padEnd(60, 'n')) });
    expect(fieldOf(() => assertPolicySize(rules(1, 10), wide, ['rules', 'scope']))).toBe('BAD_USER_INPUT input.scope');
    expect(fieldOf(() => assertPolicySize(rules(200, 400), scope, ['scope']))).toBe('BAD_USER_INPUT input.scope');
    expect(() => assertPolicySize(rules(200, 400), scope, [])).not.toThrow();
    let message = '';
    try {
      assertPolicySize(rules(200, 400), scope, ['rules']);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^input\.rules: makes the policy's rules and scope \d+ bytes as JSON; at most 65536 \(64 KiB\) are allowed$/);
  });
});
