// Each attack of issue 8 against a live API process, while a probe measures what every
// other tenant feels: `/healthz` and a second tenant's simple GraphQL query, one after
// the other, all the time. The probe runs first alone (the baseline, same run), then
// beside each attack. Goal: every attack refused or completed while the probe's p99
// stays ≤ 100 ms.
//
//   npm run bench -- abuse            (all attacks)
//   npm run bench -- abuse alias-me   (one or more by name)
//
// The API runs as its own process (bench/live-api.ts) on a database of its own
// (`rampart_bench_abuse`) and a Redis prefix of its own.
import { randomBytes } from 'node:crypto';
import { type LiveApi, startLiveApi } from './live-api';
import { percentile, round } from './stats';

const GOAL_P99_MS = 100;
const BASELINE_MS = 5_000;
const PROBE_TIMEOUT_MS = 10_000;
const PROBE_GAP_MS = 10;
/** The tenant query at most every 150 ms (≤ 400 a minute, inside the victim's default budget); /healthz every round. */
const TENANT_QUERY_EVERY_MS = 150;
let api: LiveApi;

interface Outcome {
  /** HTTP status of the attack request(s): e.g. {"200": 1} or {"429": 1900, "200": 100}. */
  statuses: Record<string, number>;
  /** GraphQL error codes seen, counted. */
  codes: Record<string, number>;
  /** How long the attack took, ms. */
  durationMs: number;
  timedOut: boolean;
}

// ---------------------------------------------------------------- the probe

interface ProbeSamples {
  healthz: number[];
  tenantQuery: number[];
  failures: number;
}

/** Runs until `stop` resolves: /healthz, then the victim tenant's query, then a short gap, again. */
async function probe(victimToken: string, victimTenantId: string, stop: Promise<unknown>): Promise<ProbeSamples> {
  const samples: ProbeSamples = { healthz: [], tenantQuery: [], failures: 0 };
  let running = true;
  void stop.finally(() => {
    running = false;
  });
  const body = JSON.stringify({ query: 'query Probe($id: ID!) { tenant(id: $id) { id name } }', variables: { id: victimTenantId } });
  const timed = async (into: number[], fn: () => Promise<Response>): Promise<void> => {
    const start = performance.now();
    try {
      const res = await fn();
      await res.arrayBuffer();
      if (res.status !== 200) samples.failures++;
    } catch {
      samples.failures++;
    }
    into.push(performance.now() - start);
  };
  let lastTenantQuery = 0;
  while (running) {
    await timed(samples.healthz, () => fetch(`${api.base}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }));
    if (performance.now() - lastTenantQuery < TENANT_QUERY_EVERY_MS) {
      await new Promise((r) => setTimeout(r, PROBE_GAP_MS));
      continue;
    }
    lastTenantQuery = performance.now();
    await timed(samples.tenantQuery, () =>
      fetch(`${api.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${victimToken}` },
        body,
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      }),
    );
    await new Promise((r) => setTimeout(r, PROBE_GAP_MS));
  }
  return samples;
}

function summarise(values: number[]) {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return { samples: 0, p50Ms: null, p99Ms: null, maxMs: null };
  return { samples: sorted.length, p50Ms: round(percentile(sorted, 0.5)), p99Ms: round(percentile(sorted, 0.99)), maxMs: round(sorted[sorted.length - 1]) };
}

// ---------------------------------------------------------------- attacks

interface Context {
  attacker: string;
  tenantId: string;
  clusterId: string;
}

function tally(outcome: Outcome, status: number, json: any): void {
  outcome.statuses[status] = (outcome.statuses[status] ?? 0) + 1;
  for (const error of json?.errors ?? []) {
    const code = String(error?.extensions?.code ?? 'NO_CODE');
    outcome.codes[code] = (outcome.codes[code] ?? 0) + 1;
  }
}

async function one(pathname: string, body: unknown, token: string): Promise<Outcome> {
  const outcome: Outcome = { statuses: {}, codes: {}, durationMs: 0, timedOut: false };
  const start = performance.now();
  try {
    const { status, json } = await api.post(pathname, body, token);
    tally(outcome, status, json);
  } catch (error) {
    outcome.timedOut = (error as Error).name === 'TimeoutError';
    if (!outcome.timedOut) throw error;
  }
  outcome.durationMs = round(performance.now() - start);
  return outcome;
}

const aliases = (count: number, selection: string): string =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;

const evaluate = (ctx: Context, manifest: string) =>
  one('/graphql', { query: 'query E($c: ID!, $m: String!) { evaluateManifest(clusterId: $c, namespace: "default", manifest: $m) { allowed } }', variables: { c: ctx.clusterId, m: manifest } }, ctx.attacker);

const createPolicyWithPatterns = (ctx: Context, patterns: string[]) =>
  one(
    '/graphql',
    {
      query: 'mutation P($input: CreatePolicyInput!) { createPolicy(input: $input) { id } }',
      variables: {
        input: {
          tenantId: ctx.tenantId,
          name: `registries ${randomBytes(3).toString('hex')}`,
          action: 'AUDIT',
          rules: [{ ruleId: 'trusted-registries', enabled: true, parameters: { allowedPatterns: patterns } }],
        },
      },
    },
    ctx.attacker,
  );

function deployment(containers: number, image = 'nginx:1.27'): string {
  const list = Array.from({ length: containers }, (_, i) => `      - name: c${i}\n        image: ${image}`).join('\n');
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  selector:\n    matchLabels: {app: d}\n  template:\n    metadata:\n      labels: {app: d}\n    spec:\n      containers:\n${list}\n`;
}

const ATTACKS: Record<string, { what: string; run: (ctx: Context) => Promise<Outcome> }> = {
  'alias-me': {
    what: '24,000 aliases of `me { __typename }` in one ~600 KB request',
    run: (ctx) => one('/graphql', { query: aliases(24_000, 'me { __typename }') }, ctx.attacker),
  },
  'alias-rule-catalog': {
    what: '1,190 aliases of `ruleCatalog { id }`',
    run: (ctx) => one('/graphql', { query: aliases(1_190, 'ruleCatalog { id }') }, ctx.attacker),
  },
  'alias-create-tenant': {
    what: '2,000 createTenant in one request',
    run: (ctx) =>
      one('/graphql', { query: `mutation ${aliases(2_000, 'createTenant(input: {name: "t"}) { id }')}` }, ctx.attacker),
  },
  'yaml-60k-keys': {
    what: 'evaluateManifest: a ~700 KB ConfigMap with 60,000 keys',
    run: (ctx) => {
      const keys = Array.from({ length: 60_000 }, (_, i) => `  k${i}: v`).join('\n');
      return evaluate(ctx, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n${keys}\n`);
    },
  },
  'yaml-10k-documents': {
    what: 'evaluateManifest: 10,000 small Pod documents',
    run: (ctx) => {
      const doc = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n';
      return evaluate(ctx, Array.from({ length: 10_000 }, () => doc).join('---\n'));
    },
  },
  'yaml-deep-nesting': {
    what: 'evaluateManifest: flow mapping nested 100,000 deep',
    run: (ctx) => evaluate(ctx, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${'{a: '.repeat(100_000)}1${'}'.repeat(100_000)}\n`),
  },
  'yaml-20k-containers': {
    what: 'evaluateManifest: one Deployment with 20,000 containers',
    run: (ctx) => evaluate(ctx, deployment(20_000)),
  },
  'glob-long-pattern': {
    what: 'trusted-registries: a 20,000-character pattern, then a 100,000-character image',
    run: async (ctx) => {
      const stored = await createPolicyWithPatterns(ctx, [`${'*a'.repeat(10_000)}`]);
      const evaluated = await evaluate(ctx, deployment(1, 'a'.repeat(100_000)));
      return merge(stored, evaluated);
    },
  },
  'glob-4mb-pattern': {
    what: 'trusted-registries: one 4 MB pattern',
    run: (ctx) => createPolicyWithPatterns(ctx, ['*a'.repeat(2 * 1024 * 1024)]),
  },
  'glob-180k-patterns': {
    what: 'trusted-registries: 180,000 patterns, then clusterBundle',
    run: async (ctx) => {
      const stored = await createPolicyWithPatterns(ctx, Array.from({ length: 180_000 }, (_, i) => `r${i}.io/*`));
      const bundle = await one('/graphql', { query: `{ clusterBundle(clusterId: "${ctx.clusterId}") { etag } }` }, ctx.attacker);
      return merge(stored, bundle);
    },
  },
  'flood-one-principal': {
    what: '6,000 `me` queries from one principal, 50 at a time (its budget: 600 a minute, 8 in progress)',
    run: async (ctx) => {
      const outcome: Outcome = { statuses: {}, codes: {}, durationMs: 0, timedOut: false };
      const start = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (next < 6_000) {
            next++;
            try {
              const { status, json } = await api.post('/graphql', { query: '{ me { user { id } } }' }, ctx.attacker, 10_000);
              tally(outcome, status, json);
            } catch {
              outcome.timedOut = true;
            }
          }
        }),
      );
      outcome.durationMs = round(performance.now() - start);
      return outcome;
    },
  },
};

function merge(a: Outcome, b: Outcome): Outcome {
  const add = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return { statuses: add(a.statuses, b.statuses), codes: add(a.codes, b.codes), durationMs: round(a.durationMs + b.durationMs), timedOut: a.timedOut || b.timedOut };
}

// ---------------------------------------------------------------- main

async function measure<T>(victim: { token: string; tenantId: string }, work: () => Promise<T>) {
  let finish!: () => void;
  const stop = new Promise<void>((r) => (finish = r));
  const probing = probe(victim.token, victim.tenantId, stop);
  let result: T;
  try {
    result = await work();
  } finally {
    finish();
  }
  const samples = await probing;
  return { result, probe: { healthz: summarise(samples.healthz), tenantQuery: summarise(samples.tenantQuery), failures: samples.failures } };
}

async function main(): Promise<void> {
  const chosen = process.argv.slice(2);
  for (const name of chosen) if (!ATTACKS[name]) throw new Error(`unknown attack ${name}; known: ${Object.keys(ATTACKS).join(', ')}`);
  const names = chosen.length ? chosen : Object.keys(ATTACKS);

  api = await startLiveApi({
    database: 'rampart_bench_abuse',
    port: Number(process.env.BENCH_PORT ?? 3990),
    // Attacker and probe share 127.0.0.1 here, where in production they come from different
    // addresses: the per-IP budget is lifted so the probe measures latency, not a shared budget.
    // Every other limit is the default; the probe's tenant query fits its principal's budget
    // (600 a minute) at its pace.
    env: { RATE_LIMIT_PER_IP: '10000000' },
  });
  try {
    const attacker = await api.signIn(`attacker-${randomBytes(3).toString('hex')}`);
    const victimToken = await api.signIn(`victim-${randomBytes(3).toString('hex')}`);
    const { createTenant } = await api.gqlOk('mutation { createTenant(input: {name: "Attacker"}) { id } }', {}, attacker);
    const scope = await api.gqlOk(
      'mutation O($t: ID!) { onboardCloudScope(input: {tenantId: $t, provider: AZURE, externalId: "00000000-0000-4000-8000-000000000001", displayName: "sub"}) { id } }',
      { t: createTenant.id },
      attacker,
    );
    const cluster = await api.gqlOk(
      'mutation R($s: ID!) { registerCluster(input: {cloudScopeId: $s, name: "c1", distribution: AKS, kubernetesVersion: "1.30.0", sensorVersion: "0.11.0", misconfigurationPoliciesEnabled: true}) { cluster { id } } }',
      { s: scope.onboardCloudScope.id },
      attacker,
    );
    const victimTenant = await api.gqlOk('mutation { createTenant(input: {name: "Victim"}) { id } }', {}, victimToken);
    const victim = { token: victimToken, tenantId: victimTenant.createTenant.id };
    const ctx: Context = { attacker, tenantId: createTenant.id, clusterId: cluster.registerCluster.cluster.id };

    const baseline = await measure(victim, () => new Promise((r) => setTimeout(r, BASELINE_MS)));
    const attacks: Record<string, unknown> = {};
    let allMet = true;
    for (const name of names) {
      const { result, probe: seen } = await measure(victim, () => ATTACKS[name].run(ctx));
      const worstP99 = Math.max(seen.healthz.p99Ms ?? Infinity, seen.tenantQuery.p99Ms ?? Infinity);
      const goalMet = worstP99 <= GOAL_P99_MS && seen.failures === 0 && !result.timedOut;
      allMet &&= goalMet;
      attacks[name] = { what: ATTACKS[name].what, attack: result, probe: seen, goalMet };
      // Let whatever the attack left behind (queued work, GC) settle before the next one.
      await new Promise((r) => setTimeout(r, 1_000));
    }
    console.log(
      JSON.stringify(
        {
          benchmark: 'abuse',
          node: process.version,
          goal: { probeP99Ms: GOAL_P99_MS, probeFailures: 0 },
          baseline: { what: `probe alone for ${BASELINE_MS} ms`, probe: baseline.probe },
          attacks,
          goalMet: allMet,
        },
        null,
        2,
      ),
    );
  } finally {
    await api.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
