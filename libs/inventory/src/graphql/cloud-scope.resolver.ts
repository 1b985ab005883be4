import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { type AccessGrant, type Caller, CallerOf, Grant } from '@rampart/platform';
import { CloudScopeService } from '../cloud-scope.service';
import { CloudScope, OnboardCloudScopeInput, RenameCloudScopeInput } from './inventory.models';

@Resolver(() => CloudScope)
export class CloudScopeResolver {
  constructor(private readonly scopes: CloudScopeService) {}

  @Mutation(() => CloudScope, {
    description: 'Onboards a subscription, account or project (commercial clouds only) and enables the plan on it; the tenant’s first onboarding creates its default policy.',
  })
  onboardCloudScope(@Args('input', { description: 'The cloud scope to onboard.' }) input: OnboardCloudScopeInput, @Grant() grant: AccessGrant, @CallerOf() caller: Caller): Promise<CloudScope> {
    return this.scopes.onboard(caller, grant.tenantId, input) as Promise<CloudScope>;
  }

  @Mutation(() => CloudScope, { description: 'Changes the display name of an onboarded cloud scope.' })
  renameCloudScope(@Args('input', { description: 'The scope and its new name.' }) input: RenameCloudScopeInput, @Grant() grant: AccessGrant, @CallerOf() caller: Caller): Promise<CloudScope> {
    return this.scopes.rename(caller, grant.tenantId, input) as Promise<CloudScope>;
  }

  @Mutation(() => CloudScope, { description: 'Offboards a cloud scope with no registered clusters left; its history is kept.' })
  offboardCloudScope(@Args('id', { type: () => ID, description: 'Cloud scope id.' }) id: string, @Grant() grant: AccessGrant, @CallerOf() caller: Caller): Promise<CloudScope> {
    return this.scopes.offboard(caller, grant.tenantId, id) as Promise<CloudScope>;
  }
}
