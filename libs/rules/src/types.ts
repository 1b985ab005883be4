// The public shapes of the rule library. Pure TypeScript: no framework imports,
// so the API, the worker, the sensor and the benchmarks share it unchanged.

export const RULE_IDS = [
  'container-resource-limits',
  'privileged-containers',
  'privilege-escalation',
  'capabilities',
  'non-root-user',
  'automount-service-account-token',
  'default-namespace',
  'host-namespaces',
  'trusted-registries',
  'ingress-https',
  'read-only-root-filesystem',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export type RuleCategory =
  | 'resources'
  | 'runtime'
  | 'privileges'
  | 'identity'
  | 'credentials'
  | 'isolation'
  | 'supply chain'
  | 'network';

export interface IdRange {
  min: number;
  max: number;
}

/** Parameters per rule (after defaults are applied). */
export interface RuleParameters {
  'container-resource-limits': { maxCpu?: string; maxMemory?: string };
  'privileged-containers': Record<string, never>;
  'privilege-escalation': Record<string, never>;
  capabilities: { allowedCapabilities: string[]; requireDropAll: boolean };
  'non-root-user': { allowedUserIds?: IdRange[]; allowedGroupIds?: IdRange[] };
  'automount-service-account-token': Record<string, never>;
  'default-namespace': Record<string, never>;
  'host-namespaces': Record<string, never>;
  'trusted-registries': { allowedPatterns: string[] };
  'ingress-https': Record<string, never>;
  'read-only-root-filesystem': Record<string, never>;
}

/** JSON schema (draft 2020-12 subset understood by ajv) */
export type JsonSchema = Record<string, unknown>;

export interface RuleDefinition<R extends RuleId = RuleId> {
  id: R;
  title: string;
  category: RuleCategory;
  description: string;
  /** What to change, in one sentence, shown with findings. */
  remediation: string;
  parametersSchema: JsonSchema;
  defaultParameters: RuleParameters[R];
  /** Whether the default policy enables this rule (all but trusted-registries). */
  enabledByDefault: boolean;
}

/** One violation of one rule in one document. */
export interface Finding {
  ruleId: RuleId;
  /** Says what is wrong and what to change, e.g. "container 'app': set securityContext.allowPrivilegeEscalation: false". */
  message: string;
  /** JSON path in the document, e.g. spec.template.spec.containers[1].securityContext.privileged */
  path: string;
  /** The container concerned, when the finding is about one. */
  container?: string;
}

/** A parsed Kubernetes object (one YAML/JSON document). */
export type Manifest = Record<string, unknown>;

/** Thrown when parameters do not satisfy a rule's schema, or a rule id is unknown. */
export class RuleParameterError extends Error {
  constructor(
    readonly ruleId: string,
    /** JSON-pointer-like field name inside the parameters, e.g. "maxCpu" or "allowedUserIds[0].min" */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'RuleParameterError';
  }
}
