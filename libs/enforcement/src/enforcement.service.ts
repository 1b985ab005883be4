import { Injectable } from '@nestjs/common';
import type { BundleCluster, BundlePolicy, EffectivePolicyExplanation, PolicyBundle } from '@rampart/bundle';
import { AppError, PrismaService } from '@rampart/platform';
import { EnforcementCompute } from './compute/enforcement-compute.service';
import type { ManifestEvaluation } from './compute/enforcement-tasks';
import { EnforcementRepository } from './enforcement.repository';

export type { DocumentResult, ManifestEvaluation } from './compute/enforcement-tasks';

export const MAX_MANIFEST_BYTES = 1024 * 1024;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

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

  private async load(tenantId: string, clusterId: string): Promise<{ cluster: BundleCluster; policies: BundlePolicy[] }> {
    return this.prisma.withTenant(tenantId, async (tx) => {
      const cluster = await this.repo.liveCluster(tx, clusterId);
      if (!cluster) throw AppError.notFound('Cluster');
      return { cluster, policies: await this.repo.livePolicies(tx) };
    });
  }

  async explain(tenantId: string, clusterId: string, namespace: string): Promise<EffectivePolicyExplanation> {
    validNamespace(namespace, 'namespace');
    const { cluster, policies } = await this.load(tenantId, clusterId);
    return this.compute.explainEffectivePolicy({ policies, cluster, namespace });
  }

  async evaluate(tenantId: string, clusterId: string, namespace: string, manifest: string): Promise<ManifestEvaluation> {
    validNamespace(namespace, 'namespace');
    if (Buffer.byteLength(manifest, 'utf8') > MAX_MANIFEST_BYTES) {
      throw AppError.badInput('manifest', `is larger than ${MAX_MANIFEST_BYTES} bytes (1 MiB)`);
    }
    const { cluster, policies } = await this.load(tenantId, clusterId);
    const outcome = await this.compute.evaluateManifest({ policies, cluster, namespace, manifest });
    if (!outcome.ok) {
      const { line, column, message } = outcome.problem;
      if (line === undefined || column === undefined) throw AppError.badInput('manifest', message);
      throw AppError.badInput('manifest', `line ${line}, column ${column}: ${message}`, { line, column });
    }
    return outcome.evaluation;
  }

  /** The bundle as the compiler produces it now (version 0: computed on demand, not stored). */
  async bundle(tenantId: string, clusterId: string): Promise<PolicyBundle> {
    const { cluster, policies } = await this.load(tenantId, clusterId);
    return this.compute.compileClusterBundle({ cluster, policies });
  }
}
