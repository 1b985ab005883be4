import { type EvaluatorFactory, describeValue, finding, reportMissingPodSpec } from './shared';

const RULE = 'host-namespaces';
const FIELDS = ['hostPID', 'hostIPC', 'hostNetwork'] as const;

export const hostNamespaces: EvaluatorFactory<typeof RULE> = () => (doc, out) => {
  const view = doc.workload;
  if (view === undefined) return;
  const spec = view.podSpec;
  if (spec === undefined) {
    reportMissingPodSpec(RULE, view, out);
    return;
  }
  for (const field of FIELDS) {
    const value = spec[field];
    if (value === undefined || value === null || value === false) continue;
    out.push(
      finding(
        RULE,
        `${view.podSpecPath}.${field}`,
        value === true
          ? `set ${field}: false in the pod spec (or remove it); sharing the node's namespace breaks pod isolation`
          : `${field} must be a boolean but is ${describeValue(value)}; set it to false`,
      ),
    );
  }
};
