import { createHash, randomBytes } from 'node:crypto';
import { InventoryRepository } from '@rampart/inventory';
import { TestApi, type TestUser, outcomeOf, query, useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';

const ONBOARD = `mutation($input: OnboardCloudScopeInput!) {
  onboardCloudScope(input: $input) { id tenantId provider externalId displayName environment planEnabled offboardedAt createdAt }
}`;
const RENAME = 'mutation($input: RenameCloudScopeInput!) { renameCloudScope(input: $input) { id displayName } }';
const OFFBOARD = 'mutation($id: ID!) { offboardCloudScope(id: $id) { id offboardedAt } }';
const CLUSTER_FIELDS = `id name cloudScopeId distribution kubernetesVersion sensorVersion misconfigurationPoliciesEnabled
  enforceable notEnforceableReasons desiredBundleVersion appliedBundleVersion appliedBundleEtag lastSeenAt
  credentialRotatedAt deregisteredAt createdAt updatedAt cloudScope { id displayName planEnabled }`;
const REGISTER = `mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { sensorToken cluster { ${CLUSTER_FIELDS} } } }`;
const ROTATE = `mutation($id: ID!) { rotateClusterCredential(clusterId: $id) { sensorToken cluster { id credentialRotatedAt } } }`;
const DEREGISTER = 'mutation($id: ID!) { deregisterCluster(id: $id) { id deregisteredAt } }';
const UPDATE_CLUSTER = `mutation($input: UpdateClusterInput!) { updateCluster(input: $input) { version ${CLUSTER_FIELDS} } }`;
const CLUSTER = `query($id: ID!) { cluster(id: $id) { ${CLUSTER_FIELDS} } }`;
const TENANT_CLUSTERS = `query($id: ID!, $first: Int, $after: String, $scope: ID, $all: Boolean) {
  tenant(id: $id) { clusters(first: $first, after: $after, cloudScopeId: $scope, includeDeregistered: $all) {
    edges { cursor node { id name cloudScopeId enforceable cloudScope { id displayName } } } pageInfo { hasNextPage endCursor } } }
}`;
const TENANT_SCOPES = `query($id: ID!, $first: Int, $after: String, $all: Boolean) {
  tenant(id: $id) { cloudScopes(first: $first, after: $after, includeOffboarded: $all) {
    edges { node { id externalId offboardedAt } } pageInfo { hasNextPage endCursor } } }
}`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const awsAccount = () => String(parseInt(randomBytes(5).toString('hex'), 16) % 1e12).padStart(12, '0');
const clusterName = () => `c-${randomBytes(4).toString('hex')}`;

describe('inventory: cloud scopes and clusters (e2e)', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let owner: TestUser;
  let tenantId: string;
  let scopeId: string;
  let outsider: TestUser;
  let foreignScopeId: string;
  const sql = (text: string, params: unknown[] = []) => query(env.current.db.adminUrl, text, params);

  /** Rows that any inventory mutation may write: a refused call must leave all of them as they were. */
  async function counts() {
    const [row] = await sql(`SELECT (SELECT count(*) FROM cloud_scope)::int AS scopes, (SELECT count(*) FROM cluster)::int AS clusters,
      (SELECT count(*) FROM audit_log_entry)::int AS audit, (SELECT count(*) FROM outbox_event)::int AS outbox,
      (SELECT count(*) FROM policy)::int AS policies`);
    return row;
  }

  async function newTenant(user: TestUser, name: string): Promise<string> {
    return (await api.gqlOk<any>('mutation($n: String!) { createTenant(input: { name: $n }) { id } }', { n: name }, user.token)).createTenant.id;
  }

  async function onboard(input: Record<string, unknown>, token = owner.token) {
    return (await api.gqlOk<any>(ONBOARD, { input: { tenantId, provider: 'AWS', externalId: awsAccount(), displayName: 'Scope', ...input } }, token))
      .onboardCloudScope;
  }

  // The managed Kubernetes of each cloud (a distribution must match its cloud scope's provider).
  const DISTRIBUTION_OF: Record<string, string> = { AZURE: 'AKS', AWS: 'EKS', GCP: 'GKE' };

  async function register(input: Record<string, unknown>, token = owner.token) {
    const [scope] = await sql('SELECT provider FROM cloud_scope WHERE id = $1', [input.cloudScopeId ?? scopeId]);
    const data = await api.gqlOk<any>(
      REGISTER,
      {
        input: {
          cloudScopeId: scopeId,
          name: clusterName(),
          distribution: DISTRIBUTION_OF[String(scope?.provider)] ?? 'AKS',
          kubernetesVersion: '1.30.2',
          sensorVersion: '0.11.0',
          misconfigurationPoliciesEnabled: true,
          ...input,
        },
      },
      token,
    );
    return data.registerCluster as { sensorToken: string; cluster: any };
  }

  beforeAll(async () => {
    api = await TestApi.start(createApp);
    owner = await api.signUp('owner');
    tenantId = await newTenant(owner, 'Contoso');
    scopeId = (await onboard({ provider: 'AZURE', externalId: '0F8FAD5B-D9CB-469F-A165-70867728950E', displayName: 'Production' })).id;
    outsider = await api.signUp('outsider');
    const otherTenant = await newTenant(outsider, 'Fabrikam');
    foreignScopeId = (
      await api.gqlOk<any>(ONBOARD, { input: { tenantId: otherTenant, provider: 'GCP', externalId: 'fabrikam-prod', displayName: 'F' } }, outsider.token)
    ).onboardCloudScope.id;
  });
  afterAll(() => api?.close());

  it('onboards a commercial scope with the plan enabled, normalising the Azure id, and records it', async () => {
    const [row] = await sql('SELECT * FROM cloud_scope WHERE id = $1', [scopeId]);
    expect(row).toMatchObject({
      tenantId,
      provider: 'AZURE',
      externalId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      displayName: 'Production',
      environment: 'COMMERCIAL',
      planEnabled: true,
      offboardedAt: null,
    });
    const [audit] = await sql(`SELECT actor, after FROM audit_log_entry WHERE "targetId" = $1 AND operation = 'onboardCloudScope'`, [scopeId]);
    expect(audit).toMatchObject({ actor: owner.email, after: { id: scopeId, displayName: 'Production' } });
    const outbox = await sql(`SELECT payload FROM outbox_event WHERE type = 'cloud-scope.changed' AND payload->>'cloudScopeId' = $1`, [scopeId]);
    expect(outbox).toEqual([{ payload: { cloudScopeId: scopeId, operation: 'onboardCloudScope', tenantId } }]);
  });

  it('onboarding creates the tenant’s default policy exactly once, even for ten concurrent first onboardings', async () => {
    const t = await newTenant(owner, 'Concurrent');
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.gql(ONBOARD, { input: { tenantId: t, provider: 'AWS', externalId: awsAccount(), displayName: 'Parallel' } }, owner.token),
      ),
    );
    expect(results.map(outcomeOf)).toEqual(Array(10).fill('data'));
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM policy WHERE "tenantId" = $1 AND "isDefault"`, [t]);
    expect(n).toBe(1);
    const [{ scopes }] = await sql(`SELECT count(*)::int AS scopes FROM cloud_scope WHERE "tenantId" = $1`, [t]);
    expect(scopes).toBe(10);
  });

  it('registers a cluster, returning its token once; only the SHA-256 is stored and no query shows either', async () => {
    const { sensorToken, cluster } = await register({ name: 'prod-eu-1', kubernetesVersion: 'v1.30.2', distribution: 'AKS' });
    expect(sensorToken).toMatch(/^rmp_[A-Za-z0-9_-]{43}$/);
    expect(cluster).toMatchObject({
      name: 'prod-eu-1',
      cloudScopeId: scopeId,
      distribution: 'AKS',
      kubernetesVersion: '1.30.2',
      sensorVersion: '0.11.0',
      misconfigurationPoliciesEnabled: true,
      enforceable: true,
      notEnforceableReasons: [],
      desiredBundleVersion: null,
      appliedBundleVersion: null,
      appliedBundleEtag: null,
      lastSeenAt: null,
      deregisteredAt: null,
      cloudScope: { id: scopeId, displayName: 'Production', planEnabled: true },
    });
    const [row] = await sql('SELECT "sensorTokenHash" FROM cluster WHERE id = $1', [cluster.id]);
    expect(row.sensorTokenHash).toBe(sha256(sensorToken));

    const seen = JSON.stringify([
      await api.gqlOk(CLUSTER, { id: cluster.id }, owner.token),
      await api.gqlOk(TENANT_CLUSTERS, { id: tenantId, first: 100 }, owner.token),
      await api.gqlOk('query($t: ID!) { auditLog(tenantId: $t, first: 100) { edges { node { before after } } } }', { t: tenantId }, owner.token),
    ]);
    expect(seen).toContain(cluster.id);
    expect(seen).not.toContain(sensorToken);
    expect(seen).not.toContain(row.sensorTokenHash);
    const stored = await sql(`SELECT count(*)::int AS n FROM audit_log_entry WHERE concat(before::text, after::text) LIKE '%' || $1 || '%'`, [
      row.sensorTokenHash,
    ]);
    expect(stored).toEqual([{ n: 0 }]);
    const fields = await api.gqlOk<any>('{ __type(name: "Cluster") { fields { name } } }', {}, owner.token);
    expect(fields.__type.fields.map((f: any) => f.name).filter((n: string) => /token|hash|credential(?!RotatedAt)/i.test(n))).toEqual([]);

    const [audit] = await sql(`SELECT after FROM audit_log_entry WHERE "targetId" = $1 AND operation = 'registerCluster'`, [cluster.id]);
    expect(audit.after).toMatchObject({ id: cluster.id, name: 'prod-eu-1' });
    expect(audit.after).not.toHaveProperty('sensorTokenHash');
    const outbox = await sql(`SELECT payload FROM outbox_event WHERE type = 'cluster.changed' AND payload->>'clusterId' = $1`, [cluster.id]);
    expect(outbox).toEqual([{ payload: { clusterId: cluster.id, cloudScopeId: scopeId, operation: 'registerCluster', tenantId } }]);
  });

  it('rotateClusterCredential issues a different token and replaces the stored hash', async () => {
    const { sensorToken: first, cluster } = await register({});
    const rotated = (await api.gqlOk<any>(ROTATE, { id: cluster.id }, owner.token)).rotateClusterCredential;
    expect(rotated.sensorToken).toMatch(/^rmp_/);
    expect(rotated.sensorToken).not.toBe(first);
    const [row] = await sql('SELECT "sensorTokenHash", "credentialRotatedAt" FROM cluster WHERE id = $1', [cluster.id]);
    expect(row.sensorTokenHash).toBe(sha256(rotated.sensorToken));
    const withOld = await sql('SELECT count(*)::int AS n FROM cluster WHERE "sensorTokenHash" = $1', [sha256(first)]);
    expect(withOld).toEqual([{ n: 0 }]);
    expect(new Date(rotated.cluster.credentialRotatedAt).getTime()).toBe((row.credentialRotatedAt as Date).getTime());
    expect(new Date(rotated.cluster.credentialRotatedAt).getTime()).toBeGreaterThanOrEqual(new Date(cluster.credentialRotatedAt).getTime());
    const [audit] = await sql(`SELECT before, after FROM audit_log_entry WHERE "targetId" = $1 AND operation = 'rotateClusterCredential'`, [cluster.id]);
    expect(JSON.stringify(audit)).not.toContain(row.sensorTokenHash);
    expect(JSON.stringify(audit)).not.toContain(sha256(first));
    const outbox = await sql(`SELECT count(*)::int AS n FROM outbox_event WHERE type = 'cluster.changed' AND payload->>'clusterId' = $1`, [cluster.id]);
    expect(outbox).toEqual([{ n: 2 }]);
  });

  it.each([
    [{ provider: 'AZURE', externalId: '123456789012' }, 'input.externalId'],
    [{ provider: 'AZURE', externalId: 'not-a-guid' }, 'input.externalId'],
    [{ provider: 'AWS', externalId: '12345678901' }, 'input.externalId'],
    [{ provider: 'AWS', externalId: '1234567890123' }, 'input.externalId'],
    [{ provider: 'GCP', externalId: 'Project-1' }, 'input.externalId'],
    [{ provider: 'GCP', externalId: 'proj' }, 'input.externalId'],
    [{ provider: 'GCP', externalId: 'project-' }, 'input.externalId'],
    [{ provider: 'GCP', externalId: `p${'a'.repeat(30)}` }, 'input.externalId'],
    [{ displayName: '  ' }, 'input.displayName'],
    [{ displayName: 'x'.repeat(101) }, 'input.displayName'],
  ])('onboardCloudScope rejects %p naming %s and stores nothing', async (input, field) => {
    const before = await counts();
    const result = await api.gql(ONBOARD, { input: { tenantId, provider: 'AWS', externalId: awsAccount(), displayName: 'Bad', ...input } }, owner.token);
    expect(result.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(await counts()).toEqual(before);
  });

  it.each(['US_GOVERNMENT', 'CHINA', 'SOVEREIGN'])('onboardCloudScope refuses the %s cloud with UNSUPPORTED_CLOUD and stores nothing', async (environment) => {
    const t = await newTenant(owner, `National ${environment}`);
    const before = await counts();
    const result = await api.gql(ONBOARD, { input: { tenantId: t, provider: 'AZURE', externalId: '6f1c2a8e-0000-4000-8000-000000000001', displayName: 'Gov', environment } }, owner.token);
    expect(result.errors?.[0].extensions).toEqual({ code: 'UNSUPPORTED_CLOUD', field: 'input.environment' });
    expect(result.errors?.[0].message).toContain('available in commercial clouds only');
    expect(await counts()).toEqual(before);
  });

  it('an account already onboarded (in any spelling) is a CONFLICT; once offboarded it can be onboarded again', async () => {
    const before = await counts();
    const again = await api.gql(ONBOARD, { input: { tenantId, provider: 'AZURE', externalId: '0f8fad5b-d9cb-469f-a165-70867728950e', displayName: 'Again' } }, owner.token);
    expect(again.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'input.externalId' });
    expect(await counts()).toEqual(before);

    const account = awsAccount();
    const first = await onboard({ externalId: account });
    const dup = await api.gql(ONBOARD, { input: { tenantId, provider: 'AWS', externalId: account, displayName: 'Dup' } }, owner.token);
    expect(dup.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'input.externalId' });
    // Another tenant may onboard the same account: uniqueness is per tenant.
    const elsewhere = await newTenant(outsider, 'Elsewhere');
    await api.gqlOk(ONBOARD, { input: { tenantId: elsewhere, provider: 'AWS', externalId: account, displayName: 'Theirs' } }, outsider.token);

    await api.gqlOk(OFFBOARD, { id: first.id }, owner.token);
    const back = await onboard({ externalId: account });
    expect(back.id).not.toBe(first.id);
  });

  it('renameCloudScope changes the display name, audited, and validates it', async () => {
    const scope = await onboard({ displayName: 'Old' });
    const renamed = await api.gqlOk<any>(RENAME, { input: { id: scope.id, displayName: ' New name ' } }, owner.token);
    expect(renamed.renameCloudScope).toEqual({ id: scope.id, displayName: 'New name' });
    const [audit] = await sql(`SELECT before, after FROM audit_log_entry WHERE "targetId" = $1 AND operation = 'renameCloudScope'`, [scope.id]);
    expect(audit).toMatchObject({ before: { displayName: 'Old' }, after: { displayName: 'New name' } });
    const outbox = await sql(`SELECT count(*)::int AS n FROM outbox_event WHERE type = 'cloud-scope.changed' AND payload->>'cloudScopeId' = $1`, [scope.id]);
    expect(outbox).toEqual([{ n: 2 }]);

    const before = await counts();
    const bad = await api.gql(RENAME, { input: { id: scope.id, displayName: '' } }, owner.token);
    expect(bad.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.displayName' });
    const foreign = await api.gql(RENAME, { input: { id: foreignScopeId, displayName: 'Mine now' } }, owner.token);
    expect(outcomeOf(foreign)).toBe('NOT_FOUND');
    expect(await counts()).toEqual(before);
  });

  it('offboarding is refused while clusters are registered, naming how many; afterwards the scope refuses new clusters', async () => {
    const scope = await onboard({ displayName: 'To leave' });
    const a = await register({ cloudScopeId: scope.id });
    const b = await register({ cloudScopeId: scope.id });
    const before = await counts();
    const refused = await api.gql(OFFBOARD, { id: scope.id }, owner.token);
    expect(refused.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'id' });
    expect(refused.errors?.[0].message).toContain('2 registered clusters');
    expect(await counts()).toEqual(before);

    await api.gqlOk(DEREGISTER, { id: a.cluster.id }, owner.token);
    const stillOne = await api.gql(OFFBOARD, { id: scope.id }, owner.token);
    expect(stillOne.errors?.[0].message).toContain('1 registered cluster;');
    await api.gqlOk(DEREGISTER, { id: b.cluster.id }, owner.token);
    const done = await api.gqlOk<any>(OFFBOARD, { id: scope.id }, owner.token);
    expect(done.offboardCloudScope.offboardedAt).toEqual(expect.any(String));
    const [row] = await sql('SELECT "offboardedAt" FROM cloud_scope WHERE id = $1', [scope.id]);
    expect(row.offboardedAt).toBeInstanceOf(Date);

    const counted = await counts();
    const late = await api.gql(REGISTER, { input: { cloudScopeId: scope.id, name: 'late', distribution: 'GKE', kubernetesVersion: '1.30.0', sensorVersion: '0.11.0', misconfigurationPoliciesEnabled: true } }, owner.token);
    expect(outcomeOf(late)).toBe('NOT_FOUND');
    expect(outcomeOf(await api.gql(RENAME, { input: { id: scope.id, displayName: 'Gone' } }, owner.token))).toBe('NOT_FOUND');
    expect(outcomeOf(await api.gql(OFFBOARD, { id: scope.id }, owner.token))).toBe('NOT_FOUND');
    expect(await counts()).toEqual(counted);

    const live = await api.gqlOk<any>(TENANT_SCOPES, { id: tenantId, first: 100 }, owner.token);
    expect(live.tenant.cloudScopes.edges.map((e: any) => e.node.id)).not.toContain(scope.id);
    const all = await api.gqlOk<any>(TENANT_SCOPES, { id: tenantId, first: 100, all: true }, owner.token);
    expect(all.tenant.cloudScopes.edges.find((e: any) => e.node.id === scope.id).node.offboardedAt).toEqual(expect.any(String));
    // A deregistered cluster still shows the scope it was in.
    const history = await api.gqlOk<any>(TENANT_CLUSTERS, { id: tenantId, first: 100, scope: scope.id, all: true }, owner.token);
    expect(history.tenant.clusters.edges.map((e: any) => e.node.cloudScope.id)).toEqual([scope.id, scope.id]);
  });

  it.each([
    [{ name: '' }, 'input.name'],
    [{ name: 'Prod' }, 'input.name'],
    [{ name: '-prod' }, 'input.name'],
    [{ name: 'prod_1' }, 'input.name'],
    [{ name: 'a'.repeat(64) }, 'input.name'],
    [{ kubernetesVersion: 'latest' }, 'input.kubernetesVersion'],
    [{ kubernetesVersion: '1.30.x' }, 'input.kubernetesVersion'],
    [{ distribution: 'EKS' }, 'input.distribution'],
    [{ distribution: 'GKE' }, 'input.distribution'],
    [{ sensorVersion: 'v0.x' }, 'input.sensorVersion'],
    [{ sensorVersion: '' }, 'input.sensorVersion'],
  ])('registerCluster rejects %p naming %s and stores nothing', async (input, field) => {
    const before = await counts();
    const result = await api.gql(
      REGISTER,
      { input: { cloudScopeId: scopeId, name: clusterName(), distribution: 'AKS', kubernetesVersion: '1.30.2', sensorVersion: '0.11.0', misconfigurationPoliciesEnabled: true, ...input } },
      owner.token,
    );
    expect(result.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(await counts()).toEqual(before);
  });

  it('cluster names are unique among live clusters of a scope only', async () => {
    const other = await onboard({ displayName: 'Other' });
    const first = await register({ name: 'shared-name' });
    const before = await counts();
    const dup = await api.gql(
      REGISTER,
      { input: { cloudScopeId: scopeId, name: 'shared-name', distribution: 'AKS', kubernetesVersion: '1.30.2', sensorVersion: '0.11.0', misconfigurationPoliciesEnabled: true } },
      owner.token,
    );
    expect(dup.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'input.name' });
    expect(await counts()).toEqual(before);
    await register({ name: 'shared-name', cloudScopeId: other.id });
    await api.gqlOk(DEREGISTER, { id: first.cluster.id }, owner.token);
    const again = await register({ name: 'shared-name' });
    expect(again.cluster.id).not.toBe(first.cluster.id);
  });

  it('accepts distribution-suffixed versions and compares them as their release', async () => {
    const aws = await onboard({ displayName: 'AWS' });
    const { cluster } = await register({ cloudScopeId: aws.id, distribution: 'EKS', kubernetesVersion: 'v1.30.2-eks-123', sensorVersion: 'v0.11.3' });
    expect(cluster).toMatchObject({ kubernetesVersion: '1.30.2-eks-123', sensorVersion: '0.11.3', enforceable: true });
    // A bare major.minor is its first patch release.
    const short = await register({ kubernetesVersion: '1.30', sensorVersion: 'v0.11' });
    expect(short.cluster).toMatchObject({ kubernetesVersion: '1.30.0', sensorVersion: '0.11.0', enforceable: true });
  });

  it('says exactly why a cluster is not enforceable, for each unmet prerequisite', async () => {
    const gcp = await onboard({ provider: 'GCP', externalId: `contoso-${randomBytes(3).toString('hex')}`, displayName: 'GCP' });
    const old = await register({ cloudScopeId: gcp.id, kubernetesVersion: '1.29.6-gke.1000', distribution: 'GKE' });
    expect(old.cluster).toMatchObject({
      enforceable: false,
      notEnforceableReasons: [
        'Kubernetes 1.29.6-gke.1000 is older than 1.30; ValidatingAdmissionPolicy is enabled by default only from Kubernetes 1.30, so upgrade the cluster.',
      ],
    });
    const sensor = await register({ sensorVersion: '0.10.4' });
    expect(sensor.cluster.notEnforceableReasons).toEqual(['Sensor 0.10.4 is older than 0.11; upgrade the sensor to 0.11 or later.']);
    const off = await register({ misconfigurationPoliciesEnabled: false });
    expect(off.cluster.notEnforceableReasons).toEqual([
      'Misconfiguration policies are not enabled on the sensor; enable them in the sensor configuration.',
    ]);

    const unplanned = await onboard({ displayName: 'No plan' });
    const inIt = await register({ cloudScopeId: unplanned.id });
    expect(inIt.cluster.enforceable).toBe(true);
    await sql('UPDATE cloud_scope SET "planEnabled" = false WHERE id = $1', [unplanned.id]);
    const seen = await api.gqlOk<any>(CLUSTER, { id: inIt.cluster.id }, owner.token);
    expect(seen.cluster).toMatchObject({
      enforceable: false,
      notEnforceableReasons: ['The plan is not enabled on cloud scope "No plan"; enable it to enforce policies there.'],
    });
  });

  it('refuses a distribution that does not run in the cloud scope’s cloud, storing nothing', async () => {
    const aws = await onboard({ displayName: 'Mismatch' });
    const before = await counts();
    for (const [cloudScopeId, distribution, message] of [
      [scopeId, 'EKS', 'EKS runs in an AWS account, but the cloud scope is an Azure subscription; a cluster there is AKS'],
      [aws.id, 'AKS', 'AKS runs in an Azure subscription, but the cloud scope is an AWS account; a cluster there is EKS'],
      [aws.id, 'GKE', 'GKE runs in a GCP project, but the cloud scope is an AWS account; a cluster there is EKS'],
    ]) {
      const r = await api.gql(
        REGISTER,
        { input: { cloudScopeId, name: clusterName(), distribution, kubernetesVersion: '1.30.2', sensorVersion: '0.11.0', misconfigurationPoliciesEnabled: true } },
        owner.token,
      );
      expect(r.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.distribution' });
      expect(r.errors?.[0].message).toContain(message);
    }
    expect(await counts()).toEqual(before);
  });

  describe('updateCluster records an upgrade in place', () => {
    const input = (id: string, over: Record<string, unknown> = {}) => ({
      id,
      name: 'upgraded',
      kubernetesVersion: '1.30',
      sensorVersion: '0.11.2',
      misconfigurationPoliciesEnabled: true,
      ...over,
    });

    it('keeps the id and token, re-evaluates enforceability, bumps the version, and audits it with an outbox row', async () => {
      const { cluster, sensorToken } = await register({ name: 'legacy', kubernetesVersion: '1.29.4', sensorVersion: '0.10.0' });
      expect(cluster).toMatchObject({ enforceable: false });
      const BUNDLE = 'query($c: ID!) { clusterBundle(clusterId: $c) { etag content } }';
      const oldBundle = (await api.gqlOk<any>(BUNDLE, { c: cluster.id }, owner.token)).clusterBundle;
      expect(oldBundle.content.enforcement.mode).toBe('AUDIT_ONLY');
      expect(oldBundle.content.admission).toEqual({ policies: [], bindings: [] });
      const [{ version: v1 }] = await sql('SELECT version FROM cluster WHERE id = $1', [cluster.id]);
      expect(v1).toBe(1);

      const { updateCluster: after } = await api.gqlOk<any>(UPDATE_CLUSTER, { input: input(cluster.id, { expectedVersion: 1 }) }, owner.token);
      expect(after).toMatchObject({
        id: cluster.id,
        version: 2,
        name: 'upgraded',
        kubernetesVersion: '1.30.0',
        sensorVersion: '0.11.2',
        enforceable: true,
        notEnforceableReasons: [],
        createdAt: cluster.createdAt,
      });
      const [row] = await sql('SELECT "sensorTokenHash", version FROM cluster WHERE id = $1', [cluster.id]);
      expect(row).toEqual({ sensorTokenHash: sha256(sensorToken), version: 2 });
      // The upgrade reaches the bundle: it can now carry the admission objects (the default policy's pair of pairs).
      const newBundle = (await api.gqlOk<any>(BUNDLE, { c: cluster.id }, owner.token)).clusterBundle;
      expect(newBundle.content.enforcement).toEqual({ mode: 'ENFORCE', reasons: [] });
      expect(newBundle.content.admission.policies.map((p: any) => p.kind)).toEqual(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicy']);
      expect(newBundle.etag).not.toBe(oldBundle.etag);

      const [audit] = await sql(`SELECT actor, before, after FROM audit_log_entry WHERE "targetId" = $1 AND operation = 'updateCluster'`, [cluster.id]);
      expect(audit).toMatchObject({
        actor: owner.email,
        before: { name: 'legacy', kubernetesVersion: '1.29.4', sensorVersion: '0.10.0', version: 1 },
        after: { name: 'upgraded', kubernetesVersion: '1.30.0', sensorVersion: '0.11.2', version: 2 },
      });
      const outbox = await sql(`SELECT payload FROM outbox_event WHERE type = 'cluster.changed' AND payload->>'operation' = 'updateCluster' AND payload->>'clusterId' = $1`, [cluster.id]);
      expect(outbox).toEqual([{ payload: { clusterId: cluster.id, cloudScopeId: scopeId, operation: 'updateCluster', tenantId } }]);

      // Switching policies off makes it audit-only again; no expectedVersion means "overwrite".
      const off = await api.gqlOk<any>(UPDATE_CLUSTER, { input: input(cluster.id, { misconfigurationPoliciesEnabled: false }) }, owner.token);
      expect(off.updateCluster).toMatchObject({ version: 3, enforceable: false });
    });

    it('a stale expectedVersion is a CONFLICT and changes nothing', async () => {
      const { cluster } = await register({});
      await api.gqlOk(UPDATE_CLUSTER, { input: input(cluster.id, { name: clusterName(), expectedVersion: 1 }) }, owner.token);
      const before = await counts();
      const [row] = await sql('SELECT * FROM cluster WHERE id = $1', [cluster.id]);
      const stale = await api.gql(UPDATE_CLUSTER, { input: input(cluster.id, { name: clusterName(), expectedVersion: 1 }) }, owner.token);
      expect(stale.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'input.expectedVersion' });
      expect(stale.errors?.[0].message).toMatch(/version 2, not expectedVersion 1/);
      expect(await counts()).toEqual(before);
      expect(await sql('SELECT * FROM cluster WHERE id = $1', [cluster.id])).toEqual([row]);
    });

    it.each([
      [{ name: 'Prod' }, 'input.name'],
      [{ kubernetesVersion: 'latest' }, 'input.kubernetesVersion'],
      [{ kubernetesVersion: '1.30.x' }, 'input.kubernetesVersion'],
      [{ sensorVersion: '' }, 'input.sensorVersion'],
    ])('refuses %p naming %s and stores nothing', async (over, field) => {
      const { cluster } = await register({});
      const before = await counts();
      const [row] = await sql('SELECT * FROM cluster WHERE id = $1', [cluster.id]);
      const r = await api.gql(UPDATE_CLUSTER, { input: input(cluster.id, over) }, owner.token);
      expect(r.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(await counts()).toEqual(before);
      expect(await sql('SELECT * FROM cluster WHERE id = $1', [cluster.id])).toEqual([row]);
    });

    it('a name taken by another live cluster of the scope is a CONFLICT', async () => {
      const a = await register({});
      const b = await register({});
      const r = await api.gql(UPDATE_CLUSTER, { input: input(b.cluster.id, { name: a.cluster.name }) }, owner.token);
      expect(r.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'input.name' });
    });

    it('another tenant’s or a deregistered cluster is NOT_FOUND; a reader is FORBIDDEN; nothing changes', async () => {
      const theirs = await register({ cloudScopeId: foreignScopeId }, outsider.token);
      const mine = await register({});
      await api.gqlOk(DEREGISTER, { id: mine.cluster.id }, owner.token);
      const reader = await api.signUp('reader');
      await api.gqlOk(
        'mutation($input: AssignRoleInput!) { assignRole(input: $input) { roleAssignment { id } } }',
        { input: { tenantId, principalEmail: reader.email, role: 'SECURITY_READER' } },
        owner.token,
      );
      const live = await register({});
      const before = await counts();
      const rows = await sql('SELECT * FROM cluster WHERE id = ANY($1::uuid[]) ORDER BY id', [[theirs.cluster.id, mine.cluster.id, live.cluster.id]]);
      expect(outcomeOf(await api.gql(UPDATE_CLUSTER, { input: input(theirs.cluster.id) }, owner.token))).toBe('NOT_FOUND');
      expect(outcomeOf(await api.gql(UPDATE_CLUSTER, { input: input(mine.cluster.id) }, owner.token))).toBe('NOT_FOUND');
      expect(outcomeOf(await api.gql(UPDATE_CLUSTER, { input: input(live.cluster.id) }, reader.token))).toBe('FORBIDDEN');
      expect(outcomeOf(await api.gql(UPDATE_CLUSTER, { input: input(live.cluster.id) }, outsider.token))).toBe('NOT_FOUND');
      expect(await counts()).toEqual(before);
      expect(await sql('SELECT * FROM cluster WHERE id = ANY($1::uuid[]) ORDER BY id', [[theirs.cluster.id, mine.cluster.id, live.cluster.id]])).toEqual(rows);
    });
  });

  it('another tenant’s cloud scope and clusters do not exist for the caller', async () => {
    const before = await counts();
    const foreign = await api.gql(
      REGISTER,
      { input: { cloudScopeId: foreignScopeId, name: 'intruder', distribution: 'GKE', kubernetesVersion: '1.30.2', sensorVersion: '0.11.0', misconfigurationPoliciesEnabled: true } },
      owner.token,
    );
    expect(outcomeOf(foreign)).toBe('NOT_FOUND');
    expect(await counts()).toEqual(before);

    const theirs = await register({ cloudScopeId: foreignScopeId }, outsider.token);
    expect(outcomeOf(await api.gql(CLUSTER, { id: theirs.cluster.id }, owner.token))).toBe('NOT_FOUND');
    expect(outcomeOf(await api.gql(ROTATE, { id: theirs.cluster.id }, owner.token))).toBe('NOT_FOUND');
    expect(outcomeOf(await api.gql(DEREGISTER, { id: theirs.cluster.id }, owner.token))).toBe('NOT_FOUND');
    expect(outcomeOf(await api.gql(OFFBOARD, { id: foreignScopeId }, owner.token))).toBe('NOT_FOUND');
    const [row] = await sql('SELECT "sensorTokenHash", "deregisteredAt" FROM cluster WHERE id = $1', [theirs.cluster.id]);
    expect(row).toEqual({ sensorTokenHash: sha256(theirs.sensorToken), deregisteredAt: null });
  });

  it('deregisterCluster keeps the row with deregisteredAt; the cluster is then gone from queries and mutations', async () => {
    const { cluster } = await register({});
    const gone = await api.gqlOk<any>(DEREGISTER, { id: cluster.id }, owner.token);
    expect(gone.deregisterCluster.deregisteredAt).toEqual(expect.any(String));
    const [row] = await sql('SELECT "deregisteredAt" FROM cluster WHERE id = $1', [cluster.id]);
    expect(row.deregisteredAt).toBeInstanceOf(Date);
    expect(outcomeOf(await api.gql(CLUSTER, { id: cluster.id }, owner.token))).toBe('NOT_FOUND');
    expect(outcomeOf(await api.gql(ROTATE, { id: cluster.id }, owner.token))).toBe('NOT_FOUND');
    expect(outcomeOf(await api.gql(DEREGISTER, { id: cluster.id }, owner.token))).toBe('NOT_FOUND');
    const live = await api.gqlOk<any>(TENANT_CLUSTERS, { id: tenantId, first: 100 }, owner.token);
    expect(live.tenant.clusters.edges.map((e: any) => e.node.id)).not.toContain(cluster.id);
    const [audit] = await sql(`SELECT before, after FROM audit_log_entry WHERE "targetId" = $1 AND operation = 'deregisterCluster'`, [cluster.id]);
    expect(audit.before).toMatchObject({ deregisteredAt: null });
    expect((audit.after as any).deregisteredAt).toEqual(expect.any(String));
  });

  it('Tenant.clusters pages by keyset cursors and batches Cluster.cloudScope into one query per request', async () => {
    const t = await newTenant(owner, 'Paged');
    const scopes: string[] = [];
    for (let i = 0; i < 3; i++) {
      scopes.push(
        (await api.gqlOk<any>(ONBOARD, { input: { tenantId: t, provider: 'AWS', externalId: awsAccount(), displayName: `S${i}` } }, owner.token)).onboardCloudScope.id,
      );
    }
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await register({ cloudScopeId: scopes[i % 3] })).cluster.id);

    const repo = api.app.get(InventoryRepository);
    const spy = jest.spyOn(repo, 'cloudScopesByIds');
    try {
      const all = await api.gqlOk<any>(TENANT_CLUSTERS, { id: t, first: 100 }, owner.token);
      const nodes = all.tenant.clusters.edges.map((e: any) => e.node);
      expect(nodes.map((n: any) => n.id)).toEqual(ids);
      expect(nodes.map((n: any) => n.cloudScope.id)).toEqual(ids.map((_, i) => scopes[i % 3]));
      expect(nodes.map((n: any) => n.cloudScope.displayName)).toEqual(ids.map((_, i) => `S${i % 3}`));
      // One batch for 12 clusters' cloudScope and enforceable fields, with each scope asked for once.
      expect(spy).toHaveBeenCalledTimes(1);
      expect([...spy.mock.calls[0][1]].sort()).toEqual([...scopes].sort());
    } finally {
      spy.mockRestore();
    }

    const paged: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await api.gqlOk<any>(TENANT_CLUSTERS, { id: t, first: 5, after }, owner.token);
      paged.push(...page.tenant.clusters.edges.map((e: any) => e.node.id));
      if (!page.tenant.clusters.pageInfo.hasNextPage) break;
      after = page.tenant.clusters.pageInfo.endCursor;
    }
    expect(paged).toEqual(ids);
    const one = await api.gqlOk<any>(TENANT_CLUSTERS, { id: t, first: 100, scope: scopes[1] }, owner.token);
    expect(one.tenant.clusters.edges.map((e: any) => e.node.id)).toEqual(ids.filter((_, i) => i % 3 === 1));
    const bad = await api.gql(TENANT_CLUSTERS, { id: t, first: 5, after: 'nonsense' }, owner.token);
    expect(bad.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });

    const scopePage = await api.gqlOk<any>(TENANT_SCOPES, { id: t, first: 2 }, owner.token);
    expect(scopePage.tenant.cloudScopes.edges.map((e: any) => e.node.id)).toEqual(scopes.slice(0, 2));
    const rest = await api.gqlOk<any>(TENANT_SCOPES, { id: t, first: 2, after: scopePage.tenant.cloudScopes.pageInfo.endCursor }, owner.token);
    expect(rest.tenant.cloudScopes.edges.map((e: any) => e.node.id)).toEqual(scopes.slice(2));
    expect(rest.tenant.cloudScopes.pageInfo.hasNextPage).toBe(false);
  });

  it('a scope-level role sees only its own scope’s cloud scopes and clusters through tenants', async () => {
    const t = await newTenant(owner, 'Scoped');
    const scopeIn = async (name: string) =>
      (await api.gqlOk<any>(ONBOARD, { input: { tenantId: t, provider: 'AWS', externalId: awsAccount(), displayName: name } }, owner.token)).onboardCloudScope.id;
    const mine = await scopeIn('Mine');
    const other = await scopeIn('Hidden');
    const visible = await register({ cloudScopeId: mine });
    const hidden = await register({ cloudScopeId: other });
    const reader = await api.signUp('scope-reader');
    await api.gqlOk(
      'mutation($input: AssignRoleInput!) { assignRole(input: $input) { roleAssignment { id } } }',
      { input: { tenantId: t, principalEmail: reader.email, role: 'SECURITY_READER', cloudScopeId: mine } },
      owner.token,
    );
    const seen = await api.gqlOk<any>('{ tenants { id cloudScopes(first: 20) { edges { node { id } } } clusters(first: 20) { edges { node { id } } } } }', {}, reader.token);
    expect(seen.tenants).toEqual([
      { id: t, cloudScopes: { edges: [{ node: { id: mine } }] }, clusters: { edges: [{ node: { id: visible.cluster.id } }] } },
    ]);
    const filtered = await api.gqlOk<any>('query($s: ID) { tenants { clusters(first: 20, cloudScopeId: $s) { edges { node { id } } } } }', { s: other }, reader.token);
    expect(filtered.tenants[0].clusters.edges).toEqual([]);
    // The owner, tenant-wide, sees both through the same field.
    const all = await api.gqlOk<any>('query($s: ID) { tenants { id clusters(first: 20, cloudScopeId: $s) { edges { node { id } } } } }', { s: other }, owner.token);
    expect(all.tenants.find((x: any) => x.id === t).clusters.edges).toEqual([{ node: { id: hidden.cluster.id } }]);
    expect(outcomeOf(await api.gql(CLUSTER, { id: hidden.cluster.id }, reader.token))).toBe('NOT_FOUND');
    expect(outcomeOf(await api.gql(CLUSTER, { id: visible.cluster.id }, reader.token))).toBe('data');
  });

  it('Cluster.namespaces lists the reported namespaces by name with keyset cursors', async () => {
    const { cluster } = await register({});
    for (const name of ['payments', 'default', 'kube-system', 'web', 'api']) {
      await sql('INSERT INTO namespace ("tenantId", id, "clusterId", name) VALUES ($1, gen_random_uuid(), $2, $3)', [tenantId, cluster.id, name]);
    }
    const NS = 'query($id: ID!, $after: String) { cluster(id: $id) { namespaces(first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } } }';
    const names: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await api.gqlOk<any>(NS, { id: cluster.id, after }, owner.token)).cluster.namespaces;
      names.push(...page.edges.map((e: any) => e.node.name));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(names).toEqual(['api', 'default', 'kube-system', 'payments', 'web']);
  });

  it('Cluster.namespaces on a list of clusters: the right first page per cluster, read in one batched query', async () => {
    const t = await newTenant(owner, 'Namespaces');
    const scope = (await api.gqlOk<any>(ONBOARD, { input: { tenantId: t, provider: 'AWS', externalId: awsAccount(), displayName: 'N' } }, owner.token))
      .onboardCloudScope.id;
    const clusters: { id: string; names: string[] }[] = [];
    for (let i = 0; i < 4; i++) {
      const { cluster } = await register({ cloudScopeId: scope });
      const names = ['zeta', 'alpha', 'mid', 'beta'].slice(0, i + 1);
      for (const name of names) {
        await sql('INSERT INTO namespace ("tenantId", id, "clusterId", name) VALUES ($1, gen_random_uuid(), $2, $3)', [t, cluster.id, name]);
      }
      clusters.push({ id: cluster.id, names: [...names].sort() });
    }
    const repo = api.app.get(InventoryRepository);
    const batched = jest.spyOn(repo, 'firstNamespaces');
    const single = jest.spyOn(repo, 'namespacePage');
    try {
      const data = await api.gqlOk<any>(
        'query($id: ID!) { tenant(id: $id) { clusters(first: 10) { edges { node { id namespaces(first: 2) { edges { node { name } } pageInfo { hasNextPage } } } } } } }',
        { id: t },
        owner.token,
      );
      const byId = new Map(data.tenant.clusters.edges.map((e: any) => [e.node.id, e.node.namespaces]));
      for (const { id, names } of clusters) {
        const page: any = byId.get(id);
        expect({ id, names: page.edges.map((e: any) => e.node.name) }).toEqual({ id, names: names.slice(0, 2) });
        expect(page.pageInfo.hasNextPage).toBe(names.length > 2);
      }
      expect(batched).toHaveBeenCalledTimes(1);
      expect(single).not.toHaveBeenCalled();
    } finally {
      batched.mockRestore();
      single.mockRestore();
    }
  });
});
