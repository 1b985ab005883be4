// Reading pod specs out of workload manifests without trusting their shape.
//
// Manifests come from users, files and admission requests, so every field may be
// missing or of the wrong type. Nothing here throws: shapes that cannot be read are
// returned as StructuralProblems, which the evaluators turn into findings (failing
// closed: a container list we cannot read is never silently treated as compliant).

import type { Manifest } from './types';

export type JsonObject = Record<string, unknown>;

// Hot-path built-ins are bound once: inside a vm context (Jest, sandboxes) every lookup
// of a global such as `Array` goes through an interceptor and costs ~100x more.
export const isArray = Array.isArray as (value: unknown) => value is unknown[];

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !isArray(value);
}

/** Describes a value's JSON type for messages ("a string", "null", "a list"). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export type ContainerListName = 'containers' | 'initContainers' | 'ephemeralContainers';

export const CONTAINER_LISTS: readonly ContainerListName[] = ['containers', 'initContainers', 'ephemeralContainers'];

export interface WorkloadKind {
  readonly kind: string;
  /** API groups whose objects of this kind share the v1 pod-template layout ('' is core). */
  readonly apiGroups: readonly string[];
  /** Plural resource name, as ValidatingAdmissionPolicy matchConstraints want it. */
  readonly resource: string;
  /** Where the pod spec sits in the object. */
  readonly podSpecPath: readonly string[];
}

const TEMPLATE = ['spec', 'template', 'spec'] as const;

// `extensions` is long gone from clusters but still found in files people scan;
// its workloads and Ingress have the same shape for every field the rules read.
export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  { kind: 'Pod', apiGroups: [''], resource: 'pods', podSpecPath: ['spec'] },
  { kind: 'Deployment', apiGroups: ['apps', 'extensions'], resource: 'deployments', podSpecPath: TEMPLATE },
  { kind: 'StatefulSet', apiGroups: ['apps'], resource: 'statefulsets', podSpecPath: TEMPLATE },
  { kind: 'DaemonSet', apiGroups: ['apps', 'extensions'], resource: 'daemonsets', podSpecPath: TEMPLATE },
  { kind: 'ReplicaSet', apiGroups: ['apps', 'extensions'], resource: 'replicasets', podSpecPath: TEMPLATE },
  { kind: 'Job', apiGroups: ['batch'], resource: 'jobs', podSpecPath: TEMPLATE },
  {
    kind: 'CronJob',
    apiGroups: ['batch'],
    resource: 'cronjobs',
    podSpecPath: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  },
  { kind: 'ReplicationController', apiGroups: [''], resource: 'replicationcontrollers', podSpecPath: TEMPLATE },
];

export const INGRESS_KIND = {
  kind: 'Ingress',
  apiGroups: ['networking.k8s.io', 'extensions'] as readonly string[],
  resource: 'ingresses',
} as const;

const WORKLOADS_BY_KIND: ReadonlyMap<string, WorkloadKind & { podSpecPathText: string }> = new Map(
  WORKLOAD_KINDS.map((w) => [w.kind, { ...w, podSpecPathText: w.podSpecPath.join('.') }]),
);

/**
 * Whether the manifest's apiVersion belongs to one of the groups. A missing apiVersion
 * is accepted: snippets pasted into a scan often omit it, and the kind is unambiguous.
 */
function groupMatches(manifest: Manifest, groups: readonly string[]): boolean {
  const apiVersion = manifest.apiVersion;
  if (apiVersion === undefined || apiVersion === null) return true;
  if (typeof apiVersion !== 'string') return false;
  const slash = apiVersion.indexOf('/');
  return groups.includes(slash === -1 ? '' : apiVersion.slice(0, slash));
}

export function getWorkloadKind(manifest: Manifest): WorkloadKind | undefined {
  const kind = manifest.kind;
  if (typeof kind !== 'string') return undefined;
  const workload = WORKLOADS_BY_KIND.get(kind);
  return workload && groupMatches(manifest, workload.apiGroups) ? workload : undefined;
}

export function isIngress(manifest: Manifest): boolean {
  return manifest.kind === INGRESS_KIND.kind && groupMatches(manifest, INGRESS_KIND.apiGroups);
}

export interface ContainerRef {
  readonly list: ContainerListName;
  readonly index: number;
  /** JSON path of the container, e.g. spec.template.spec.containers[1]. */
  readonly path: string;
  readonly name: string | undefined;
  /** For messages: "container 'app'", "init container 'setup'", "ephemeral container #0". */
  readonly label: string;
  readonly container: JsonObject;
}

export interface StructuralProblem {
  readonly path: string;
  readonly message: string;
  /** The container list the problem belongs to; undefined for the pod spec itself. */
  readonly list?: ContainerListName;
  /** The container the problem belongs to, when it has a name. */
  readonly container?: string;
}

export interface WorkloadView {
  readonly kind: string;
  /** JSON path of the pod spec, e.g. spec.template.spec. */
  readonly podSpecPath: string;
  /** Undefined when the manifest has no readable pod spec (see problems). */
  readonly podSpec: JsonObject | undefined;
  /** The pod-level securityContext when it is an object. */
  readonly podSecurityContext: JsonObject | undefined;
  /** containers, then initContainers, then ephemeralContainers, in document order. */
  readonly containers: readonly ContainerRef[];
  /** Shapes that could not be read: pod spec, container lists, container entries. */
  readonly problems: readonly StructuralProblem[];
  /** spec.os.name is windows: Kubernetes forbids several Linux-only settings there. */
  readonly windows: boolean;
}

const LIST_LABELS: Readonly<Record<ContainerListName, string>> = {
  containers: 'container',
  initContainers: 'init container',
  ephemeralContainers: 'ephemeral container',
};

/** Reads a workload's pod spec and containers; undefined when the manifest is not a workload. */
export function viewWorkload(manifest: Manifest): WorkloadView | undefined {
  const kind = manifest.kind;
  if (typeof kind !== 'string') return undefined;
  const workload = WORKLOADS_BY_KIND.get(kind);
  if (workload === undefined || !groupMatches(manifest, workload.apiGroups)) return undefined;

  const podSpecPath = workload.podSpecPathText;
  let node: unknown = manifest;
  let walked = '';
  for (const key of workload.podSpecPath) {
    if (!isObject(node)) break;
    node = node[key];
    walked = walked === '' ? key : `${walked}.${key}`;
  }
  if (!isObject(node)) {
    const found = walked === podSpecPath && node !== undefined ? ` (found ${describeType(node)})` : '';
    return {
      kind,
      podSpecPath,
      podSpec: undefined,
      podSecurityContext: undefined,
      containers: [],
      problems: [
        { path: podSpecPath, message: `${kind} has no pod spec at ${podSpecPath}${found}; cannot check it` },
      ],
      windows: false,
    };
  }

  const podSpec = node;
  const containers: ContainerRef[] = [];
  let problems: StructuralProblem[] | undefined;
  for (const list of CONTAINER_LISTS) {
    const items = podSpec[list];
    if (items === undefined || items === null) continue;
    const listPath = `${podSpecPath}.${list}`;
    if (!isArray(items)) {
      (problems ??= []).push({
        path: listPath,
        list,
        message: `${listPath} must be a list of containers but is ${describeType(items)}; cannot check its containers`,
      });
      continue;
    }
    for (let index = 0; index < items.length; index++) {
      const container: unknown = items[index];
      const path = `${listPath}[${index}]`;
      if (!isObject(container)) {
        (problems ??= []).push({
          path,
          list,
          message: `${path} must be a container object but is ${describeType(container)}; cannot check it`,
        });
        continue;
      }
      const name = typeof container.name === 'string' && container.name !== '' ? container.name : undefined;
      containers.push({
        list,
        index,
        path,
        name,
        label: name === undefined ? `${LIST_LABELS[list]} #${index}` : `${LIST_LABELS[list]} '${name}'`,
        container,
      });
    }
  }

  const securityContext = podSpec.securityContext;
  const os = podSpec.os;
  return {
    kind,
    podSpecPath,
    podSpec,
    podSecurityContext: isObject(securityContext) ? securityContext : undefined,
    containers,
    problems: problems ?? NO_PROBLEMS,
    windows: isObject(os) && os.name === 'windows',
  };
}

const NO_PROBLEMS: readonly StructuralProblem[] = Object.freeze([]);

/** The fields where a container's securityContext overrides the pod's. */
export type InheritedSecurityField = 'runAsNonRoot' | 'runAsUser' | 'runAsGroup';

export interface EffectiveSetting {
  /** Undefined when neither the container nor the pod sets it. */
  readonly value: unknown;
  /** Where the value comes from; the container's path when nothing sets it. */
  readonly path: string;
  readonly source: 'container' | 'pod' | 'unset';
}

/**
 * The effective value of a field Kubernetes lets a container override (null counts as
 * unset, as it does for the API server).
 */
export function effectiveSecuritySetting(
  view: WorkloadView,
  ref: ContainerRef,
  field: InheritedSecurityField,
): EffectiveSetting {
  const own = ref.container.securityContext;
  if (isObject(own)) {
    const value = own[field];
    if (value !== undefined && value !== null) {
      return { value, path: `${ref.path}.securityContext.${field}`, source: 'container' };
    }
  }
  const pod = view.podSecurityContext;
  if (pod !== undefined) {
    const value = pod[field];
    if (value !== undefined && value !== null) {
      return { value, path: `${view.podSpecPath}.securityContext.${field}`, source: 'pod' };
    }
  }
  return { value: undefined, path: `${ref.path}.securityContext.${field}`, source: 'unset' };
}

export function isWindowsPod(podSpec: unknown): boolean {
  return isObject(podSpec) && isObject(podSpec.os) && podSpec.os.name === 'windows';
}
