import type { RuleId } from '../types';
import { automountServiceAccountToken } from './automount-service-account-token';
import { capabilities } from './capabilities';
import { containerResourceLimits } from './container-resource-limits';
import { defaultNamespace } from './default-namespace';
import { hostNamespaces } from './host-namespaces';
import { ingressHttps } from './ingress-https';
import { nonRootUser } from './non-root-user';
import { privilegeEscalation } from './privilege-escalation';
import { privilegedContainers } from './privileged-containers';
import { readOnlyRootFilesystem } from './read-only-root-filesystem';
import type { EvaluatorFactory } from './shared';
import { trustedRegistries } from './trusted-registries';

export type { CompiledEvaluator, DocumentContext, EvaluatorFactory } from './shared';

export const EVALUATORS: { readonly [R in RuleId]: EvaluatorFactory<R> } = {
  'container-resource-limits': containerResourceLimits,
  'privileged-containers': privilegedContainers,
  'privilege-escalation': privilegeEscalation,
  capabilities,
  'non-root-user': nonRootUser,
  'automount-service-account-token': automountServiceAccountToken,
  'default-namespace': defaultNamespace,
  'host-namespaces': hostNamespaces,
  'trusted-registries': trustedRegistries,
  'ingress-https': ingressHttps,
  'read-only-root-filesystem': readOnlyRootFilesystem,
};
