import { Injectable } from '@nestjs/common';
import type { BundleCluster, BundlePolicy, EffectivePolicyExplanation, PolicyBundle } from '@rampart/bundle';
import { AppError, PrismaService, type Visibility, notFoundError } from '@rampart/platform';
import { EnforcementCompute } from './compute/enforcement-compute.service';
import type { ManifestEvaluation, ManifestOperation } from './compute/enforcement-tasks';
import { EnforcementRepository } from './enforcement.repository';

export type { DocumentResult, ManifestEvaluation, ManifestOperation } from './compute/enforcement-tasks';

export const MAX_MANIFEST_BYTES = 1024 * 1024;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function withinSize(text: string, field: 'manifest' | 'oldManifest'): void {
  if (Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) throw AppError.badInput(field, `is larger than ${MAX_MANIFEST_BYTES} bytes (1 MiB)`);
}

function validNamespace(namespace: string, field: string): string {
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw AppError.badInput(field, 'must be a Kubernetes namespace name (a DNS-1123 label: lowercase letters, digits and -, at most 63)');
  }
  return namespace;
}

/**
 * The three read-only views over a cluster's policies: explain, dry-run, bundle. This
 * thread only reads the database and checks cheap bounds; the computing runs on the
 * compute pool's threads.
 */
@Injectable()
export class EnforcementService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly repo: EnforcementRepository,
    private readonly compute: EnforcementCompute,
  ) {}

  /**
   * The cluster and the policies as the caller may see them (Visibility): for a role
   * limited to cloud scopes, a policy that cannot apply there is left out and the others
   * have their scope cut down to those scopes. On a cluster the caller sees, exactly the
   * same policies apply, for the same reasons — only what names other scopes is gone.
   */
  private async load(visibility: Visibility, clusterId: string): Promise<{ cluster: BundleCluster; policies: BundlePolicy[] }> {
    return this.prisma.withTenant(visibility.tenantId, async (tx) => {
      const cluster = await this.repo.liveCluster(tx, clusterId);
      if (!cluster || !visibility.seesCloudScope(cluster.cloudScopeId)) throw notFoundError('Cluster', 'clusterId');
      const all = await this.repo.livePolicies(tx);
      if (visibility.tenantWide) return { cluster, policies: all };
      const clusterScopes = await this.repo.clusterScopes(tx, all.flatMap((p) => p.scope.clusterIds));
      const policies = all.flatMap((policy) => {
        const scope = visibility.policyScope(policy.scope, clusterScopes);
        return scope ? [{ ...policy, scope }] : [];
      });
      return { cluster, policies };
    });
  }

  async explain(visibility: Visibility, clusterId: string, namespace: string): Promise<EffectivePolicyExplanation> {
    validNamespace(namespace, 'namespace');
    const { cluster, policies } = await this.load(visibility, clusterId);
    return this.compute.explainEffectivePolicy({ policies, cluster, namespace });
  }

  async evaluate(
    visibility: Visibility,
    clusterId: string,
    namespace: string,
    manifest: string,
    operation: ManifestOperation = 'CREATE',
    oldManifest?: string | null,
  ): Promise<ManifestEvaluation> {
    validNamespace(namespace, 'namespace');
    withinSize(manifest, 'manifest');
    if (operation === 'UPDATE') {
      if (oldManifest === undefined || oldManifest === null) throw AppError.badInput('oldManifest', 'is required when operation is UPDATE');
      withinSize(oldManifest, 'oldManifest');
    } else if (oldManifest !== undefined && oldManifest !== null) {
      throw AppError.badInput('oldManifest', 'is only read when operation is UPDATE');
    }
    const { cluster, policies } = await this.load(visibility, clusterId);
    const outcome = await this.compute.evaluateManifest({ policies, cluster, namespace, manifest, operation, oldManifest });
    if (!outcome.ok) {
      const { field, line, column, message } = outcome.problem;
      if (line === undefined || column === undefined) throw AppError.badInput(field, message);
      throw AppError.badInput(field, `line ${line}, column ${column}: ${message}`, { line, column });
    }
    return outcome.evaluation;
  }

  /** The bundle as the compiler produces it now (version 0: computed on demand, not stored). */
  async bundle(visibility: Visibility, clusterId: string): Promise<PolicyBundle> {
    const { cluster, policies } = await this.load(visibility, clusterId);
    return this.compute.compileClusterBundle({ cluster, policies });
  }
}
