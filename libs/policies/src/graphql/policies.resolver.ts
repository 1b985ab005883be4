import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { type AccessGrant, AccessService, type AuthenticatedUser, type Caller, CallerOf, CurrentUser, Grant } from '@rampart/platform';
import { PoliciesService } from '../policies.service';
import {
  CreatePolicyInput,
  Policy,
  PolicyRevisionConnection,
  RuleDefinition,
  UpdatePolicyInput,
} from './policies.models';

@Resolver(() => Policy)
export class PoliciesResolver {
  constructor(
    private readonly policies: PoliciesService,
    private readonly access: AccessService,
  ) {}

  @Query(() => [RuleDefinition], { description: 'The built-in misconfiguration rules, with their parameter schemas and defaults.' })
  ruleCatalog(): RuleDefinition[] {
    return this.policies.ruleCatalog() as RuleDefinition[];
  }

  @Query(() => Policy, { description: 'One policy.' })
  policy(@Args('id', { type: () => ID, description: 'Policy id.' }) id: string, @Grant() grant: AccessGrant): Promise<Policy> {
    return this.policies.policy(grant.visibility, id) as Promise<Policy>;
  }

  @ResolveField(() => PolicyRevisionConnection, {
    description: 'Every change to the policy, newest first (for a role limited to cloud scopes, recorded scopes cut down to those scopes, null when outside them).',
  })
  async revisions(
    @Parent() policy: Policy,
    @CurrentUser() user: AuthenticatedUser,
    @Context('req') req: object,
    @Args('first', { type: () => Int, nullable: true, description: 'Page size, 1–100 (default 20).' }) first?: number,
    @Args('after', { nullable: true, description: 'Cursor of the last edge of the previous page.' }) after?: string,
  ) {
    return this.policies.revisions(req, await this.access.visibility(req, user.id, policy.tenantId), policy.id, first, after);
  }

  @Mutation(() => Policy, { description: 'Creates a policy; the rules it lists are set, every other rule is off.' })
  createPolicy(@Args('input', { description: 'The new policy.' }) input: CreatePolicyInput, @Grant() grant: AccessGrant, @CallerOf() caller: Caller): Promise<Policy> {
    return this.policies.createPolicy(caller, grant.tenantId, input) as Promise<Policy>;
  }

  @Mutation(() => Policy, {
    description: 'Changes a policy if it is still at expectedVersion (else CONFLICT); the default policy’s name, description and scope are fixed.',
  })
  updatePolicy(@Args('input', { description: 'The change; omitted fields stay as they are.' }) input: UpdatePolicyInput, @Grant() grant: AccessGrant, @CallerOf() caller: Caller): Promise<Policy> {
    return this.policies.updatePolicy(caller, grant.tenantId, input) as Promise<Policy>;
  }

  @Mutation(() => Policy, { description: 'Deletes a policy (its history stays; its name becomes free); the default policy cannot be deleted.' })
  deletePolicy(@Args('id', { type: () => ID, description: 'Policy id.' }) id: string, @Grant() grant: AccessGrant, @CallerOf() caller: Caller): Promise<Policy> {
    return this.policies.deletePolicy(caller, grant.tenantId, id) as Promise<Policy>;
  }
}
