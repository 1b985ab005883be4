import { TestApi, type GqlResult, type TestUser, outcomeOf, query, useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';

// Small quotas, so that reaching them takes a handful of requests.
const QUOTAS = { QUOTA_TENANTS_PER_USER: '3', QUOTA_CLOUD_SCOPES_PER_TENANT: '2', QUOTA_CLUSTERS_PER_TENANT: '2', QUOTA_POLICIES_PER_TENANT: '3' };

const CREATE_TENANT = 'mutation($n: String!) { createTenant(input: { name: $n }) { id } }';
const ONBOARD = 'mutation($input: OnboardCloudScopeInput!) { onboardCloudScope(input: $input) { id } }';
const OFFBOARD = 'mutation($id: ID!) { offboardCloudScope(id: $id) { id } }';
const REGISTER = 'mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { cluster { id } } }';
const CREATE_POLICY = 'mutation($input: CreatePolicyInput!) { createPolicy(input: $input) { id } }';

let accountSeq = 300_000_000_000;
const awsAccount = () => String((accountSeq += 1));

describe('quotas (e2e)', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  const sql = (text: string, params: unknown[] = []) => query(env.current.db.adminUrl, text, params);
  const countOf = async (text: string, params: unknown[]) => ((await sql(text, params))[0] as { n: number }).n;

  beforeAll(async () => {
    const saved = { ...process.env };
    Object.assign(process.env, QUOTAS);
    api = await TestApi.start(createApp);
    for (const key of Object.keys(QUOTAS)) if (saved[key] === undefined) delete process.env[key];
  });
  afterAll(() => api?.close());

  const newTenant = (user: TestUser, name = 'T') => api.gql<any>(CREATE_TENANT, { n: name }, user.token);
  const onboard = (user: TestUser, tenantId: string) =>
    api.gql<any>(ONBOARD, { input: { tenantId, provider: 'AWS', externalId: awsAccount(), displayName: 'Account' } }, user.token);
  const register = (user: TestUser, cloudScopeId: string, name: string) =>
    api.gql<any>(
      REGISTER,
      { input: { cloudScopeId, name, distribution: 'EKS', kubernetesVersion: '1.30.2', sensorVersion: '0.11.0', misconfigurationPoliciesEnabled: true } },
      user.token,
    );
  const createPolicy = (user: TestUser, tenantId: string, name: string) =>
    api.gql<any>(CREATE_POLICY, { input: { tenantId, name, action: 'AUDIT', rules: [] } }, user.token);

  function expectQuota(result: GqlResult, setting: string, limit: number, counts: string) {
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: `Quota exceeded: at most ${limit} ${counts} (${setting})`,
        extensions: { code: 'QUOTA_EXCEEDED', quota: setting, limit },
      }),
    ]);
  }
  const ownedTenants = (user: TestUser) =>
    countOf(`SELECT count(*)::int AS n FROM role_assignment WHERE "userId" = $1 AND role = 'OWNER'`, [user.userId]);

  describe('tenants per user', () => {
    it('refuses the fourth tenant, naming the quota and its limit, storing nothing; another user is unaffected', async () => {
      const user = await api.signUp('founder');
      for (let i = 0; i < 3; i++) expect(outcomeOf(await newTenant(user, `T${i}`))).toBe('data');
      const tenantsBefore = await countOf('SELECT count(*)::int AS n FROM tenant', []);
      expectQuota(await newTenant(user, 'T3'), 'QUOTA_TENANTS_PER_USER', 3, 'tenants owned by one user');
      expect(await countOf('SELECT count(*)::int AS n FROM tenant', [])).toBe(tenantsBefore);
      expect(await ownedTenants(user)).toBe(3);
      const other = await api.signUp('other');
      expect(outcomeOf(await newTenant(other))).toBe('data');
    });

    it('lets exactly three of eight concurrent creations through', async () => {
      const user = await api.signUp('racer');
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => newTenant(user, `R${i}`)));
      expect(results.map(outcomeOf).sort()).toEqual(['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'data', 'data', 'data']);
      expect(await ownedTenants(user)).toBe(3);
    });
  });

  describe('per tenant', () => {
    let owner: TestUser;
    beforeAll(async () => {
      owner = await api.signUp('owner');
    });

    it('cloud scopes: at most two live ones, concurrently too; offboarding one makes room', async () => {
      const tenantId = (await newTenant(owner, 'Scopes')).data!.createTenant.id;
      const results = await Promise.all(Array.from({ length: 6 }, () => onboard(owner, tenantId)));
      expect(results.map(outcomeOf).sort()).toEqual(['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'data', 'data']);
      expect(await countOf('SELECT count(*)::int AS n FROM cloud_scope WHERE "tenantId" = $1', [tenantId])).toBe(2);
      expectQuota(await onboard(owner, tenantId), 'QUOTA_CLOUD_SCOPES_PER_TENANT', 2, 'onboarded cloud scopes per tenant');

      const first = results.find((r) => outcomeOf(r) === 'data')!.data!.onboardCloudScope.id;
      expect(outcomeOf(await api.gql(OFFBOARD, { id: first }, owner.token))).toBe('data');
      expect(outcomeOf(await onboard(owner, tenantId))).toBe('data');
    });

    it('clusters: at most two in the tenant, across its cloud scopes, concurrently too; another tenant is unaffected', async () => {
      const tenantId = (await newTenant(owner, 'Clusters')).data!.createTenant.id;
      const scopes = [(await onboard(owner, tenantId)).data!.onboardCloudScope.id, (await onboard(owner, tenantId)).data!.onboardCloudScope.id];
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => register(owner, scopes[i % 2], `c${i}`)));
      expect(results.map(outcomeOf).sort()).toEqual(['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'data', 'data']);
      expect(await countOf('SELECT count(*)::int AS n FROM cluster WHERE "tenantId" = $1', [tenantId])).toBe(2);
      expectQuota(await register(owner, scopes[0], 'late'), 'QUOTA_CLUSTERS_PER_TENANT', 2, 'registered clusters per tenant');

      const otherTenant = (await newTenant(owner, 'Elsewhere')).data!.createTenant.id;
      const otherScope = (await onboard(owner, otherTenant)).data!.onboardCloudScope.id;
      expect(outcomeOf(await register(owner, otherScope, 'c0'))).toBe('data');
    });

    it('policies: at most three (the default policy included), concurrently too', async () => {
      const user = await api.signUp('policy-owner');
      const tenantId = (await newTenant(user, 'Policies')).data!.createTenant.id;
      // Onboarding creates the default policy: one of the three.
      expect(outcomeOf(await onboard(user, tenantId))).toBe('data');
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => createPolicy(user, tenantId, `p${i}`)));
      expect(results.map(outcomeOf).sort()).toEqual(['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'data', 'data']);
      expect(await countOf('SELECT count(*)::int AS n FROM policy WHERE "tenantId" = $1', [tenantId])).toBe(3);
      expectQuota(await createPolicy(user, tenantId, 'late'), 'QUOTA_POLICIES_PER_TENANT', 3, 'policies per tenant');
    });
  });
});
