// The effective policy of a (cluster, namespace): what applies and why (for people),
// and the verdict on one manifest (for the sensor's webhook and the CLI).
//
// Verdict semantics (ARCHITECTURE.md, "Policy semantics" 3, 5, 6): every enabled rule of
// every applicable policy runs with that policy's parameters; a request is denied when
// a failing rule belongs to a BLOCK policy, otherwise admitted, and every failing
// (policy, rule) pair is a violation recorded with the action taken. On UPDATE a rule
// that also failed on the old object is pre-existing: recorded as AUDIT, never denied.
// DELETE and subresources are not evaluated. A cluster that cannot enforce only audits.

import {
  compileRules,
  evaluateAdmission,
  getRuleDefinition,
  RULE_IDS,
  type AdmissionOperation,
  type CompiledRules,
  type Manifest,
  type RuleId,
} from '@rampart/rules';
import { enabledRules, LruCache, policyFingerprint, type EffectiveRule } from './policy-cache';
import { explainScope, isSystemNamespace, policyAppliesTo } from './scope';
import { enforcementOf, type BundleCluster, type BundlePolicy, type NamespaceOptions, type PolicyAction } from './types';

export interface PolicyExplanation {
  policyId: string;
  policyName: string;
  action: PolicyAction;
  isDefault: boolean;
  version: number;
  applies: boolean;
  reason: string;
  /** Enabled rules with effective parameters; empty when the policy does not apply. */
  rules: EffectiveRule[];
}

/** One rule as it takes effect: every applicable policy that enables it, with its own parameters. */
export interface EffectiveRuleExplanation {
  ruleId: RuleId;
  title: string;
  /** BLOCK when any of the policies enabling it blocks. */
  action: PolicyAction;
  policies: { policyId: string; policyName: string; action: PolicyAction; parameters: EffectiveRule['parameters'] }[];
}

export interface EffectivePolicyExplanation {
  clusterId: string;
  cloudScopeId: string;
  namespace: string;
  systemNamespace: boolean;
  /** Sorted by policy id. */
  applied: PolicyExplanation[];
  notApplied: PolicyExplanation[];
  /** In catalog order. */
  rules: EffectiveRuleExplanation[];
  verdict: {
    /** Whether any request here can be denied: an applicable BLOCK policy enables a rule and the cluster can enforce. */
    canDeny: boolean;
    /** Whether the cluster can deny at all (policy semantics rule 6). */
    enforceable: boolean;
    /** Why it cannot, one sentence each; empty when it can. */
    notEnforceableReasons: string[];
    blockingPolicyIds: string[];
    auditingPolicyIds: string[];
    summary: string;
  };
}

const byId = (a: { policyId: string }, b: { policyId: string }): number =>
  a.policyId < b.policyId ? -1 : a.policyId > b.policyId ? 1 : 0;

/** Explains which policies apply to resources in `namespace` of `cluster`, which rules run, and how the verdict is formed. */
export function effectivePolicy(
  policies: readonly BundlePolicy[],
  cluster: BundleCluster,
  namespace: string,
  options: NamespaceOptions = {},
): EffectivePolicyExplanation {
  const applied: PolicyExplanation[] = [];
  const notApplied: PolicyExplanation[] = [];
  for (const policy of policies) {
    const decision = explainScope(policy, cluster, namespace, options);
    const rules = decision.applies ? enabledRules(policy) : [];
    let reason = decision.reason;
    if (decision.applies && rules.length === 0) reason += '; but no rule is enabled, so it checks nothing';
    const entry: PolicyExplanation = {
      policyId: policy.id,
      policyName: policy.name,
      action: policy.action,
      isDefault: policy.isDefault,
      version: policy.version,
      applies: decision.applies,
      reason,
      rules,
    };
    (decision.applies ? applied : notApplied).push(entry);
  }
  applied.sort(byId);
  notApplied.sort(byId);

  const byRule = new Map<RuleId, EffectiveRuleExplanation>();
  for (const policy of applied) {
    for (const rule of policy.rules) {
      let entry = byRule.get(rule.id);
      if (entry === undefined) {
        entry = { ruleId: rule.id, title: getRuleDefinition(rule.id).title, action: 'AUDIT', policies: [] };
        byRule.set(rule.id, entry);
      }
      entry.policies.push({ policyId: policy.policyId, policyName: policy.policyName, action: policy.action, parameters: rule.parameters });
      if (policy.action === 'BLOCK') entry.action = 'BLOCK';
    }
  }
  // enabledRules yields catalog order per policy; merge into one catalog order.
  const rules = [...byRule.values()].sort((a, b) => catalogIndex(a.ruleId) - catalogIndex(b.ruleId));

  const enforcing = applied.filter((p) => p.rules.length > 0);
  const blockingPolicyIds = enforcing.filter((p) => p.action === 'BLOCK').map((p) => p.policyId);
  const auditingPolicyIds = enforcing.filter((p) => p.action === 'AUDIT').map((p) => p.policyId);
  const ns = namespace === '' ? 'default' : namespace;
  const enforcement = enforcementOf(cluster);
  const enforceable = enforcement.mode === 'ENFORCE';
  let summary: string;
  if (enforcing.length === 0) {
    summary = `Nothing is checked in namespace ${ns} of cluster ${cluster.id}: every request is admitted and no violation is recorded.`;
  } else if (!enforceable) {
    const blocking =
      blockingPolicyIds.length > 0
        ? ` The BLOCK ${plural(blockingPolicyIds.length, 'policy', 'policies')} ${blockingPolicyIds.join(', ')} ${plural(blockingPolicyIds.length, 'is', 'are')} recorded as AUDIT here.`
        : '';
    summary =
      `Cluster ${cluster.id} can only audit, so every request is admitted: ${enforcement.reasons.join(' ')}${blocking} ` +
      `Every failing (policy, rule) pair of the ${enforcing.length} applicable ${plural(enforcing.length, 'policy', 'policies')} is recorded as a violation with action AUDIT.`;
  } else {
    const denied =
      blockingPolicyIds.length > 0
        ? `A request is denied when any enabled rule of the BLOCK ${plural(blockingPolicyIds.length, 'policy', 'policies')} ${blockingPolicyIds.join(', ')} fails, ` +
          'except on an UPDATE whose old object already failed that rule (recorded as AUDIT, so existing violations never stall a rollout). '
        : 'No BLOCK policy applies, so every request is admitted. ';
    summary = `${denied}Every failing (policy, rule) pair of the ${enforcing.length} applicable ${plural(enforcing.length, 'policy', 'policies')} is recorded as a violation with the action taken.`;
  }

  return {
    clusterId: cluster.id,
    cloudScopeId: cluster.cloudScopeId,
    namespace: ns,
    systemNamespace: isSystemNamespace(ns, options),
    applied,
    notApplied,
    rules,
    verdict: {
      canDeny: enforceable && blockingPolicyIds.length > 0,
      enforceable,
      notEnforceableReasons: [...enforcement.reasons],
      blockingPolicyIds,
      auditingPolicyIds,
      summary,
    },
  };
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

const catalogIndex = (id: RuleId): number => RULE_IDS.indexOf(id);

export interface Violation {
  policyId: string;
  policyName: string;
  ruleId: RuleId;
  /** The action taken: the policy's, except AUDIT for a pre-existing violation or on a cluster that can only audit. */
  action: PolicyAction;
  /** The policy's configured action. */
  policyAction: PolicyAction;
  /** On UPDATE: the old object already failed this rule, so it is recorded but never denied. */
  preExisting: boolean;
  message: string;
  path: string;
}

/** The admission request a manifest arrives in; CREATE of the resource itself by default. */
export interface EvaluateOptions extends NamespaceOptions {
  operation?: AdmissionOperation;
  /** The object an UPDATE replaces; required for UPDATE. */
  oldManifest?: Manifest;
  /** '' (default) for the resource itself; other subresources than ephemeralcontainers are not evaluated. */
  subResource?: string;
}

export interface EffectiveVerdict {
  allowed: boolean;
  /** Every failing (policy, rule) finding, policies by id, rules in catalog order. */
  violations: Violation[];
}

// Compiled per policy content (id, version and a hash of the rules), shared by every
// request; bounded so a long-lived sensor or worker does not keep dead versions forever.
const compiledPolicies = new LruCache<string, CompiledRules>(4096);

function compiledRulesOf(policy: BundlePolicy): CompiledRules {
  const key = policyFingerprint(policy);
  let compiled = compiledPolicies.get(key);
  if (compiled === undefined) {
    compiled = compileRules(enabledRules(policy).map((rule) => ({ ruleId: rule.id, parameters: rule.parameters })));
    compiledPolicies.set(key, compiled);
  }
  return compiled;
}

/**
 * Evaluates one manifest admitted into `namespace` of `cluster`. `namespace` is the
 * request's namespace; a manifest that names none is read as being in it, as the API
 * server's object would be. `options.operation` UPDATE compares with
 * `options.oldManifest` (policy semantics rule 5).
 */
export function evaluateEffective(
  policies: readonly BundlePolicy[],
  cluster: BundleCluster,
  namespace: string,
  manifest: Manifest,
  options: EvaluateOptions = {},
): EffectiveVerdict {
  const operation = options.operation ?? 'CREATE';
  const subject = withNamespace(manifest, namespace);
  const oldSubject = options.oldManifest === undefined ? undefined : withNamespace(options.oldManifest, namespace);
  const canDeny = enforcementOf(cluster).mode === 'ENFORCE';
  const applicable = policies.filter((p) => policyAppliesTo(p, cluster, namespace, options)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const violations: Violation[] = [];
  let allowed = true;
  for (const policy of applicable) {
    const findings = evaluateAdmission(compiledRulesOf(policy), { operation, object: subject, oldObject: oldSubject, subResource: options.subResource });
    for (const f of findings) {
      const action: PolicyAction = policy.action === 'BLOCK' && canDeny && !f.preExisting ? 'BLOCK' : 'AUDIT';
      if (action === 'BLOCK') allowed = false;
      violations.push({
        policyId: policy.id,
        policyName: policy.name,
        ruleId: f.ruleId,
        action,
        policyAction: policy.action,
        preExisting: f.preExisting,
        message: f.message,
        path: f.path,
      });
    }
  }
  return { allowed, violations };
}

function withNamespace(manifest: Manifest, namespace: string): Manifest {
  if (namespace === '' || typeof manifest !== 'object' || manifest === null) return manifest;
  const metadata = manifest.metadata ?? {};
  // A malformed metadata is the rules' to report, not ours to repair.
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return manifest;
  const current = (metadata as { namespace?: unknown }).namespace;
  if (current !== undefined && current !== null && current !== '') return manifest;
  return { ...manifest, metadata: { ...metadata, namespace } };
}
