import { AppError } from '../errors/app-error';
import type { Role } from '../db/generated/prisma/enums';
import { roleAtLeast } from './roles';
import { type Membership, type TargetLocation, Visibility } from './visibility';

export interface AccessGrant {
  tenantId: string;
  /** The strongest role the caller holds over the target. */
  role: Role;
  /** What the caller may see of the target's tenant: resolvers filter with it, never by hand. */
  visibility: Visibility;
}

export interface AccessRequest {
  /**
   * The target: the tenant itself (`Tenant`) or an object. `notFound` is the one error
   * for every object the caller may not see — missing, deleted, another tenant's,
   * outside the caller's scopes — so none of these can be told apart.
   */
  target: TargetLocation & { kind: 'Tenant' | 'Object'; notFound: AppError };
  minRole: Role;
  /** Queries read (seeing is enough); mutations change (the role must cover the whole target). */
  mode: 'read' | 'write';
  /** `tenant(id)`: a scope-limited role sees the tenant with every child filtered to its scopes. */
  tenantSeenFiltered?: boolean;
}

/**
 * The whole authorization rule, pure (the visibility itself is Visibility's):
 * - no role in the target's tenant, or an object the caller does not see → the target's NOT_FOUND;
 * - the tenant itself: a member sees it (tenant-level data needs a tenant-wide role → FORBIDDEN);
 * - a visible target without a role covering it (a scope-limited role on a tenant-level
 *   operation or a policy change) or with too weak a role → FORBIDDEN.
 */
export function decideAccess(memberships: readonly Membership[], request: AccessRequest): AccessGrant {
  const { target, minRole, mode } = request;
  const visibility = Visibility.of(memberships, target.tenantId);
  if (!visibility.member) throw target.notFound;
  const reach = target.kind === 'Tenant' && request.tenantSeenFiltered && mode === 'read' ? [] : target.cloudScopeIds;
  if (target.kind === 'Object' && !visibility.sees(reach)) throw target.notFound;
  const role = mode === 'read' ? visibility.readRole(reach) : visibility.writeRole({ ...target, cloudScopeIds: reach });
  if (role === null) throw AppError.forbidden('Your role is limited to a cloud scope; this operation needs a tenant-wide role');
  if (!roleAtLeast(role, minRole)) throw AppError.forbidden(`This operation needs the ${minRole} role or higher`);
  return { tenantId: target.tenantId, role, visibility };
}
