// One Rampart policy → two ValidatingAdmissionPolicy + binding pairs
// (admissionregistration.k8s.io/v1, Kubernetes 1.30+): `rampart-<id>` for the
// violations a request introduces (bound with the policy's action) and
// `rampart-<id>.pre-existing` for those an UPDATE's old object already had (always
// Audit + Warn), so existing violations never stall a rollout (see update-rendering.ts). The output goes into
// bundles whose ETag hashes their canonical JSON, so it must be a pure function
// of its input: no timestamps, and every list in a defined order.
import { createHash } from 'node:crypto';
import type { IValidatingAdmissionPolicy } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy';
import type { IValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
import { RULE_IDS, type RuleId } from '../types';
import type { CelRuleRendering } from './rule-expressions';
import { renderUpdateAwareRules } from './update-rendering';

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
  /** Violations the request introduces; the binding carries the policy's action. */
  policy: ValidatingAdmissionPolicy;
  binding: ValidatingAdmissionPolicyBinding;
  /** Violations an UPDATE's old object already had: matched on UPDATE only, bound with Audit + Warn. */
  preExistingPolicy: ValidatingAdmissionPolicy;
  preExistingBinding: ValidatingAdmissionPolicyBinding;
}

/** Appended to a policy's object name for its pre-existing-violations pair; main names never contain a dot. */
export const PRE_EXISTING_NAME_SUFFIX = '.pre-existing';

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
 * Renders a policy as two ValidatingAdmissionPolicy + binding pairs. The main pair
 * holds the violations a request introduces: BLOCK denies (`Deny`), AUDIT admits
 * and records (`Audit`, `Warn`). The pre-existing pair (UPDATE only) records, never
 * denies, the violations the old object already had. Throws for a
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

  const rendering = renderUpdateAwareRules(rules.map((r) => ({ id: r.id, parameters: r.parameters })));
  const validations = (renderings: CelRuleRendering[]) =>
    renderings.flatMap((r) =>
      r.validations.map((v) => ({ expression: v.expression, messageExpression: v.messageExpression, message: v.message, reason: 'Forbidden' as const })),
    );
  const variables = rendering.variables.map((v) => ({ name: v.name, expression: v.expression }));

  // matchPolicy Equivalent; only the resources the policy's rules read. Subresources
  // other than pods/ephemeralcontainers (status, scale, …) are never matched: they do
  // not change what the rules read.
  const resourceRules = (): ResourceRule[] => {
    const out: ResourceRule[] = [];
    if (rules.some((r) => !INGRESS_RULES.has(r.id))) out.push(...workloadResourceRules());
    if (rules.some((r) => INGRESS_RULES.has(r.id))) out.push(ingressResourceRule());
    return out;
  };

  const annotations = (kind: 'introduced' | 'pre-existing') => ({
    [`${ANNOTATION_PREFIX}/policy-id`]: input.id,
    [`${ANNOTATION_PREFIX}/policy-name`]: input.name,
    [`${ANNOTATION_PREFIX}/action`]: input.action,
    [`${ANNOTATION_PREFIX}/rules`]: [...new Set(rules.map((r) => r.id))].join(','),
    [`${ANNOTATION_PREFIX}/violations`]: kind,
  });
  const metadata = (objectName: string, kind: 'introduced' | 'pre-existing') => ({
    name: objectName,
    labels: { 'app.kubernetes.io/managed-by': 'rampart' },
    annotations: annotations(kind),
  });

  const admissionPolicy = (objectName: string, kind: 'introduced' | 'pre-existing', matchRules: ResourceRule[], checks: CelRuleRendering[]): ValidatingAdmissionPolicy => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: metadata(objectName, kind),
    spec: {
      // Fail: an expression that cannot be evaluated must not let a workload through a BLOCK policy.
      failurePolicy: 'Fail',
      matchConstraints: { matchPolicy: 'Equivalent', resourceRules: matchRules },
      variables: variables.map((v) => ({ ...v })),
      validations: validations(checks),
    },
  });
  const admissionBinding = (objectName: string, kind: 'introduced' | 'pre-existing', actions: ('Deny' | 'Audit' | 'Warn')[]): ValidatingAdmissionPolicyBinding => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: metadata(objectName, kind),
    spec: {
      policyName: objectName,
      validationActions: actions,
      matchResources: { namespaceSelector: admissionNamespaceSelector(input.namespaces, options) },
    },
  });

  const preExistingName = name + PRE_EXISTING_NAME_SUFFIX;
  const updateOnly = resourceRules().map((r) => ({ ...r, operations: ['UPDATE' as const] }));
  return {
    policy: admissionPolicy(name, 'introduced', resourceRules(), rendering.introduced),
    binding: admissionBinding(name, 'introduced', input.action === 'BLOCK' ? ['Deny'] : ['Audit', 'Warn']),
    preExistingPolicy: admissionPolicy(preExistingName, 'pre-existing', updateOnly, rendering.preExisting),
    preExistingBinding: admissionBinding(preExistingName, 'pre-existing', ['Audit', 'Warn']),
  };
}
