import { Injectable } from '@nestjs/common';
import type { CloudEnvironment, CloudProvider, TenantTx } from '@rampart/platform';

export type Distribution = 'AKS' | 'EKS' | 'GKE';

/** Keyset position in a (createdAt, id) ordering. */
export interface CreatedKey {
  createdAt: Date;
  id: string;
}

// The credential hash never leaves this file except where a sensor is authenticated.
const CLUSTER_PUBLIC = { sensorTokenHash: true } as const;

function afterKey(key: CreatedKey | null) {
  return key ? { OR: [{ createdAt: { gt: key.createdAt } }, { createdAt: key.createdAt, id: { gt: key.id } }] } : {};
}

/**
 * Every tenant-owned query of the inventory context. Each method takes a TenantTx
 * and filters on its tenantId as well (row-level security is the second lock).
 */
@Injectable()
export class InventoryRepository {
  /** Serialises onboardings of one tenant, so the first one alone creates the default policy. */
  async lockTenant(tx: TenantTx): Promise<void> {
    await tx.$queryRaw`SELECT 1 FROM "tenant" WHERE "id" = ${tx.tenantId}::uuid FOR UPDATE`;
  }

  /**
   * Locks a live cloud scope: SHARE while registering clusters in it (registrations
   * run side by side), UPDATE while offboarding it (waits for them, and they for it).
   */
  async lockLiveCloudScope(tx: TenantTx, id: string, mode: 'SHARE' | 'UPDATE'): Promise<boolean> {
    const rows =
      mode === 'SHARE'
        ? await tx.$queryRaw<unknown[]>`SELECT 1 FROM "cloud_scope" WHERE "tenantId" = ${tx.tenantId}::uuid AND "id" = ${id}::uuid
            AND "offboardedAt" IS NULL FOR SHARE`
        : await tx.$queryRaw<unknown[]>`SELECT 1 FROM "cloud_scope" WHERE "tenantId" = ${tx.tenantId}::uuid AND "id" = ${id}::uuid
            AND "offboardedAt" IS NULL FOR UPDATE`;
    return rows.length > 0;
  }

  createCloudScope(
    tx: TenantTx,
    data: { provider: CloudProvider; externalId: string; displayName: string; environment: CloudEnvironment },
  ) {
    return tx.cloudScope.create({ data: { tenantId: tx.tenantId, ...data } });
  }

  findLiveCloudScope(tx: TenantTx, id: string) {
    return tx.cloudScope.findFirst({ where: { tenantId: tx.tenantId, id, offboardedAt: null } });
  }

  updateCloudScope(tx: TenantTx, id: string, data: { displayName?: string; offboardedAt?: Date }) {
    return tx.cloudScope.update({ where: { tenantId_id: { tenantId: tx.tenantId, id } }, data });
  }

  /** Offboarded ones included: a deregistered cluster still shows where it was. */
  cloudScopesByIds(tx: TenantTx, ids: readonly string[]) {
    return tx.cloudScope.findMany({ where: { tenantId: tx.tenantId, id: { in: [...ids] } } });
  }

  /** Oldest first; `cloudScopeIds` null means every scope of the tenant. */
  cloudScopePage(tx: TenantTx, q: { after: CreatedKey | null; take: number; includeOffboarded: boolean; cloudScopeIds: string[] | null }) {
    return tx.cloudScope.findMany({
      where: {
        tenantId: tx.tenantId,
        ...(q.includeOffboarded ? {} : { offboardedAt: null }),
        ...(q.cloudScopeIds ? { id: { in: q.cloudScopeIds } } : {}),
        ...afterKey(q.after),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: q.take,
    });
  }

  countLiveCloudScopes(tx: TenantTx): Promise<number> {
    return tx.cloudScope.count({ where: { tenantId: tx.tenantId, offboardedAt: null } });
  }

  countLiveClustersOfTenant(tx: TenantTx): Promise<number> {
    return tx.cluster.count({ where: { tenantId: tx.tenantId, deregisteredAt: null } });
  }

  countLiveClusters(tx: TenantTx, cloudScopeId: string): Promise<number> {
    return tx.cluster.count({ where: { tenantId: tx.tenantId, cloudScopeId, deregisteredAt: null } });
  }

  createCluster(
    tx: TenantTx,
    data: {
      cloudScopeId: string;
      name: string;
      distribution: Distribution;
      kubernetesVersion: string;
      sensorVersion: string;
      misconfigurationPoliciesEnabled: boolean;
      sensorTokenHash: string;
      credentialRotatedAt: Date;
    },
  ) {
    return tx.cluster.create({ data: { tenantId: tx.tenantId, ...data }, omit: CLUSTER_PUBLIC });
  }

  /** Row-locks a live cluster for a change, so a concurrent deregistration cannot be overtaken. */
  async lockLiveCluster(tx: TenantTx, id: string): Promise<boolean> {
    const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "cluster" WHERE "tenantId" = ${tx.tenantId}::uuid AND "id" = ${id}::uuid
      AND "deregisteredAt" IS NULL FOR UPDATE`;
    return rows.length > 0;
  }

  findLiveCluster(tx: TenantTx, id: string) {
    return tx.cluster.findFirst({ where: { tenantId: tx.tenantId, id, deregisteredAt: null }, omit: CLUSTER_PUBLIC });
  }

  /** Every change increments `version`, so updateCluster's expectedVersion sees any change since it was read. */
  updateCluster(
    tx: TenantTx,
    id: string,
    data: {
      sensorTokenHash?: string;
      credentialRotatedAt?: Date;
      deregisteredAt?: Date;
      name?: string;
      kubernetesVersion?: string;
      sensorVersion?: string;
      misconfigurationPoliciesEnabled?: boolean;
    },
  ) {
    return tx.cluster.update({
      where: { tenantId_id: { tenantId: tx.tenantId, id } },
      data: { ...data, version: { increment: 1 } },
      omit: CLUSTER_PUBLIC,
    });
  }

  /** Oldest first; `cloudScopeIds` null means clusters of every scope. */
  clusterPage(tx: TenantTx, q: { after: CreatedKey | null; take: number; includeDeregistered: boolean; cloudScopeIds: string[] | null }) {
    return tx.cluster.findMany({
      where: {
        tenantId: tx.tenantId,
        ...(q.includeDeregistered ? {} : { deregisteredAt: null }),
        ...(q.cloudScopeIds ? { cloudScopeId: { in: q.cloudScopeIds } } : {}),
        ...afterKey(q.after),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: q.take,
      omit: CLUSTER_PUBLIC,
    });
  }

  /** By name (unique per cluster), strictly after `afterName` when given. */
  namespacePage(tx: TenantTx, clusterId: string, afterName: string | null, take: number) {
    return tx.namespace.findMany({
      where: { tenantId: tx.tenantId, clusterId, ...(afterName !== null ? { name: { gt: afterName } } : {}) },
      orderBy: { name: 'asc' },
      take,
    });
  }

  /** The first `take` namespaces (by name) of each of several clusters, in one query. */
  async firstNamespaces(tx: TenantTx, clusterIds: readonly string[], take: number) {
    const rows = await tx.$queryRaw<{ id: string; tenantId: string; clusterId: string; name: string; firstSeenAt: Date; lastSeenAt: Date; rank: bigint }[]>`
      SELECT * FROM (
        SELECT n.*, row_number() OVER (PARTITION BY n."clusterId" ORDER BY n."name") AS "rank"
          FROM "namespace" n
         WHERE n."tenantId" = ${tx.tenantId}::uuid AND n."clusterId" = ANY(${[...clusterIds]}::uuid[])
      ) ranked
      WHERE "rank" <= ${take}
      ORDER BY "clusterId", "name"`;
    const byCluster = new Map<string, Omit<(typeof rows)[number], 'rank'>[]>();
    for (const { rank: _rank, ...row } of rows) {
      const list = byCluster.get(row.clusterId) ?? [];
      list.push(row);
      byCluster.set(row.clusterId, list);
    }
    return byCluster;
  }
}
