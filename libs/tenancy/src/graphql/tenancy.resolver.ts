import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import {
  type AccessGrant,
  AccessService,
  AppError,
  type AuthenticatedUser,
  type Caller,
  CallerOf,
  CurrentUser,
  Grant,
} from '@rampart/platform';
import { TenancyService } from '../tenancy.service';
import {
  AssignRoleInput,
  AssignRolePayload,
  AuditLogConnection,
  Invitation,
  InvitationConnection,
  CreateTenantInput,
  Me,
  RoleAssignment,
  Tenant,
} from './tenancy.models';

@Resolver(() => Tenant)
export class TenancyResolver {
  constructor(
    private readonly tenancy: TenancyService,
    private readonly access: AccessService,
  ) {}

  @Query(() => Me, { description: 'The caller, with every role they hold.' })
  async me(@CurrentUser() user: AuthenticatedUser, @Context('req') req: object): Promise<Me> {
    // The request's copy (the authorization guard's, or one read for all aliases): one query per request, not per alias.
    const memberships = await this.access.requestMemberships(req, user.id);
    return {
      user: { id: user.id, email: user.email, emailVerified: user.emailVerified, name: user.name },
      roleAssignments: memberships.map((m) => ({
        assignmentId: m.assignmentId,
        tenant: { id: m.tenantId, name: m.tenantName, createdAt: m.tenantCreatedAt },
        role: m.role as never,
        cloudScopeId: m.cloudScopeId,
      })),
    };
  }

  @Query(() => [Tenant], { description: 'Tenants where the caller holds any role.' })
  async tenants(@CurrentUser() user: AuthenticatedUser, @Context('req') req: object): Promise<Tenant[]> {
    return this.tenancy.tenantsOf(user.id, await this.access.requestMemberships(req, user.id));
  }

  @Query(() => Tenant, { description: 'One tenant (for a role limited to cloud scopes: with every child filtered to those scopes).' })
  tenant(@Args('id', { type: () => ID, description: 'Tenant id.' }) _id: string, @Grant() grant: AccessGrant): Promise<Tenant> {
    return this.tenancy.tenant(grant.tenantId);
  }

  @ResolveField(() => [RoleAssignment], { description: 'Role assignments (only those of the caller’s cloud scopes for a scope-level role).' })
  async roleAssignments(@Parent() tenant: Tenant, @CurrentUser() user: AuthenticatedUser, @Context('req') req: object): Promise<RoleAssignment[]> {
    return this.tenancy.roleAssignmentsVisibleTo(await this.access.visibility(req, user.id, tenant.id)) as Promise<RoleAssignment[]>;
  }

  @ResolveField(() => InvitationConnection, {
    nullable: true,
    description: 'Invitations, oldest first: pending ones unless includeClosed (OWNER only; anyone else gets FORBIDDEN here).',
  })
  async invitations(
    @Parent() tenant: Tenant,
    @CurrentUser() user: AuthenticatedUser,
    @Context('req') req: object,
    @Args('first', { type: () => Int, nullable: true, description: 'Page size, 1–100 (default 20).' }) first?: number,
    @Args('after', { nullable: true, description: 'Cursor of the last edge of the previous page.' }) after?: string,
    @Args('includeClosed', { nullable: true, defaultValue: false, description: 'Include accepted, revoked and expired invitations.' })
    includeClosed?: boolean,
  ) {
    // Tenant is reachable by readers (tenant, tenants): invitations name people not yet in the tenant, so OWNER only.
    const memberships = await this.access.requestMemberships(req, user.id);
    if (!memberships.some((m) => m.tenantId === tenant.id && m.role === 'OWNER' && m.cloudScopeId === null)) {
      throw AppError.forbidden('Only an OWNER of the tenant sees its invitations');
    }
    return this.tenancy.invitations(tenant.id, { first, after, includeClosed });
  }

  @Query(() => AuditLogConnection, { description: 'The tenant’s change log, newest first.' })
  auditLog(
    @Args('tenantId', { type: () => ID, description: 'Tenant id.' }) _tenantId: string,
    @Grant() grant: AccessGrant,
    @Args('first', { type: () => Int, nullable: true, description: 'Page size, 1–100 (default 20).' }) first?: number,
    @Args('after', { nullable: true, description: 'Cursor of the last edge of the previous page.' }) after?: string,
  ) {
    return this.tenancy.auditLog(grant.tenantId, first, after);
  }

  @Mutation(() => Tenant, { description: 'Creates a tenant; the caller becomes its OWNER.' })
  createTenant(@Args('input', { description: 'The new tenant.' }) input: CreateTenantInput, @CallerOf() caller: Caller): Promise<Tenant> {
    return this.tenancy.createTenant(caller, input.name);
  }

  @Mutation(() => AssignRolePayload, {
    description:
      'Grants a role, tenant-wide or on one cloud scope (OWNER only), to the user holding the e-mail verified; when nobody does yet, invites the e-mail instead.',
  })
  assignRole(@Args('input', { description: 'Who gets which role where.' }) input: AssignRoleInput, @Grant() grant: AccessGrant, @CallerOf() caller: Caller): Promise<AssignRolePayload> {
    return this.tenancy.assignRole(caller, grant.tenantId, input) as Promise<AssignRolePayload>;
  }

  @Mutation(() => Invitation, { description: 'Withdraws a pending invitation (OWNER only); an accepted one is a role assignment now (revokeRole).' })
  revokeInvitation(@Args('id', { type: () => ID, description: 'Invitation id.' }) id: string, @Grant() grant: AccessGrant, @CallerOf() caller: Caller): Promise<Invitation> {
    return this.tenancy.revokeInvitation(caller, grant.tenantId, id) as Promise<Invitation>;
  }

  @Mutation(() => RoleAssignment, { description: 'Removes a role assignment (OWNER only); the last OWNER cannot be removed.' })
  revokeRole(@Args('id', { type: () => ID, description: 'Assignment id.' }) id: string, @Grant() grant: AccessGrant, @CallerOf() caller: Caller): Promise<RoleAssignment> {
    return this.tenancy.revokeRole(caller, grant.tenantId, id) as Promise<RoleAssignment>;
  }
}
