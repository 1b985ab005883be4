// What every evaluator shares: the per-document context (built once, read by all rules)
// and the reporting of shapes that cannot be read.

import type { Finding, Manifest, RuleId, RuleParameters } from '../types';
import { type ContainerRef, type JsonObject, type WorkloadView, describeType, isObject } from '../workload';

export interface DocumentContext {
  readonly manifest: Manifest;
  /** Set for workloads (even malformed ones); undefined for every other kind. */
  readonly workload: WorkloadView | undefined;
  readonly ingress: boolean;
}

/** One rule with its parameters already validated and pre-processed. */
export type CompiledEvaluator = (doc: DocumentContext, out: Finding[]) => void;

/** Turns validated parameters into an evaluator; runs once per policy, not per manifest. */
export type EvaluatorFactory<R extends RuleId> = (params: RuleParameters[R]) => CompiledEvaluator;

export function finding(ruleId: RuleId, path: string, message: string, container?: string): Finding {
  return container === undefined ? { ruleId, message, path } : { ruleId, message, path, container };
}

/**
 * Reports the pod spec / container-list shapes the rule cannot read. Failing closed:
 * an unreadable list might hold exactly the container the rule exists to catch.
 */
export function reportStructuralProblems(
  ruleId: RuleId,
  view: WorkloadView,
  out: Finding[],
  includeEphemeral = true,
): void {
  for (const problem of view.problems) {
    if (!includeEphemeral && problem.list === 'ephemeralContainers') continue;
    out.push(finding(ruleId, problem.path, problem.message, problem.container));
  }
}

/** Reports only a missing pod spec, for rules that read pod-level fields alone. */
export function reportMissingPodSpec(ruleId: RuleId, view: WorkloadView, out: Finding[]): void {
  for (const problem of view.problems) {
    if (problem.list === undefined) out.push(finding(ruleId, problem.path, problem.message));
  }
}

/**
 * The container's securityContext. Returns undefined when it is absent, and null after
 * reporting a securityContext that is not an object (the caller skips that container).
 */
export function containerSecurityContext(
  ruleId: RuleId,
  ref: ContainerRef,
  out: Finding[],
): JsonObject | undefined | null {
  const sc = ref.container.securityContext;
  if (sc === undefined || sc === null) return undefined;
  if (isObject(sc)) return sc;
  out.push(
    finding(
      ruleId,
      `${ref.path}.securityContext`,
      `${ref.label}: securityContext must be an object but is ${describeType(sc)}; fix it so the container's settings can be checked`,
      ref.name,
    ),
  );
  return null;
}

/** "unset", "false", "\"yes\" (a string)": the current value, for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'unset';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return `${JSON.stringify(value)} (a string)`;
  return describeType(value);
}

/** A list for messages, shortened so a long allow-list does not drown the finding. */
export function describeList(items: readonly string[], max = 5): string {
  if (items.length === 0) return 'none';
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')}, … (${items.length} in all)`;
}

/**
 * The shape of rules that require one container `securityContext` flag to hold one
 * value in every container, Windows pods exempt (Kubernetes forbids these settings there).
 */
export function requiredContainerFlag(
  rule: RuleId,
  field: 'allowPrivilegeEscalation' | 'readOnlyRootFilesystem',
  required: boolean,
  advice = '',
): CompiledEvaluator {
  return (doc, out) => {
    const view = doc.workload;
    if (view === undefined || view.windows) return;
    reportStructuralProblems(rule, view, out);
    for (const ref of view.containers) {
      const sc = containerSecurityContext(rule, ref, out);
      if (sc === null) continue;
      const value = sc?.[field];
      if (value === required) continue;
      out.push(
        finding(
          rule,
          `${ref.path}.securityContext.${field}`,
          `${ref.label}: set securityContext.${field}: ${required} (it is ${describeValue(value)})${advice}`,
          ref.name,
        ),
      );
    }
  };
}
