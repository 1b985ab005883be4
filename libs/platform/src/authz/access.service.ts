import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service';
import { loaderFor } from '../graphql/request-loader';
import type { Role } from '../db/generated/prisma/enums';
import type { LocatableKind } from './authorization-table';

export interface Membership {
  assignmentId: string;
  tenantId: string;
  tenantName: string;
  tenantCreatedAt: Date;
  role: Role;
  cloudScopeId: string | null;
  createdAt: Date;
}

/**
 * Which cloud scopes of one tenant a caller may see: all (a tenant-wide role), only
 * those of their scope-level roles, or nothing (no role in the tenant).
 * `null` = all; `[]` never occurs (that is 'none').
 */
export type VisibleCloudScopes = string[] | null | 'none';

export function visibleCloudScopes(memberships: readonly Membership[], tenantId: string): VisibleCloudScopes {
  const mine = memberships.filter((m) => m.tenantId === tenantId);
  if (mine.length === 0) return 'none';
  if (mine.some((m) => m.cloudScopeId === null)) return null;
  return [...new Set(mine.map((m) => m.cloudScopeId as string))];
}

export interface TargetLocation {
  tenantId: string;
  cloudScopeId: string | null;
}

/**
 * The two deliberate cross-tenant reads (SECURITY DEFINER functions in SQL):
 * a user's own memberships, and which tenant an object id belongs to. Both return
 * identifiers only; every data read happens later inside a tenant transaction.
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
   * when it made one, else a per-request loader. Fields of Tenant are reached through
   * `tenants` and `me` too, whose grant names no tenant, so they decide visibility here.
   */
  requestMemberships(req: object & { memberships?: Membership[] }, userId: string): Promise<Membership[]> {
    if (req.memberships) return Promise.resolve(req.memberships);
    return loaderFor<string, Membership[]>(req, 'authz:memberships', (users) => Promise.all(users.map((u) => this.memberships(u)))).load(userId);
  }

  async visibleCloudScopesIn(req: object & { memberships?: Membership[] }, userId: string, tenantId: string): Promise<VisibleCloudScopes> {
    return visibleCloudScopes(await this.requestMemberships(req, userId), tenantId);
  }

  async locate(kind: LocatableKind, id: string): Promise<TargetLocation | null> {
    const rows = await this.prisma.$queryRaw<TargetLocation[]>`SELECT * FROM rampart_locate(${kind}, ${id}::uuid)`;
    return rows[0] ?? null;
  }
}
