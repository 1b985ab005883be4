import { createHash } from 'node:crypto';
import { RuleParameterError } from '@rampart/rules';
import {
  bundleEtag,
  compileBundle,
  compileBundleReference,
  createBundleCompiler,
  serializeBundle,
  type PolicyBundle,
} from './bundle-compiler';
import { canonicalJson } from '@rampart/common';
import { type PolicyOverrides, testCluster, testPolicy } from './policy.fixture';
import type { BundleCluster, BundlePolicy, BundlePolicyScope } from './types';

const policy = (id: string, overrides: PolicyOverrides = {}): BundlePolicy => testPolicy(id, { action: 'BLOCK', ...overrides });
const cluster = testCluster;

const POLICIES: BundlePolicy[] = [
  policy('payments', {
    scope: { cloudScopeIds: ['s-prod'], namespaces: ['payments', 'kube-system'] },
    rules: [
      { ruleId: 'read-only-root-filesystem', enabled: true },
      { ruleId: 'capabilities', enabled: true, parameters: { requireDropAll: true } },
      { ruleId: 'host-namespaces', enabled: false },
    ],
  }),
  policy('default', {
    name: 'Default K8s misconfiguration rule',
    action: 'AUDIT',
    isDefault: true,
    rules: [
      { ruleId: 'trusted-registries', enabled: false },
      { ruleId: 'privileged-containers', enabled: true },
    ],
  }),
  policy('dev', { scope: { cloudScopeIds: ['s-dev'] } }),
  policy('other-cluster', { scope: { clusterIds: ['c-other'] } }),
  policy('nothing-enabled', { rules: [{ ruleId: 'privileged-containers', enabled: false }] }),
];

describe('compileBundle', () => {
  const bundle = compileBundle(cluster, POLICIES, { version: 7 });

  it('has the shape of API.md', () => {
    expect(Object.keys(bundle).sort()).toEqual(['admission', 'apiVersion', 'clusterId', 'enforcement', 'etag', 'kind', 'policies', 'version']);
    expect(bundle.enforcement).toEqual({ mode: 'ENFORCE', reasons: [] });
    expect(bundle).toMatchObject({ apiVersion: 'rampart.io/v1', kind: 'PolicyBundle', clusterId: 'c-prod', version: 7 });
    expect(bundle.etag).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('carries only the policies covering the cluster that enable a rule, by id, rules in catalog order', () => {
    expect(bundle.policies).toEqual([
      {
        id: 'default',
        name: 'Default K8s misconfiguration rule',
        action: 'AUDIT',
        isDefault: true,
        namespaces: { include: [], exclude: ['kube-node-lease', 'kube-public', 'kube-system', 'rampart-system'] },
        rules: [{ id: 'privileged-containers', parameters: {} }],
      },
      {
        id: 'payments',
        name: 'Policy payments',
        action: 'BLOCK',
        isDefault: false,
        namespaces: { include: ['kube-system', 'payments'], exclude: [] },
        rules: [
          { id: 'capabilities', parameters: { allowedCapabilities: [], requireDropAll: true } },
          { id: 'read-only-root-filesystem', parameters: {} },
        ],
      },
    ]);
  });

  it('renders two ValidatingAdmissionPolicy + binding pairs per carried policy: introduced and pre-existing violations', () => {
    expect(bundle.admission.policies.map((p) => p.metadata?.name)).toEqual([
      'rampart-default',
      'rampart-default.pre-existing',
      'rampart-payments',
      'rampart-payments.pre-existing',
    ]);
    expect(bundle.admission.bindings.map((b) => [b.spec?.policyName, b.spec?.validationActions])).toEqual([
      ['rampart-default', ['Audit', 'Warn']],
      ['rampart-default.pre-existing', ['Audit', 'Warn']],
      ['rampart-payments', ['Deny']],
      // A BLOCK policy records what an UPDATE's old object already broke, and never denies it.
      ['rampart-payments.pre-existing', ['Audit', 'Warn']],
    ]);
    expect(bundle.admission.bindings[2].spec?.matchResources?.namespaceSelector).toEqual({
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['kube-system', 'payments'] }],
    });
    expect(bundle.admission.bindings[0].spec?.matchResources?.namespaceSelector?.matchExpressions?.[0]).toMatchObject({
      operator: 'NotIn',
      values: ['kube-node-lease', 'kube-public', 'kube-system', 'rampart-system'],
    });
  });

  it('takes the sensor namespace from the options', () => {
    const custom = compileBundle(cluster, POLICIES, { version: 1, namespaces: { sensorNamespace: 'security' } });
    expect(custom.policies[0].namespaces.exclude).toEqual(['kube-node-lease', 'kube-public', 'kube-system', 'security']);
    expect(custom.etag).not.toBe(bundle.etag);
  });

  describe('a cluster that can only audit (policy semantics rule 6)', () => {
    const reasons = ['Kubernetes 1.29.4 is older than 1.30; upgrade the cluster.'];
    const auditOnly: BundleCluster = { ...cluster, enforcement: { mode: 'AUDIT_ONLY', reasons } };
    const compiled = compileBundle(auditOnly, POLICIES, { version: 3 });

    it('says so in the bundle and carries no admission object its API server could not accept', () => {
      expect(compiled.enforcement).toEqual({ mode: 'AUDIT_ONLY', reasons });
      expect(compiled.admission).toEqual({ policies: [], bindings: [] });
      expect(JSON.stringify(compiled)).not.toContain('admissionregistration.k8s.io');
      // The Rampart-form policies stay, so the sensor can still audit.
      expect(compiled.policies.map((p) => p.id)).toEqual(['default', 'payments']);
    });

    it('serialises canonically, matches the reference compiler, and differs from the enforcing bundle', () => {
      expect(serializeBundle(compiled).toString()).toBe(canonicalJson(compiled));
      expect(serializeBundle(compiled).toString()).toBe(canonicalJson(compileBundleReference(auditOnly, POLICIES, { version: 3 })));
      expect(compiled.etag).toBe(bundleEtag(compiled));
      expect(compiled.etag).not.toBe(compileBundle(cluster, POLICIES, { version: 3 }).etag);
      // Sharing the policy set with an enforcing cluster does not leak its admission objects.
      expect(compileBundle({ ...auditOnly, id: 'c-prod-2' }, POLICIES, { version: 1 }).admission.policies).toEqual([]);
    });
  });

  it('compiles an empty bundle when no policy covers the cluster', () => {
    const empty = compileBundle({ id: 'c-x', cloudScopeId: 's-x' }, [POLICIES[0]], { version: 1 });
    expect(empty.policies).toEqual([]);
    expect(empty.admission).toEqual({ policies: [], bindings: [] });
    expect(serializeBundle(empty).toString()).toBe(canonicalJson(empty));
  });

  it('serialises to canonical JSON whose hash, without version and etag, is the ETag', () => {
    const bytes = serializeBundle(bundle);
    expect(bytes.toString('utf8')).toBe(canonicalJson(bundle));
    const { version: _v, etag: _e, ...content } = JSON.parse(bytes.toString('utf8')) as PolicyBundle;
    expect(bundle.etag).toBe(`sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`);
    expect(bundleEtag(bundle)).toBe(bundle.etag);
  });

  it('gives the same bytes as the uncached reference compiler', () => {
    const reference = compileBundleReference(cluster, POLICIES, { version: 7 });
    expect(serializeBundle(reference).equals(serializeBundle(bundle))).toBe(true);
    expect(reference.etag).toBe(bundle.etag);
  });

  it('freezes bundles, whose parts other bundles share', () => {
    expect(Object.isFrozen(bundle)).toBe(true);
    expect(() => (bundle.policies as unknown[]).push({})).toThrow(TypeError);
    expect(() => {
      (bundle.policies[0].rules[0].parameters as Record<string, unknown>).x = 1;
    }).toThrow(TypeError);
  });

  it('rejects invalid input', () => {
    const bad = policy('bad', { rules: [{ ruleId: 'capabilities', enabled: true, parameters: { requireDropAll: 'yes' } }] });
    expect(() => compileBundle(cluster, [bad], { version: 1 })).toThrow(RuleParameterError);
    expect(() => compileBundle(cluster, [policy('unknown', { rules: [{ ruleId: 'nope', enabled: true }] })], { version: 1 })).toThrow(/unknown rule 'nope'/);
    expect(() => compileBundle(cluster, [policy('twice'), policy('twice', { version: 2 })], { version: 1 })).toThrow(/duplicate policy id twice/);
    expect(() => compileBundle(cluster, POLICIES, { version: -1 })).toThrow(RangeError);
    expect(() => compileBundle(cluster, POLICIES, { version: 1.5 })).toThrow(RangeError);
  });
});

describe('ETag', () => {
  const base = compileBundle(cluster, POLICIES, { version: 1 });
  const etagWith = (policies: BundlePolicy[], target: BundleCluster = cluster) => compileBundle(target, policies, { version: 1 }).etag;
  const replace = (id: string, changes: Partial<Omit<BundlePolicy, 'scope'>> & { scope?: Partial<BundlePolicyScope> }) =>
    POLICIES.map((p) => (p.id === id ? policy(id, { ...p, ...changes, scope: { ...p.scope, ...changes.scope } }) : p));

  it('is stable: same content, same ETag, whatever the version or the compiler', () => {
    expect(compileBundle(cluster, POLICIES, { version: 1 }).etag).toBe(base.etag);
    expect(compileBundle(cluster, POLICIES, { version: 99 }).etag).toBe(base.etag);
    expect(createBundleCompiler().compile(cluster, structuredClone(POLICIES), { version: 3 }).etag).toBe(base.etag);
  });

  it('does not change for changes the bundle does not carry', () => {
    // Not covering this cluster, or enabling nothing: not in the bundle.
    expect(etagWith(replace('dev', { action: 'AUDIT', name: 'renamed' }))).toBe(base.etag);
    expect(etagWith(replace('nothing-enabled', { action: 'AUDIT' }))).toBe(base.etag);
    // A disabled rule's stored parameters are not carried either.
    expect(etagWith(replace('payments', { rules: [...POLICIES[0].rules.slice(0, 2), { ruleId: 'host-namespaces', enabled: false, parameters: {} }] }))).toBe(base.etag);
  });

  it.each<[string, () => string]>([
    ['action', () => etagWith(replace('default', { action: 'BLOCK' }))],
    ['name', () => etagWith(replace('default', { name: 'Renamed' }))],
    ['isDefault', () => etagWith(replace('payments', { isDefault: true }))],
    ['a parameter', () => etagWith(replace('payments', { rules: [{ ruleId: 'capabilities', enabled: true, parameters: { requireDropAll: false } }, POLICIES[0].rules[0]] }))],
    ['a rule enabled', () => etagWith(replace('payments', { rules: POLICIES[0].rules.map((r) => ({ ...r, enabled: true })) }))],
    ['a rule disabled', () => etagWith(replace('payments', { rules: POLICIES[0].rules.filter((r) => r.ruleId !== 'capabilities') }))],
    ['a namespace', () => etagWith(replace('payments', { scope: { namespaces: ['payments'] } }))],
    ['a policy coming into scope', () => etagWith(replace('dev', { scope: { cloudScopeIds: [] } }))],
    ['a policy leaving scope', () => etagWith(replace('payments', { scope: { cloudScopeIds: ['s-dev'] } }))],
    ['a policy id', () => etagWith(replace('payments', { id: 'payments-2' }))],
    ['the cluster', () => etagWith(POLICIES, { id: 'c-prod-2', cloudScopeId: 's-prod' })],
  ])('changes with %s', (_what, etag) => {
    expect(etag()).not.toBe(base.etag);
  });

  it('never reuses a rendering for a policy with the same id and version but other content', () => {
    const compiler = createBundleCompiler();
    const a = compiler.compile(cluster, [policy('p', { action: 'BLOCK' })], { version: 1 });
    const b = compiler.compile(cluster, [policy('p', { action: 'AUDIT' })], { version: 1 });
    expect(a.etag).not.toBe(b.etag);
    expect(b.policies[0].action).toBe('AUDIT');
  });

  it('is computed over the whole content by bundleEtag, with or without version and etag', () => {
    const { version: _v, etag: _e, ...content } = base;
    expect(bundleEtag(content)).toBe(base.etag);
    expect(bundleEtag({ ...base, version: 1234, etag: 'sha256:stale' })).toBe(base.etag);
  });
});
