// Checks and normalisation of policy input that need no database: every error names
// the input path at fault, so a client can point at the exact form field.

import { canonicalJson, isUuid } from '@rampart/common';
import { AppError } from '@rampart/platform';
import { RULE_CATALOG, type RuleId, RuleParameterError, isRuleId, validateRuleParameters } from '@rampart/rules';

export type PolicyActionValue = 'AUDIT' | 'BLOCK';

export interface PolicyScopeValue {
  cloudScopeIds: string[];
  clusterIds: string[];
  namespaces: string[];
}

export interface PolicyRuleValue {
  ruleId: RuleId;
  enabled: boolean;
  parameters: Record<string, unknown>;
}

export interface PolicyRuleInputValue {
  ruleId: string;
  enabled: boolean;
  parameters?: unknown;
}

export interface PolicyScopeInputValue {
  cloudScopeIds?: string[] | null;
  clusterIds?: string[] | null;
  namespaces?: string[] | null;
}

export const DEFAULT_POLICY_NAME = 'Default K8s misconfiguration rule';
export const DEFAULT_POLICY_DESCRIPTION =
  'Rampart’s built-in misconfiguration rules, audited in every cloud scope, cluster and namespace of the tenant; ' +
  'created automatically when the tenant onboarded its first cloud scope.';

export const MAX_NAME_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1000;

/**
 * Bounds on one policy beyond its rule parameters' own (PARAMETER_LIMITS in the catalog):
 * entries per scope list, and the size of rules and scope together as canonical JSON,
 * which is what every bundle carrying the policy and every evaluation reads.
 */
export const POLICY_LIMITS = Object.freeze({
  maxScopeCloudScopeIds: 100,
  maxScopeClusterIds: 1000,
  maxScopeNamespaces: 500,
  maxRulesAndScopeBytes: 64 * 1024,
});

// Kubernetes namespace names are DNS-1123 labels.
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function normalizeName(raw: string, field = 'input.name'): string {
  const name = raw.trim();
  if (name.length < 1 || name.length > MAX_NAME_LENGTH) throw AppError.badInput(field, `must be 1 to ${MAX_NAME_LENGTH} characters`);
  return name;
}

/** Custom policies may not take the default policy's name: onboarding must always be able to create it. */
export function assertNotReservedName(name: string, field = 'input.name'): void {
  if (name.toLowerCase() === DEFAULT_POLICY_NAME.toLowerCase()) {
    throw AppError.conflict(`The name "${DEFAULT_POLICY_NAME}" is reserved for the default policy`, field);
  }
}

export function normalizeDescription(raw: string, field = 'input.description'): string {
  const description = raw.trim();
  if (description.length > MAX_DESCRIPTION_LENGTH) throw AppError.badInput(field, `must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
  return description;
}

function distinct(values: string[], field: string, check: (value: string, at: string) => void, key = (v: string) => v): string[] {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    const at = `${field}[${i}]`;
    check(value, at);
    if (seen.has(key(value))) throw AppError.badInput(at, 'is listed twice');
    seen.add(key(value));
  });
  return [...values];
}

/** Counted before any entry is looked at, so a huge list costs nothing. */
function atMost(values: string[] | null | undefined, max: number, field: string): string[] {
  const list = values ?? [];
  if (list.length > max) throw AppError.badInput(field, `must list at most ${max} entries (it lists ${list.length})`);
  return list;
}

/**
 * Rules and scope together, as stored, within POLICY_LIMITS.maxRulesAndScopeBytes. The
 * error names whichever of `changed` (the input fields the caller sent) is the larger.
 */
export function assertPolicySize(rules: PolicyRuleValue[], scope: PolicyScopeValue, changed: readonly ('rules' | 'scope')[]): void {
  if (changed.length === 0) return;
  const size = { rules: Buffer.byteLength(canonicalJson(rules), 'utf8'), scope: Buffer.byteLength(canonicalJson(scope), 'utf8') };
  const bytes = Buffer.byteLength(canonicalJson({ rules, scope }), 'utf8');
  const max = POLICY_LIMITS.maxRulesAndScopeBytes;
  if (bytes <= max) return;
  const culprit = changed.reduce((a, b) => (size[b] > size[a] ? b : a));
  throw AppError.badInput(`input.${culprit}`, `makes the policy's rules and scope ${bytes} bytes as JSON; at most ${max} (64 KiB) are allowed`);
}

/** Format checks only; whether the ids exist in the tenant is the service's (database) check. */
export function normalizeScope(raw: PolicyScopeInputValue | null | undefined, field = 'input.scope'): PolicyScopeValue {
  const uuid = (value: string, at: string) => {
    if (!isUuid(value)) throw AppError.badInput(at, 'must be a UUID');
  };
  const namespace = (value: string, at: string) => {
    if (value.length > 63 || !DNS_1123_LABEL.test(value)) {
      throw AppError.badInput(at, 'must be a Kubernetes namespace name: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit');
    }
  };
  const lower = (v: string) => v.toLowerCase();
  return {
    cloudScopeIds: distinct(atMost(raw?.cloudScopeIds, POLICY_LIMITS.maxScopeCloudScopeIds, `${field}.cloudScopeIds`), `${field}.cloudScopeIds`, uuid, lower).map(lower),
    clusterIds: distinct(atMost(raw?.clusterIds, POLICY_LIMITS.maxScopeClusterIds, `${field}.clusterIds`), `${field}.clusterIds`, uuid, lower).map(lower),
    namespaces: distinct(atMost(raw?.namespaces, POLICY_LIMITS.maxScopeNamespaces, `${field}.namespaces`), `${field}.namespaces`, namespace),
  };
}

/**
 * The stored form of a policy's rules: the whole catalog in catalog order, the listed
 * rules as given (parameters validated, defaults applied), every unlisted rule off
 * with its default parameters. Unknown parameter names are errors.
 */
export function normalizeRules(raw: PolicyRuleInputValue[], field = 'input.rules'): PolicyRuleValue[] {
  const listed = new Map<RuleId, PolicyRuleValue>();
  raw.forEach((rule, i) => {
    const at = `${field}[${i}]`;
    if (!isRuleId(rule.ruleId)) throw AppError.badInput(`${at}.ruleId`, `is not a rule of the catalog (known: ${RULE_CATALOG.map((r) => r.id).join(', ')})`);
    if (listed.has(rule.ruleId)) throw AppError.badInput(`${at}.ruleId`, `rule '${rule.ruleId}' is listed twice`);
    let parameters: Record<string, unknown>;
    try {
      parameters = validateRuleParameters(rule.ruleId, rule.parameters) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof RuleParameterError) {
        throw AppError.badInput(error.field === '' ? `${at}.parameters` : `${at}.parameters.${error.field}`, error.message);
      }
      throw error;
    }
    // With no allowed pattern every image fails: enabling it empty is a mistake, not a policy.
    if (rule.ruleId === 'trusted-registries' && rule.enabled && (parameters.allowedPatterns as string[]).length === 0) {
      throw AppError.badInput(`${at}.parameters.allowedPatterns`, 'must list at least one image pattern while the rule is enabled');
    }
    listed.set(rule.ruleId, { ruleId: rule.ruleId, enabled: rule.enabled, parameters });
  });
  return RULE_CATALOG.map(
    (definition) => listed.get(definition.id) ?? { ruleId: definition.id, enabled: false, parameters: structuredClone(definition.defaultParameters) as Record<string, unknown> },
  );
}

/** The default policy's rules: every catalog rule as the catalog says (all on but trusted-registries). */
export function defaultPolicyRules(): PolicyRuleValue[] {
  return RULE_CATALOG.map((definition) => ({
    ruleId: definition.id,
    enabled: definition.enabledByDefault,
    parameters: structuredClone(definition.defaultParameters) as Record<string, unknown>,
  }));
}
