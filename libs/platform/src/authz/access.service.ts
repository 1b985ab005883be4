import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service';
import { AppError } from '../errors/app-error';
import { loaderFor } from '../graphql/request-loader';
import type { Role } from '../db/generated/prisma/enums';
import type { LocatableKind } from './authorization-table';
import { type AccessGrant, decideAccess } from './decide';
import { type Membership, type TargetLocation, Visibility } from './visibility';

export type { Membership, TargetLocation } from './visibility';

/** What `requireAccess` is asked: who, which target, what for. */
export interface RequireAccess {
  /** The request, which carries the caller's memberships for its whole life. */
  req: object & { memberships?: Membership[] };
  userId: string;
  minRole: Role;
  mode: 'read' | 'write';
  /** The tenant itself, or an object found by id; `field` is the argument that named it. */
  target: { kind: 'Tenant'; tenantId: string; seenFiltered?: boolean; field: string } | { kind: LocatableKind; id: string; field: string };
}

/** The message of every NOT_FOUND of one kind, whatever the reason, so reasons cannot be told apart. */
export function notFoundError(kind: LocatableKind | 'Tenant', field?: string): AppError {
  const what = { Tenant: 'Tenant', RoleAssignment: 'Role assignment', CloudScope: 'Cloud scope', Cluster: 'Cluster', Policy: 'Policy', Invitation: 'Invitation' }[kind];
  return new AppError('NOT_FOUND', `${what} not found`, field);
}

/**
 * The one door to authorization (Immich's requireAccess): the guard asks it for every
 * root field, and every nested field, service and (later) REST route or export asks it
 * what the caller may see of a tenant. It reads only identifiers across tenants, through
 * two SECURITY DEFINER functions (a user's own memberships; which tenant and cloud
 * scopes an object id belongs to); every data read happens later in a tenant transaction.
 */
@Injectable()
export class AccessService {
  constructor(private readonly prisma: PrismaService) {}

  memberships(userId: string): Promise<Membership[]> {
    return this.prisma.$queryRaw<Membership[]>`
      SELECT * FROM rampart_user_memberships(${userId}::uuid) ORDER BY "tenantCreatedAt", "tenantId", "createdAt"`;
  }

  /**
   * The caller's memberships, read once per request: the authorization guard's copy
   * when it made one, else a per-request loader (fields of Tenant are also reached
   * through `tenants` and `me`, whose grant names no tenant).
   */
  requestMemberships(req: object & { memberships?: Membership[] }, userId: string): Promise<Membership[]> {
    if (req.memberships) return Promise.resolve(req.memberships);
    return loaderFor<string, Membership[]>(req, 'authz:memberships', (users) => Promise.all(users.map((u) => this.memberships(u)))).load(userId);
  }

  /** What the caller may see of one tenant: every nested field filters with this. */
  async visibility(req: object & { memberships?: Membership[] }, userId: string, tenantId: string): Promise<Visibility> {
    return Visibility.of(await this.requestMemberships(req, userId), tenantId);
  }

  /**
   * @deprecated Kept only so that branches written against the old helper still merge;
   * use `visibility()`, which answers the same question (and more) by the same rule.
   * `null` = every cloud scope, a list = those scopes, 'none' = not a member.
   */
  async visibleCloudScopesIn(req: object & { memberships?: Membership[] }, userId: string, tenantId: string): Promise<string[] | null | 'none'> {
    const visibility = await this.visibility(req, userId, tenantId);
    return visibility.member ? visibility.cloudScopeIds : 'none';
  }

  /** Grants access to a target or throws (NOT_FOUND for what the caller may not see, FORBIDDEN for too weak a role). */
  async requireAccess(request: RequireAccess): Promise<AccessGrant> {
    const { target } = request;
    const notFound = notFoundError(target.kind, target.field);
    let location: TargetLocation | null;
    if (target.kind === 'Tenant') location = { tenantId: target.tenantId, cloudScopeIds: null };
    else location = await this.locate(target.kind, target.id);
    if (!location) throw notFound;
    const memberships = await this.requestMemberships(request.req, request.userId);
    return decideAccess(memberships, {
      target: { ...location, kind: target.kind === 'Tenant' ? 'Tenant' : 'Object', notFound },
      minRole: request.minRole,
      mode: request.mode,
      tenantSeenFiltered: target.kind === 'Tenant' && target.seenFiltered === true,
    });
  }

  /** Which tenant and cloud scopes an object belongs to (live objects only), or null. */
  async locate(kind: LocatableKind, id: string): Promise<TargetLocation | null> {
    if (kind === 'Policy') {
      const rows = await this.prisma.$queryRaw<{ tenantId: string; cloudScopeIds: string[] | null }[]>`
        SELECT * FROM rampart_locate_policy(${id}::uuid)`;
      return rows[0] ? { tenantId: rows[0].tenantId, cloudScopeIds: rows[0].cloudScopeIds, tenantLevelWrite: true } : null;
    }
    const rows = await this.prisma.$queryRaw<{ tenantId: string; cloudScopeId: string | null }[]>`SELECT * FROM rampart_locate(${kind}, ${id}::uuid)`;
    if (!rows[0]) return null;
    return { tenantId: rows[0].tenantId, cloudScopeIds: rows[0].cloudScopeId === null ? null : [rows[0].cloudScopeId] };
  }
}
