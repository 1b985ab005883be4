import { Injectable } from '@nestjs/common';
import type { TenantTx } from '@rampart/platform';
import type { BundleCluster, BundlePolicy } from '@rampart/bundle';
import { enforceabilityOf } from '@rampart/inventory';

/** Reads what the enforcement views need, inside a tenant transaction. */
@Injectable()
export class EnforcementRepository {
  /** The cluster with whether it can deny (policy semantics rule 6), judged as Cluster.enforceable is. */
  async liveCluster(tx: TenantTx, clusterId: string): Promise<BundleCluster | null> {
    const cluster = await tx.cluster.findFirst({
      where: { tenantId: tx.tenantId, id: clusterId, deregisteredAt: null },
      select: {
        id: true,
        cloudScopeId: true,
        kubernetesVersion: true,
        sensorVersion: true,
        misconfigurationPoliciesEnabled: true,
        cloudScope: { select: { planEnabled: true, displayName: true } },
      },
    });
    if (!cluster) return null;
    const { enforceable, reasons } = enforceabilityOf({
      kubernetesVersion: cluster.kubernetesVersion,
      sensorVersion: cluster.sensorVersion,
      misconfigurationPoliciesEnabled: cluster.misconfigurationPoliciesEnabled,
      planEnabled: cluster.cloudScope.planEnabled,
      cloudScopeName: cluster.cloudScope.displayName,
    });
    return { id: cluster.id, cloudScopeId: cluster.cloudScopeId, enforcement: { mode: enforceable ? 'ENFORCE' : 'AUDIT_ONLY', reasons } };
  }

  /** The cloud scope of each of these clusters, deregistered ones included (a policy may still name them). */
  async clusterScopes(tx: TenantTx, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await tx.cluster.findMany({ where: { tenantId: tx.tenantId, id: { in: [...new Set(ids)] } }, select: { id: true, cloudScopeId: true } });
    return new Map(rows.map((r) => [r.id, r.cloudScopeId]));
  }

  /** Every live policy of the tenant, in the compiler's form. */
  async livePolicies(tx: TenantTx): Promise<BundlePolicy[]> {
    const rows = await tx.policy.findMany({
      where: { tenantId: tx.tenantId, deletedAt: null },
      orderBy: { id: 'asc' },
    });
    return rows.map((p) => ({
      id: p.id,
      name: p.name,
      action: p.action,
      isDefault: p.isDefault,
      version: p.version,
      scope: { cloudScopeIds: p.scopeCloudScopeIds, clusterIds: p.scopeClusterIds, namespaces: p.scopeNamespaces },
      rules: p.rules as unknown as BundlePolicy['rules'],
    }));
  }
}
