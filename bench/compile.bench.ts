// Bundles for 10,000 clusters in 20 cloud scopes under 50 policies with varied scopes,
// as one fan-out after a tenant-wide change: every bundle compiled, ETag included, on
// one core. Goal: ≤ 1000 ms. Side by side: the uncached reference compiler (each policy
// rendered and the whole canonical text hashed for every cluster) on a sample of the
// clusters, projected to all of them.
import { compileBundleReference, createBundleCompiler, serializeBundle, type BundleCluster, type BundlePolicy, type PolicyBundle } from '@rampart/bundle';
import { RULE_IDS, type RuleId } from '@rampart/rules';
import { round } from './stats';

const GOAL_MS = 1000;
const CLUSTERS = 10_000;
const CLOUD_SCOPES = 20;
// Clusters come in groups (an environment, a region) that cluster-scoped policies name whole.
const GROUPS = 100;
const BASELINE_SAMPLE = 500;

// Deterministic, so every run measures the same workload.
let seed = 42;
const random = (): number => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(values: readonly T[], count: number): T[] => {
  const pool = [...values];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
  return out;
};

const scopeId = (i: number): string => `scope-${String(i).padStart(2, '0')}`;
const clusters: BundleCluster[] = Array.from({ length: CLUSTERS }, (_, i) => ({
  id: `cluster-${String(i).padStart(5, '0')}`,
  cloudScopeId: scopeId((i % GROUPS) % CLOUD_SCOPES),
}));
const groupMembers = (group: number): string[] => clusters.filter((_, i) => i % GROUPS === group).map((c) => c.id);

const PARAMETERS: Partial<Record<RuleId, unknown>> = {
  'container-resource-limits': { maxCpu: '4', maxMemory: '8Gi' },
  capabilities: { allowedCapabilities: ['NET_BIND_SERVICE'], requireDropAll: true },
  'non-root-user': { allowedUserIds: [{ min: 1000, max: 65535 }] },
  'trusted-registries': { allowedPatterns: ['myacr.azurecr.io/**', 'ghcr.io/acme/*'] },
};

function policy(i: number, scope: BundlePolicy['scope'], ruleCount: number): BundlePolicy {
  const enabled = new Set(pick(RULE_IDS, ruleCount));
  return {
    id: `policy-${String(i).padStart(2, '0')}`,
    name: `Policy ${i}`,
    action: random() < 0.5 ? 'BLOCK' : 'AUDIT',
    isDefault: i === 0,
    version: 1 + Math.floor(random() * 20),
    scope,
    // Every rule stored, some disabled, as the policy store keeps them.
    rules: RULE_IDS.map((ruleId) => ({ ruleId, enabled: enabled.has(ruleId), parameters: PARAMETERS[ruleId] })),
  };
}

const cloudScopeIds = Array.from({ length: CLOUD_SCOPES }, (_, i) => scopeId(i));
const namespaceChoices = [[], [], ['payments'], ['payments', 'checkout'], ['kube-system']];

function policies(clusterScoped: (i: number) => string[]): BundlePolicy[] {
  seed = 42;
  const out: BundlePolicy[] = [];
  // 5 tenant-wide (the default policy among them), 30 on a few cloud scopes, 15 on named clusters.
  for (let i = 0; i < 5; i++) out.push(policy(i, { cloudScopeIds: [], clusterIds: [], namespaces: [] }, 10));
  for (let i = 5; i < 35; i++) {
    const namespaces = namespaceChoices[Math.floor(random() * namespaceChoices.length)];
    out.push(policy(i, { cloudScopeIds: pick(cloudScopeIds, 1 + Math.floor(random() * 3)), clusterIds: [], namespaces }, 3 + Math.floor(random() * 9)));
  }
  for (let i = 35; i < 50; i++) out.push(policy(i, { cloudScopeIds: [], clusterIds: clusterScoped(i), namespaces: [] }, 3 + Math.floor(random() * 9)));
  return out;
}

// Realistic: cluster-scoped policies name whole groups of clusters.
const grouped = policies(() => pick([...Array(GROUPS).keys()], 1 + Math.floor(random() * 5)).flatMap(groupMembers));
// Adversarial: they name random clusters, so nearly every cluster gets a policy set of its own.
const scattered = policies(() => pick(clusters, 100 + Math.floor(random() * 400)).map((c) => c.id));

function compileAll(input: BundlePolicy[]): { ms: number; bundles: PolicyBundle[] } {
  // A fresh compiler: the run pays for rendering every policy, as a worker after a restart would.
  const compiler = createBundleCompiler();
  const bundles: PolicyBundle[] = new Array(clusters.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < clusters.length; i++) bundles[i] = compiler.compile(clusters[i], input, { version: 1 });
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, bundles };
}

function baseline(input: BundlePolicy[]): { ms: number; sample: number } {
  const sampleClusters = clusters.filter((_, i) => i % (CLUSTERS / BASELINE_SAMPLE) === 0);
  const start = process.hrtime.bigint();
  for (const cluster of sampleClusters) compileBundleReference(cluster, input, { version: 1 });
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, sample: sampleClusters.length };
}

function scenario(input: BundlePolicy[]) {
  compileAll(input); // JIT warm-up; its caches are thrown away with its compiler.
  const { ms, bundles } = compileAll(input);
  const base = baseline(input);
  // The fast path must produce exactly what the reference does.
  for (const i of [0, 1, 4_321, CLUSTERS - 1]) {
    const reference = compileBundleReference(clusters[i], input, { version: 1 });
    if (reference.etag !== bundles[i].etag) throw new Error(`ETag mismatch for ${clusters[i].id}`);
  }
  const sizes = bundles.slice(0, 200).map((b) => serializeBundle(b).length);
  const serializeStart = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) serializeBundle(bundles[i]);
  const serializeMicros = Number(process.hrtime.bigint() - serializeStart) / 1e3 / 1000;
  const perBundleBaseline = (base.ms * 1000) / base.sample;
  return {
    totalMs: round(ms, 1),
    perBundleMicros: round((ms * 1000) / clusters.length),
    distinctPolicySets: new Set(bundles.map((b) => b.policies.map((p) => p.id).join())).size,
    policiesPerBundle: round(bundles.reduce((n, b) => n + b.policies.length, 0) / bundles.length, 1),
    meanBundleKiB: round(sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024, 1),
    serializePerBundleMicros: round(serializeMicros),
    baseline: {
      what: 'compileBundleReference: no caching, renders and hashes everything per cluster',
      sampleClusters: base.sample,
      sampleMs: round(base.ms, 1),
      perBundleMicros: round(perBundleBaseline),
      projectedTotalMs: round((perBundleBaseline * clusters.length) / 1000, 0),
    },
    speedup: round(perBundleBaseline / ((ms * 1000) / clusters.length), 1),
  };
}

const realistic = scenario(grouped);
const adversarial = scenario(scattered);

console.log(
  JSON.stringify(
    {
      benchmark: 'compile',
      clusters: CLUSTERS,
      cloudScopes: CLOUD_SCOPES,
      policies: grouped.length,
      node: process.version,
      realistic: { scopes: 'cluster-scoped policies name whole groups of clusters', ...realistic },
      adversarial: { scopes: 'cluster-scoped policies name random clusters', ...adversarial },
      goal: { totalMs: GOAL_MS, measuredOn: 'realistic' },
      goalMet: realistic.totalMs <= GOAL_MS,
    },
    null,
    2,
  ),
);
