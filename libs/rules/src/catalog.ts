// The built-in rule catalog and parameter validation (see shared/design/RULES.md).
//
// Schemas are compiled once at module load; validation runs when a policy is saved or
// compiled, never per evaluated manifest.

import { deepFreeze } from '@rampart/common';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { imagePatternProblem, LINUX_CAPABILITIES, normaliseCapabilityName } from './parameter-checks';
import { parseQuantity } from './quantity';
import {
  type IdRange,
  type JsonSchema,
  RULE_IDS,
  type RuleDefinition,
  type RuleId,
  type RuleParameters,
  RuleParameterError,
} from './types';

// Kubernetes validates runAsUser / runAsGroup / fsGroup as 0..MaxInt32.
const MAX_ID = 2_147_483_647;

/**
 * Bounds on every parameter, generous for real policies: they keep what one policy asks
 * of the evaluator and the bundle compiler (and what it stores) small.
 */
export const PARAMETER_LIMITS = Object.freeze({
  /** trusted-registries: patterns per rule, characters per pattern. */
  maxPatterns: 256,
  maxPatternLength: 512,
  /** capabilities: names per rule, characters per name (the longest Linux capability has 18). */
  maxCapabilities: 64,
  maxCapabilityLength: 64,
  /** non-root-user: ranges per list. */
  maxIdRanges: 64,
  /** container-resource-limits: characters of a quantity. */
  maxQuantityLength: 64,
});

const NO_PARAMETERS: JsonSchema = { type: 'object', additionalProperties: false, properties: {} };

const quantitySchema = (description: string): JsonSchema => ({
  type: 'string',
  minLength: 1,
  maxLength: PARAMETER_LIMITS.maxQuantityLength,
  description,
});

const idRangesSchema = (what: string): JsonSchema => ({
  type: 'array',
  description: `Inclusive ranges of allowed ${what}; omit to allow any`,
  minItems: 1,
  maxItems: PARAMETER_LIMITS.maxIdRanges,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['min', 'max'],
    properties: {
      min: { type: 'integer', minimum: 0, maximum: MAX_ID },
      max: { type: 'integer', minimum: 0, maximum: MAX_ID },
    },
  },
});

type Catalog = { readonly [R in RuleId]: RuleDefinition<R> };

const DEFINITIONS: Catalog = {
  'container-resource-limits': {
    id: 'container-resource-limits',
    title: 'Containers set CPU and memory limits',
    category: 'resources',
    description:
      'Every container and init container must set resources.limits.cpu and resources.limits.memory, ' +
      'optionally at or below a ceiling. Without limits one pod can starve its neighbours on the node.',
    remediation: 'Set resources.limits.cpu and resources.limits.memory on every container, within the configured maximums.',
    parametersSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxCpu: quantitySchema('Highest allowed CPU limit, a Kubernetes quantity such as "2" or "1500m" (inclusive)'),
        maxMemory: quantitySchema('Highest allowed memory limit, a Kubernetes quantity such as "4Gi" (inclusive)'),
      },
    },
    defaultParameters: {},
    enabledByDefault: true,
  },
  'privileged-containers': {
    id: 'privileged-containers',
    title: 'No privileged containers',
    category: 'runtime',
    description:
      'No container may set securityContext.privileged: true. A privileged container can access every device ' +
      'on the node and escape its isolation.',
    remediation: 'Remove securityContext.privileged or set it to false.',
    parametersSchema: NO_PARAMETERS,
    defaultParameters: {},
    enabledByDefault: true,
  },
  'privilege-escalation': {
    id: 'privilege-escalation',
    title: 'Privilege escalation is disallowed',
    category: 'privileges',
    description:
      'Every container must set securityContext.allowPrivilegeEscalation: false so that setuid binaries cannot ' +
      'gain more privileges than the process started with. Windows pods are exempt.',
    remediation: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
    parametersSchema: NO_PARAMETERS,
    defaultParameters: {},
    enabledByDefault: true,
  },
  capabilities: {
    id: 'capabilities',
    title: 'Linux capabilities are restricted',
    category: 'privileges',
    description:
      'Containers may add only the allowed Linux capabilities (names match exactly, e.g. NET_BIND_SERVICE) ' +
      'and, when required, must drop ALL. Windows pods are exempt.',
    remediation: 'Drop ALL capabilities and add back only the allowed ones in securityContext.capabilities.',
    parametersSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allowedCapabilities: {
          type: 'array',
          description: 'Capabilities a container may add, matched exactly (e.g. NET_BIND_SERVICE)',
          maxItems: PARAMETER_LIMITS.maxCapabilities,
          items: { type: 'string', minLength: 1, maxLength: PARAMETER_LIMITS.maxCapabilityLength },
          default: [],
        },
        requireDropAll: {
          type: 'boolean',
          description: 'Require securityContext.capabilities.drop to contain ALL',
          default: false,
        },
      },
    },
    defaultParameters: { allowedCapabilities: [], requireDropAll: false },
    enabledByDefault: true,
  },
  'non-root-user': {
    id: 'non-root-user',
    title: 'Containers run as a non-root user',
    category: 'identity',
    description:
      'The effective runAsNonRoot must be true and the effective runAsUser must not be 0 (container settings ' +
      'override the pod). Optionally, user and group ids (including fsGroup and supplementalGroups) must lie in ' +
      'approved ranges.',
    remediation: 'Set securityContext.runAsNonRoot: true and a non-zero runAsUser within the approved ranges.',
    parametersSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allowedUserIds: idRangesSchema('user ids (runAsUser)'),
        allowedGroupIds: idRangesSchema('group ids (runAsGroup, fsGroup, supplementalGroups)'),
      },
    },
    defaultParameters: {},
    enabledByDefault: true,
  },
  'automount-service-account-token': {
    id: 'automount-service-account-token',
    title: 'Service account tokens are not mounted automatically',
    category: 'credentials',
    description:
      'The pod spec must set automountServiceAccountToken: false, so that a compromised container does not ' +
      'hold API credentials it never needed.',
    remediation: 'Set automountServiceAccountToken: false in the pod spec; mount a token only where the API is used.',
    parametersSchema: NO_PARAMETERS,
    defaultParameters: {},
    enabledByDefault: true,
  },
  'default-namespace': {
    id: 'default-namespace',
    title: 'Workloads are not in the default namespace',
    category: 'isolation',
    description:
      'Workloads must name a namespace other than default (an empty or missing namespace means default), so ' +
      'that quotas, network policies and RBAC can be scoped to them.',
    remediation: 'Set metadata.namespace to a dedicated namespace.',
    parametersSchema: NO_PARAMETERS,
    defaultParameters: {},
    enabledByDefault: true,
  },
  'host-namespaces': {
    id: 'host-namespaces',
    title: 'Host namespaces are not shared',
    category: 'isolation',
    description: 'Pods must not set hostPID, hostIPC or hostNetwork to true, which would share the node\'s namespaces.',
    remediation: 'Remove hostPID, hostIPC and hostNetwork from the pod spec or set them to false.',
    parametersSchema: NO_PARAMETERS,
    defaultParameters: {},
    enabledByDefault: true,
  },
  'trusted-registries': {
    id: 'trusted-registries',
    title: 'Images come from trusted registries',
    category: 'supply chain',
    description:
      'Every container image, as written, must match one of the allowed glob patterns: `*` matches within a ' +
      'path segment, `**` across segments (e.g. myacr.azurecr.io/**). Matching is exact and case-sensitive.',
    remediation: 'Use images from an allowed registry, or add the registry to the allowed patterns.',
    parametersSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allowedPatterns: {
          type: 'array',
          description: 'Image globs: `*` within a path segment, `**` across segments; no other glob or regex syntax',
          maxItems: PARAMETER_LIMITS.maxPatterns,
          items: { type: 'string', minLength: 1, maxLength: PARAMETER_LIMITS.maxPatternLength },
          default: [],
        },
      },
    },
    defaultParameters: { allowedPatterns: [] },
    // Off by default: with no allowed patterns, every image would fail.
    enabledByDefault: false,
  },
  'ingress-https': {
    id: 'ingress-https',
    title: 'Ingresses serve HTTPS',
    category: 'network',
    description:
      'Every host of a networking.k8s.io/v1 Ingress must be covered by spec.tls (an entry without hosts covers ' +
      'every host).',
    remediation: 'Add a spec.tls entry whose hosts include every rule host, with a certificate secret.',
    parametersSchema: NO_PARAMETERS,
    defaultParameters: {},
    enabledByDefault: true,
  },
  'read-only-root-filesystem': {
    id: 'read-only-root-filesystem',
    title: 'Root filesystems are read-only',
    category: 'runtime',
    description:
      'Every container must set securityContext.readOnlyRootFilesystem: true, so that an intruder cannot alter ' +
      'the image\'s files. Windows pods are exempt.',
    remediation: 'Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where the container writes.',
    parametersSchema: NO_PARAMETERS,
    defaultParameters: {},
    enabledByDefault: true,
  },
};

export const RULE_CATALOG: readonly RuleDefinition[] = deepFreeze(RULE_IDS.map((id) => DEFINITIONS[id]));

/** What each rule evaluates: workload pod templates, or networking.k8s.io Ingresses. */
export const RULE_TARGETS: Readonly<Record<RuleId, 'workload' | 'ingress'>> = Object.freeze({
  'container-resource-limits': 'workload',
  'privileged-containers': 'workload',
  'privilege-escalation': 'workload',
  capabilities: 'workload',
  'non-root-user': 'workload',
  'automount-service-account-token': 'workload',
  'default-namespace': 'workload',
  'host-namespaces': 'workload',
  'trusted-registries': 'workload',
  'ingress-https': 'ingress',
  'read-only-root-filesystem': 'workload',
});

const RULE_ID_SET: ReadonlySet<string> = new Set(RULE_IDS);

export function isRuleId(value: unknown): value is RuleId {
  return typeof value === 'string' && RULE_ID_SET.has(value);
}

export function getRuleDefinition<R extends RuleId>(id: R): RuleDefinition<R>;
export function getRuleDefinition(id: string): RuleDefinition | undefined;
export function getRuleDefinition(id: string): RuleDefinition | undefined {
  return isRuleId(id) ? DEFINITIONS[id] : undefined;
}

// strict: unknown keywords or ambiguous types in our own schemas fail at load, not in production.
// useDefaults fills allowedCapabilities etc.; coercion is off so "true" is not a boolean;
// verbose gives errors their parent schema, from which we list the known parameter names.
const ajv = new Ajv2020({ strict: true, allErrors: false, useDefaults: true, coerceTypes: false, verbose: true });

const VALIDATORS: { readonly [R in RuleId]: ValidateFunction } = Object.fromEntries(
  RULE_IDS.map((id) => [id, ajv.compile(DEFINITIONS[id].parametersSchema)]),
) as { [R in RuleId]: ValidateFunction };

/** "/allowedUserIds/0/min" → "allowedUserIds[0].min" */
function fieldName(instancePath: string, child?: string): string {
  let field = '';
  const parts = instancePath === '' ? [] : instancePath.slice(1).split('/');
  if (child !== undefined) parts.push(child);
  for (const raw of parts) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    field += /^\d+$/.test(part) ? `[${part}]` : field === '' ? part : `.${part}`;
  }
  return field;
}

function schemaError(ruleId: RuleId, error: ErrorObject): RuleParameterError {
  const prefix = `rule '${ruleId}'`;
  if (error.keyword === 'additionalProperties') {
    const name = String(error.params.additionalProperty);
    const field = fieldName(error.instancePath, name);
    const known = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
    const hint = known.length === 0 ? 'this rule takes no parameters' : `known: ${known.join(', ')}`;
    return new RuleParameterError(ruleId, field, `${prefix}: unknown parameter '${field}' (${hint})`);
  }
  if (error.keyword === 'required') {
    const field = fieldName(error.instancePath, String(error.params.missingProperty));
    return new RuleParameterError(ruleId, field, `${prefix}: parameter '${field}' is required`);
  }
  const field = fieldName(error.instancePath);
  const subject = field === '' ? 'parameters' : `parameter '${field}'`;
  let detail = error.message ?? 'is invalid';
  if (error.keyword === 'minItems' && /Ids$/.test(field)) detail += '; omit the parameter to allow any id';
  if (error.keyword === 'minLength') detail = 'must not be empty';
  return new RuleParameterError(ruleId, field, `${prefix}: ${subject} ${detail}`);
}

// Checks JSON schema cannot express: quantities that Kubernetes would parse, ordered ranges.
function checkSemantics(ruleId: RuleId, params: Record<string, unknown>): void {
  if (ruleId === 'container-resource-limits') {
    for (const field of ['maxCpu', 'maxMemory'] as const) {
      const value = params[field];
      if (value === undefined) continue;
      let negative: boolean;
      try {
        negative = parseQuantity(value as string).nanos < 0n;
      } catch {
        throw new RuleParameterError(
          ruleId,
          field,
          `rule '${ruleId}': parameter '${field}' must be a Kubernetes quantity such as ${field === 'maxCpu' ? '"2" or "500m"' : '"4Gi" or "512M"'}, got ${JSON.stringify(value)}`,
        );
      }
      if (negative) {
        throw new RuleParameterError(ruleId, field, `rule '${ruleId}': parameter '${field}' must not be negative, got ${JSON.stringify(value)}`);
      }
    }
  } else if (ruleId === 'capabilities') {
    const names = params.allowedCapabilities as string[];
    const normalised: string[] = [];
    names.forEach((raw, i) => {
      const name = normaliseCapabilityName(raw);
      if (name === undefined) {
        throw new RuleParameterError(
          ruleId,
          `allowedCapabilities[${i}]`,
          `rule '${ruleId}': parameter 'allowedCapabilities[${i}]' is not a Linux capability: ${JSON.stringify(raw)} (known: ${LINUX_CAPABILITIES.join(', ')})`,
        );
      }
      if (!normalised.includes(name)) normalised.push(name);
    });
    params.allowedCapabilities = normalised;
  } else if (ruleId === 'trusted-registries') {
    (params.allowedPatterns as string[]).forEach((pattern, i) => {
      const problem = imagePatternProblem(pattern);
      if (problem === undefined) return;
      const instead = problem.suggestion === undefined ? 'such as "myacr.azurecr.io/**"' : `"${problem.suggestion}"`;
      throw new RuleParameterError(
        ruleId,
        `allowedPatterns[${i}]`,
        `rule '${ruleId}': parameter 'allowedPatterns[${i}]' ${JSON.stringify(pattern)} ${problem.reason}; patterns are globs, ` +
          `not regular expressions: * matches within a path segment and ** across segments — write ${instead} instead`,
      );
    });
  } else if (ruleId === 'non-root-user') {
    for (const field of ['allowedUserIds', 'allowedGroupIds'] as const) {
      const ranges = params[field] as IdRange[] | undefined;
      ranges?.forEach((range, i) => {
        if (range.min > range.max) {
          throw new RuleParameterError(
            ruleId,
            `${field}[${i}]`,
            `rule '${ruleId}': parameter '${field}[${i}]' has min ${range.min} greater than max ${range.max}`,
          );
        }
      });
    }
  }
}

/**
 * Validates parameters for a rule and returns them with defaults filled in (a fresh
 * object: the input is not modified). `undefined` / `null` mean "all defaults".
 * Throws RuleParameterError naming the rule and the field.
 */
export function validateRuleParameters<R extends RuleId>(ruleId: R, params: unknown): RuleParameters[R];
export function validateRuleParameters(ruleId: string, params: unknown): RuleParameters[RuleId];
export function validateRuleParameters(ruleId: string, params: unknown): RuleParameters[RuleId] {
  if (!isRuleId(ruleId)) {
    throw new RuleParameterError(String(ruleId), '', `unknown rule '${String(ruleId)}' (known: ${RULE_IDS.join(', ')})`);
  }
  // structuredClone: ajv's useDefaults writes into the object, and the caller's must stay untouched.
  let copy: unknown = {};
  if (params !== undefined && params !== null) {
    try {
      copy = structuredClone(params);
    } catch {
      throw new RuleParameterError(ruleId, '', `rule '${ruleId}': parameters must be plain JSON data`);
    }
  }
  const validate = VALIDATORS[ruleId];
  if (!validate(copy)) throw schemaError(ruleId, validate.errors![0]);
  checkSemantics(ruleId, copy as Record<string, unknown>);
  return copy as RuleParameters[RuleId];
}
