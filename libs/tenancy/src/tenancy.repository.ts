import { Injectable } from '@nestjs/common';
import { PrismaService, type Role, type TenantTx } from '@rampart/platform';

/**
 * Every tenant-owned query of this context. Each method takes a TenantTx — a
 * transaction that can only exist bound to one tenant (PrismaService.withTenant) —
 * and filters on its tenantId as well: the first lock; row-level security is the second.
 */
@Injectable()
export class TenancyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Users are global (not tenant-owned): the one query here without a tenant. */
  usersByEmail(email: string) {
    return this.prisma.user.findMany({ where: { email: { equals: email, mode: 'insensitive' } }, take: 2 });
  }

  createTenant(tx: TenantTx, name: string) {
    return tx.tenant.create({ data: { id: tx.tenantId, name } });
  }

  /** Tenants where the user is an owner, across tenants (the SECURITY DEFINER memberships read: identifiers only). */
  async countOwnedTenants(tx: TenantTx, userId: string): Promise<number> {
    const [row] = await tx.$queryRaw<{ n: number }[]>`
      SELECT count(DISTINCT "tenantId")::int AS n FROM rampart_user_memberships(${userId}::uuid) WHERE "role" = 'OWNER'`;
    return row.n;
  }

  findTenant(tx: TenantTx) {
    return tx.tenant.findUnique({ where: { id: tx.tenantId } });
  }

  /** Serialises role changes of one tenant (the last-owner rule depends on it). */
  async lockTenant(tx: TenantTx): Promise<void> {
    await tx.$queryRaw`SELECT 1 FROM "tenant" WHERE "id" = ${tx.tenantId}::uuid FOR UPDATE`;
  }

  cloudScopeExists(tx: TenantTx, cloudScopeId: string): Promise<boolean> {
    return tx.cloudScope.count({ where: { tenantId: tx.tenantId, id: cloudScopeId } }).then((n) => n > 0);
  }

  createAssignment(tx: TenantTx, data: { userId: string; role: Role; cloudScopeId: string | null; createdById: string | null }) {
    return tx.roleAssignment.create({ data: { tenantId: tx.tenantId, ...data }, include: { user: true } });
  }

  findAssignment(tx: TenantTx, id: string) {
    return tx.roleAssignment.findFirst({ where: { tenantId: tx.tenantId, id }, include: { user: true } });
  }

  deleteAssignment(tx: TenantTx, id: string) {
    return tx.roleAssignment.deleteMany({ where: { tenantId: tx.tenantId, id } });
  }

  countTenantWideOwners(tx: TenantTx): Promise<number> {
    return tx.roleAssignment.count({ where: { tenantId: tx.tenantId, role: 'OWNER', cloudScopeId: null } });
  }

  /** `cloudScopeIds` null means all assignments of the tenant. */
  listAssignments(tx: TenantTx, cloudScopeIds: string[] | null) {
    return tx.roleAssignment.findMany({
      where: { tenantId: tx.tenantId, ...(cloudScopeIds ? { cloudScopeId: { in: cloudScopeIds } } : {}) },
      include: { user: true },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  /** Newest first, strictly before `beforeSeq` when given. */
  auditPage(tx: TenantTx, beforeSeq: bigint | null, take: number) {
    return tx.auditLogEntry.findMany({
      where: { tenantId: tx.tenantId, ...(beforeSeq !== null ? { seq: { lt: beforeSeq } } : {}) },
      orderBy: { seq: 'desc' },
      take,
    });
  }
}
