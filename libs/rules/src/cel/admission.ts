// One Rampart policy → one ValidatingAdmissionPolicy + one binding
// (admissionregistration.k8s.io/v1, Kubernetes 1.30+). The output goes into
// bundles whose ETag hashes their canonical JSON, so it must be a pure function
// of its input: no timestamps, and every list in a defined order.
import { createHash } from 'node:crypto';
import type { IValidatingAdmissionPolicy } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy';
import type { IValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
import { RULE_IDS, type RuleId, type RuleParameters } from '../types';
import { CEL_VARIABLES, renderCelRule } from './rule-expressions';

export type ValidatingAdmissionPolicy = IValidatingAdmissionPolicy;
export type ValidatingAdmissionPolicyBinding = IValidatingAdmissionPolicyBinding;

export type AdmissionAction = 'AUDIT' | 'BLOCK';

export interface AdmissionPolicyInput {
  id: string;
  name: string;
  action: AdmissionAction;
  namespaces: { include: string[]; exclude: string[] };
  /** Enabled rules, parameters already validated and defaulted by the catalog. */
  rules: { id: RuleId; parameters: object }[];
}

export interface AdmissionRenderOptions {
  /** The sensor's own namespace, excluded like the kube-* namespaces. */
  sensorNamespace?: string;
}

export interface AdmissionPolicyRender {
  policy: ValidatingAdmissionPolicy;
  binding: ValidatingAdmissionPolicyBinding;
}

export const DEFAULT_SENSOR_NAMESPACE = 'rampart-system';
export const KUBERNETES_SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'] as const;
/** The label the API server sets on every namespace (Kubernetes 1.21+), so selectors can name namespaces. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

const ANNOTATION_PREFIX = 'rampart.io';
const OPERATIONS = ['CREATE', 'UPDATE'] as const;

interface ResourceRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: ('CREATE' | 'UPDATE')[];
  resources: string[];
  scope: 'Namespaced';
}

function resourceRule(apiGroup: string, resources: string[]): ResourceRule {
  return { apiGroups: [apiGroup], apiVersions: ['v1'], operations: [...OPERATIONS], resources, scope: 'Namespaced' };
}

// matchPolicy Equivalent converts other served versions (say batch/v1beta1) to v1 first.
// pods/ephemeralcontainers: ephemeral containers arrive as an UPDATE of that subresource,
// with the whole Pod as the object, and the rules check them.
// Built per render: callers may mutate what they get back.
const workloadResourceRules = (): ResourceRule[] => [
  resourceRule('', ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers']),
  resourceRule('apps', ['daemonsets', 'deployments', 'replicasets', 'statefulsets']),
  resourceRule('batch', ['cronjobs', 'jobs']),
];
const ingressResourceRule = (): ResourceRule => resourceRule('networking.k8s.io', ['ingresses']);

const INGRESS_RULES: ReadonlySet<RuleId> = new Set(['ingress-https']);

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/**
 * A deterministic, DNS-subdomain-safe object name for a policy id:
 * `rampart-<id>` when the id is already a lowercase DNS label, otherwise a
 * readable prefix plus a hash of the exact id, so distinct ids never collide.
 */
export function admissionPolicyObjectName(policyId: string): string {
  if (/^[a-z0-9]([a-z0-9-]{0,53}[a-z0-9])?$/.test(policyId)) return `rampart-${policyId}`;
  const slug = policyId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(policyId, 'utf8').digest('hex').slice(0, 10);
  return slug ? `rampart-${slug}-${hash}` : `rampart-${hash}`;
}

/**
 * The binding's namespace selector: the include list when given, minus the
 * exclude list; the system namespaces are excluded unless named in include.
 */
export function admissionNamespaceSelector(
  namespaces: AdmissionPolicyInput['namespaces'],
  options: AdmissionRenderOptions = {},
): { matchExpressions: { key: string; operator: 'In' | 'NotIn'; values: string[] }[] } {
  const include = sortedUnique(namespaces.include);
  const system = [...KUBERNETES_SYSTEM_NAMESPACES, options.sensorNamespace ?? DEFAULT_SENSOR_NAMESPACE];
  // With an include list, In already keeps unnamed system namespaces out.
  const exclude = sortedUnique(include.length > 0 ? namespaces.exclude : [...namespaces.exclude, ...system]);
  const matchExpressions: { key: string; operator: 'In' | 'NotIn'; values: string[] }[] = [];
  if (include.length > 0) matchExpressions.push({ key: NAMESPACE_NAME_LABEL, operator: 'In', values: include });
  if (exclude.length > 0) matchExpressions.push({ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: exclude });
  return { matchExpressions };
}

/** Rules in catalog order, so reordering a policy's rules does not change the bundle. */
function orderedRules(rules: AdmissionPolicyInput['rules']): AdmissionPolicyInput['rules'] {
  const rank = (id: RuleId): number => {
    const i = RULE_IDS.indexOf(id);
    if (i < 0) throw new Error(`unknown rule id: ${String(id)}`);
    return i;
  };
  return rules
    .map((rule, index) => ({ rule, index }))
    .sort((a, b) => rank(a.rule.id) - rank(b.rule.id) || a.index - b.index)
    .map((x) => x.rule);
}

/**
 * Renders a policy as a ValidatingAdmissionPolicy and its binding. BLOCK
 * denies (`Deny`); AUDIT admits and records (`Audit`, `Warn`). Throws for a
 * policy without rules: Kubernetes rejects a policy with no validations, and
 * such a policy enforces nothing, so the caller should leave it out.
 */
export function renderAdmissionPolicy(
  input: AdmissionPolicyInput,
  options: AdmissionRenderOptions = {},
): AdmissionPolicyRender {
  if (input.rules.length === 0) throw new Error(`policy ${input.id} has no rules to render`);
  const name = admissionPolicyObjectName(input.id);
  const rules = orderedRules(input.rules);

  const validations = rules.flatMap((rule) =>
    renderCelRule(rule.id, rule.parameters as RuleParameters[RuleId]).validations.map((v) => ({
      expression: v.expression,
      messageExpression: v.messageExpression,
      message: v.message,
      reason: 'Forbidden' as const,
    })),
  );

  const resourceRules: ResourceRule[] = [];
  if (rules.some((r) => !INGRESS_RULES.has(r.id))) resourceRules.push(...workloadResourceRules());
  if (rules.some((r) => INGRESS_RULES.has(r.id))) resourceRules.push(ingressResourceRule());

  const metadata = {
    name,
    labels: { 'app.kubernetes.io/managed-by': 'rampart' },
    annotations: {
      [`${ANNOTATION_PREFIX}/policy-id`]: input.id,
      [`${ANNOTATION_PREFIX}/policy-name`]: input.name,
      [`${ANNOTATION_PREFIX}/action`]: input.action,
      [`${ANNOTATION_PREFIX}/rules`]: [...new Set(rules.map((r) => r.id))].join(','),
    },
  };

  const policy: ValidatingAdmissionPolicy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata,
    spec: {
      // Fail: an expression that cannot be evaluated must not let a workload through a BLOCK policy.
      failurePolicy: 'Fail',
      matchConstraints: {
        matchPolicy: 'Equivalent',
        resourceRules,
      },
      variables: CEL_VARIABLES.map((v) => ({ name: v.name, expression: v.expression })),
      validations,
    },
  };

  const binding: ValidatingAdmissionPolicyBinding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { ...metadata, labels: { ...metadata.labels }, annotations: { ...metadata.annotations } },
    spec: {
      policyName: name,
      validationActions: input.action === 'BLOCK' ? ['Deny'] : ['Audit', 'Warn'],
      matchResources: { namespaceSelector: admissionNamespaceSelector(input.namespaces, options) },
    },
  };

  return { policy, binding };
}
