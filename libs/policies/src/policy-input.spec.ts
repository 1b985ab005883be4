import { AppError } from '@rampart/platform';
import { RULE_CATALOG } from '@rampart/rules';
import { defaultPolicyRules, normalizeName, normalizeRules, normalizeScope } from './policy-input';

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
