import { AppError } from '../errors/app-error';
import type { Role } from '../db/generated/prisma/enums';
import { ROLE_RANK, roleAtLeast } from './roles';
import type { Membership, TargetLocation } from './access.service';

export interface AccessGrant {
  tenantId: string;
  /** The strongest role that covers the target. */
  role: Role;
  /** Set when the grant comes only from a scope-level assignment. */
  limitedToCloudScopeId: string | null;
}

/**
 * The whole authorization rule, pure:
 * - no role in the target's tenant → NOT_FOUND (another tenant's objects do not exist for you);
 * - a tenant-wide assignment covers everything in the tenant; a scope-level one covers
 *   only objects of that cloud scope. No covering assignment → NOT_FOUND for an object,
 *   FORBIDDEN for the tenant itself (you know it exists, you may not act on all of it);
 * - a covering role below the minimum → FORBIDDEN.
 */
export function decideAccess(
  memberships: Membership[],
  target: TargetLocation & { isObject: boolean },
  minRole: Role,
): AccessGrant {
  const inTenant = memberships.filter((m) => m.tenantId === target.tenantId);
  if (inTenant.length === 0) throw AppError.notFound(target.isObject ? 'Object' : 'Tenant');
  const covering = inTenant.filter(
    (m) => m.cloudScopeId === null || (target.cloudScopeId !== null && m.cloudScopeId === target.cloudScopeId),
  );
  if (covering.length === 0) {
    throw target.isObject ? AppError.notFound('Object') : AppError.forbidden('Your role is limited to a cloud scope; this operation needs a tenant-wide role');
  }
  const best = covering.reduce((a, b) => (ROLE_RANK[b.role] > ROLE_RANK[a.role] ? b : a));
  if (!roleAtLeast(best.role, minRole)) throw AppError.forbidden(`This operation needs the ${minRole} role or higher`);
  const tenantWide = covering.some((m) => m.cloudScopeId === null && roleAtLeast(m.role, minRole));
  return { tenantId: target.tenantId, role: best.role, limitedToCloudScopeId: tenantWide ? null : best.cloudScopeId };
}
