import { PARAMETER_LIMITS, RULE_CATALOG, RULE_TARGETS, getRuleDefinition, isRuleId, validateRuleParameters } from './catalog';
import { RULE_IDS, RuleParameterError } from './types';

function errorOf(fn: () => unknown): RuleParameterError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RuleParameterError);
    return err as RuleParameterError;
  }
  throw new Error('expected a RuleParameterError');
}

describe('RULE_CATALOG', () => {
  it('lists the eleven rules in RULE_IDS order with complete definitions', () => {
    expect(RULE_CATALOG.map((r) => r.id)).toEqual([...RULE_IDS]);
    for (const rule of RULE_CATALOG) {
      expect(rule.title).not.toBe('');
      expect(rule.description).not.toBe('');
      expect(rule.remediation).not.toBe('');
      expect(rule.parametersSchema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(rule.enabledByDefault).toBe(rule.id !== 'trusted-registries');
      expect(RULE_TARGETS[rule.id]).toBe(rule.id === 'ingress-https' ? 'ingress' : 'workload');
      // Defaults must satisfy the rule's own schema.
      expect(validateRuleParameters(rule.id, rule.defaultParameters)).toEqual(rule.defaultParameters);
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(RULE_CATALOG)).toBe(true);
    expect(Object.isFrozen(getRuleDefinition('capabilities').defaultParameters)).toBe(true);
  });

  it('looks rules up by id', () => {
    expect(getRuleDefinition('ingress-https').category).toBe('network');
    expect(getRuleDefinition('nope')).toBeUndefined();
    expect(isRuleId('capabilities')).toBe(true);
    expect(isRuleId('Capabilities')).toBe(false);
    expect(isRuleId(3)).toBe(false);
    expect(isRuleId('toString')).toBe(false);
  });
});

describe('validateRuleParameters', () => {
  it('fills defaults without touching the input', () => {
    const input = { requireDropAll: true };
    expect(validateRuleParameters('capabilities', input)).toEqual({ allowedCapabilities: [], requireDropAll: true });
    expect(input).toEqual({ requireDropAll: true });
    expect(validateRuleParameters('capabilities', undefined)).toEqual({ allowedCapabilities: [], requireDropAll: false });
    expect(validateRuleParameters('trusted-registries', null)).toEqual({ allowedPatterns: [] });
    expect(validateRuleParameters('privileged-containers', {})).toEqual({});
  });

  it('returns fresh default arrays each time', () => {
    const a = validateRuleParameters('trusted-registries', {});
    a.allowedPatterns.push('x/*');
    expect(validateRuleParameters('trusted-registries', {}).allowedPatterns).toEqual([]);
  });

  it('accepts valid parameters', () => {
    expect(validateRuleParameters('container-resource-limits', { maxCpu: '1500m', maxMemory: '4Gi' })).toEqual({
      maxCpu: '1500m',
      maxMemory: '4Gi',
    });
    expect(
      validateRuleParameters('non-root-user', { allowedUserIds: [{ min: 1000, max: 1000 }], allowedGroupIds: [{ min: 0, max: 2147483647 }] }),
    ).toBeDefined();
  });

  it.each([
    ['unknown rule', 'no-such-rule', {}, '', /unknown rule 'no-such-rule'/],
    ['unknown parameter', 'capabilities', { allowedCaps: [] }, 'allowedCaps', /unknown parameter 'allowedCaps'.*allowedCapabilities/],
    ['parameter on a rule without any', 'privileged-containers', { strict: true }, 'strict', /takes no parameters/],
    ['wrong type', 'capabilities', { requireDropAll: 'yes' }, 'requireDropAll', /must be boolean/],
    ['wrong item type', 'capabilities', { allowedCapabilities: ['CHOWN', 3] }, 'allowedCapabilities[1]', /must be string/],
    ['parameters not an object', 'capabilities', ['CHOWN'], '', /parameters must be object/],
    ['invalid cpu quantity', 'container-resource-limits', { maxCpu: '2 cores' }, 'maxCpu', /Kubernetes quantity/],
    ['invalid memory quantity', 'container-resource-limits', { maxMemory: '4GB' }, 'maxMemory', /Kubernetes quantity/],
    ['negative quantity', 'container-resource-limits', { maxCpu: '-1' }, 'maxCpu', /must not be negative/],
    ['numeric quantity', 'container-resource-limits', { maxCpu: 2 }, 'maxCpu', /must be string/],
    ['empty quantity', 'container-resource-limits', { maxMemory: '' }, 'maxMemory', /must not be empty/],
    ['min above max', 'non-root-user', { allowedUserIds: [{ min: 10, max: 5 }] }, 'allowedUserIds[0]', /min 10 greater than max 5/],
    ['negative id', 'non-root-user', { allowedGroupIds: [{ min: -1, max: 5 }] }, 'allowedGroupIds[0].min', /must be >= 0/],
    ['fractional id', 'non-root-user', { allowedUserIds: [{ min: 1.5, max: 5 }] }, 'allowedUserIds[0].min', /must be integer/],
    ['id above MaxInt32', 'non-root-user', { allowedUserIds: [{ min: 1, max: 2 ** 31 }] }, 'allowedUserIds[0].max', /must be <=/],
    ['missing max', 'non-root-user', { allowedUserIds: [{ min: 1 }] }, 'allowedUserIds[0].max', /is required/],
    ['extra range field', 'non-root-user', { allowedUserIds: [{ min: 1, max: 2, step: 1 }] }, 'allowedUserIds[0].step', /unknown parameter/],
    ['empty range list', 'non-root-user', { allowedUserIds: [] }, 'allowedUserIds', /omit the parameter/],
    ['empty glob', 'trusted-registries', { allowedPatterns: ['ghcr.io/**', ''] }, 'allowedPatterns[1]', /must not be empty/],
    ['non-JSON data', 'capabilities', { requireDropAll: () => true }, '', /plain JSON/],
  ])('rejects %s, naming the rule and field', (_name, ruleId, params, field, message) => {
    const error = errorOf(() => validateRuleParameters(ruleId, params));
    expect(error.ruleId).toBe(ruleId);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    if (ruleId !== 'no-such-rule') expect(error.message).toContain(`rule '${ruleId}'`);
  });
});

describe('parameter size limits', () => {
  const many = (n: number, item: (i: number) => unknown) => Array.from({ length: n }, (_, i) => item(i));
  const range = (i: number) => ({ min: i, max: i });

  it('accepts lists and strings at their limits', () => {
    expect(PARAMETER_LIMITS).toEqual({
      maxPatterns: 256,
      maxPatternLength: 512,
      maxCapabilities: 64,
      maxCapabilityLength: 64,
      maxIdRanges: 64,
      maxQuantityLength: 64,
    });
    expect(validateRuleParameters('trusted-registries', { allowedPatterns: many(256, (i) => `r${i}.io/${'x'.repeat(500)}`) }).allowedPatterns).toHaveLength(256);
    // Only real capability names pass (and duplicates are dropped), so 64 entries repeat four names.
    expect(
      validateRuleParameters('capabilities', { allowedCapabilities: many(64, (i) => ['NET_BIND_SERVICE', 'chown', 'CAP_KILL', 'SETUID'][i % 4]) }).allowedCapabilities,
    ).toEqual(['NET_BIND_SERVICE', 'CHOWN', 'KILL', 'SETUID']);
    expect(validateRuleParameters('non-root-user', { allowedUserIds: many(64, range) }).allowedUserIds).toHaveLength(64);
    expect(validateRuleParameters('container-resource-limits', { maxCpu: `${'0'.repeat(63)}1` }).maxCpu).toHaveLength(64);
  });

  it.each([
    ['180,000 patterns', 'trusted-registries', { allowedPatterns: many(180_000, (i) => `r${i}.io/**`) }, 'allowedPatterns', /must NOT have more than 256 items/],
    ['257 patterns', 'trusted-registries', { allowedPatterns: many(257, (i) => `r${i}.io/**`) }, 'allowedPatterns', /must NOT have more than 256 items/],
    ['a 513-character pattern', 'trusted-registries', { allowedPatterns: ['ok/**', `${'a'.repeat(510)}/**`] }, 'allowedPatterns[1]', /must NOT have more than 512 characters/],
    ['a 4 MB pattern', 'trusted-registries', { allowedPatterns: ['*a'.repeat(2_000_000)] }, 'allowedPatterns[0]', /must NOT have more than 512 characters/],
    ['65 capabilities', 'capabilities', { allowedCapabilities: many(65, (i) => `CAP${i}`) }, 'allowedCapabilities', /must NOT have more than 64 items/],
    ['a 65-character capability', 'capabilities', { allowedCapabilities: ['C'.repeat(65)] }, 'allowedCapabilities[0]', /must NOT have more than 64 characters/],
    ['65 user id ranges', 'non-root-user', { allowedUserIds: many(65, range) }, 'allowedUserIds', /must NOT have more than 64 items/],
    ['65 group id ranges', 'non-root-user', { allowedGroupIds: many(65, range) }, 'allowedGroupIds', /must NOT have more than 64 items/],
    ['a 65-character quantity', 'container-resource-limits', { maxMemory: `${'0'.repeat(62)}1Gi` }, 'maxMemory', /must NOT have more than 64 characters/],
  ])('refuses %s, naming the field', (_name, ruleId, params, field, message) => {
    const error = errorOf(() => validateRuleParameters(ruleId, params));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});
