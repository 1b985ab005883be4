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
    /** The action taken: AUDIT for a pre-existing violation or on a cluster that can only audit. */
    action: 'AUDIT' | 'BLOCK';
    policyAction: 'AUDIT' | 'BLOCK';
    preExisting: boolean;
    message: string;
    path: string;
  }[];
  /** Every violation found; `violations` holds the first MAX_REPORTED_VIOLATIONS of them. */
  totalViolations: number;
  documents: DocumentResult[];
}

/**
 * The violations a dry run returns at most. The verdict and the total count every one;
 * the list is cut so that an answer's size (copied back from the worker thread, then
 * serialised on the thread every tenant shares) is bounded whatever the manifest holds:
 * 20,000 privileged containers are 20,000 findings of one rule alone.
 */
export const MAX_REPORTED_VIOLATIONS = 1_000;

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
  /** CREATE (default) or UPDATE; an UPDATE is judged against `oldManifest` (policy semantics rule 5). */
  operation?: ManifestOperation;
  /** For UPDATE: the old state of each document of `manifest`, in the same order. */
  oldManifest?: string | null;
}

export type ManifestOperation = 'CREATE' | 'UPDATE';

/** A problem with the manifest text itself, for a BAD_USER_INPUT on `manifest`. */
export interface ManifestProblem {
  /** The argument at fault. */
  field: 'manifest' | 'oldManifest';
  message: string;
  /** 1-based position of the problem, when it has one. */
  line?: number;
  column?: number;
}

export type EvaluateManifestOutput = { ok: true; evaluation: ManifestEvaluation } | { ok: false; problem: ManifestProblem };

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

class ProblemError extends Error {
  constructor(readonly problem: ManifestProblem) {
    super(problem.message);
  }
}

function parseDocuments(text: string, field: ManifestProblem['field']): Manifest[] {
  let documents: Manifest[];
  try {
    documents = parseManifests(text);
  } catch (error) {
    if (error instanceof ManifestParseError) throw new ProblemError({ field, message: error.message, line: error.line, column: error.column });
    throw error;
  }
  if (documents.length === 0) throw new ProblemError({ field, message: 'contains no document' });
  return documents;
}

/** An UPDATE replaces an object by one of the same kind and name: pairs that are not are a mistake, not a verdict. */
function checkPairs(documents: Manifest[], oldDocuments: Manifest[]): void {
  const problem = (message: string) => new ProblemError({ field: 'oldManifest', message });
  if (oldDocuments.length !== documents.length) {
    throw problem(`has ${oldDocuments.length} document(s) but manifest has ${documents.length}; give the old state of each document, in the same order`);
  }
  const name = (m: Manifest) => text(((m.metadata ?? {}) as Record<string, unknown>).name);
  documents.forEach((doc, i) => {
    const old = oldDocuments[i];
    if (text(old.kind) !== text(doc.kind)) {
      throw problem(`document ${i} is a ${text(old.kind) ?? 'document without kind'}, but manifest document ${i} is a ${text(doc.kind) ?? 'document without kind'}`);
    }
    if (name(old) !== null && name(doc) !== null && name(old) !== name(doc)) {
      throw problem(`document ${i} is named ${name(old)}, but manifest document ${i} is named ${name(doc)}`);
    }
  });
}

export function evaluateManifest(input: EvaluateManifestInput): EvaluateManifestOutput {
  try {
    return { ok: true, evaluation: evaluateDocuments(input) };
  } catch (error) {
    if (error instanceof ProblemError) return { ok: false, problem: error.problem };
    throw error;
  }
}

function evaluateDocuments(input: EvaluateManifestInput): ManifestEvaluation {
  const { policies, cluster, namespace, manifest } = input;
  const operation = input.operation ?? 'CREATE';
  const documents = parseDocuments(manifest, 'manifest');
  // UPDATE compares each document with the one at the same index of oldManifest (policy semantics rule 5).
  let oldDocuments: Manifest[] | undefined;
  if (operation === 'UPDATE') {
    oldDocuments = parseDocuments(input.oldManifest ?? '', 'oldManifest');
    checkPairs(documents, oldDocuments);
  }

  const result: ManifestEvaluation = { allowed: true, violations: [], totalViolations: 0, documents: [] };
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
    for (const v of verdict.violations) {
      if (result.violations.length < MAX_REPORTED_VIOLATIONS) result.violations.push({ documentIndex: index, ...v });
    }
    result.totalViolations += verdict.violations.length;
    result.documents.push({ index, kind, name: text(metadata.name), namespace: docNamespace, evaluated: true, allowed: verdict.allowed, note: null });
  });
  return result;
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
