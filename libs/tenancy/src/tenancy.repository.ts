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

  /**
   * The user holding `normalisedEmail` verified (at most one: a unique index). Users are
   * global (no row-level security); read in the caller's transaction, after lockEmail.
   * Exact comparison on lower(email): ILIKE would treat `_` and `%` in an address as wildcards.
   */
  async verifiedUserByEmail(tx: TenantTx, normalisedEmail: string) {
    const [row] = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "user" WHERE lower("email") = ${normalisedEmail} AND "emailVerified"`;
    return row ? tx.user.findUnique({ where: { id: row.id } }) : null;
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

  cloudScopeState(tx: TenantTx, cloudScopeId: string) {
    return tx.cloudScope.findFirst({ where: { tenantId: tx.tenantId, id: cloudScopeId }, select: { id: true, offboardedAt: true } });
  }

  findAssignmentOf(tx: TenantTx, userId: string, cloudScopeId: string | null) {
    return tx.roleAssignment.findFirst({ where: { tenantId: tx.tenantId, userId, cloudScopeId }, include: { user: true } });
  }

  createInvitation(tx: TenantTx, data: { email: string; role: Role; cloudScopeId: string | null; createdById: string | null; createdAt: Date; expiresAt: Date }) {
    return tx.invitation.create({ data: { tenantId: tx.tenantId, ...data } });
  }

  findInvitation(tx: TenantTx, id: string) {
    return tx.invitation.findFirst({ where: { tenantId: tx.tenantId, id } });
  }

  /** A pending, unexpired invitation of this e-mail on this scope (null = tenant-wide). */
  openInvitationFor(tx: TenantTx, email: string, cloudScopeId: string | null, now: Date) {
    return tx.invitation.findFirst({
      where: { tenantId: tx.tenantId, email, cloudScopeId, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
    });
  }

  revokeInvitation(tx: TenantTx, id: string, at: Date) {
    return tx.invitation.update({ where: { tenantId_id: { tenantId: tx.tenantId, id } }, data: { revokedAt: at } });
  }

  acceptInvitation(tx: TenantTx, id: string, data: { acceptedAt: Date; acceptedByUserId: string; roleAssignmentId: string }) {
    return tx.invitation.update({ where: { tenantId_id: { tenantId: tx.tenantId, id } }, data });
  }

  /** Oldest first, after the keyset `after`; `pendingAt` set: only pending ones unexpired at that time. */
  invitationPage(tx: TenantTx, q: { after: { createdAt: Date; id: string } | null; take: number; pendingAt: Date | null }) {
    const after = q.after;
    return tx.invitation.findMany({
      where: {
        tenantId: tx.tenantId,
        ...(q.pendingAt ? { acceptedAt: null, revokedAt: null, expiresAt: { gt: q.pendingAt } } : {}),
        ...(after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {}),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: q.take,
    });
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
