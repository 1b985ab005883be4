import { Args, Context, Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { AccessService, type AuthenticatedUser, CurrentUser } from '@rampart/platform';
import { Tenant } from '@rampart/tenancy';
import { PoliciesService } from '../policies.service';
import { PolicyConnection } from './policies.models';

/** Adds `policies` to the tenancy context's Tenant type, so tenancy need not know about policies. */
@Resolver(() => Tenant)
export class TenantPoliciesResolver {
  constructor(
    private readonly service: PoliciesService,
    private readonly access: AccessService,
  ) {}

  @ResolveField(() => PolicyConnection, {
    description:
      'The tenant’s policies, oldest first (for a role limited to cloud scopes: those that can apply there, each scope cut down to those scopes).',
  })
  async policies(
    @Parent() tenant: Tenant,
    @CurrentUser() user: AuthenticatedUser,
    @Context('req') req: object,
    @Args('first', { type: () => Int, nullable: true, description: 'Page size, 1–100 (default 20).' }) first?: number,
    @Args('after', { nullable: true, description: 'Cursor of the last edge of the previous page.' }) after?: string,
  ) {
    return this.service.policiesVisibleTo(await this.access.visibility(req, user.id, tenant.id), first, after);
  }
}
