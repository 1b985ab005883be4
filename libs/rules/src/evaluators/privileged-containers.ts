import { type EvaluatorFactory, containerSecurityContext, describeValue, finding, reportStructuralProblems } from './shared';

const RULE = 'privileged-containers';

export const privilegedContainers: EvaluatorFactory<typeof RULE> = () => (doc, out) => {
  const view = doc.workload;
  if (view === undefined) return;
  reportStructuralProblems(RULE, view, out);
  for (const ref of view.containers) {
    const sc = containerSecurityContext(RULE, ref, out);
    if (!sc) continue;
    const privileged = sc.privileged;
    if (privileged === true) {
      out.push(
        finding(
          RULE,
          `${ref.path}.securityContext.privileged`,
          `${ref.label}: set securityContext.privileged: false (or remove it); a privileged container has full access to the node`,
          ref.name,
        ),
      );
    } else if (privileged !== false && privileged !== undefined && privileged !== null) {
      // Not a boolean: the API server rejects it, and we cannot tell what was meant.
      out.push(
        finding(
          RULE,
          `${ref.path}.securityContext.privileged`,
          `${ref.label}: securityContext.privileged must be a boolean but is ${describeValue(privileged)}; set it to false`,
          ref.name,
        ),
      );
    }
  }
};
