import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Prisma, type TenantTx } from '@rampart/platform';
import type { PolicyActionValue, PolicyRuleValue, PolicyScopeValue } from './policy-input';

export interface PolicyFields {
  name: string;
  description: string;
  action: PolicyActionValue;
  scope: PolicyScopeValue;
  rules: PolicyRuleValue[];
}

export interface RevisionFields {
  policyId: string;
  version: number;
  change: 'CREATE' | 'UPDATE' | 'DELETE';
  actorUserId: string | null;
  actor: string;
  diff: Prisma.InputJsonValue;
  snapshot: Prisma.InputJsonValue;
  requestId: string | null;
}

function columns(fields: Partial<PolicyFields>) {
  return {
    ...(fields.name !== undefined ? { name: fields.name } : {}),
    ...(fields.description !== undefined ? { description: fields.description } : {}),
    ...(fields.action !== undefined ? { action: fields.action } : {}),
    ...(fields.scope !== undefined
      ? {
          scopeCloudScopeIds: fields.scope.cloudScopeIds,
          scopeClusterIds: fields.scope.clusterIds,
          scopeNamespaces: fields.scope.namespaces,
        }
      : {}),
    ...(fields.rules !== undefined ? { rules: fields.rules as unknown as Prisma.InputJsonValue } : {}),
  };
}

/**
 * Every query of the policies context. Each method takes a TenantTx and filters on
 * its tenantId as well: the first lock; row-level security is the second.
 */
@Injectable()
export class PoliciesRepository {
  findLive(tx: TenantTx, id: string) {
    return tx.policy.findFirst({ where: { tenantId: tx.tenantId, id, deletedAt: null } });
  }

  countLive(tx: TenantTx): Promise<number> {
    return tx.policy.count({ where: { tenantId: tx.tenantId, deletedAt: null } });
  }

  create(tx: TenantTx, fields: PolicyFields, actorUserId: string | null) {
    return tx.policy.create({
      data: { tenantId: tx.tenantId, ...columns(fields), createdById: actorUserId, updatedById: actorUserId } as Prisma.PolicyUncheckedCreateInput,
    });
  }

  /**
   * Inserts the tenant's default policy unless it exists; returns its id only when this
   * call created it. The partial unique indexes decide, so concurrent onboardings
   * create exactly one. No conflict target: the name index may be the one a racing
   * insert trips first, and custom policies cannot hold the default's name.
   */
  async insertDefaultIfAbsent(tx: TenantTx, fields: PolicyFields, actorUserId: string | null): Promise<string | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO "policy" ("tenantId", "id", "name", "description", "action", "isDefault", "version",
                            "scopeCloudScopeIds", "scopeClusterIds", "scopeNamespaces", "rules",
                            "createdById", "updatedById", "updatedAt")
      VALUES (${tx.tenantId}::uuid, ${randomUUID()}::uuid, ${fields.name}, ${fields.description},
              ${fields.action}::"PolicyAction", true, 1,
              ${fields.scope.cloudScopeIds}::uuid[], ${fields.scope.clusterIds}::uuid[], ${fields.scope.namespaces}::text[],
              ${JSON.stringify(fields.rules)}::jsonb, ${actorUserId}::uuid, ${actorUserId}::uuid, now())
      ON CONFLICT DO NOTHING
      RETURNING "id"`;
    return rows[0]?.id ?? null;
  }

  /** Compare-and-set on the version: of two writers holding the same version, one wins. */
  async updateIfVersion(tx: TenantTx, id: string, expectedVersion: number, fields: Partial<PolicyFields>, actorUserId: string | null): Promise<boolean> {
    const { count } = await tx.policy.updateMany({
      where: { tenantId: tx.tenantId, id, version: expectedVersion, deletedAt: null },
      data: { ...columns(fields), updatedById: actorUserId, version: { increment: 1 } },
    });
    return count === 1;
  }

  async softDeleteIfVersion(tx: TenantTx, id: string, expectedVersion: number, actorUserId: string | null): Promise<boolean> {
    const { count } = await tx.policy.updateMany({
      where: { tenantId: tx.tenantId, id, version: expectedVersion, deletedAt: null, isDefault: false },
      data: { deletedAt: new Date(), updatedById: actorUserId, version: { increment: 1 } },
    });
    return count === 1;
  }

  createRevision(tx: TenantTx, fields: RevisionFields) {
    return tx.policyRevision.create({ data: { tenantId: tx.tenantId, ...fields } });
  }

  /**
   * Oldest first (the default policy usually leads), after the (createdAt, id) key when given.
   * `reaching` (for a role limited to cloud scopes): only policies that can apply in one of
   * these cloud scopes — naming none of them or one, and no cluster or one of these clusters
   * (a policy naming both lists only clusters of its cloud scopes).
   */
  livePage(tx: TenantTx, after: { createdAt: Date; id: string } | null, take: number, reaching: { cloudScopeIds: string[]; clusterIds: string[] } | null) {
    return tx.policy.findMany({
      where: {
        tenantId: tx.tenantId,
        deletedAt: null,
        ...(after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {}),
        ...(reaching
          ? {
              AND: [
                { OR: [{ scopeCloudScopeIds: { isEmpty: true } }, { scopeCloudScopeIds: { hasSome: reaching.cloudScopeIds } }] },
                { OR: [{ scopeClusterIds: { isEmpty: true } }, { scopeClusterIds: { hasSome: reaching.clusterIds } }] },
              ],
            }
          : {}),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take,
    });
  }

  /** Newest first, strictly before `beforeVersion` when given. */
  revisionPage(tx: TenantTx, policyId: string, beforeVersion: number | null, take: number) {
    return tx.policyRevision.findMany({
      where: { tenantId: tx.tenantId, policyId, ...(beforeVersion !== null ? { version: { lt: beforeVersion } } : {}) },
      orderBy: { version: 'desc' },
      take,
    });
  }

  /**
   * The newest `take` revisions of each of several policies in one query, for
   * `Policy.revisions` on a list of policies (a DataLoader batches the ids).
   */
  async newestRevisions(tx: TenantTx, policyIds: readonly string[], take: number): Promise<Map<string, PolicyRevisionRow[]>> {
    const rows = await tx.$queryRaw<(PolicyRevisionRow & { rank: bigint })[]>`
      SELECT * FROM (
        SELECT r.*, row_number() OVER (PARTITION BY r."policyId" ORDER BY r."version" DESC) AS "rank"
          FROM "policy_revision" r
         WHERE r."tenantId" = ${tx.tenantId}::uuid AND r."policyId" = ANY(${[...policyIds]}::uuid[])
      ) ranked
      WHERE "rank" <= ${take}
      ORDER BY "policyId", "version" DESC`;
    const byPolicy = new Map<string, PolicyRevisionRow[]>();
    for (const { rank: _rank, ...row } of rows) {
      const list = byPolicy.get(row.policyId) ?? [];
      list.push(row);
      byPolicy.set(row.policyId, list);
    }
    return byPolicy;
  }

  /** The cloud scope of each of these clusters, deregistered ones included (a policy may still name them). */
  async clusterScopes(tx: TenantTx, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await tx.cluster.findMany({ where: { tenantId: tx.tenantId, id: { in: [...new Set(ids)] } }, select: { id: true, cloudScopeId: true } });
    return new Map(rows.map((r) => [r.id, r.cloudScopeId]));
  }

  /** Ids of every cluster (deregistered ones included) of these cloud scopes. */
  async clusterIdsIn(tx: TenantTx, cloudScopeIds: readonly string[]): Promise<string[]> {
    if (cloudScopeIds.length === 0) return [];
    const rows = await tx.cluster.findMany({ where: { tenantId: tx.tenantId, cloudScopeId: { in: [...cloudScopeIds] } }, select: { id: true } });
    return rows.map((r) => r.id);
  }

  async liveCloudScopeIds(tx: TenantTx, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await tx.cloudScope.findMany({ where: { tenantId: tx.tenantId, id: { in: ids }, offboardedAt: null }, select: { id: true } });
    return new Set(rows.map((r) => r.id));
  }

  async liveClusters(tx: TenantTx, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await tx.cluster.findMany({
      where: { tenantId: tx.tenantId, id: { in: ids }, deregisteredAt: null },
      select: { id: true, cloudScopeId: true },
    });
    return new Map(rows.map((r) => [r.id, r.cloudScopeId]));
  }
}

export type PolicyRow = NonNullable<Awaited<ReturnType<PoliciesRepository['findLive']>>>;
export type PolicyRevisionRow = Awaited<ReturnType<PoliciesRepository['revisionPage']>>[number];
