import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { type AccessGrant, Grant } from '@rampart/platform';
import { EnforcementService } from '../enforcement.service';
import { ClusterBundle, EffectivePolicy, ManifestEvaluationResult, ManifestOperationEnum } from './enforcement.models';

@Resolver()
export class EnforcementResolver {
  constructor(private readonly enforcement: EnforcementService) {}

  @Query(() => EffectivePolicy, { description: 'Which policies and rules apply in a namespace of a cluster, with parameters and reasons.' })
  async effectivePolicy(
    @Args('clusterId', { type: () => ID, description: 'The cluster.' }) clusterId: string,
    @Args('namespace', { description: 'The namespace (a DNS-1123 label).' }) namespace: string,
    @Grant() grant: AccessGrant,
  ): Promise<EffectivePolicy> {
    const e = await this.enforcement.explain(grant.visibility, clusterId, namespace);
    const application = (p: (typeof e.applied)[number]) => ({
      ...p,
      action: p.action as never,
      rules: p.rules.map((r) => ({ ruleId: r.id, parameters: r.parameters })),
    });
    return {
      clusterId: e.clusterId,
      cloudScopeId: e.cloudScopeId,
      namespace: e.namespace,
      systemNamespace: e.systemNamespace,
      appliedPolicies: e.applied.map(application),
      notAppliedPolicies: e.notApplied.map(application),
      rules: e.rules.map((r) => ({ ...r, action: r.action as never, policies: r.policies.map((p) => ({ ...p, action: p.action as never })) })),
      canDeny: e.verdict.canDeny,
      enforceable: e.verdict.enforceable,
      notEnforceableReasons: e.verdict.notEnforceableReasons,
      blockingPolicyIds: e.verdict.blockingPolicyIds,
      auditingPolicyIds: e.verdict.auditingPolicyIds,
      summary: e.verdict.summary,
    };
  }

  @Query(() => ManifestEvaluationResult, {
    description: 'Dry run: evaluates YAML or JSON manifests (one or more documents, ≤ 1 MiB) against the effective policy, without deploying.',
  })
  evaluateManifest(
    @Args('clusterId', { type: () => ID, description: 'The cluster.' }) clusterId: string,
    @Args('namespace', { description: 'Namespace for documents that do not name one.' }) namespace: string,
    @Args('manifest', { description: 'YAML or JSON text; several documents separated by ---.' }) manifest: string,
    @Grant() grant: AccessGrant,
    @Args('operation', {
      type: () => ManifestOperationEnum,
      nullable: true,
      defaultValue: ManifestOperationEnum.CREATE,
      description: 'CREATE (default) or UPDATE; UPDATE needs oldManifest.',
    })
    operation?: ManifestOperationEnum | null,
    @Args('oldManifest', {
      type: () => String,
      nullable: true,
      description: 'For UPDATE: the objects being replaced, YAML or JSON, one document per document of manifest, in the same order, same kind and name.',
    })
    oldManifest?: string | null,
  ): Promise<ManifestEvaluationResult> {
    return this.enforcement.evaluate(grant.visibility, clusterId, namespace, manifest, operation ?? 'CREATE', oldManifest) as Promise<ManifestEvaluationResult>;
  }

  @Query(() => ClusterBundle, { description: 'The cluster’s current policy bundle.' })
  async clusterBundle(
    @Args('clusterId', { type: () => ID, description: 'The cluster.' }) clusterId: string,
    @Grant() grant: AccessGrant,
  ): Promise<ClusterBundle> {
    const bundle = await this.enforcement.bundle(grant.visibility, clusterId);
    return { version: bundle.version, etag: bundle.etag, content: bundle };
  }
}
