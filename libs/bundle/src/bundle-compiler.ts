// The per-cluster policy bundle (API.md, "Bundle (JSON)"): the policies whose cloud
// scope and cluster scope cover the cluster, in Rampart's form and as
// ValidatingAdmissionPolicy + binding pairs, identified by the SHA-256 of its canonical
// JSON. `enforcement` tells the sensor whether the cluster can deny; a cluster that can
// only audit (policy semantics rule 6) gets no admission objects at all: below
// Kubernetes 1.30 the API server does not serve admissionregistration.k8s.io/v1
// ValidatingAdmissionPolicy, and for the other reasons (old sensor, policies disabled,
// plan off) nothing should be installed that could deny. The sensor audits such a
// cluster from the Rampart-form policies.
//
// One worker compiles bundles for thousands of clusters from the same few dozen
// policies, so everything that depends only on a policy (validation, CEL rendering,
// canonical JSON) is done once per policy content, and everything that depends only on
// the set of policies a cluster gets (the hash state up to the cluster id, the tail
// after it) once per distinct set. What is left per cluster is hashing its id and the
// short Rampart-form tail.

import { createHash, type Hash } from 'node:crypto';
import {
  renderAdmissionPolicy,
  type RuleId,
  type ValidatingAdmissionPolicy,
  type ValidatingAdmissionPolicyBinding,
} from '@rampart/rules';
import { canonicalJson, deepFreeze } from '@rampart/common';
import { enabledRules, LruCache, policyFingerprint } from './policy-cache';
import { policyCoversCluster, systemNamespaces } from './scope';
import { enforcementOf, type BundleCluster, type BundlePolicy, type ClusterEnforcement, type NamespaceOptions, type PolicyAction } from './types';

export const BUNDLE_API_VERSION = 'rampart.io/v1';
export const BUNDLE_KIND = 'PolicyBundle';

/** A policy in Rampart's own form, as the sensor's webhook evaluates it. */
export interface BundlePolicyDocument {
  id: string;
  name: string;
  action: PolicyAction;
  isDefault: boolean;
  /**
   * Applies in a namespace when `include` is empty or names it, and `exclude` does not;
   * with no include list, `exclude` lists the system namespaces.
   */
  namespaces: { include: string[]; exclude: string[] };
  /** Enabled rules only, in catalog order, parameters validated and defaulted. */
  rules: { id: RuleId; parameters: object }[];
}

export interface PolicyBundle {
  apiVersion: typeof BUNDLE_API_VERSION;
  kind: typeof BUNDLE_KIND;
  clusterId: string;
  /** Whether the cluster can deny; AUDIT_ONLY bundles carry no admission objects. */
  enforcement: ClusterEnforcement;
  version: number;
  /** `sha256:<hex>` of the canonical JSON of everything but version and etag. */
  etag: string;
  /** Sorted by id. */
  policies: readonly BundlePolicyDocument[];
  admission: {
    policies: readonly ValidatingAdmissionPolicy[];
    bindings: readonly ValidatingAdmissionPolicyBinding[];
  };
}

/** Everything the ETag covers. */
export type BundleContent = Omit<PolicyBundle, 'version' | 'etag'>;

export interface CompileBundleOptions {
  /** The bundle row's version; not part of the ETag. */
  version: number;
  namespaces?: NamespaceOptions;
}

export interface BundleCompilerOptions {
  /** Rendered policies kept (per policy content and sensor namespace). */
  policyCacheSize?: number;
  /** Distinct policy sets kept (clusters receiving the same policies share one). */
  policySetCacheSize?: number;
}

export interface BundleCompiler {
  compile(cluster: BundleCluster, policies: readonly BundlePolicy[], options: CompileBundleOptions): PolicyBundle;
}

/** Rampart form + admission objects (main pair, then pre-existing pair) of one policy, or undefined when it enables no rule. */
export function renderBundlePolicy(
  policy: BundlePolicy,
  options: NamespaceOptions = {},
): { document: BundlePolicyDocument; admission: { policies: ValidatingAdmissionPolicy[]; bindings: ValidatingAdmissionPolicyBinding[] } } | undefined {
  const rules = enabledRules(policy);
  // Kubernetes rejects a ValidatingAdmissionPolicy without validations, and it would check nothing.
  if (rules.length === 0) return undefined;
  const include = [...new Set(policy.scope.namespaces)].sort();
  const namespaces = { include, exclude: include.length > 0 ? [] : systemNamespaces(options) };
  const document: BundlePolicyDocument = {
    id: policy.id,
    name: policy.name,
    action: policy.action,
    isDefault: policy.isDefault,
    namespaces,
    rules: rules.map((rule) => ({ id: rule.id, parameters: rule.parameters })),
  };
  const rendered = renderAdmissionPolicy(
    { id: policy.id, name: policy.name, action: policy.action, namespaces: { include: [...include], exclude: [...namespaces.exclude] }, rules: document.rules },
    { sensorNamespace: options.sensorNamespace },
  );
  return {
    document,
    admission: { policies: [rendered.policy, rendered.preExistingPolicy], bindings: [rendered.binding, rendered.preExistingBinding] },
  };
}

/** `"sha256:" + hex SHA-256` of the canonical JSON of everything but version and etag. */
export function bundleEtag(bundle: BundleContent | PolicyBundle): string {
  const { version: _version, etag: _etag, ...content } = bundle as PolicyBundle;
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 0) throw new RangeError(`bundle version must be a non-negative integer, got ${version}`);
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// Two policies with one id would render two admission objects with one name.
function checkUniqueIds(sorted: readonly { id: string }[]): void {
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].id === sorted[i - 1].id) throw new Error(`duplicate policy id ${sorted[i].id} in bundle input`);
  }
}

/**
 * The straightforward compiler: renders every policy for every cluster and hashes the
 * whole canonical text. Kept as the oracle the cached compiler is tested against and
 * as the benchmark baseline.
 */
export function compileBundleReference(cluster: BundleCluster, policies: readonly BundlePolicy[], options: CompileBundleOptions): PolicyBundle {
  checkVersion(options.version);
  const rendered = policies
    .filter((policy) => policyCoversCluster(policy, cluster))
    .map((policy) => renderBundlePolicy(policy, options.namespaces))
    .filter((r) => r !== undefined)
    .sort((a, b) => byId(a.document, b.document));
  checkUniqueIds(rendered.map((r) => r.document));
  const enforcement = enforcementOf(cluster);
  const admitting = enforcement.mode === 'ENFORCE' ? rendered : [];
  const content: BundleContent = {
    apiVersion: BUNDLE_API_VERSION,
    kind: BUNDLE_KIND,
    clusterId: cluster.id,
    enforcement: { mode: enforcement.mode, reasons: [...enforcement.reasons] },
    policies: rendered.map((r) => r.document),
    admission: { policies: admitting.flatMap((r) => r.admission.policies), bindings: admitting.flatMap((r) => r.admission.bindings) },
  };
  return { ...content, version: options.version, etag: bundleEtag(content) };
}

// ---------------------------------------------------------------------------
// The cached compiler

interface RenderedPolicy {
  /** Identifies this rendering within the process, for policy-set keys. */
  serial: number;
  id: string;
  document: BundlePolicyDocument;
  policies: readonly ValidatingAdmissionPolicy[];
  bindings: readonly ValidatingAdmissionPolicyBinding[];
  documentJson: Buffer;
  /** The canonical JSON of each of `policies`, comma-joined. */
  policiesJson: Buffer;
  bindingsJson: Buffer;
}

interface PolicySet {
  members: readonly RenderedPolicy[];
  documents: readonly BundlePolicyDocument[];
  admission: PolicyBundle['admission'];
  /** Whether the admission objects are left out (AUDIT_ONLY). */
  auditOnly: boolean;
  /** Hash state after `…,"clusterId":`; copied, never updated, per cluster. */
  prefix: Hash;
  /** `,"kind":…,"policies":[…]}`: everything after the cluster id. */
  suffix: Buffer;
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const OPEN_BINDINGS = utf8('{"admission":{"bindings":[');
const OPEN_POLICIES = utf8('],"policies":[');
const BEFORE_CLUSTER_ID = utf8(`]},"apiVersion":${JSON.stringify(BUNDLE_API_VERSION)},"clusterId":`);
const ENFORCEMENT = utf8(',"enforcement":');
const OPEN_DOCUMENTS = utf8(`,"kind":${JSON.stringify(BUNDLE_KIND)},"policies":[`);
const COMMA = utf8(',');

function joined(parts: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  parts.forEach((part, i) => {
    if (i > 0) out.push(COMMA);
    out.push(part);
  });
  return out;
}

// Bundles made by a compiler, with the policy set their canonical text is made of.
const compiledBundles = new WeakMap<PolicyBundle, PolicySet>();

let nextSerial = 0;
const NO_RULES = Symbol('no enabled rules');

export function createBundleCompiler(options: BundleCompilerOptions = {}): BundleCompiler {
  const rendered = new LruCache<string, RenderedPolicy | typeof NO_RULES>(options.policyCacheSize ?? 4096);
  const sets = new LruCache<string, PolicySet>(options.policySetCacheSize ?? 1024);

  function renderedPolicy(policy: BundlePolicy, namespaces: NamespaceOptions): RenderedPolicy | undefined {
    const key = `${policyFingerprint(policy)}\u0000${namespaces.sensorNamespace ?? ''}`;
    let entry = rendered.get(key);
    if (entry === undefined) {
      const r = renderBundlePolicy(policy, namespaces);
      // Frozen: one object is shared by every bundle that carries this policy.
      entry =
        r === undefined
          ? NO_RULES
          : {
              serial: nextSerial++,
              id: policy.id,
              document: deepFreeze(r.document),
              policies: deepFreeze(r.admission.policies),
              bindings: deepFreeze(r.admission.bindings),
              documentJson: utf8(canonicalJson(r.document)),
              policiesJson: utf8(r.admission.policies.map((p) => canonicalJson(p)).join(',')),
              bindingsJson: utf8(r.admission.bindings.map((b) => canonicalJson(b)).join(',')),
            };
      rendered.set(key, entry);
    }
    return entry === NO_RULES ? undefined : entry;
  }

  function policySet(members: RenderedPolicy[], auditOnly: boolean): PolicySet {
    const key = `${auditOnly ? 'A' : 'E'}${members.map((m) => m.serial).join(',')}`;
    let set = sets.get(key);
    if (set === undefined) {
      const admitting = auditOnly ? [] : members;
      const prefix = createHash('sha256');
      prefix.update(OPEN_BINDINGS);
      for (const part of joined(admitting.map((m) => m.bindingsJson))) prefix.update(part);
      prefix.update(OPEN_POLICIES);
      for (const part of joined(admitting.map((m) => m.policiesJson))) prefix.update(part);
      prefix.update(BEFORE_CLUSTER_ID);
      set = {
        members,
        auditOnly,
        documents: Object.freeze(members.map((m) => m.document)),
        admission: Object.freeze({
          policies: Object.freeze(admitting.flatMap((m) => m.policies)),
          bindings: Object.freeze(admitting.flatMap((m) => m.bindings)),
        }),
        prefix,
        suffix: Buffer.concat([OPEN_DOCUMENTS, ...joined(members.map((m) => m.documentJson)), utf8(']}')]),
      };
      sets.set(key, set);
    }
    return set;
  }

  return {
    compile(cluster, policies, compileOptions) {
      checkVersion(compileOptions.version);
      const namespaces = compileOptions.namespaces ?? {};
      const members: RenderedPolicy[] = [];
      for (const policy of policies) {
        if (!policyCoversCluster(policy, cluster)) continue;
        const entry = renderedPolicy(policy, namespaces);
        if (entry !== undefined) members.push(entry);
      }
      members.sort(byId);
      checkUniqueIds(members);
      const given = enforcementOf(cluster);
      const enforcement: ClusterEnforcement = deepFreeze({ mode: given.mode, reasons: [...given.reasons] });
      const set = policySet(members, enforcement.mode !== 'ENFORCE');
      const digest = set.prefix
        .copy()
        .update(JSON.stringify(cluster.id))
        .update(ENFORCEMENT)
        .update(canonicalJson(enforcement))
        .update(set.suffix)
        .digest('hex');
      const bundle: PolicyBundle = Object.freeze({
        apiVersion: BUNDLE_API_VERSION,
        kind: BUNDLE_KIND,
        clusterId: cluster.id,
        enforcement,
        version: compileOptions.version,
        etag: `sha256:${digest}`,
        policies: set.documents,
        admission: set.admission,
      });
      compiledBundles.set(bundle, set);
      return bundle;
    },
  };
}

const defaultCompiler = createBundleCompiler();

/**
 * Compiles the bundle for one cluster: the policies whose cloud-scope and cluster scope
 * cover it, with enabled rules only (a policy enabling none is left out), policies by
 * id and rules in catalog order. Same input, same bytes. Uses a process-wide cache;
 * create a compiler with createBundleCompiler to control its size.
 */
export function compileBundle(cluster: BundleCluster, policies: readonly BundlePolicy[], options: CompileBundleOptions): PolicyBundle {
  return defaultCompiler.compile(cluster, policies, options);
}

/** The canonical JSON bytes of a bundle (UTF-8), as stored and served. */
export function serializeBundle(bundle: PolicyBundle): Buffer {
  const set = compiledBundles.get(bundle);
  if (set === undefined) return utf8(canonicalJson(bundle));
  // The bundle is frozen and so is everything it shares, so the cached fragments still describe it.
  const admitting = set.auditOnly ? [] : set.members;
  return Buffer.concat([
    OPEN_BINDINGS,
    ...joined(admitting.map((m) => m.bindingsJson)),
    OPEN_POLICIES,
    ...joined(admitting.map((m) => m.policiesJson)),
    BEFORE_CLUSTER_ID,
    utf8(`${JSON.stringify(bundle.clusterId)},"enforcement":${canonicalJson(bundle.enforcement)},"etag":${JSON.stringify(bundle.etag)}`),
    OPEN_DOCUMENTS,
    ...joined(set.members.map((m) => m.documentJson)),
    utf8(`],"version":${JSON.stringify(bundle.version)}}`),
  ]);
}
