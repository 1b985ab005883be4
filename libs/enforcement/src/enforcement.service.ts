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
import { AppError, PrismaService } from '@rampart/platform';
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
    return effectivePolicy(policies, cluster, namespace);
  }

  async evaluate(tenantId: string, clusterId: string, namespace: string, manifest: string): Promise<ManifestEvaluation> {
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

    const { cluster, policies } = await this.load(tenantId, clusterId);
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
  async bundle(tenantId: string, clusterId: string): Promise<PolicyBundle> {
    const { cluster, policies } = await this.load(tenantId, clusterId);
    return compileBundle(cluster, policies, { version: 0 });
  }
}
