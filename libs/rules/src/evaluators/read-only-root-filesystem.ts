import { type EvaluatorFactory, containerSecurityContext, describeValue, finding, reportStructuralProblems } from './shared';

const RULE = 'read-only-root-filesystem';

export const readOnlyRootFilesystem: EvaluatorFactory<typeof RULE> = () => (doc, out) => {
  const view = doc.workload;
  // Kubernetes rejects readOnlyRootFilesystem on Windows pods, so they cannot comply.
  if (view === undefined || view.windows) return;
  reportStructuralProblems(RULE, view, out);
  for (const ref of view.containers) {
    const sc = containerSecurityContext(RULE, ref, out);
    if (sc === null) continue;
    const value = sc?.readOnlyRootFilesystem;
    if (value === true) continue;
    out.push(
      finding(
        RULE,
        `${ref.path}.securityContext.readOnlyRootFilesystem`,
        `${ref.label}: set securityContext.readOnlyRootFilesystem: true (it is ${describeValue(value)}); mount an emptyDir where the container must write`,
        ref.name,
      ),
    );
  }
};
