import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { TenancyRepository } from './tenancy.repository';
import { type InvitationRow, type InvitationView, decodeInvitationCursor, invitationView } from './invitation-view';
import {
  APP_CONFIG,
  AccessService,
  type AppConfig,
  AppError,
  AuditLogService,
  type Caller,
  type Connection,
  type Membership,
  type Visibility,
  Prisma,
  PrismaService,
  QuotaService,
  type Role,
  type TenantTx,
  CursorKey,
  decodeCursor,
  isUuid,
  lockEmail,
  normaliseEmail,
  pageSize,
  toConnection,
} from '@rampart/platform';


export function assignmentView(a: {
  id: string;
  tenantId: string;
  role: Role;
  cloudScopeId: string | null;
  createdAt: Date;
  user: { id: string; email: string; emailVerified: boolean; name: string | null };
}) {
  return {
    id: a.id,
    tenantId: a.tenantId,
    role: a.role,
    cloudScopeId: a.cloudScopeId,
    createdAt: a.createdAt,
    principal: { id: a.user.id, email: a.user.email, emailVerified: a.user.emailVerified, name: a.user.name },
  };
}
export type RoleAssignmentView = ReturnType<typeof assignmentView>;

/** What assignRole did: granted the role to the user holding the e-mail verified, or invited the e-mail. Exactly one is set. */
export interface AssignRoleResult {
  roleAssignment: RoleAssignmentView | null;
  invitation: InvitationView | null;
}

const DAY_MS = 86_400_000;

/** Tenants, role assignments and the change-log reader. Every write appends to the change log in its transaction. */
@Injectable()
export class TenancyService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly access: AccessService,
    private readonly audit: AuditLogService,
    private readonly repo: TenancyRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly quotas: QuotaService,
  ) {}

  async createTenant(caller: Caller, rawName: string) {
    const name = rawName.trim();
    if (name.length < 1 || name.length > 100) throw AppError.badInput('input.name', 'must be 1 to 100 characters');
    const id = randomUUID();
    return this.prisma.withTenant(id, async (tx) => {
      await this.quotas.lockUserTenantCreations(tx, caller.actor.userId!);
      this.quotas.assertRoom('tenantsPerUser', await this.repo.countOwnedTenants(tx, caller.actor.userId!));
      const tenant = await this.repo.createTenant(tx, name);
      const owner = await this.repo.createAssignment(tx, {
        userId: caller.actor.userId!,
        role: 'OWNER',
        cloudScopeId: null,
        createdById: caller.actor.userId,
      });
      await this.audit.append(tx, {
        actor: caller.actor,
        operation: 'createTenant',
        targetType: 'Tenant',
        targetId: id,
        after: { tenant, ownerAssignmentId: owner.id },
        requestId: caller.requestId,
      });
      return tenant;
    });
  }

  /** Tenants where the user holds any role (one cross-tenant read, of the user's own memberships). */
  async tenantsOf(userId: string, memberships?: Membership[]) {
    const seen = new Map<string, { id: string; name: string; createdAt: Date }>();
    for (const m of memberships ?? (await this.access.memberships(userId))) {
      if (!seen.has(m.tenantId)) seen.set(m.tenantId, { id: m.tenantId, name: m.tenantName, createdAt: m.tenantCreatedAt });
    }
    return [...seen.values()];
  }

  membershipsOf(userId: string): Promise<Membership[]> {
    return this.access.memberships(userId);
  }

  async tenant(tenantId: string) {
    const tenant = await this.prisma.withTenant(tenantId, (tx) => this.repo.findTenant(tx));
    if (!tenant) throw AppError.notFound('Tenant');
    return tenant;
  }

  /** A tenant-wide role sees every assignment; a scope-level role only those of its cloud scopes. */
  async roleAssignmentsVisibleTo(visibility: Visibility): Promise<RoleAssignmentView[]> {
    if (!visibility.member) return [];
    const rows = await this.prisma.withTenant(visibility.tenantId, (tx) => this.repo.listAssignments(tx, visibility.cloudScopeIds));
    return rows.map(assignmentView);
  }

  /**
   * Grants a role to the user who holds `principalEmail` verified; when nobody does
   * (never signed in, or signed in with the address unverified), records a pending
   * invitation instead, bound at that person's first verified sign-in (InvitationBinder).
   * Matching only verified e-mails is what keeps a stranger who signed in first with
   * someone else's address from receiving that person's role.
   */
  async assignRole(
    caller: Caller,
    tenantId: string,
    input: { principalEmail: string; role: Role; cloudScopeId?: string | null },
  ): Promise<AssignRoleResult> {
    const email = normaliseEmail(input.principalEmail);
    if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320) throw AppError.badInput('input.principalEmail', 'must be an e-mail address');
    const cloudScopeId = input.cloudScopeId ?? null;
    if (cloudScopeId !== null && !isUuid(cloudScopeId)) throw AppError.badInput('input.cloudScopeId', 'must be a UUID');
    if (cloudScopeId !== null && input.role === 'OWNER') {
      throw AppError.badInput('input.role', 'OWNER is tenant-wide; it cannot be limited to a cloud scope');
    }

    return this.prisma.withTenant(tenantId, async (tx) => {
      await this.repo.lockTenant(tx);
      if (cloudScopeId !== null) {
        const scope = await this.repo.cloudScopeState(tx, cloudScopeId);
        if (!scope) throw new AppError('NOT_FOUND', 'Cloud scope not found', 'input.cloudScopeId');
        if (scope.offboardedAt) throw AppError.badInput('input.cloudScopeId', 'this cloud scope is offboarded; no role can be granted on it');
      }
      // Against a concurrent first verified sign-in of this e-mail: either we see that user, or it sees our invitation.
      await lockEmail(tx, email);
      const user = await this.repo.verifiedUserByEmail(tx, email);
      if (!user) return { roleAssignment: null, invitation: await this.invite(tx, caller, email, input.role, cloudScopeId) };

      if (await this.repo.findAssignmentOf(tx, user.id, cloudScopeId)) {
        throw AppError.conflict('This user already holds a role on this scope; revoke it first', 'input.principalEmail');
      }
      try {
        const created = await this.repo.createAssignment(tx, {
          userId: user.id,
          role: input.role,
          cloudScopeId,
          createdById: caller.actor.userId,
        });
        const view = assignmentView(created);
        await this.audit.append(tx, {
          actor: caller.actor,
          operation: 'assignRole',
          targetType: 'RoleAssignment',
          targetId: created.id,
          after: view,
          requestId: caller.requestId,
        });
        return { roleAssignment: view, invitation: null };
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw AppError.conflict('This user already holds a role on this scope; revoke it first', 'input.principalEmail');
        }
        throw error;
      }
    });
  }

  private async invite(tx: TenantTx, caller: Caller, email: string, role: Role, cloudScopeId: string | null): Promise<InvitationView> {
    const now = new Date();
    if (await this.repo.openInvitationFor(tx, email, cloudScopeId, now)) {
      throw AppError.conflict('An invitation for this e-mail on this scope is pending; revoke it first', 'input.principalEmail');
    }
    const created = await this.repo.createInvitation(tx, {
      email,
      role,
      cloudScopeId,
      createdById: caller.actor.userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.invitationTtlDays * DAY_MS),
    });
    const view = invitationView(created, now);
    await this.audit.append(tx, {
      actor: caller.actor,
      operation: 'assignRole',
      targetType: 'Invitation',
      targetId: created.id,
      after: view,
      requestId: caller.requestId,
    });
    return view;
  }

  /** Revokes a pending (or expired) invitation; an accepted one is a role now: revokeRole it. Revoking twice changes nothing. */
  async revokeInvitation(caller: Caller, tenantId: string, invitationId: string): Promise<InvitationView> {
    return this.prisma.withTenant(tenantId, async (tx) => {
      await this.repo.lockTenant(tx);
      const existing = await this.repo.findInvitation(tx, invitationId);
      if (!existing) throw AppError.notFound('Invitation');
      const now = new Date();
      if (existing.revokedAt) return invitationView(existing, now);
      if (existing.acceptedAt) throw AppError.conflict('This invitation was accepted; revoke the role assignment instead', 'id');
      const revoked = await this.repo.revokeInvitation(tx, invitationId, now);
      const view = invitationView(revoked, now);
      await this.audit.append(tx, {
        actor: caller.actor,
        operation: 'revokeInvitation',
        targetType: 'Invitation',
        targetId: invitationId,
        before: invitationView(existing, now),
        after: view,
        requestId: caller.requestId,
      });
      return view;
    });
  }

  /** Oldest first; pending (unexpired) ones only unless `includeClosed`. */
  async invitations(tenantId: string, q: { first?: number | null; after?: string | null; includeClosed?: boolean | null }): Promise<Connection<InvitationView>> {
    const size = pageSize(q.first);
    const after = q.after ? decodeInvitationCursor(q.after) : null;
    const now = new Date();
    const rows: InvitationRow[] = await this.prisma.withTenant(tenantId, (tx) =>
      this.repo.invitationPage(tx, { after, take: size + 1, pendingAt: q.includeClosed ? null : now }),
    );
    return toConnection(rows, size, (r) => [r.createdAt.toISOString(), r.id], (r) => invitationView(r, now));
  }

  async revokeRole(caller: Caller, tenantId: string, assignmentId: string): Promise<RoleAssignmentView> {
    return this.prisma.withTenant(tenantId, async (tx) => {
      await this.repo.lockTenant(tx);
      const existing = await this.repo.findAssignment(tx, assignmentId);
      if (!existing) throw AppError.notFound('Role assignment');
      if (existing.role === 'OWNER' && existing.cloudScopeId === null) {
        if ((await this.repo.countTenantWideOwners(tx)) <= 1) throw AppError.conflict('The last OWNER of a tenant cannot be removed; make someone else OWNER first', 'id');
      }
      await this.repo.deleteAssignment(tx, assignmentId);
      const view = assignmentView(existing);
      await this.audit.append(tx, {
        actor: caller.actor,
        operation: 'revokeRole',
        targetType: 'RoleAssignment',
        targetId: assignmentId,
        before: view,
        requestId: caller.requestId,
      });
      return view;
    });
  }

  async auditLog(tenantId: string, first: number | null | undefined, after: string | null | undefined): Promise<Connection<AuditLogRow>> {
    const size = pageSize(first);
    const before = after ? BigInt(decodeCursor(after, 'after', CursorKey.bigintText)) : null;
    const rows = await this.prisma.withTenant(tenantId, (tx) => this.repo.auditPage(tx, before, size + 1));
    return toConnection(rows, size, (row) => row.seq.toString(), (row) => ({ ...row, seq: row.seq.toString() }));
  }
}

export type AuditLogRow = Omit<Awaited<ReturnType<TenancyRepository['auditPage']>>[number], 'seq'> & { seq: string };
