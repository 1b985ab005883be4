import type { BundleCluster, BundlePolicy, BundlePolicyScope } from './types';

// Test data shared by the bundle specs (not exported from the library's index).

export type PolicyOverrides = Partial<Omit<BundlePolicy, 'scope'>> & { scope?: Partial<BundlePolicyScope> };

/** A policy enabling privileged-containers everywhere; override any field, the scope per level. */
export function testPolicy(id: string, overrides: PolicyOverrides = {}): BundlePolicy {
  return {
    id,
    name: `Policy ${id}`,
    action: 'AUDIT',
    isDefault: false,
    version: 1,
    rules: [{ ruleId: 'privileged-containers', enabled: true }],
    ...overrides,
    scope: { cloudScopeIds: [], clusterIds: [], namespaces: [], ...overrides.scope },
  };
}

export const testCluster: BundleCluster = { id: 'c-prod', cloudScopeId: 's-prod' };
