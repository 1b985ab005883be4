// Running rules on manifests. Two entry points:
// - evaluateRule / evaluateManifest: validate parameters on every call (convenient, slower);
// - compileRules: validate and pre-process once, then evaluate many manifests cheaply
//   (the admission webhook and the bundle compiler use this).

import { validateRuleParameters } from './catalog';
import { EVALUATORS } from './evaluators';
import type { CompiledEvaluator, DocumentContext } from './evaluators/shared';
import type { Finding, Manifest, RuleId } from './types';
import { isIngress, isObject, viewWorkload } from './workload';

export { MANIFEST_LIMITS, ManifestParseError, type ManifestLimits, parseManifests } from './manifest-parser';
export type { DocumentContext } from './evaluators/shared';

export interface RuleSelection {
  ruleId: RuleId | string;
  /** Raw parameters; validated and defaulted by compileRules. */
  parameters?: unknown;
}

/** Evaluates one manifest against a compiled rule set. */
export type CompiledRules = (manifest: Manifest) => Finding[];

/** Reads what the rules need from a manifest once, shared by every rule. */
export function createDocumentContext(manifest: Manifest): DocumentContext {
  const workload = viewWorkload(manifest);
  return { manifest, workload, ingress: workload === undefined && isIngress(manifest) };
}

/**
 * Validates every rule's parameters once (throwing RuleParameterError on the first bad
 * one) and returns a function that evaluates manifests with no further validation.
 */
export function compileRules(rules: readonly RuleSelection[]): CompiledRules {
  const evaluators: CompiledEvaluator[] = rules.map(({ ruleId, parameters }) => {
    const params = validateRuleParameters(ruleId, parameters);
    return (EVALUATORS[ruleId as RuleId] as (p: typeof params) => CompiledEvaluator)(params);
  });
  return (manifest) => {
    const out: Finding[] = [];
    // Not an object: nothing a rule could read, and not a workload or Ingress either.
    if (!isObject(manifest)) return out;
    const doc = createDocumentContext(manifest);
    if (doc.workload === undefined && !doc.ingress) return out;
    for (let i = 0; i < evaluators.length; i++) evaluators[i](doc, out);
    return out;
  };
}

/** Runs one rule on one manifest; `params` are validated and defaulted (undefined = defaults). */
export function evaluateRule<R extends RuleId>(ruleId: R, manifest: Manifest, params?: unknown): Finding[] {
  return compileRules([{ ruleId, parameters: params }])(manifest);
}

/** Runs several rules on one manifest, validating their parameters on this call. */
export function evaluateManifest(manifest: Manifest, rules: readonly RuleSelection[]): Finding[] {
  return compileRules(rules)(manifest);
}

/** The admission operations Kubernetes sends; only CREATE and UPDATE are evaluated. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionSubject {
  operation: AdmissionOperation;
  /** The object admitted (for UPDATE, its new state). */
  object: Manifest;
  /** The stored object an UPDATE replaces; required for UPDATE. */
  oldObject?: Manifest;
  /** The request's subresource ('' or undefined for the resource itself). */
  subResource?: string;
}

/** A finding with whether the old object of an UPDATE already failed the same rule. */
export interface AdmissionFinding extends Finding {
  preExisting: boolean;
}

// Ephemeral containers are added through this subresource, with the whole Pod as the
// object; every other subresource (status, scale, binding, …) leaves the spec the rules
// read unchanged or is not a workload.
const EVALUATED_SUBRESOURCES: ReadonlySet<string> = new Set(['', 'ephemeralcontainers']);

/** Whether a request is evaluated at all (policy semantics rule 5): CREATE and UPDATE of the resource itself. */
export function isEvaluatedRequest(operation: AdmissionOperation, subResource?: string): boolean {
  return (operation === 'CREATE' || operation === 'UPDATE') && EVALUATED_SUBRESOURCES.has(subResource ?? '');
}

/**
 * Evaluates one admission request (policy semantics rule 5). DELETE, CONNECT and
 * subresources other than ephemeralcontainers yield nothing. On UPDATE, a finding whose
 * rule also fails on the old object is `preExisting` (to be recorded, never to deny);
 * the judgement is per rule, as in the CEL rendering (renderUpdateAwareRules).
 */
export function evaluateAdmission(rules: CompiledRules, subject: AdmissionSubject): AdmissionFinding[] {
  if (!isEvaluatedRequest(subject.operation, subject.subResource)) return [];
  if (subject.operation === 'UPDATE' && subject.oldObject === undefined) {
    throw new TypeError('an UPDATE needs the old object');
  }
  const findings = rules(subject.object);
  if (findings.length === 0) return [];
  let failedBefore: ReadonlySet<string> = new Set();
  if (subject.operation === 'UPDATE') failedBefore = new Set(rules(subject.oldObject as Manifest).map((f) => f.ruleId));
  return findings.map((f) => ({ ...f, preExisting: failedBefore.has(f.ruleId) }));
}
