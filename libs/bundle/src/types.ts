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

export interface BundleCluster {
  id: string;
  cloudScopeId: string;
}

export interface NamespaceOptions {
  /** The sensor's own namespace, a system namespace like kube-system; default rampart-system. */
  sensorNamespace?: string;
}
