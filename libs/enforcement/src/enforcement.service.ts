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

export type ManifestOperation = 'CREATE' | 'UPDATE';

export interface ManifestEvaluation {
  allowed: boolean;
  violations: {
    documentIndex: number;
    policyId: string;
    policyName: string;
    ruleId: string;
    /** The action taken: AUDIT for a pre-existing violation or on a cluster that can only audit. */
    action: 'AUDIT' | 'BLOCK';
    policyAction: 'AUDIT' | 'BLOCK';
    preExisting: boolean;
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

function parseDocuments(manifest: string, field: 'manifest' | 'oldManifest'): Manifest[] {
  if (Buffer.byteLength(manifest, 'utf8') > MAX_MANIFEST_BYTES) {
    throw AppError.badInput(field, `is larger than ${MAX_MANIFEST_BYTES} bytes (1 MiB)`);
  }
  let documents: Manifest[];
  try {
    documents = parseManifests(manifest);
  } catch (error) {
    if (error instanceof ManifestParseError) {
      throw AppError.badInput(field, `line ${error.line}, column ${error.column}: ${error.message}`, {
        line: error.line,
        column: error.column,
      });
    }
    throw error;
  }
  if (documents.length === 0) throw AppError.badInput(field, 'contains no document');
  return documents;
}

/** An UPDATE replaces an object by one of the same kind and name: pairs that are not are a mistake, not a verdict. */
function checkPairs(documents: Manifest[], oldDocuments: Manifest[]): void {
  if (oldDocuments.length !== documents.length) {
    throw AppError.badInput('oldManifest', `has ${oldDocuments.length} document(s) but manifest has ${documents.length}; give the old state of each document, in the same order`);
  }
  documents.forEach((doc, i) => {
    const old = oldDocuments[i];
    const name = (m: Manifest) => text(((m.metadata ?? {}) as Record<string, unknown>).name);
    if (text(old.kind) !== text(doc.kind)) {
      throw AppError.badInput('oldManifest', `document ${i} is a ${text(old.kind) ?? 'document without kind'}, but manifest document ${i} is a ${text(doc.kind) ?? 'document without kind'}`);
    }
    if (name(old) !== null && name(doc) !== null && name(old) !== name(doc)) {
      throw AppError.badInput('oldManifest', `document ${i} is named ${name(old)}, but manifest document ${i} is named ${name(doc)}`);
    }
  });
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

  async evaluate(
    tenantId: string,
    clusterId: string,
    namespace: string,
    manifest: string,
    operation: ManifestOperation = 'CREATE',
    oldManifest?: string | null,
  ): Promise<ManifestEvaluation> {
    validNamespace(namespace, 'namespace');
    const documents = parseDocuments(manifest, 'manifest');
    // UPDATE compares each document with the one at the same index of oldManifest (policy semantics rule 5).
    let oldDocuments: Manifest[] | undefined;
    if (operation === 'UPDATE') {
      if (oldManifest === undefined || oldManifest === null) throw AppError.badInput('oldManifest', 'is required when operation is UPDATE');
      oldDocuments = parseDocuments(oldManifest, 'oldManifest');
      checkPairs(documents, oldDocuments);
    } else if (oldManifest !== undefined && oldManifest !== null) {
      throw AppError.badInput('oldManifest', 'is only read when operation is UPDATE');
    }

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
      const verdict = evaluateEffective(policies, cluster, docNamespace, doc, { operation, oldManifest: oldDocuments?.[index] });
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
