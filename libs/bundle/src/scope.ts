// Which policies apply where (ARCHITECTURE.md, "Policy semantics"): cloud scopes →
// clusters → namespaces, an empty list meaning "all" at its level, and the system
// namespaces left alone unless a policy names them.

import { DEFAULT_SENSOR_NAMESPACE, KUBERNETES_SYSTEM_NAMESPACES } from '@rampart/rules';
import type { BundleCluster, BundlePolicy, NamespaceOptions } from './types';

export interface ScopeDecision {
  applies: boolean;
  /** Human-readable: why the policy does or does not apply. */
  reason: string;
}

/** kube-system, kube-public, kube-node-lease and the sensor namespace, sorted. */
export function systemNamespaces(options: NamespaceOptions = {}): string[] {
  return [...new Set([...KUBERNETES_SYSTEM_NAMESPACES, options.sensorNamespace ?? DEFAULT_SENSOR_NAMESPACE])].sort();
}

export function isSystemNamespace(namespace: string, options: NamespaceOptions = {}): boolean {
  return (
    (KUBERNETES_SYSTEM_NAMESPACES as readonly string[]).includes(namespace) ||
    namespace === (options.sensorNamespace ?? DEFAULT_SENSOR_NAMESPACE)
  );
}

// Kubernetes reads an empty namespace on a namespaced object as "default".
function normaliseNamespace(namespace: string): string {
  return namespace === '' ? 'default' : namespace;
}

interface ClusterScopeSets {
  cloudScopeIds: ReadonlySet<string> | undefined;
  clusterIds: ReadonlySet<string> | undefined;
}

// A fan-out asks every policy about thousands of clusters, and a cluster-scoped policy
// may name hundreds of them: a linear search per question dominated compile time.
const clusterScopeSets = new WeakMap<BundlePolicy['scope'], ClusterScopeSets>();

function setsOf(scope: BundlePolicy['scope']): ClusterScopeSets {
  let sets = clusterScopeSets.get(scope);
  if (sets === undefined) {
    sets = {
      cloudScopeIds: scope.cloudScopeIds.length === 0 ? undefined : new Set(scope.cloudScopeIds),
      clusterIds: scope.clusterIds.length === 0 ? undefined : new Set(scope.clusterIds),
    };
    clusterScopeSets.set(scope, sets);
  }
  return sets;
}

/** Whether the policy's cloud-scope and cluster levels cover the cluster (namespaces aside). */
export function policyCoversCluster(policy: BundlePolicy, cluster: BundleCluster): boolean {
  const { cloudScopeIds, clusterIds } = setsOf(policy.scope);
  return (cloudScopeIds === undefined || cloudScopeIds.has(cluster.cloudScopeId)) && (clusterIds === undefined || clusterIds.has(cluster.id));
}

const list = (values: readonly string[]): string => values.join(', ');

/** policyAppliesTo with the reason, for explanations. */
export function explainScope(
  policy: BundlePolicy,
  cluster: BundleCluster,
  namespace: string,
  options: NamespaceOptions = {},
): ScopeDecision {
  const { cloudScopeIds, clusterIds, namespaces } = policy.scope;
  const ns = normaliseNamespace(namespace);
  if (cloudScopeIds.length > 0 && !cloudScopeIds.includes(cluster.cloudScopeId)) {
    return { applies: false, reason: `cloud scope ${cluster.cloudScopeId} not in scope (policy covers cloud scopes ${list(cloudScopeIds)})` };
  }
  if (clusterIds.length > 0 && !clusterIds.includes(cluster.id)) {
    return { applies: false, reason: `cluster ${cluster.id} not in scope (policy covers clusters ${list(clusterIds)})` };
  }
  const named = namespaces.includes(ns);
  if (namespaces.length > 0 && !named) {
    return { applies: false, reason: `namespace ${ns} not in scope (policy covers namespaces ${list(namespaces)})` };
  }
  const system = isSystemNamespace(ns, options);
  if (system && !named) {
    return { applies: false, reason: `namespace ${ns} is a system namespace not named by the policy` };
  }
  const parts = [
    cloudScopeIds.length === 0 ? 'all cloud scopes' : `cloud scope ${cluster.cloudScopeId} named`,
    clusterIds.length === 0 ? 'all clusters' : `cluster ${cluster.id} named`,
    named ? `namespace ${ns} named${system ? ' (a system namespace, so only because it is named)' : ''}` : 'all non-system namespaces',
  ];
  return { applies: true, reason: `in scope: ${parts.join('; ')}` };
}

/** Whether a policy applies to resources in `namespace` of `cluster`. */
export function policyAppliesTo(
  policy: BundlePolicy,
  cluster: BundleCluster,
  namespace: string,
  options: NamespaceOptions = {},
): boolean {
  if (!policyCoversCluster(policy, cluster)) return false;
  const ns = normaliseNamespace(namespace);
  const { namespaces } = policy.scope;
  if (namespaces.length > 0) return namespaces.includes(ns);
  return !isSystemNamespace(ns, options);
}
