import { RULE_CATALOG, RULE_TARGETS, getRuleDefinition, isRuleId, validateRuleParameters } from './catalog';
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
