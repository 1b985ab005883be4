import { type EvaluatorFactory, describeValue, finding, reportMissingPodSpec } from './shared';

const RULE = 'automount-service-account-token';

export const automountServiceAccountToken: EvaluatorFactory<typeof RULE> = () => (doc, out) => {
  const view = doc.workload;
  if (view === undefined) return;
  if (view.podSpec === undefined) {
    reportMissingPodSpec(RULE, view, out);
    return;
  }
  // Only the pod spec's field counts; the same name elsewhere (e.g. a Job spec) is ignored by Kubernetes.
  const value = view.podSpec.automountServiceAccountToken;
  if (value === false) return;
  out.push(
    finding(
      RULE,
      `${view.podSpecPath}.automountServiceAccountToken`,
      `set automountServiceAccountToken: false in the pod spec (it is ${describeValue(value)}); mount a token only in pods that call the Kubernetes API`,
    ),
  );
};
