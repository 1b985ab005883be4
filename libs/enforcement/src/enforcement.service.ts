import { Injectable } from '@nestjs/common';
import {
  type BundleCluster,
  type BundlePolicy,
  type EffectivePolicyExplanation,
  type PolicyBundle,
  compileBundle,
  effectivePolicy,
  evaluateEffective,
} from '@rampart/bundle';
import { AppError, PrismaService, type Visibility, notFoundError } from '@rampart/platform';
import { ManifestParseError, type Manifest, getWorkloadKind, isIngress, parseManifests } from '@rampart/rules';
import { EnforcementRepository } from './enforcement.repository';

export const MAX_MANIFEST_BYTES = 1024 * 1024;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface DocumentResult {
  index: number;
  kind: string | null;
  name: string | null;
  namespace: string;
  evaluated: boolean;
  allowed: boolean;
  note: string | null;
}

export interface ManifestEvaluation {
  allowed: boolean;
  violations: {
    documentIndex: number;
    policyId: string;
    policyName: string;
    ruleId: string;
    action: 'AUDIT' | 'BLOCK';
    message: string;
    path: string;
  }[];
  documents: DocumentResult[];
}

function validNamespace(namespace: string, field: string): string {
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw AppError.badInput(field, 'must be a Kubernetes namespace name (a DNS-1123 label: lowercase letters, digits and -, at most 63)');
  }
  return namespace;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The three read-only views over a cluster's policies: explain, dry-run, bundle. */
@Injectable()
export class EnforcementService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly repo: EnforcementRepository,
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
    return effectivePolicy(policies, cluster, namespace);
  }

  async evaluate(visibility: Visibility, clusterId: string, namespace: string, manifest: string): Promise<ManifestEvaluation> {
    validNamespace(namespace, 'namespace');
    if (Buffer.byteLength(manifest, 'utf8') > MAX_MANIFEST_BYTES) {
      throw AppError.badInput('manifest', `is larger than ${MAX_MANIFEST_BYTES} bytes (1 MiB)`);
    }
    let documents: Manifest[];
    try {
      documents = parseManifests(manifest);
    } catch (error) {
      if (error instanceof ManifestParseError) {
        throw AppError.badInput('manifest', `line ${error.line}, column ${error.column}: ${error.message}`, {
          line: error.line,
          column: error.column,
        });
      }
      throw error;
    }
    if (documents.length === 0) throw AppError.badInput('manifest', 'contains no document');

    const { cluster, policies } = await this.load(visibility, clusterId);
    const result: ManifestEvaluation = { allowed: true, violations: [], documents: [] };
    documents.forEach((doc, index) => {
      const kind = text(doc.kind);
      const metadata = (doc.metadata ?? {}) as Record<string, unknown>;
      // A document naming its namespace lands there (as kubectl would); otherwise in the one asked about.
      const docNamespace = text(metadata.namespace) ?? namespace;
      const evaluated = getWorkloadKind(doc) !== undefined || isIngress(doc);
      if (!evaluated) {
        result.documents.push({
          index,
          kind,
          name: text(metadata.name),
          namespace: docNamespace,
          evaluated: false,
          allowed: true,
          note: `${kind ?? 'a document without kind'} is not evaluated by any rule (only workloads and Ingress are)`,
        });
        return;
      }
      const verdict = evaluateEffective(policies, cluster, docNamespace, doc);
      if (!verdict.allowed) result.allowed = false;
      for (const v of verdict.violations) result.violations.push({ documentIndex: index, ...v });
      result.documents.push({ index, kind, name: text(metadata.name), namespace: docNamespace, evaluated: true, allowed: verdict.allowed, note: null });
    });
    return result;
  }

  /**
   * The bundle as the compiler produces it now. Version 0 marks a bundle computed
   * on demand; stored bundles (with increasing versions) come with delivery.
   */
  async bundle(visibility: Visibility, clusterId: string): Promise<PolicyBundle> {
    const { cluster, policies } = await this.load(visibility, clusterId);
    return compileBundle(cluster, policies, { version: 0 });
  }
}
