// The compiler's input: policies and clusters as the policy store holds them, free of
// any persistence types so the API, the worker, the sensor and benchmarks share them.

export type PolicyAction = 'AUDIT' | 'BLOCK';

export interface BundlePolicyScope {
  /** Empty = every cloud scope of the tenant. */
  cloudScopeIds: string[];
  /** Empty = every cluster in the cloud scopes above. */
  clusterIds: string[];
  /** Empty = every namespace except the system ones; naming a system namespace opts it in. */
  namespaces: string[];
}

export interface BundlePolicyRule {
  ruleId: string;
  enabled: boolean;
  /** Raw stored parameters; validated and defaulted by the catalog (undefined = defaults). */
  parameters?: unknown;
}

/**
 * A policy as compiled. Treated as an immutable value: results are cached per policy
 * object and per content, so mutate a copy, never a policy already passed in.
 */
export interface BundlePolicy {
  id: string;
  name: string;
  action: PolicyAction;
  isDefault: boolean;
  version: number;
  scope: BundlePolicyScope;
  rules: BundlePolicyRule[];
}

/**
 * Whether a cluster can deny (policy semantics rule 6). AUDIT_ONLY: Kubernetes < 1.30,
 * sensor < 0.11, policies disabled on the sensor or the plan off; `reasons` says which,
 * one sentence each.
 */
export interface ClusterEnforcement {
  mode: 'ENFORCE' | 'AUDIT_ONLY';
  /** Empty when ENFORCE. */
  reasons: string[];
}

export interface BundleCluster {
  id: string;
  cloudScopeId: string;
  /** Absent = ENFORCE. */
  enforcement?: ClusterEnforcement;
}

export const ENFORCING: ClusterEnforcement = Object.freeze({ mode: 'ENFORCE', reasons: Object.freeze([]) as unknown as string[] });

export function enforcementOf(cluster: BundleCluster): ClusterEnforcement {
  return cluster.enforcement ?? ENFORCING;
}

export interface NamespaceOptions {
  /** The sensor's own namespace, a system namespace like kube-system; default rampart-system. */
  sensorNamespace?: string;
}
