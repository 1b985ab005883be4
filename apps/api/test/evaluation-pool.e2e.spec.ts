// CPU-heavy views (dry runs, on-demand bundles, explanations) run on worker threads with
// a time budget and a bounded queue; these tests drive them over real HTTP.
import { randomUUID } from 'node:crypto';
import { EnforcementCompute } from '@rampart/enforcement';
import { RULE_CATALOG } from '@rampart/rules';
import { TestApi, type TestUser, outcomeOf, query, useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';

const EVALUATE = `query($c: ID!, $m: String!) {
  evaluateManifest(clusterId: $c, namespace: "web", manifest: $m) { allowed documents { index kind evaluated } }
}`;
const BUNDLE = 'query($c: ID!) { clusterBundle(clusterId: $c) { etag } }';

/** 60,000 keys, ~700 KB: it held the event loop for two minutes when duplicate keys were checked quadratically. */
const BIG_CONFIG_MAP = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n${Array.from({ length: 60_000 }, (_, i) => `  k${i}: v`).join('\n')}\n`;

describe('evaluation worker pool (e2e)', () => {
  const env = useTestEnvironment();
  const saved = { ...process.env };
  let api: TestApi | undefined;
  let owner: TestUser;
  let tenantId: string;
  const scopeId = randomUUID();
  const clusterId = randomUUID();
  const sql = (text: string, params: unknown[] = []) => query(env.current.db.adminUrl, text, params);

  /** A fresh API with these pool settings (the configuration is read when the app is created). */
  async function startApi(settings: Record<string, string>): Promise<TestApi> {
    await api?.close();
    Object.assign(process.env, settings);
    api = await TestApi.start(createApp);
    return api;
  }

  beforeAll(async () => {
    const first = await startApi({ EVALUATION_THREADS: '1', EVALUATION_QUEUE_SIZE: '8', EVALUATION_TIMEOUT_MS: '120000' });
    owner = await first.signUp('owner');
    tenantId = (await first.gqlOk<any>('mutation { createTenant(input: { name: "Pool" }) { id } }', {}, owner.token)).createTenant.id;
    await sql(`INSERT INTO cloud_scope ("tenantId", id, provider, "externalId", "displayName", "updatedAt") VALUES ($1, $2, 'AWS', '333333333333', 'p', now())`, [tenantId, scopeId]);
    await sql(
      `INSERT INTO cluster ("tenantId", id, "cloudScopeId", name, distribution, "kubernetesVersion", "sensorVersion",
         "misconfigurationPoliciesEnabled", "sensorTokenHash", "credentialRotatedAt", "updatedAt")
       VALUES ($1, $2, $3, 'pool', 'EKS', '1.30.0', '0.11.0', true, $4, now(), now())`,
      [tenantId, clusterId, scopeId, randomUUID()],
    );
    const rules = RULE_CATALOG.map((r) => ({ ruleId: r.id, enabled: r.enabledByDefault, parameters: r.defaultParameters }));
    await sql(
      `INSERT INTO policy ("tenantId", id, name, action, "isDefault", rules, "updatedAt") VALUES ($1, $2, 'Default K8s misconfiguration rule', 'AUDIT', true, $3::jsonb, now())`,
      [tenantId, randomUUID(), JSON.stringify(rules)],
    );
  });
  afterAll(async () => {
    await api?.close();
    for (const key of ['EVALUATION_THREADS', 'EVALUATION_QUEUE_SIZE', 'EVALUATION_TIMEOUT_MS']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it('answers a 60,000-key ConfigMap, and still refuses a duplicate key with its line and column', async () => {
    const { evaluateManifest: r } = await api!.gqlOk<any>(EVALUATE, { c: clusterId, m: BIG_CONFIG_MAP }, owner.token);
    expect(r).toEqual({ allowed: true, documents: [{ index: 0, kind: 'ConfigMap', evaluated: false }] });

    const duplicate = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: web\nspec:\n  containers:\n    - name: c\n      image: nginx\n      securityContext:\n        privileged: false\n        privileged: true\n`;
    const refused = await api!.gql(EVALUATE, { c: clusterId, m: duplicate }, owner.token);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'manifest', line: 12, column: 9 });
    expect(refused.errors?.[0].message).toBe('manifest: line 12, column 9: document 1: duplicate key "privileged" (keys of a mapping must be unique)');
  });

  it('refuses a manifest over a parsing limit, naming the limit and where', async () => {
    // The mapping is level 1; `spec: ` ends at column 6, so the 100th bracket, at column 106, opens level 101.
    const deep = `kind: Pod\nspec: ${'['.repeat(200)}${']'.repeat(200)}\n`;
    const result = await api!.gql(EVALUATE, { c: clusterId, m: deep }, owner.token);
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'manifest', line: 2, column: 106 });
    expect(result.errors?.[0].message).toMatch(/nested more than 100 levels deep/);
  });

  it('keeps answering other requests while a dry run computes (it runs on a worker thread)', async () => {
    const compute = api!.app.get(EnforcementCompute);
    const order: string[] = [];
    const evaluation = api!.gql(EVALUATE, { c: clusterId, m: BIG_CONFIG_MAP }, owner.token).then((r) => {
      order.push(`evaluate:${outcomeOf(r)}`);
    });
    // Wait until the dry run is in the pool, then ask the same server for /healthz.
    while (compute.pending === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const health = await api!.http().get('/healthz');
    order.push(`healthz:${health.status}`);
    await evaluation;
    expect(order).toEqual(['healthz:200', 'evaluate:data']);
  });

  it('refuses work at once when the thread is busy and the queue is full (OVERLOADED)', async () => {
    const busy = await startApi({ EVALUATION_THREADS: '1', EVALUATION_QUEUE_SIZE: '0', EVALUATION_TIMEOUT_MS: '120000' });
    const compute = busy.app.get(EnforcementCompute);
    const first = busy.gql(EVALUATE, { c: clusterId, m: BIG_CONFIG_MAP }, owner.token);
    while (compute.pending === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await busy.gql(EVALUATE, { c: clusterId, m: 'kind: Pod\n' }, owner.token);
    expect(second.errors?.[0]).toMatchObject({ message: 'Every evaluation worker is busy; retry in a few seconds', extensions: { code: 'OVERLOADED' } });
    expect(outcomeOf(await first)).toBe('data');
    const metrics = (await busy.http().get('/metrics')).text;
    expect(metrics).toContain('rampart_evaluation_refusals_total{task="evaluateManifest",reason="overloaded"} 1');
    expect(metrics).toContain('rampart_evaluation_tasks 0');
  });

  it('stops a dry run at its time budget with BAD_USER_INPUT on manifest, and a bundle with TIME_BUDGET_EXCEEDED', async () => {
    const strict = await startApi({ EVALUATION_THREADS: '1', EVALUATION_QUEUE_SIZE: '8', EVALUATION_TIMEOUT_MS: '1' });
    const slow = await strict.gql(EVALUATE, { c: clusterId, m: BIG_CONFIG_MAP }, owner.token);
    expect(slow.errors?.[0]).toMatchObject({
      message: 'manifest: evaluation exceeded its time budget of 1 ms; send fewer or smaller documents',
      extensions: { code: 'BAD_USER_INPUT', field: 'manifest', timeBudgetMs: 1 },
    });

    // Enough policies that compiling their admission objects cannot fit in a millisecond.
    const rules = JSON.stringify(RULE_CATALOG.map((r) => ({ ruleId: r.id, enabled: r.enabledByDefault, parameters: r.defaultParameters })));
    await sql(
      `INSERT INTO policy ("tenantId", id, name, action, "isDefault", rules, "updatedAt")
       SELECT $1, gen_random_uuid(), 'bulk ' || n, 'BLOCK', false, $2::jsonb, now() FROM generate_series(1, 300) n`,
      [tenantId, rules],
    );
    const bundle = await strict.gql(BUNDLE, { c: clusterId }, owner.token);
    expect(bundle.errors?.[0]).toMatchObject({
      message: "compiling the bundle exceeded its time budget of 1 ms; the tenant's policies are too large to compute on demand",
      extensions: { code: 'TIME_BUDGET_EXCEEDED', timeBudgetMs: 1 },
    });
  });
});
