// CEL renderings of the rule catalog for ValidatingAdmissionPolicy (Kubernetes 1.30).
//
// Each expression evaluates to true when the admitted `object` passes the rule.
// Only standard CEL, the strings extension (`join`), `matches` and the Kubernetes
// quantity library are used, and every field access is guarded by has(): a
// missing field must mean "not set" (as in the TS evaluators), never a runtime
// error, because the policy runs with failurePolicy: Fail.
import type { IdRange, RuleId, RuleParameters } from '../types';
import { celInt, celString, celStringList } from './cel-literal';
import { MAX_IMAGE_REFERENCE_LENGTH } from '../glob';
import { globsToCelRegex } from './glob-regex';

/** One VAP `spec.variables` entry. */
export interface CelVariable {
  name: string;
  expression: string;
}

/** One VAP `spec.validations` entry (without `reason`, which the policy sets). */
export interface CelValidation {
  /** True when the object passes. */
  expression: string;
  /** A CEL string expression naming the rule, the containers concerned and the fix. */
  messageExpression: string;
  /** Static fallback, used by Kubernetes when messageExpression fails. */
  message: string;
}

export interface CelRuleRendering {
  ruleId: RuleId;
  validations: CelValidation[];
}

/** Pod templates sit at spec.template.spec for these kinds. */
export const CEL_TEMPLATE_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'ReplicationController',
] as const;

export const CEL_WORKLOAD_KINDS = ['Pod', ...CEL_TEMPLATE_KINDS, 'CronJob'] as const;

/** Builds `has(a.b) && has(a.b.c) …` for a dotted path below `root`. */
function hasPath(root: string, path: string): string {
  const parts = path.split('.');
  return parts.map((_, i) => `has(${root}.${parts.slice(0, i + 1).join('.')})`).join(' && ');
}

/**
 * Which admitted object an expression reads: `object` (the request's object) or
 * `oldObject` (the stored object an UPDATE replaces; null on CREATE), and the
 * names of the shared variables derived from it.
 */
export interface CelSubject {
  readonly object: 'object' | 'oldObject';
  /** `variables.<name>` for this subject (`variables.old<Name>` for oldObject). */
  v(name: string): string;
}

export const NEW_OBJECT: CelSubject = { object: 'object', v: (name) => `variables.${name}` };
export const OLD_OBJECT: CelSubject = { object: 'oldObject', v: (name) => `variables.${oldVariableName(name)}` };

function oldVariableName(name: string): string {
  return `old${name[0].toUpperCase()}${name.slice(1)}`;
}

function subjectVariables(S: CelSubject): CelVariable[] {
  const o = S.object;
  const name = (n: string) => (S === OLD_OBJECT ? oldVariableName(n) : n);
  // oldObject is null on CREATE: every other variable reads the object through kind, which is '' then.
  const kind = o === 'oldObject' ? `oldObject != null && has(oldObject.kind) ? oldObject.kind : ''` : `has(object.kind) ? object.kind : ''`;
  return [
    { name: name('kind'), expression: kind },
    { name: name('isWorkload'), expression: `${S.v('kind')} in ${celStringList(CEL_WORKLOAD_KINDS)}` },
    {
      name: name('podSpec'),
      expression:
        `${S.v('kind')} == 'Pod' ? (has(${o}.spec) ? ${o}.spec : {}) : ` +
        `${S.v('kind')} == 'CronJob' ? (${hasPath(o, 'spec.jobTemplate.spec.template.spec')} ? ${o}.spec.jobTemplate.spec.template.spec : {}) : ` +
        `${S.v('kind')} in ${celStringList(CEL_TEMPLATE_KINDS)} ? (${hasPath(o, 'spec.template.spec')} ? ${o}.spec.template.spec : {}) : {}`,
    },
    {
      name: name('podSecurityContext'),
      expression: `has(${S.v('podSpec')}.securityContext) ? ${S.v('podSpec')}.securityContext : {}`,
    },
    {
      // Kubernetes forbids resources on ephemeral containers, so limits are checked on these two lists only.
      name: name('resourceContainers'),
      expression:
        `(has(${S.v('podSpec')}.containers) ? ${S.v('podSpec')}.containers : []) + ` +
        `(has(${S.v('podSpec')}.initContainers) ? ${S.v('podSpec')}.initContainers : [])`,
    },
    {
      name: name('containers'),
      expression:
        `${S.v('resourceContainers')} + ` +
        `(has(${S.v('podSpec')}.ephemeralContainers) ? ${S.v('podSpec')}.ephemeralContainers : [])`,
    },
    {
      name: name('isWindows'),
      expression: `has(${S.v('podSpec')}.os) && has(${S.v('podSpec')}.os.name) && ${S.v('podSpec')}.os.name == 'windows'`,
    },
  ];
}

/**
 * Shared variables over `object`, in dependency order. Kubernetes evaluates them
 * lazily, so listing all of them in every policy costs nothing for the ones a
 * policy's rules do not read.
 */
export const CEL_VARIABLES: readonly CelVariable[] = subjectVariables(NEW_OBJECT);

/** The same variables over `oldObject` (`variables.oldKind`, `variables.oldPodSpec`, …). */
export const CEL_OLD_OBJECT_VARIABLES: readonly CelVariable[] = subjectVariables(OLD_OBJECT);

const C = 'c';
const SC = `${C}.securityContext`;

/** `has(c.securityContext) && has(c.securityContext.<field>)` */
function containerHas(field: string): string {
  return `has(${SC}) && has(${SC}.${field})`;
}

/** The names of the containers in `list` failing `passes`, for messages. */
function failingNames(list: string, passes: string): string {
  return `${list}.filter(${C}, !(${passes})).map(${C}, has(${C}.name) ? string(${C}.name) : '<unnamed>').join(', ')`;
}

/**
 * Kubernetes rejects a static message with line breaks and falls back from a
 * messageExpression result with them; parameters echoed in messages could carry some.
 */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
}

function containerValidation(
  ruleId: RuleId,
  list: string,
  passes: string,
  problemText: string,
  fixText: string,
  exemptWhen?: string,
): CelValidation {
  const problem = oneLine(problemText);
  const fix = oneLine(fixText);
  const all = `${list}.all(${C}, ${passes})`;
  return {
    expression: exemptWhen ? `${exemptWhen} || ${all}` : all,
    messageExpression: `${celString(`${ruleId}: container(s) `)} + ${failingNames(list, passes)} + ${celString(`: ${problem}; ${fix}`)}`,
    message: `${ruleId}: a container ${problem}; ${fix}`,
  };
}

function podValidation(ruleId: RuleId, passes: string, problemText: string, fixText: string): CelValidation {
  const problem = oneLine(problemText);
  const fix = oneLine(fixText);
  return {
    expression: passes,
    messageExpression: celString(`${ruleId}: ${problem}; ${fix}`),
    message: `${ruleId}: ${problem}; ${fix}`,
  };
}

/** CEL for "`value` lies in one of the inclusive ranges"; false for an empty list. */
function inRanges(value: string, ranges: readonly IdRange[]): string {
  if (ranges.length === 0) return 'false';
  return ranges.map((r) => `(${value} >= ${celInt(r.min)} && ${value} <= ${celInt(r.max)})`).join(' || ');
}

function describeRanges(ranges: readonly IdRange[]): string {
  return ranges.length === 0 ? 'none' : ranges.map((r) => `${r.min}-${r.max}`).join(', ');
}

/** The container's value of a securityContext field when set, else the pod's; `check` must hold for it. */
function effective(S: CelSubject, field: string, check: (v: string) => string, whenUnset: string): string {
  const PSC = S.v('podSecurityContext');
  return (
    `(${containerHas(field)}) ? (${check(`${SC}.${field}`)}) : ` +
    `(has(${PSC}.${field}) ? (${check(`${PSC}.${field}`)}) : ${whenUnset})`
  );
}

type Renderer<R extends RuleId> = (params: RuleParameters[R], S: CelSubject) => CelValidation[];

const quantityCeiling = (
  S: CelSubject,
  ruleId: RuleId,
  resource: 'cpu' | 'memory',
  max: string,
  paramName: string,
): CelValidation => {
  const field = `${C}.resources.limits.${resource}`;
  const set = hasPath(C, `resources.limits.${resource}`);
  // isQuantity first: an unparsable limit is a failure to report, not an evaluation error.
  const passes = `!(${set}) || (isQuantity(${field}) && quantity(${field}).compareTo(quantity(${celString(max)})) <= 0)`;
  return containerValidation(
    ruleId,
    S.v('resourceContainers'),
    passes,
    `resources.limits.${resource} exceeds ${paramName} ${max}`,
    `lower resources.limits.${resource} to at most ${max}`,
  );
};

const RENDERERS: { [R in RuleId]: Renderer<R> } = {
  'container-resource-limits': (p, S) => {
    const out: CelValidation[] = [
      containerValidation(
        'container-resource-limits',
        S.v('resourceContainers'),
        `${hasPath(C, 'resources.limits.cpu')} && has(${C}.resources.limits.memory)`,
        'lacks resources.limits.cpu or resources.limits.memory',
        'set both resources.limits.cpu and resources.limits.memory',
      ),
    ];
    if (p.maxCpu !== undefined) out.push(quantityCeiling(S, 'container-resource-limits', 'cpu', p.maxCpu, 'maxCpu'));
    if (p.maxMemory !== undefined) {
      out.push(quantityCeiling(S, 'container-resource-limits', 'memory', p.maxMemory, 'maxMemory'));
    }
    return out;
  },

  'privileged-containers': (_p, S) => [
    containerValidation(
      'privileged-containers',
      S.v('containers'),
      `!(${containerHas('privileged')} && ${SC}.privileged == true)`,
      'sets securityContext.privileged: true',
      'remove it or set securityContext.privileged: false',
    ),
  ],

  'privilege-escalation': (_p, S) => [
    containerValidation(
      'privilege-escalation',
      S.v('containers'),
      `${containerHas('allowPrivilegeEscalation')} && ${SC}.allowPrivilegeEscalation == false`,
      'does not set securityContext.allowPrivilegeEscalation: false',
      'set securityContext.allowPrivilegeEscalation: false',
      S.v('isWindows'),
    ),
  ],

  capabilities: (p, S) => {
    // Defaults again here, so a rendering from unvalidated stored parameters stays strict.
    const allowedCapabilities = p.allowedCapabilities ?? [];
    const addPath = 'capabilities.add';
    const added = `${SC}.${addPath}`;
    const addOk =
      allowedCapabilities.length === 0
        ? `size(${added}) == 0`
        : `${added}.all(cap, cap in ${celStringList(allowedCapabilities)})`;
    const allowedText = allowedCapabilities.length === 0 ? 'none' : allowedCapabilities.join(', ');
    const out = [
      containerValidation(
        'capabilities',
        S.v('containers'),
        `!(has(${SC}) && ${hasPath(SC, addPath)}) || ${addOk}`,
        `adds a capability outside the allowed list (${allowedText})`,
        'remove it from securityContext.capabilities.add',
        S.v('isWindows'),
      ),
    ];
    if (p.requireDropAll === true) {
      out.push(
        containerValidation(
          'capabilities',
          S.v('containers'),
          `has(${SC}) && ${hasPath(SC, 'capabilities.drop')} && 'ALL' in ${SC}.capabilities.drop`,
          'does not drop ALL capabilities',
          'add ALL to securityContext.capabilities.drop',
          S.v('isWindows'),
        ),
      );
    }
    return out;
  },

  'non-root-user': (p, S) => {
    const out: CelValidation[] = [
      containerValidation(
        'non-root-user',
        S.v('containers'),
        effective(S, 'runAsNonRoot', (v) => `${v} == true`, 'false'),
        'does not run with an effective runAsNonRoot: true',
        'set securityContext.runAsNonRoot: true on the pod or the container',
      ),
      containerValidation(
        'non-root-user',
        S.v('containers'),
        // `> 0` rather than `!= 0`: a negative UID is invalid, and failing on it matches the TS evaluator.
        effective(S, 'runAsUser', (v) => `${v} > 0`, 'true'),
        'runs as UID 0 or an invalid UID (effective runAsUser)',
        'set securityContext.runAsUser to a non-zero UID',
      ),
    ];
    const users = p.allowedUserIds;
    if (users !== undefined) {
      out.push(
        containerValidation(
          'non-root-user',
          S.v('containers'),
          effective(S, 'runAsUser', (v) => inRanges(v, users), 'true'),
          `runs as a UID outside the allowed ranges (${describeRanges(users)})`,
          'set securityContext.runAsUser to an allowed UID',
        ),
      );
    }
    const groups = p.allowedGroupIds;
    if (groups !== undefined) {
      out.push(
        containerValidation(
          'non-root-user',
          S.v('containers'),
          effective(S, 'runAsGroup', (v) => inRanges(v, groups), 'true'),
          `runs as a GID outside the allowed ranges (${describeRanges(groups)})`,
          'set securityContext.runAsGroup to an allowed GID',
        ),
        podValidation(
          'non-root-user',
          `(!has(${S.v('podSecurityContext')}.fsGroup) || ${inRanges(`${S.v('podSecurityContext')}.fsGroup`, groups)}) && ` +
            `(!has(${S.v('podSecurityContext')}.supplementalGroups) || ${S.v('podSecurityContext')}.supplementalGroups.all(g, ${inRanges('g', groups)}))`,
          `the pod's fsGroup or supplementalGroups are outside the allowed group ranges (${describeRanges(groups)})`,
          'set securityContext.fsGroup and supplementalGroups to allowed GIDs',
        ),
      );
    }
    return out;
  },

  'automount-service-account-token': (_p, S) => [
    podValidation(
      'automount-service-account-token',
      `!${S.v('isWorkload')} || (has(${S.v('podSpec')}.automountServiceAccountToken) && ${S.v('podSpec')}.automountServiceAccountToken == false)`,
      'the pod spec does not set automountServiceAccountToken: false',
      'set automountServiceAccountToken: false in the pod spec',
    ),
  ],

  'default-namespace': (_p, S) => {
    // The API server fills metadata.namespace from the request; request.namespace covers an object that omits it.
    const ns =
      `(${hasPath(S.object, 'metadata.namespace')} && ${S.object}.metadata.namespace != '' ? ${S.object}.metadata.namespace : ` +
      `(has(request.namespace) ? request.namespace : ''))`;
    return [
      podValidation(
        'default-namespace',
        `!${S.v('isWorkload')} || !(${ns} in ['', 'default'])`,
        'the workload is in the default namespace',
        'deploy it to a dedicated namespace',
      ),
    ];
  },

  'host-namespaces': (_p, S) => [
    podValidation(
      'host-namespaces',
      ['hostPID', 'hostIPC', 'hostNetwork']
        .map((f) => `!(has(${S.v('podSpec')}.${f}) && ${S.v('podSpec')}.${f} == true)`)
        .join(' && '),
      'the pod shares a host namespace (hostPID, hostIPC or hostNetwork is true)',
      'remove hostPID, hostIPC and hostNetwork or set them to false',
    ),
  ],

  'trusted-registries': (p, S) => {
    const patterns = p.allowedPatterns ?? [];
    const regex = globsToCelRegex(patterns);
    // An image reference longer than the TS evaluator checks fails here too, before any matching.
    const passes =
      regex === undefined ? 'false' : `has(${C}.image) && size(${C}.image) <= ${MAX_IMAGE_REFERENCE_LENGTH} && ${C}.image.matches(${celString(regex)})`;
    const allowed = patterns.length === 0 ? 'none' : patterns.join(', ');
    return [
      containerValidation(
        'trusted-registries',
        S.v('containers'),
        passes,
        `uses an image matching no allowed pattern (${allowed})`,
        'pull the image from a trusted registry',
      ),
    ];
  },

  'ingress-https': (_p, S) => {
    const tls = `${S.object}.spec.tls`;
    const covered = `${tls}.exists(t, !has(t.hosts) || size(t.hosts) == 0 || r.host in t.hosts)`;
    return [
      podValidation(
        'ingress-https',
        `${S.v('kind')} != 'Ingress' || (${hasPath(S.object, 'spec.tls')} && size(${tls}) > 0 && ` +
          `(!has(${S.object}.spec.rules) || ${S.object}.spec.rules.all(r, !has(r.host) || r.host == '' || ${covered})))`,
        'the Ingress has no spec.tls or a rule host not covered by spec.tls[].hosts',
        'add every rule host to spec.tls[].hosts',
      ),
    ];
  },

  'read-only-root-filesystem': (_p, S) => [
    containerValidation(
      'read-only-root-filesystem',
      S.v('containers'),
      `${containerHas('readOnlyRootFilesystem')} && ${SC}.readOnlyRootFilesystem == true`,
      'does not set securityContext.readOnlyRootFilesystem: true',
      'set securityContext.readOnlyRootFilesystem: true',
      S.v('isWindows'),
    ),
  ],
};

/**
 * The CEL validations for one rule, parameters inlined as literals. Parameters
 * must already be validated (and defaulted) by the catalog.
 */
export function renderCelRule<R extends RuleId>(ruleId: R, parameters: RuleParameters[R], subject: CelSubject = NEW_OBJECT): CelRuleRendering {
  const render = RENDERERS[ruleId] as Renderer<R> | undefined;
  if (render === undefined) throw new Error(`unknown rule id: ${String(ruleId)}`);
  return { ruleId, validations: render(parameters, subject) };
}
