/* eslint-disable @typescript-eslint/no-explicit-any -- GraphQL response bodies, read like in the *.spec.ts files this module is part of */
import { randomUUID } from 'node:crypto';
import type { World } from './matrix.types';

/**
 * A principal with a role on cloud scope A only must see nothing of any other cloud
 * scope through any path: root fields, nested fields of Tenant (from `tenant` and
 * `tenants`), Cluster.cloudScope, Policy.scope and Policy.revisions, the effective
 * policy (applied and not applied), the dry run and the bundle. The oracle is the
 * database (every id of another scope) and fixtures named by hand, never the code.
 *
 * Policies (written by hand with what a role on A must see):
 *   global                          → seen as is
 *   [A]                             → seen as is
 *   [A, B] (created as [B])         → seen as [A]; its revisions cut to A (the [B] one is null)
 *   clusters [cA, cB]               → seen as clusters [cA]
 *   [B]; clusters [cB]; [A, B] + cluster cB (cannot apply in A) → not seen at all
 */
export function nestedVisibilityTests(context: () => { world: World; scopeA: string; outsider: string }): void {
  let w: World;
  let token: string;
  const ids = {} as Record<'cA' | 'cB' | 'global' | 'onlyA' | 'aAndB' | 'clustersAB' | 'onlyB' | 'clusterB' | 'abViaClusterB' | 'bAssignment', string>;
  let bReaderEmail: string;
  let foreignPolicy: string;

  const CREATE = 'mutation($input: CreatePolicyInput!) { createPolicy(input: $input) { id version } }';
  const privileged = [{ ruleId: 'privileged-containers', enabled: true }];

  async function cluster(cloudScopeId: string): Promise<string> {
    const id = randomUUID();
    await w.sql(
      `INSERT INTO cluster ("tenantId", id, "cloudScopeId", name, distribution, "kubernetesVersion", "sensorVersion",
         "misconfigurationPoliciesEnabled", "sensorTokenHash", "credentialRotatedAt", "updatedAt")
       VALUES ($1, $2, $3, $4, 'AKS', '1.30.2', '0.11.0', true, $5, now(), now())`,
      [w.tenantId, id, cloudScopeId, `v-${id.slice(0, 8)}`, randomUUID()],
    );
    return id;
  }

  async function policy(name: string, scope: Record<string, string[]>, action = 'AUDIT'): Promise<string> {
    const data = await w.api.gqlOk<any>(CREATE, { input: { tenantId: w.tenantId, name, action, rules: privileged, scope } }, w.owner.token);
    return data.createPolicy.id;
  }

  beforeAll(async () => {
    ({ world: w, scopeA: token } = context());
    const A = w.scopeId;
    const B = w.otherScopeId;
    ids.cA = await cluster(A);
    ids.cB = await cluster(B);
    ids.global = await policy('Visible global', {});
    ids.onlyA = await policy('Visible A', { cloudScopeIds: [A] });
    ids.aAndB = await policy('Visible A+B', { cloudScopeIds: [B] }, 'BLOCK');
    await w.api.gqlOk('mutation($input: UpdatePolicyInput!) { updatePolicy(input: $input) { id } }', { input: { id: ids.aAndB, expectedVersion: 1, scope: { cloudScopeIds: [A, B] } } }, w.owner.token);
    ids.clustersAB = await policy('Visible clusters A+B', { clusterIds: [ids.cA, ids.cB] });
    ids.onlyB = await policy('Secret B only', { cloudScopeIds: [B] });
    ids.clusterB = await policy('Secret cluster of B', { clusterIds: [ids.cB] });
    ids.abViaClusterB = await policy('Secret A+B through a cluster of B', { cloudScopeIds: [A, B], clusterIds: [ids.cB] });
    const bReader = await w.api.signUp('b-reader');
    bReaderEmail = bReader.email;
    ids.bAssignment = (
      await w.api.gqlOk<any>(
        'mutation($input: AssignRoleInput!) { assignRole(input: $input) { roleAssignment { id } } }',
        { input: { tenantId: w.tenantId, principalEmail: bReader.email, role: 'SECURITY_READER', cloudScopeId: B } },
        w.owner.token,
      )
    ).assignRole.roleAssignment.id;
    const { outsider } = context();
    const theirTenant = (await w.api.gqlOk<any>('{ tenants { id } }', {}, outsider)).tenants[0].id;
    foreignPolicy = (await w.api.gqlOk<any>(CREATE, { input: { tenantId: theirTenant, name: 'Theirs', action: 'AUDIT', rules: [] } }, outsider)).createPolicy.id;
  });

  /** Everything a role on A must never see: read from the database (other scopes and their clusters) and the fixtures. */
  async function secrets(): Promise<string[]> {
    const scopes = await w.sql('SELECT id, "externalId" FROM cloud_scope WHERE "tenantId" = $1 AND id <> $2', [w.tenantId, w.scopeId]);
    const clusters = await w.sql('SELECT id, name FROM cluster WHERE "tenantId" = $1 AND "cloudScopeId" <> $2', [w.tenantId, w.scopeId]);
    return [
      ...scopes.flatMap((s) => [s.id, s.externalId] as string[]),
      ...clusters.flatMap((c) => [c.id, c.name] as string[]),
      ids.onlyB,
      ids.clusterB,
      ids.abViaClusterB,
      'Secret',
      ids.bAssignment,
      bReaderEmail,
    ];
  }

  const TENANT_CHILDREN = `
    id name
    cloudScopes(first: 100, includeOffboarded: true) { edges { node { id externalId displayName } } }
    clusters(first: 100, includeDeregistered: true) { edges { node { id name cloudScopeId cloudScope { id externalId displayName } } } }
    onlyB: clusters(first: 100, cloudScopeId: $b, includeDeregistered: true) { edges { node { id } } }
    policies(first: 100) { edges { node { id name scope { cloudScopeIds clusterIds namespaces } revisions(first: 5) { edges { node { diff snapshot } } } } } }
    roleAssignments { id cloudScopeId principal { email } }`;
  // The same children through `tenants`: a list, so smaller pages keep it under the cost limit.
  const TENANTS_CHILDREN = `
    id name
    cloudScopes(first: 20, includeOffboarded: true) { edges { node { id externalId displayName } } }
    clusters(first: 20, includeDeregistered: true) { edges { node { id name cloudScopeId cloudScope { id externalId displayName } } } }
    onlyB: clusters(first: 20, cloudScopeId: $b, includeDeregistered: true) { edges { node { id } } }
    policies(first: 20) { edges { node { id name scope { cloudScopeIds clusterIds namespaces } } } }
    roleAssignments { id cloudScopeId principal { email } }`;
  const PRIVILEGED_POD = 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [ { name: c, image: nginx, securityContext: { privileged: true } } ] }\n';
  const EXPLAIN = 'appliedPolicies { policyId policyName reason } notAppliedPolicies { policyId policyName reason } rules { ruleId policies { policyId policyName } } blockingPolicyIds auditingPolicyIds summary';

  it('no response to any path names another cloud scope, its clusters, its policies or its role assignments', async () => {
    const documents: [string, Record<string, unknown>][] = [
      [`query($t: ID!, $b: ID) { tenant(id: $t) { ${TENANT_CHILDREN} } }`, { t: w.tenantId, b: w.otherScopeId }],
      // The same children through `tenants` (a list, so smaller pages keep it under the cost limit).
      [`query($b: ID) { tenants { ${TENANTS_CHILDREN} } }`, { b: w.otherScopeId }],
      ['query($c: ID!) { cluster(id: $c) { id cloudScopeId cloudScope { id displayName } namespaces { edges { node { name } } } } }', { c: ids.cA }],
      [`query($c: ID!) { a: effectivePolicy(clusterId: $c, namespace: "payments") { ${EXPLAIN} } b: effectivePolicy(clusterId: $c, namespace: "kube-system") { ${EXPLAIN} } }`, { c: ids.cA }],
      ['query($c: ID!, $m: String!) { evaluateManifest(clusterId: $c, namespace: "payments", manifest: $m) { allowed violations { policyId policyName message } } }', { c: ids.cA, m: PRIVILEGED_POD }],
      ['query($c: ID!) { clusterBundle(clusterId: $c) { etag content } }', { c: ids.cA }],
      ['query($p: ID!, $q: ID!) { p: policy(id: $p) { id scope { cloudScopeIds clusterIds } revisions { edges { node { version diff snapshot } } } } q: policy(id: $q) { scope { clusterIds } } }', { p: ids.aAndB, q: ids.clustersAB }],
      ['query($b: ID) { me { roleAssignments { cloudScopeId tenant { id cloudScopes { edges { node { id } } } clusters(cloudScopeId: $b) { edges { node { id } } } policies { edges { node { id scope { cloudScopeIds clusterIds } } } } roleAssignments { id } } } } }', { b: w.otherScopeId }],
    ];
    const hidden = await secrets();
    for (const [document, variables] of documents) {
      const result = await w.api.gql(document, variables, token);
      expect({ document, errors: result.errors }).toEqual({ document, errors: undefined });
      const text = JSON.stringify(result.data);
      for (const secret of hidden) expect({ document, leaks: text.includes(secret) ? secret : null }).toEqual({ document, leaks: null });
    }
  });

  it('what it does see: its scope, its clusters, and the policies that can apply there with their scope cut down to A', async () => {
    const A = w.scopeId;
    const data = await w.api.gqlOk<any>(`query($t: ID!, $b: ID) { tenant(id: $t) { ${TENANT_CHILDREN} } }`, { t: w.tenantId, b: w.otherScopeId }, token);
    const t = data.tenant;
    expect(t.cloudScopes.edges.map((e: any) => e.node.id)).toEqual([A]);
    expect(t.clusters.edges.map((e: any) => e.node.id)).toContain(ids.cA);
    expect(new Set(t.clusters.edges.map((e: any) => e.node.cloudScope.id))).toEqual(new Set([A]));
    expect(t.onlyB.edges).toEqual([]);
    const byId = new Map(t.policies.edges.map((e: any) => [e.node.id, e.node]));
    expect(byId.get(ids.global)).toMatchObject({ name: 'Visible global', scope: { cloudScopeIds: [], clusterIds: [], namespaces: [] } });
    expect(byId.get(ids.onlyA)).toMatchObject({ scope: { cloudScopeIds: [A], clusterIds: [] } });
    expect(byId.get(ids.aAndB)).toMatchObject({ scope: { cloudScopeIds: [A], clusterIds: [] } });
    expect(byId.get(ids.clustersAB)).toMatchObject({ scope: { cloudScopeIds: [], clusterIds: [ids.cA] } });
    for (const id of [ids.onlyB, ids.clusterB, ids.abViaClusterB]) expect(byId.has(id)).toBe(false);

    const revisions = (await w.api.gqlOk<any>('query($p: ID!) { policy(id: $p) { revisions { edges { node { version diff snapshot } } } } }', { p: ids.aAndB }, token)).policy.revisions.edges.map(
      (e: any) => e.node,
    );
    expect(revisions.map((r: any) => [r.version, r.snapshot.scope, r.diff.scope])).toEqual([
      [2, { cloudScopeIds: [A], clusterIds: [], namespaces: [] }, { from: null, to: { cloudScopeIds: [A], clusterIds: [], namespaces: [] } }],
      [1, null, { from: null, to: null }],
    ]);

    const explained = (await w.api.gqlOk<any>(`query($c: ID!) { effectivePolicy(clusterId: $c, namespace: "payments") { ${EXPLAIN} } }`, { c: ids.cA }, token)).effectivePolicy;
    expect(explained.appliedPolicies.map((p: any) => p.policyId)).toEqual(expect.arrayContaining([ids.global, ids.onlyA, ids.aAndB, ids.clustersAB]));
    expect(explained.blockingPolicyIds).toContain(ids.aAndB);

    // On its own cluster it gets the same answers a tenant-wide role gets: only what names other scopes is gone.
    const same = `query($c: ID!, $m: String!) {
      effectivePolicy(clusterId: $c, namespace: "payments") { canDeny blockingPolicyIds auditingPolicyIds appliedPolicies { policyId reason } summary }
      evaluateManifest(clusterId: $c, namespace: "payments", manifest: $m) { allowed violations { policyId ruleId } }
      clusterBundle(clusterId: $c) { etag }
    }`;
    const variables = { c: ids.cA, m: PRIVILEGED_POD };
    expect(await w.api.gqlOk(same, variables, token)).toEqual(await w.api.gqlOk(same, variables, w.owner.token));
  });

  it('an object it may not see is NOT_FOUND exactly like a missing, deleted or another tenant’s one', async () => {
    const errorOf = async (document: string, variables: Record<string, unknown>) => (await w.api.gql(document, variables, token)).errors;
    const POLICY = 'query($id: ID!) { policy(id: $id) { id } }';
    const missingPolicy = await errorOf(POLICY, { id: randomUUID() });
    expect(missingPolicy?.[0].extensions?.code).toBe('NOT_FOUND');
    for (const id of [ids.onlyB, ids.clusterB, ids.abViaClusterB, foreignPolicy]) expect(await errorOf(POLICY, { id })).toEqual(missingPolicy);

    const deleted = await policy('Deleted in A', { cloudScopeIds: [w.scopeId] });
    await w.api.gqlOk('mutation($id: ID!) { deletePolicy(id: $id) { id } }', { id: deleted }, w.owner.token);
    expect(await errorOf(POLICY, { id: deleted })).toEqual(missingPolicy);

    const CLUSTER = 'query($id: ID!) { cluster(id: $id) { id } }';
    const missingCluster = await errorOf(CLUSTER, { id: randomUUID() });
    expect(missingCluster?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await errorOf(CLUSTER, { id: ids.cB })).toEqual(missingCluster);
    const deregistered = await cluster(w.scopeId);
    await w.api.gqlOk('mutation($id: ID!) { deregisterCluster(id: $id) { id } }', { id: deregistered }, w.owner.token);
    expect(await errorOf(CLUSTER, { id: deregistered })).toEqual(missingCluster);

    const EXPLAIN_B = 'query($id: ID!) { effectivePolicy(clusterId: $id, namespace: "payments") { canDeny } }';
    expect(await errorOf(EXPLAIN_B, { id: ids.cB })).toEqual(await errorOf(EXPLAIN_B, { id: randomUUID() }));

    const REVOKE = 'mutation($id: ID!) { revokeRole(id: $id) { id } }';
    expect(await errorOf(REVOKE, { id: ids.bAssignment })).toEqual(await errorOf(REVOKE, { id: randomUUID() }));
  });
}
