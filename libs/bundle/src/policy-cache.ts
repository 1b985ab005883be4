// Per-policy work (parameter validation, rule compilation, rendering) is done once per
// policy content and reused across clusters, namespaces and requests.

import { createHash } from 'node:crypto';
import { RULE_IDS, type RuleId, type RuleParameters, validateRuleParameters } from '@rampart/rules';
import { canonicalJson } from '@rampart/common';
import type { BundlePolicy } from './types';

/** A Map that forgets its least recently used entries beyond `capacity`. */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  get size(): number {
    return this.map.size;
  }
}

const fingerprints = new WeakMap<BundlePolicy, string>();

/**
 * Identifies a policy's content: id and version first, plus a hash of everything the
 * compiler reads, so two objects with equal id and version but different content (a
 * test fixture, a policy edited without a version bump) never share cached output.
 * Computed once per policy object.
 */
export function policyFingerprint(policy: BundlePolicy): string {
  let fingerprint = fingerprints.get(policy);
  if (fingerprint === undefined) {
    const { id, name, action, isDefault, version, scope, rules } = policy;
    const content = canonicalJson({ id, name, action, isDefault, version, scope, rules });
    fingerprint = `${id}@${version}#${createHash('sha256').update(content).digest('base64')}`;
    fingerprints.set(policy, fingerprint);
  }
  return fingerprint;
}

export interface EffectiveRule<R extends RuleId = RuleId> {
  id: R;
  /** Validated, with catalog defaults filled in. */
  parameters: RuleParameters[R];
}

const RULE_RANK: ReadonlyMap<string, number> = new Map(RULE_IDS.map((id, i) => [id, i]));

/**
 * The enabled rules of a policy with effective parameters, in catalog order (stable for
 * repeats), so the order rules were stored in never changes a bundle. Throws
 * RuleParameterError for an unknown rule or invalid parameters of an enabled rule.
 */
export function enabledRules(policy: BundlePolicy): EffectiveRule[] {
  return policy.rules
    .filter((rule) => rule.enabled)
    .map((rule) => ({ id: rule.ruleId as RuleId, parameters: validateRuleParameters(rule.ruleId, rule.parameters) }))
    .map((rule, index) => ({ rule, index }))
    .sort((a, b) => RULE_RANK.get(a.rule.id)! - RULE_RANK.get(b.rule.id)! || a.index - b.index)
    .map(({ rule }) => rule);
}
