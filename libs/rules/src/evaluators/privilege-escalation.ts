import { type EvaluatorFactory, containerSecurityContext, describeValue, finding, reportStructuralProblems } from './shared';

const RULE = 'privilege-escalation';

export const privilegeEscalation: EvaluatorFactory<typeof RULE> = () => (doc, out) => {
  const view = doc.workload;
  // Kubernetes rejects allowPrivilegeEscalation on Windows pods, so they cannot comply.
  if (view === undefined || view.windows) return;
  reportStructuralProblems(RULE, view, out);
  for (const ref of view.containers) {
    const sc = containerSecurityContext(RULE, ref, out);
    if (sc === null) continue;
    const value = sc?.allowPrivilegeEscalation;
    if (value === false) continue;
    out.push(
      finding(
        RULE,
        `${ref.path}.securityContext.allowPrivilegeEscalation`,
        `${ref.label}: set securityContext.allowPrivilegeEscalation: false (it is ${describeValue(value)})`,
        ref.name,
      ),
    );
  }
};
