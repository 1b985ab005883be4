// Property tests: the compiler's output depends on content only, and the verdict is
// exactly "some enabled rule of some applicable BLOCK policy fails", checked against
// an oracle built from evaluateRule one (policy, rule) pair at a time.
import fc from 'fast-check';
import { evaluateRule, RULE_IDS, type Manifest, type RuleId } from '@rampart/rules';
import { compileBundle, compileBundleReference, createBundleCompiler, serializeBundle } from './bundle-compiler';
import { evaluateEffective } from './effective-policy';
import type { BundleCluster, BundlePolicy, BundlePolicyRule } from './types';

const CLUSTERS: BundleCluster[] = [
  { id: 'c1', cloudScopeId: 's1' },
  { id: 'c2', cloudScopeId: 's1' },
  { id: 'c3', cloudScopeId: 's2' },
  { id: 'c4', cloudScopeId: 's3' },
];
const NAMESPACES = ['payments', 'checkout', 'default', 'kube-system', 'kube-public', 'rampart-system'];
const SYSTEM = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'rampart-system']);

// A few valid parameter choices per rule, undefined meaning "catalog defaults".
const PARAMETERS: Partial<Record<RuleId, unknown[]>> = {
  'container-resource-limits': [undefined, { maxCpu: '1' }, { maxMemory: '256Mi', maxCpu: '2' }],
  capabilities: [undefined, { requireDropAll: true }, { allowedCapabilities: ['NET_BIND_SERVICE'] }],
  'non-root-user': [undefined, { allowedUserIds: [{ min: 1000, max: 2000 }] }],
  'trusted-registries': [{ allowedPatterns: ['ghcr.io/**'] }, { allowedPatterns: ['**'] }, undefined],
};

const ruleArb: fc.Arbitrary<BundlePolicyRule> = fc.constantFrom(...RULE_IDS).chain((ruleId) =>
  fc.record({
    ruleId: fc.constant(ruleId),
    enabled: fc.boolean(),
    parameters: fc.constantFrom(...(PARAMETERS[ruleId] ?? [undefined, {}])),
  }),
);

const subset = <T>(values: readonly T[]) => fc.subarray([...values]);

const policyArb = (id: string): fc.Arbitrary<BundlePolicy> =>
  fc.record({
    id: fc.constant(id),
    name: fc.constantFrom('Payments', 'Baseline', 'Default K8s misconfiguration rule'),
    action: fc.constantFrom('AUDIT' as const, 'BLOCK' as const),
    isDefault: fc.boolean(),
    version: fc.integer({ min: 1, max: 3 }),
    scope: fc.record({
      cloudScopeIds: subset(['s1', 's2', 's3']),
      clusterIds: subset(CLUSTERS.map((c) => c.id)),
      namespaces: subset(NAMESPACES),
    }),
    rules: fc.uniqueArray(ruleArb, { selector: (r) => r.ruleId, maxLength: 6 }),
  });

const policiesArb = fc
  .uniqueArray(fc.constantFrom('p-a', 'p-b', 'p-c', 'p-d', 'p-e', 'P-F', 'p_g'), { maxLength: 6 })
  .chain((ids) => fc.tuple(...ids.map(policyArb)));

// Workloads assembled from a few container-setting variations, so most rules both pass and fail.
const containerArb = fc.record({
  name: fc.constantFrom('app', 'sidecar'),
  image: fc.constantFrom('ghcr.io/acme/app:1', 'docker.io/library/nginx:1.27'),
  resources: fc.constantFrom(undefined, { limits: { cpu: '500m', memory: '128Mi' } }, { limits: { cpu: '4', memory: '1Gi' } }, { limits: { cpu: '1' } }),
  securityContext: fc.record(
    {
      privileged: fc.boolean(),
      allowPrivilegeEscalation: fc.boolean(),
      readOnlyRootFilesystem: fc.boolean(),
      runAsNonRoot: fc.boolean(),
      runAsUser: fc.constantFrom(0, 1500, 5000),
      capabilities: fc.constantFrom({ drop: ['ALL'] }, { add: ['NET_BIND_SERVICE'] }, { drop: ['ALL'], add: ['SYS_ADMIN'] }),
    },
    { requiredKeys: [] },
  ),
});

const manifestArb = (namespace: string): fc.Arbitrary<Manifest> =>
  fc
    .record({
      kind: fc.constantFrom('Pod', 'Deployment'),
      containers: fc.array(containerArb, { minLength: 1, maxLength: 3 }),
      automount: fc.constantFrom(undefined, false, true),
      hostNetwork: fc.constantFrom(undefined, true),
    })
    .map(({ kind, containers, automount, hostNetwork }) => {
      const podSpec: Record<string, unknown> = { containers: containers.map((c, i) => ({ ...c, name: `${c.name}-${i}` })) };
      if (automount !== undefined) podSpec.automountServiceAccountToken = automount;
      if (hostNetwork !== undefined) podSpec.hostNetwork = hostNetwork;
      const metadata = { name: 'w', namespace };
      return kind === 'Pod'
        ? { apiVersion: 'v1', kind, metadata, spec: podSpec }
        : { apiVersion: 'apps/v1', kind, metadata, spec: { template: { spec: podSpec } } };
    });

const requestArb = fc
  .tuple(policiesArb, fc.constantFrom(...CLUSTERS), fc.constantFrom(...NAMESPACES))
  .chain(([policies, cluster, namespace]) => fc.tuple(fc.constant(policies), fc.constant(cluster), fc.constant(namespace), manifestArb(namespace)));

// The scope rules restated from ARCHITECTURE.md, independently of scope.ts.
function oracleApplies(policy: BundlePolicy, cluster: BundleCluster, namespace: string): boolean {
  const { cloudScopeIds, clusterIds, namespaces } = policy.scope;
  if (cloudScopeIds.length > 0 && !cloudScopeIds.includes(cluster.cloudScopeId)) return false;
  if (clusterIds.length > 0 && !clusterIds.includes(cluster.id)) return false;
  return namespaces.length > 0 ? namespaces.includes(namespace) : !SYSTEM.has(namespace);
}

describe('a request is denied iff some enabled rule of some applicable BLOCK policy fails', () => {
  it('agrees with a per-(policy, rule) oracle', () => {
    fc.assert(
      fc.property(requestArb, ([policies, cluster, namespace, manifest]) => {
        const failing: string[] = [];
        let denied = false;
        for (const policy of policies) {
          if (!oracleApplies(policy, cluster, namespace)) continue;
          for (const rule of policy.rules) {
            if (!rule.enabled || evaluateRule(rule.ruleId as RuleId, manifest, rule.parameters).length === 0) continue;
            failing.push(`${policy.id}/${rule.ruleId}/${policy.action}`);
            if (policy.action === 'BLOCK') denied = true;
          }
        }
        const verdict = evaluateEffective(policies, cluster, namespace, manifest);
        expect(verdict.allowed).toBe(!denied);
        expect([...new Set(verdict.violations.map((v) => `${v.policyId}/${v.ruleId}/${v.action}`))].sort()).toEqual(failing.sort());
      }),
      { numRuns: 400 },
    );
  });
});

describe('bundles depend on content only', () => {
  // Rebuilds every object with its keys in reverse insertion order.
  const reverseKeys = <T>(value: T): T => {
    if (Array.isArray(value)) return value.map(reverseKeys) as T;
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)])) as T;
  };

  it('shuffled policies, rules and keys give identical bytes and ETag, equal to the reference compiler', () => {
    fc.assert(
      fc.property(
        policiesArb,
        fc.constantFrom(...CLUSTERS),
        fc.integer({ min: 0, max: 1000 }),
        (policies, cluster, version) => {
          const shuffled = fc.sample(fc.shuffledSubarray(policies, { minLength: policies.length }), { numRuns: 1, seed: version })[0];
          const variant = reverseKeys(shuffled).map((p) => ({ ...p, rules: [...p.rules].reverse() }));
          const a = compileBundle(cluster, policies, { version });
          // A fresh compiler: no cache shared with the first run.
          const b = createBundleCompiler().compile(cluster, variant, { version });
          const reference = compileBundleReference(cluster, variant, { version });
          const bytes = serializeBundle(a);
          expect(serializeBundle(b).equals(bytes)).toBe(true);
          expect(serializeBundle(reference).equals(bytes)).toBe(true);
          expect(b.etag).toBe(a.etag);
          expect(reference.etag).toBe(a.etag);
          // The version is carried but not hashed.
          expect(compileBundle(cluster, policies, { version: version + 1 }).etag).toBe(a.etag);
        },
      ),
      { numRuns: 300 },
    );
  });
});
