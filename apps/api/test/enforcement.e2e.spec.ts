import { randomUUID } from 'node:crypto';
import { RULE_CATALOG } from '@rampart/rules';
import { TestApi, type TestUser, query, useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';

const PRIVILEGED = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            privileged: true
`;

const EFFECTIVE = `query($c: ID!, $ns: String!) {
  effectivePolicy(clusterId: $c, namespace: $ns) {
    namespace systemNamespace canDeny enforceable notEnforceableReasons blockingPolicyIds auditingPolicyIds summary
    appliedPolicies { policyId policyName action applies reason rules { ruleId parameters } }
    notAppliedPolicies { policyId reason }
    rules { ruleId action policies { policyId action parameters } }
  }
}`;
const EVALUATE = `query($c: ID!, $ns: String!, $m: String!, $op: ManifestOperation, $old: String) {
  evaluateManifest(clusterId: $c, namespace: $ns, manifest: $m, operation: $op, oldManifest: $old) {
    allowed
    violations { documentIndex policyId policyName ruleId action policyAction preExisting message path }
    documents { index kind name namespace evaluated allowed note }
  }
}`;
const BUNDLE = 'query($c: ID!) { clusterBundle(clusterId: $c) { version etag content } }';

describe('effective policy, dry run and bundle (e2e)', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let owner: TestUser;
  let tenantId: string;
  const scopeA = randomUUID();
  const scopeB = randomUUID();
  const clusterA = randomUUID();
  const clusterB = randomUUID();
  // Kubernetes 1.29 and sensor 0.10: can only audit (policy semantics rule 6).
  const clusterOld = randomUUID();
  const defaultPolicy = randomUUID();
  const blockPayments = randomUUID();
  const sql = (text: string, params: unknown[] = []) => query(env.current.db.adminUrl, text, params);

  const allRules = RULE_CATALOG.map((r) => ({ ruleId: r.id, enabled: r.enabledByDefault, parameters: r.defaultParameters }));

  async function insertPolicy(id: string, name: string, action: string, isDefault: boolean, scope: [string[], string[], string[]], rules: unknown) {
    await sql(
      `INSERT INTO policy ("tenantId", id, name, action, "isDefault", "scopeCloudScopeIds", "scopeClusterIds", "scopeNamespaces", rules, "updatedAt")
       VALUES ($1, $2, $3, $4, $5, $6::uuid[], $7::uuid[], $8::text[], $9::jsonb, now())`,
      [tenantId, id, name, action, isDefault, ...scope, JSON.stringify(rules)],
    );
  }

  beforeAll(async () => {
    api = await TestApi.start(createApp);
    owner = await api.signUp('owner');
    tenantId = (await api.gqlOk<any>('mutation { createTenant(input: { name: "Enforce" }) { id } }', {}, owner.token)).createTenant.id;
    // Inventory and policies are written directly: this file tests the views over them.
    for (const [id, ext] of [[scopeA, '111111111111'], [scopeB, '222222222222']]) {
      await sql(`INSERT INTO cloud_scope ("tenantId", id, provider, "externalId", "displayName", "updatedAt") VALUES ($1, $2, 'AWS', $3, $3, now())`, [tenantId, id, ext]);
    }
    for (const [id, scope, k8s, sensor] of [[clusterA, scopeA, '1.30.0', '0.11.0'], [clusterB, scopeB, '1.30.0', '0.11.0'], [clusterOld, scopeA, '1.29.4', '0.10.0']]) {
      await sql(
        `INSERT INTO cluster ("tenantId", id, "cloudScopeId", name, distribution, "kubernetesVersion", "sensorVersion",
           "misconfigurationPoliciesEnabled", "sensorTokenHash", "credentialRotatedAt", "updatedAt")
         VALUES ($1, $2, $3, $4, 'EKS', $6, $7, true, $5, now(), now())`,
        [tenantId, id, scope, `c-${id.slice(0, 8)}`, randomUUID(), k8s, sensor],
      );
    }
    await insertPolicy(defaultPolicy, 'Default K8s misconfiguration rule', 'AUDIT', true, [[], [], []], allRules);
    await insertPolicy(blockPayments, 'Block privileged in payments', 'BLOCK', false, [[scopeA], [], ['payments']], [
      { ruleId: 'privileged-containers', enabled: true, parameters: {} },
    ]);
  });
  afterAll(() => api?.close());

  it('explains which policies apply, why, and with which parameters', async () => {
    const { effectivePolicy: e } = await api.gqlOk<any>(EFFECTIVE, { c: clusterA, ns: 'payments' }, owner.token);
    expect(e.canDeny).toBe(true);
    expect(e.blockingPolicyIds).toEqual([blockPayments]);
    expect(e.auditingPolicyIds).toEqual([defaultPolicy]);
    expect(e.appliedPolicies.map((p: any) => p.policyId).sort()).toEqual([blockPayments, defaultPolicy].sort());
    const privileged = e.rules.find((r: any) => r.ruleId === 'privileged-containers');
    expect(privileged.action).toBe('BLOCK');
    expect(privileged.policies.map((p: any) => p.action).sort()).toEqual(['AUDIT', 'BLOCK']);
    expect(e.rules.find((r: any) => r.ruleId === 'trusted-registries')).toBeUndefined();
    expect(e.summary).toMatch(/denied/);

    const other = (await api.gqlOk<any>(EFFECTIVE, { c: clusterA, ns: 'web' }, owner.token)).effectivePolicy;
    expect(other.canDeny).toBe(false);
    expect(other.notAppliedPolicies).toEqual([{ policyId: blockPayments, reason: expect.stringMatching(/namespace/) }]);

    const elsewhere = (await api.gqlOk<any>(EFFECTIVE, { c: clusterB, ns: 'payments' }, owner.token)).effectivePolicy;
    expect(elsewhere.blockingPolicyIds).toEqual([]);

    const system = (await api.gqlOk<any>(EFFECTIVE, { c: clusterA, ns: 'kube-system' }, owner.token)).effectivePolicy;
    expect(system.systemNamespace).toBe(true);
    expect(system.appliedPolicies).toEqual([]);
  });

  it('a dry run denies what a BLOCK policy catches and records audit findings, with paths and fixes', async () => {
    const { evaluateManifest: r } = await api.gqlOk<any>(EVALUATE, { c: clusterA, ns: 'payments', m: PRIVILEGED }, owner.token);
    expect(r.allowed).toBe(false);
    const blocked = r.violations.filter((v: any) => v.action === 'BLOCK');
    expect(blocked).toEqual([
      expect.objectContaining({
        policyId: blockPayments,
        ruleId: 'privileged-containers',
        path: 'spec.template.spec.containers[0].securityContext.privileged',
        documentIndex: 0,
      }),
    ]);
    expect(blocked[0].message).toMatch(/privileged/);
    expect(r.violations.filter((v: any) => v.action === 'AUDIT').map((v: any) => v.ruleId)).toEqual(
      expect.arrayContaining(['container-resource-limits', 'privilege-escalation', 'read-only-root-filesystem']),
    );

    const admitted = (await api.gqlOk<any>(EVALUATE, { c: clusterA, ns: 'web', m: PRIVILEGED }, owner.token)).evaluateManifest;
    expect(admitted.allowed).toBe(true);
    expect(admitted.violations.length).toBeGreaterThan(0);
    expect(admitted.violations.every((v: any) => v.action === 'AUDIT')).toBe(true);
  });

  it('reads JSON and several documents; kinds no rule knows are admitted with a note; any failing document fails the file', async () => {
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j', namespace: 'payments' }, spec: { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] } });
    const multi = `apiVersion: v1\nkind: Service\nmetadata: { name: svc }\nspec: { ports: [ { port: 80 } ] }\n---\n${PRIVILEGED}`;
    const a = (await api.gqlOk<any>(EVALUATE, { c: clusterA, ns: 'web', m: json }, owner.token)).evaluateManifest;
    expect(a.allowed).toBe(false);
    expect(a.documents[0]).toMatchObject({ kind: 'Pod', namespace: 'payments', evaluated: true, allowed: false });
    const b = (await api.gqlOk<any>(EVALUATE, { c: clusterA, ns: 'payments', m: multi }, owner.token)).evaluateManifest;
    expect(b.allowed).toBe(false);
    expect(b.documents[0]).toMatchObject({ kind: 'Service', evaluated: false, allowed: true, note: expect.stringMatching(/not evaluated/) });
    expect(b.documents[1]).toMatchObject({ kind: 'Deployment', evaluated: true, allowed: false });
    const onlyService = (await api.gqlOk<any>(EVALUATE, { c: clusterA, ns: 'payments', m: multi.split('---')[0] }, owner.token)).evaluateManifest;
    expect(onlyService).toMatchObject({ allowed: true, violations: [] });
  });

  it('bad input names the field: YAML errors with line and column, size limit, namespace', async () => {
    const bad = await api.gql(EVALUATE, { c: clusterA, ns: 'payments', m: 'kind: Pod\nmetadata:\n  name: [unclosed\n' }, owner.token);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'manifest', line: expect.any(Number), column: expect.any(Number) });
    expect(bad.errors?.[0].message).toMatch(/line \d+, column \d+/);
    const huge = await api.gql(EVALUATE, { c: clusterA, ns: 'payments', m: `# ${'x'.repeat(1024 * 1024)}\nkind: Pod` }, owner.token);
    expect(huge.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'manifest' });
    expect(huge.errors?.[0].message).toMatch(/1 MiB/);
    const ns = await api.gql(EFFECTIVE, { c: clusterA, ns: 'Not_A_Namespace' }, owner.token);
    expect(ns.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'namespace' });
    const empty = await api.gql(EVALUATE, { c: clusterA, ns: 'payments', m: '   \n' }, owner.token);
    expect(empty.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'manifest' });
  });

  it('clusterBundle: the bundle format with native admission objects; same content, same ETag; a change, a new ETag', async () => {
    const first = (await api.gqlOk<any>(BUNDLE, { c: clusterA }, owner.token)).clusterBundle;
    expect(first.etag).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.content).toMatchObject({ apiVersion: 'rampart.io/v1', kind: 'PolicyBundle', clusterId: clusterA, etag: first.etag });
    expect(first.content.policies.map((p: any) => p.id).sort()).toEqual([blockPayments, defaultPolicy].sort());
    expect(first.content.enforcement).toEqual({ mode: 'ENFORCE', reasons: [] });
    // Two policies, each as a pair for introduced violations and a pair for pre-existing ones.
    expect(first.content.admission.policies.length).toBe(4);
    const binding = first.content.admission.bindings.find((b: any) => b.spec.validationActions.includes('Deny'));
    expect(binding.spec.matchResources.namespaceSelector.matchExpressions[0]).toMatchObject({ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['payments'] });

    const again = (await api.gqlOk<any>(BUNDLE, { c: clusterA }, owner.token)).clusterBundle;
    expect(again.etag).toBe(first.etag);
    const otherCluster = (await api.gqlOk<any>(BUNDLE, { c: clusterB }, owner.token)).clusterBundle;
    expect(otherCluster.content.policies.map((p: any) => p.id)).toEqual([defaultPolicy]);

    await sql(`UPDATE policy SET action = 'AUDIT', version = version + 1 WHERE id = $1`, [blockPayments]);
    const changed = (await api.gqlOk<any>(BUNDLE, { c: clusterA }, owner.token)).clusterBundle;
    expect(changed.etag).not.toBe(first.etag);
    // Back to BLOCK for the tests below.
    await sql(`UPDATE policy SET action = 'BLOCK', version = version + 1 WHERE id = $1`, [blockPayments]);
  });

  it('a dry run of an UPDATE denies only what the update newly breaks; pre-existing violations are AUDIT', async () => {
    const scaled = PRIVILEGED.replace('spec:\n  template:', 'spec:\n  replicas: 0\n  template:');
    expect(scaled).not.toBe(PRIVILEGED);
    const kept = (await api.gqlOk<any>(EVALUATE, { c: clusterA, ns: 'payments', m: scaled, op: 'UPDATE', old: PRIVILEGED }, owner.token)).evaluateManifest;
    expect(kept.allowed).toBe(true);
    expect(kept.violations.filter((v: any) => v.policyId === blockPayments)).toEqual([
      expect.objectContaining({ ruleId: 'privileged-containers', action: 'AUDIT', policyAction: 'BLOCK', preExisting: true }),
    ]);

    const compliant = PRIVILEGED.replace('privileged: true', 'privileged: false');
    const broken = (await api.gqlOk<any>(EVALUATE, { c: clusterA, ns: 'payments', m: PRIVILEGED, op: 'UPDATE', old: compliant }, owner.token)).evaluateManifest;
    expect(broken.allowed).toBe(false);
    expect(broken.violations.filter((v: any) => v.policyId === blockPayments)).toEqual([
      expect.objectContaining({ ruleId: 'privileged-containers', action: 'BLOCK', policyAction: 'BLOCK', preExisting: false }),
    ]);

    // CREATE stays the default, and says preExisting: false.
    const created = (await api.gqlOk<any>(EVALUATE, { c: clusterA, ns: 'payments', m: scaled }, owner.token)).evaluateManifest;
    expect(created.allowed).toBe(false);
    expect(created.violations.every((v: any) => v.preExisting === false)).toBe(true);
  });

  it('an UPDATE dry run refuses a missing, unparsable or mismatched oldManifest, naming it', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ op: 'UPDATE' }, /required when operation is UPDATE/],
      [{ op: 'UPDATE', old: 'kind: Deployment\nmetadata:\n  name: [unclosed\n' }, /line \d+, column \d+/],
      [{ op: 'UPDATE', old: `${PRIVILEGED}---\n${PRIVILEGED}` }, /has 2 document\(s\) but manifest has 1/],
      [{ op: 'UPDATE', old: PRIVILEGED.replace('kind: Deployment', 'kind: StatefulSet') }, /StatefulSet/],
      [{ op: 'UPDATE', old: PRIVILEGED.replace('name: web', 'name: api') }, /named api/],
      [{ old: PRIVILEGED }, /only read when operation is UPDATE/],
    ];
    for (const [vars, message] of cases) {
      const r = await api.gql(EVALUATE, { c: clusterA, ns: 'payments', m: PRIVILEGED, ...vars }, owner.token);
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'oldManifest' });
      expect(r.errors?.[0].message).toMatch(message);
    }
  });

  it('a cluster that cannot enforce says it can only audit and why, everywhere', async () => {
    const e = (await api.gqlOk<any>(EFFECTIVE, { c: clusterOld, ns: 'payments' }, owner.token)).effectivePolicy;
    expect(e.canDeny).toBe(false);
    expect(e.enforceable).toBe(false);
    expect(e.blockingPolicyIds).toEqual([blockPayments]);
    expect(e.notEnforceableReasons).toEqual([
      'Kubernetes 1.29.4 is older than 1.30; ValidatingAdmissionPolicy is enabled by default only from Kubernetes 1.30, so upgrade the cluster.',
      'Sensor 0.10.0 is older than 0.11; upgrade the sensor to 0.11 or later.',
    ]);
    expect(e.summary).toMatch(/can only audit/);

    const bundle = (await api.gqlOk<any>(BUNDLE, { c: clusterOld }, owner.token)).clusterBundle;
    expect(bundle.content.enforcement).toEqual({ mode: 'AUDIT_ONLY', reasons: e.notEnforceableReasons });
    // Kubernetes 1.29 serves no admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy: none is shipped.
    expect(bundle.content.admission).toEqual({ policies: [], bindings: [] });
    expect(bundle.content.policies.map((p: any) => p.id).sort()).toEqual([blockPayments, defaultPolicy].sort());

    const dryRun = (await api.gqlOk<any>(EVALUATE, { c: clusterOld, ns: 'payments', m: PRIVILEGED }, owner.token)).evaluateManifest;
    expect(dryRun.allowed).toBe(true);
    expect(dryRun.violations.find((v: any) => v.policyId === blockPayments)).toMatchObject({ action: 'AUDIT', policyAction: 'BLOCK', preExisting: false });
  });

  it('a deregistered cluster is not found', async () => {
    const gone = randomUUID();
    await sql(
      `INSERT INTO cluster ("tenantId", id, "cloudScopeId", name, distribution, "kubernetesVersion", "sensorVersion",
         "misconfigurationPoliciesEnabled", "sensorTokenHash", "credentialRotatedAt", "updatedAt", "deregisteredAt")
       VALUES ($1, $2, $3, 'gone', 'EKS', '1.30.0', '0.11.0', true, $4, now(), now(), now())`,
      [tenantId, gone, scopeA, randomUUID()],
    );
    const result = await api.gql(BUNDLE, { c: gone }, owner.token);
    expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});
