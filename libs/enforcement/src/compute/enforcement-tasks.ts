// The enforcement views' computations, run on the compute pool's worker threads (see
// enforcement-compute.service.ts). Pure functions of plain, structured-cloneable input
// over @rampart/rules and @rampart/bundle: nothing here may import Nest, Prisma or the
// platform, which a worker thread has no use for.

import {
  type BundleCluster,
  type BundlePolicy,
  type EffectivePolicyExplanation,
  type PolicyBundle,
  compileBundle,
  effectivePolicy,
  evaluateEffective,
} from '@rampart/bundle';
import { ManifestParseError, type Manifest, getWorkloadKind, isIngress, parseManifests } from '@rampart/rules';

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

/** What the views compute over: the tenant's live policies and one cluster. */
export interface PolicyContext {
  policies: BundlePolicy[];
  cluster: BundleCluster;
}

/** A dry run's input; one plain object so a new field reaches the task with no other change. */
export interface EvaluateManifestInput extends PolicyContext {
  /** For documents that name no namespace. */
  namespace: string;
  /** YAML or JSON text, already within the size limit. */
  manifest: string;
}

/** A problem with the manifest text itself, for a BAD_USER_INPUT on `manifest`. */
export interface ManifestProblem {
  message: string;
  /** 1-based position of the problem, when it has one. */
  line?: number;
  column?: number;
}

export type EvaluateManifestOutput = { ok: true; evaluation: ManifestEvaluation } | { ok: false; problem: ManifestProblem };

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export function evaluateManifest(input: EvaluateManifestInput): EvaluateManifestOutput {
  const { policies, cluster, namespace, manifest } = input;
  let documents: Manifest[];
  try {
    documents = parseManifests(manifest);
  } catch (error) {
    if (error instanceof ManifestParseError) {
      return { ok: false, problem: { message: error.message, line: error.line, column: error.column } };
    }
    throw error;
  }
  if (documents.length === 0) return { ok: false, problem: { message: 'contains no document' } };

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
  return { ok: true, evaluation: result };
}

export function explainEffectivePolicy(input: PolicyContext & { namespace: string }): EffectivePolicyExplanation {
  return effectivePolicy(input.policies, input.cluster, input.namespace);
}

/**
 * The bundle as the compiler produces it now. Version 0 marks a bundle computed on
 * demand; stored bundles (with increasing versions) come with delivery.
 */
export function compileClusterBundle(input: PolicyContext): PolicyBundle {
  return compileBundle(input.cluster, input.policies, { version: 0 });
}
