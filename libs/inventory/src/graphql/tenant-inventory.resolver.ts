import { Args, Context, ID, Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { AccessService, type AuthenticatedUser, AppError, type Connection, CurrentUser } from '@rampart/platform';
import { Tenant } from '@rampart/tenancy';
import { CloudScopeService } from '../cloud-scope.service';
import { ClusterService } from '../cluster.service';
import { CloudScopeConnection, ClusterConnection } from './inventory.models';

const EMPTY: Connection<never> = { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } };

/** The inventory's fields of Tenant (the child context extends the parent type; tenancy knows nothing of it). */
@Resolver(() => Tenant)
export class TenantInventoryResolver {
  constructor(
    private readonly scopes: CloudScopeService,
    private readonly clusterService: ClusterService,
    private readonly access: AccessService,
  ) {}

  @ResolveField(() => CloudScopeConnection, { description: 'Onboarded cloud scopes, oldest first (only those of the caller’s scopes for a scope-level role).' })
  async cloudScopes(
    @Parent() tenant: Tenant,
    @CurrentUser() user: AuthenticatedUser | undefined,
    @Context('req') req: object,
    @Args('first', { type: () => Int, nullable: true, description: 'Page size, 1–100 (default 20).' }) first?: number,
    @Args('after', { nullable: true, description: 'Cursor of the last edge of the previous page.' }) after?: string,
    @Args('includeOffboarded', { nullable: true, defaultValue: false, description: 'Include offboarded cloud scopes.' }) includeOffboarded?: boolean,
  ) {
    if (!user) throw AppError.unauthenticated();
    const visibility = await this.access.visibility(req, user.id, tenant.id);
    if (!visibility.member) return EMPTY;
    return this.scopes.page(tenant.id, visibility.cloudScopeIds, { first, after, includeOffboarded });
  }

  @ResolveField(() => ClusterConnection, { description: 'Registered clusters, oldest first (only those of the caller’s scopes for a scope-level role).' })
  async clusters(
    @Parent() tenant: Tenant,
    @CurrentUser() user: AuthenticatedUser | undefined,
    @Context('req') req: object,
    @Args('first', { type: () => Int, nullable: true, description: 'Page size, 1–100 (default 20).' }) first?: number,
    @Args('after', { nullable: true, description: 'Cursor of the last edge of the previous page.' }) after?: string,
    @Args('cloudScopeId', { type: () => ID, nullable: true, description: 'Only clusters of this cloud scope.' }) cloudScopeId?: string,
    @Args('includeDeregistered', { nullable: true, defaultValue: false, description: 'Include deregistered clusters.' }) includeDeregistered?: boolean,
  ) {
    if (!user) throw AppError.unauthenticated();
    const visibility = await this.access.visibility(req, user.id, tenant.id);
    if (!visibility.member) return EMPTY;
    return this.clusterService.page(tenant.id, visibility.cloudScopeIds, { first, after, cloudScopeId, includeDeregistered });
  }
}
