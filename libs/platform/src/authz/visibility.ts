import type { Role } from '../db/generated/prisma/enums';
import { ROLE_RANK } from './roles';

/** One role assignment of the caller, as authorization needs it. */
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
 * Where an object lives, for authorization:
 * - `null`: tenant-level (the tenant's own data, a tenant-wide role assignment);
 * - `[]`: everywhere in the tenant (a global policy);
 * - a list: the cloud scopes it belongs to (a cloud scope, a cluster's scope, a scoped
 *   role assignment) or, for a policy, the cloud scopes where it can apply.
 */
export type CloudScopeReach = string[] | null;

export interface TargetLocation {
  tenantId: string;
  cloudScopeIds: CloudScopeReach;
  /** Policies are tenant-wide objects: changing one needs a tenant-wide role even when it reaches only your scopes. */
  tenantLevelWrite?: boolean;
}

export interface PolicyScopeLike {
  cloudScopeIds: string[];
  clusterIds: string[];
  namespaces: string[];
}

/** The cloud scope of each cluster a policy names (deregistered ones included). */
export type ClusterScopes = ReadonlyMap<string, string>;

/**
 * Where a policy can apply: everywhere (`[]`) when it names no cloud scope and no
 * cluster; else the named cloud scopes (all when none) that hold a named cluster (any
 * when none); `null` when that is nowhere.
 */
export function policyReach(scope: Pick<PolicyScopeLike, 'cloudScopeIds' | 'clusterIds'>, clusterScopes: ClusterScopes): CloudScopeReach {
  if (scope.cloudScopeIds.length === 0 && scope.clusterIds.length === 0) return [];
  let reach: string[] | undefined = scope.cloudScopeIds.length > 0 ? [...new Set(scope.cloudScopeIds)] : undefined;
  if (scope.clusterIds.length > 0) {
    const ofClusters = new Set(scope.clusterIds.map((id) => clusterScopes.get(id)).filter((s): s is string => s !== undefined));
    reach = reach ? reach.filter((s) => ofClusters.has(s)) : [...ofClusters];
  }
  return reach && reach.length > 0 ? reach.sort() : null;
}

/**
 * What one caller may see of one tenant — THE visibility rule, used by the
 * authorization guard for root fields and by every nested field and service:
 *
 * - no role in the tenant: nothing (the tenant and all in it are NOT_FOUND);
 * - a tenant-wide role: everything;
 * - roles limited to cloud scopes: the tenant itself (with every child filtered), its
 *   cloud scopes, clusters and role assignments in those scopes, and the policies that
 *   can apply there — global ones and those reaching one of its scopes — with their
 *   scope cut down to its own cloud scopes and clusters. Nothing else: no tenant-level
 *   data (change log, tenant-wide assignments), nothing that reaches only other scopes,
 *   no id of another scope or of a cluster in one.
 */
export class Visibility {
  private readonly scoped: ReadonlySet<string>;
  private readonly tenantWideRole: Role | null;

  private constructor(
    readonly tenantId: string,
    private readonly mine: readonly Membership[],
  ) {
    this.tenantWideRole = strongest(mine.filter((m) => m.cloudScopeId === null).map((m) => m.role));
    this.scoped = new Set(mine.filter((m) => m.cloudScopeId !== null).map((m) => m.cloudScopeId as string));
  }

  static of(memberships: readonly Membership[], tenantId: string): Visibility {
    return new Visibility(tenantId, memberships.filter((m) => m.tenantId === tenantId));
  }

  /** Whether the caller holds any role in the tenant. */
  get member(): boolean {
    return this.mine.length > 0;
  }

  get tenantWide(): boolean {
    return this.tenantWideRole !== null;
  }

  /** For queries: `null` = every cloud scope; else the caller's cloud scopes (`[]` for a non-member). */
  get cloudScopeIds(): string[] | null {
    return this.tenantWide ? null : [...this.scoped].sort();
  }

  seesCloudScope(id: string): boolean {
    return this.tenantWide || this.scoped.has(id);
  }

  sees(reach: CloudScopeReach): boolean {
    if (this.tenantWide) return true;
    if (!this.member || reach === null) return false;
    return reach.length === 0 || reach.some((s) => this.scoped.has(s));
  }

  /** The strongest role among the caller's roles that see the object (for reading it). */
  readRole(reach: CloudScopeReach): Role | null {
    if (!this.sees(reach)) return null;
    const scoped = this.mine.filter((m) => m.cloudScopeId !== null && (reach?.length === 0 || reach?.includes(m.cloudScopeId))).map((m) => m.role);
    return strongest([...(this.tenantWideRole ? [this.tenantWideRole] : []), ...scoped]);
  }

  /** The strongest role that covers the whole object (for changing it): tenant-wide, or a role on its one cloud scope. */
  writeRole(target: Pick<TargetLocation, 'cloudScopeIds' | 'tenantLevelWrite'>): Role | null {
    const roles = this.tenantWideRole ? [this.tenantWideRole] : [];
    const reach = target.cloudScopeIds;
    if (!target.tenantLevelWrite && reach?.length === 1) {
      roles.push(...this.mine.filter((m) => m.cloudScopeId === reach[0]).map((m) => m.role));
    }
    return strongest(roles);
  }

  /**
   * A policy's scope as this caller may see it, or `null` when the policy does not
   * exist for them. The cut scope keeps the policy's meaning inside the caller's scopes:
   * it applies to exactly the same clusters there.
   */
  policyScope<S extends PolicyScopeLike>(scope: S, clusterScopes: ClusterScopes): S | null {
    if (this.tenantWide) return scope;
    const reach = policyReach(scope, clusterScopes);
    if (!this.sees(reach)) return null;
    const visibleReach = new Set(reach!.length === 0 ? this.scoped : reach!.filter((s) => this.scoped.has(s)));
    return {
      ...scope,
      cloudScopeIds: scope.cloudScopeIds.filter((s) => visibleReach.has(s)),
      clusterIds: scope.clusterIds.filter((c) => visibleReach.has(clusterScopes.get(c) ?? '')),
    };
  }
}

function strongest(roles: Role[]): Role | null {
  return roles.reduce<Role | null>((best, r) => (best === null || ROLE_RANK[r] > ROLE_RANK[best] ? r : best), null);
}
