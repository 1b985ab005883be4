import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { type AccessGrant, AccessService, type AuthenticatedUser, type Caller, CallerOf, CurrentUser, Grant, notFoundError } from '@rampart/platform';
import { ClusterService } from '../cluster.service';
import { enforceabilityOf } from '../enforceability';
import { InventoryRequestContext } from './inventory-request';
import {
  CloudScope,
  Cluster,
  NamespaceConnection,
  RegisterClusterInput,
  RegisterClusterPayload,
  RotateClusterCredentialPayload,
  UpdateClusterInput,
} from './inventory.models';

@Resolver(() => Cluster)
export class ClusterResolver {
  constructor(
    private readonly clusters: ClusterService,
    private readonly request: InventoryRequestContext,
    private readonly access: AccessService,
  ) {}

  @Query(() => Cluster, { description: 'One registered cluster.' })
  cluster(@Args('id', { type: () => ID, description: 'Cluster id.' }) id: string, @Grant() grant: AccessGrant): Promise<Cluster> {
    return this.clusters.cluster(grant.tenantId, id) as Promise<Cluster>;
  }

  @Mutation(() => RegisterClusterPayload, { description: 'Registers a cluster in an onboarded cloud scope and issues its sensor token (shown only in this answer).' })
  registerCluster(@Args('input', { description: 'The cluster to register.' }) input: RegisterClusterInput, @Grant() grant: AccessGrant, @CallerOf() caller: Caller): Promise<RegisterClusterPayload> {
    return this.clusters.register(caller, grant.tenantId, input) as Promise<RegisterClusterPayload>;
  }

  @Mutation(() => Cluster, {
    description:
      'Records a cluster’s upgrade (Kubernetes or sensor version, policies enabled, name) without re-registering: same id, history and sensor token; enforceability is re-evaluated and its bundle recompiled.',
  })
  updateCluster(@Args('input', { description: 'The cluster’s new state.' }) input: UpdateClusterInput, @Grant() grant: AccessGrant, @CallerOf() caller: Caller): Promise<Cluster> {
    return this.clusters.update(caller, grant.tenantId, input) as Promise<Cluster>;
  }

  @Mutation(() => RotateClusterCredentialPayload, { description: 'Issues a new sensor token for a cluster; the old one stops working at once.' })
  rotateClusterCredential(
    @Args('clusterId', { type: () => ID, description: 'Cluster id.' }) clusterId: string,
    @Grant() grant: AccessGrant,
    @CallerOf() caller: Caller,
  ): Promise<RotateClusterCredentialPayload> {
    return this.clusters.rotateCredential(caller, grant.tenantId, clusterId) as Promise<RotateClusterCredentialPayload>;
  }

  @Mutation(() => Cluster, { description: 'Deregisters a cluster: its sensor token stops working; its history is kept.' })
  deregisterCluster(@Args('id', { type: () => ID, description: 'Cluster id.' }) id: string, @Grant() grant: AccessGrant, @CallerOf() caller: Caller): Promise<Cluster> {
    return this.clusters.deregister(caller, grant.tenantId, id) as Promise<Cluster>;
  }

  @ResolveField(() => CloudScope, { description: 'The cloud scope the cluster belongs to.' })
  async cloudScope(@Parent() cluster: Cluster, @CurrentUser() user: AuthenticatedUser, @Context('req') req: object): Promise<CloudScope> {
    // Every path to a cluster already filtered it; asked again so this field stays safe wherever a Cluster appears.
    const visibility = await this.access.visibility(req, user.id, cluster.tenantId);
    const scope = visibility.seesCloudScope(cluster.cloudScopeId) ? await this.request.cloudScopeLoader(req, cluster.tenantId).load(cluster.cloudScopeId) : null;
    if (!scope) throw notFoundError('CloudScope');
    return scope as CloudScope;
  }

  @ResolveField(() => Boolean, { description: 'Whether the cluster can enforce its bundle; notEnforceableReasons says why not.' })
  async enforceable(@Parent() cluster: Cluster, @Context('req') req: object): Promise<boolean> {
    return (await this.enforceability(cluster, req)).enforceable;
  }

  @ResolveField(() => [String], { description: 'One sentence per unmet prerequisite of enforcement; empty when enforceable.' })
  async notEnforceableReasons(@Parent() cluster: Cluster, @Context('req') req: object): Promise<string[]> {
    return (await this.enforceability(cluster, req)).reasons;
  }

  @ResolveField(() => NamespaceConnection, { description: 'Namespaces reported by the sensor, by name.' })
  namespaces(
    @Parent() cluster: Cluster,
    @Context('req') req: object,
    @Args('first', { type: () => Int, nullable: true, description: 'Page size, 1–100 (default 20).' }) first?: number,
    @Args('after', { nullable: true, description: 'Cursor of the last edge of the previous page.' }) after?: string,
  ) {
    return this.clusters.namespaces(req, cluster.tenantId, cluster.id, { first, after });
  }

  private async enforceability(cluster: Cluster, req: object) {
    const scope = await this.request.cloudScopeLoader(req, cluster.tenantId).load(cluster.cloudScopeId);
    return enforceabilityOf({
      kubernetesVersion: cluster.kubernetesVersion,
      sensorVersion: cluster.sensorVersion,
      misconfigurationPoliciesEnabled: cluster.misconfigurationPoliciesEnabled,
      planEnabled: scope?.planEnabled ?? false,
      cloudScopeName: scope?.displayName ?? cluster.cloudScopeId,
    });
  }
}
