import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TenancyRepository } from './tenancy.repository';
import {
  AccessService,
  AppError,
  AuditLogService,
  type Caller,
  type Connection,
  type Membership,
  type VisibleCloudScopes,
  Prisma,
  PrismaService,
  QuotaService,
  type Role,
  decodeCursor,
  pageSize,
  toConnection,
} from '@rampart/platform';


const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function assignmentView(a: {
  id: string;
  tenantId: string;
  role: Role;
  cloudScopeId: string | null;
  createdAt: Date;
  user: { id: string; email: string; name: string | null };
}) {
  return {
    id: a.id,
    tenantId: a.tenantId,
    role: a.role,
    cloudScopeId: a.cloudScopeId,
    createdAt: a.createdAt,
    principal: { id: a.user.id, email: a.user.email, name: a.user.name },
  };
}
export type RoleAssignmentView = ReturnType<typeof assignmentView>;

/** Tenants, role assignments and the change-log reader. Every write appends to the change log in its transaction. */
@Injectable()
export class TenancyService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly access: AccessService,
    private readonly audit: AuditLogService,
    private readonly repo: TenancyRepository,
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
  async roleAssignmentsVisibleTo(visible: VisibleCloudScopes, tenantId: string): Promise<RoleAssignmentView[]> {
    if (visible === 'none') return [];
    const scopes = visible;
    const rows = await this.prisma.withTenant(tenantId, (tx) => this.repo.listAssignments(tx, scopes));
    return rows.map(assignmentView);
  }

  async assignRole(
    caller: Caller,
    tenantId: string,
    input: { principalEmail: string; role: Role; cloudScopeId?: string | null },
  ): Promise<RoleAssignmentView> {
    const email = input.principalEmail.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw AppError.badInput('input.principalEmail', 'must be an e-mail address');
    const cloudScopeId = input.cloudScopeId ?? null;
    if (cloudScopeId !== null && !UUID.test(cloudScopeId)) throw AppError.badInput('input.cloudScopeId', 'must be a UUID');
    if (cloudScopeId !== null && input.role === 'OWNER') {
      throw AppError.badInput('input.role', 'OWNER is tenant-wide; it cannot be limited to a cloud scope');
    }
    const users = await this.repo.usersByEmail(email);
    if (users.length === 0) {
      throw AppError.badInput('input.principalEmail', 'no user with this e-mail has signed in to Rampart yet');
    }
    if (users.length > 1) throw AppError.badInput('input.principalEmail', 'several users share this e-mail; contact support');
    const [user] = users;

    return this.prisma.withTenant(tenantId, async (tx) => {
      await this.repo.lockTenant(tx);
      if (cloudScopeId !== null && !(await this.repo.cloudScopeExists(tx, cloudScopeId))) {
        throw new AppError('NOT_FOUND', 'Cloud scope not found', 'input.cloudScopeId');
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
        return view;
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw AppError.conflict('This user already holds a role on this scope; revoke it first', 'input.principalEmail');
        }
        throw error;
      }
    });
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
    const before = after ? BigInt(decodeCursor(after, 'after', (v): v is string => typeof v === 'string' && /^\d+$/.test(v))) : null;
    const rows = await this.prisma.withTenant(tenantId, (tx) => this.repo.auditPage(tx, before, size + 1));
    return toConnection(rows, size, (row) => row.seq.toString(), (row) => ({ ...row, seq: row.seq.toString() }));
  }
}

export type AuditLogRow = Omit<Awaited<ReturnType<TenancyRepository['auditPage']>>[number], 'seq'> & { seq: string };
