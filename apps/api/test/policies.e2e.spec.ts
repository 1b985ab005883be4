import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY_PROVISIONER, type DefaultPolicyProvisioner } from '@rampart/inventory';
import { PrismaService } from '@rampart/platform';
import { RULE_CATALOG } from '@rampart/rules';
import { TestApi, type TestUser, outcomeOf, query, useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';
import { PoliciesRepository } from '@rampart/policies';

const POLICY_FIELDS = `id name description action isDefault version
  scope { cloudScopeIds clusterIds namespaces }
  rules { ruleId enabled parameters }`;
const CREATE = `mutation($input: CreatePolicyInput!) { createPolicy(input: $input) { ${POLICY_FIELDS} } }`;
const UPDATE = `mutation($input: UpdatePolicyInput!) { updatePolicy(input: $input) { ${POLICY_FIELDS} } }`;
const DELETE = 'mutation($id: ID!) { deletePolicy(id: $id) { id name } }';
const POLICY = `query($id: ID!, $first: Int, $after: String) { policy(id: $id) { ${POLICY_FIELDS}
  revisions(first: $first, after: $after) {
    edges { cursor node { version change actor actorUserId diff snapshot requestId createdAt } }
    pageInfo { hasNextPage endCursor }
  } } }`;
// A literal page size: the cost limit counts a variable `first` as the maximum page.
const TENANT_POLICIES = `query($id: ID!, $after: String) { tenant(id: $id) {
  policies(first: 10, after: $after) { edges { node { ${POLICY_FIELDS} } } pageInfo { hasNextPage endCursor } } } }`;
const TENANT_POLICY_NAMES = `query($id: ID!, $after: String) { tenant(id: $id) {
  policies(first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } } }`;
const ONBOARD = 'mutation($input: OnboardCloudScopeInput!) { onboardCloudScope(input: $input) { id } }';
const REGISTER = 'mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { cluster { id } } }';
const AUDIT = 'query($t: ID!) { auditLog(tenantId: $t, first: 50) { edges { node { operation targetType targetId before after } } } }';

let accountSeq = 100_000_000_000;
const awsAccount = () => String((accountSeq += 1));

/** The stored form of the default policy's rules, straight from the catalog. */
const DEFAULT_RULES = RULE_CATALOG.map((r) => ({ ruleId: r.id, enabled: r.id !== 'trusted-registries', parameters: r.defaultParameters }));

describe('policies (e2e)', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let owner: TestUser;
  let tenantId: string;
  let scopeA: string;
  let scopeB: string;
  let clusterA: string;
  let clusterB: string;
  let foreign: { scopeId: string; clusterId: string; policyId: string };

  const sql = (text: string, params: unknown[] = []) => query(env.current.db.adminUrl, text, params);
  const counts = async () =>
    (
      await sql(`SELECT (SELECT count(*) FROM policy)::int AS policy, (SELECT count(*) FROM policy_revision)::int AS revision,
                        (SELECT count(*) FROM audit_log_entry)::int AS audit, (SELECT count(*) FROM outbox_event)::int AS outbox`)
    )[0] as { policy: number; revision: number; audit: number; outbox: number };

  async function newTenant(user: TestUser, name: string): Promise<string> {
    return (await api.gqlOk<any>('mutation($n: String!) { createTenant(input: { name: $n }) { id } }', { n: name }, user.token)).createTenant.id;
  }
  async function onboard(user: TestUser, tenant: string): Promise<string> {
    const input = { tenantId: tenant, provider: 'AWS', externalId: awsAccount(), displayName: 'Account', environment: 'COMMERCIAL' };
    return (await api.gqlOk<any>(ONBOARD, { input }, user.token)).onboardCloudScope.id;
  }
  async function register(user: TestUser, cloudScopeId: string, name: string): Promise<string> {
    const input = { cloudScopeId, name, distribution: 'EKS', kubernetesVersion: '1.30.2', sensorVersion: '0.11.0', misconfigurationPoliciesEnabled: true };
    return (await api.gqlOk<any>(REGISTER, { input }, user.token)).registerCluster.cluster.id;
  }
  async function create(input: Record<string, unknown>, user: TestUser = owner) {
    return (await api.gqlOk<any>(CREATE, { input: { tenantId, action: 'AUDIT', rules: [], ...input } }, user.token)).createPolicy;
  }

  beforeAll(async () => {
    api = await TestApi.start(createApp);
    owner = await api.signUp('owner');
    tenantId = await newTenant(owner, 'Contoso');
    scopeA = await onboard(owner, tenantId);
    scopeB = await onboard(owner, tenantId);
    clusterA = await register(owner, scopeA, 'prod-a');
    clusterB = await register(owner, scopeB, 'prod-b');
    const stranger = await api.signUp('stranger');
    const other = await newTenant(stranger, 'Elsewhere');
    const otherScope = await onboard(stranger, other);
    foreign = {
      scopeId: otherScope,
      clusterId: await register(stranger, otherScope, 'theirs'),
      policyId: (await api.gqlOk<any>(CREATE, { input: { tenantId: other, name: 'Theirs', action: 'AUDIT', rules: [] } }, stranger.token)).createPolicy.id,
    };
  });
  afterAll(() => api?.close());

  it('ruleCatalog serves the whole catalog with schemas and defaults', async () => {
    const data = await api.gqlOk<any>('{ ruleCatalog { id title category description parametersSchema defaultParameters enabledByDefault } }', {}, owner.token);
    expect(data.ruleCatalog).toEqual(
      RULE_CATALOG.map((r) => ({
        id: r.id,
        title: r.title,
        category: r.category,
        description: r.description,
        parametersSchema: r.parametersSchema,
        defaultParameters: r.defaultParameters,
        enabledByDefault: r.enabledByDefault,
      })),
    );
    expect(outcomeOf(await api.gql('{ ruleCatalog { id } }'))).toBe('UNAUTHENTICATED');
  });

  it('happy path: onboarding creates the default policy; a scoped Block policy is created, updated, and its history shows it', async () => {
    const user = await api.signUp('happy');
    const tenant = await newTenant(user, 'Happy');
    const before = await api.gqlOk<any>(TENANT_POLICIES, { id: tenant }, user.token);
    expect(before.tenant.policies.edges).toEqual([]);

    const scope = await onboard(user, tenant);
    const cluster = await register(user, scope, 'payments-prod');
    const listed = await api.gqlOk<any>(TENANT_POLICIES, { id: tenant }, user.token);
    expect(listed.tenant.policies.edges).toHaveLength(1);
    const defaultPolicy = listed.tenant.policies.edges[0].node;
    expect(defaultPolicy).toMatchObject({
      name: 'Default K8s misconfiguration rule',
      action: 'AUDIT',
      isDefault: true,
      version: 1,
      scope: { cloudScopeIds: [], clusterIds: [], namespaces: [] },
      rules: DEFAULT_RULES,
    });
    expect(defaultPolicy.description).not.toBe('');
    // A second onboarding leaves the one default policy alone.
    await onboard(user, tenant);
    expect((await api.gqlOk<any>(TENANT_POLICIES, { id: tenant }, user.token)).tenant.policies.edges).toHaveLength(1);

    const created = (
      await api.gqlOk<any>(
        CREATE,
        {
          input: {
            tenantId: tenant,
            name: 'Payments lockdown',
            description: 'No privileged pods in payments',
            action: 'BLOCK',
            scope: { cloudScopeIds: [scope], clusterIds: [cluster], namespaces: ['payments'] },
            rules: [
              { ruleId: 'privileged-containers', enabled: true },
              { ruleId: 'container-resource-limits', enabled: true, parameters: { maxCpu: '2' } },
              { ruleId: 'capabilities', enabled: false, parameters: { requireDropAll: true } },
            ],
          },
        },
        user.token,
      )
    ).createPolicy;
    expect(created).toMatchObject({
      name: 'Payments lockdown',
      action: 'BLOCK',
      isDefault: false,
      version: 1,
      scope: { cloudScopeIds: [scope], clusterIds: [cluster], namespaces: ['payments'] },
    });
    // Every catalog rule, in catalog order: listed ones as given (defaults filled in), the rest off.
    expect(created.rules).toEqual(
      RULE_CATALOG.map((r) => {
        if (r.id === 'privileged-containers') return { ruleId: r.id, enabled: true, parameters: {} };
        if (r.id === 'container-resource-limits') return { ruleId: r.id, enabled: true, parameters: { maxCpu: '2' } };
        if (r.id === 'capabilities') return { ruleId: r.id, enabled: false, parameters: { allowedCapabilities: [], requireDropAll: true } };
        return { ruleId: r.id, enabled: false, parameters: r.defaultParameters };
      }),
    );

    const updated = (await api.gqlOk<any>(UPDATE, { input: { id: created.id, expectedVersion: 1, action: 'AUDIT', name: 'Payments watch' } }, user.token))
      .updatePolicy;
    expect(updated).toMatchObject({ name: 'Payments watch', action: 'AUDIT', version: 2, description: 'No privileged pods in payments' });
    expect(updated.rules).toEqual(created.rules);
    expect(updated.scope).toEqual(created.scope);

    const stale = await api.gql(UPDATE, { input: { id: created.id, expectedVersion: 1, action: 'BLOCK' } }, user.token);
    expect(stale.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'input.expectedVersion' });

    const read = (await api.gqlOk<any>(POLICY, { id: created.id }, user.token)).policy;
    expect(read).toMatchObject({ version: 2, action: 'AUDIT' });
    const revisions = read.revisions.edges.map((e: any) => e.node);
    expect(revisions.map((r: any) => [r.version, r.change])).toEqual([
      [2, 'UPDATE'],
      [1, 'CREATE'],
    ]);
    expect(revisions[0]).toMatchObject({
      actor: user.email,
      actorUserId: user.userId,
      diff: { name: { from: 'Payments lockdown', to: 'Payments watch' }, action: { from: 'BLOCK', to: 'AUDIT' } },
      snapshot: { id: created.id, name: 'Payments watch', action: 'AUDIT', version: 2, rules: created.rules, scope: created.scope },
      requestId: expect.any(String),
    });
    expect(Object.keys(revisions[0].diff).sort()).toEqual(['action', 'name']);
    expect(revisions[1].diff).toMatchObject({ name: { from: null, to: 'Payments lockdown' }, action: { from: null, to: 'BLOCK' } });

    const log = (await api.gqlOk<any>(AUDIT, { t: tenant }, user.token)).auditLog.edges.map((e: any) => e.node);
    const policyEntries = log.filter((e: any) => e.targetType === 'Policy');
    expect(policyEntries.map((e: any) => e.operation)).toEqual(['updatePolicy', 'createPolicy', 'createDefaultPolicy']);
    expect(policyEntries[0]).toMatchObject({ targetId: created.id, before: { name: 'Payments lockdown', version: 1 }, after: { name: 'Payments watch', version: 2 } });
    expect(policyEntries[1]).toMatchObject({ before: null, after: { name: 'Payments lockdown' } });
    expect(policyEntries[2]).toMatchObject({ targetId: defaultPolicy.id, before: null, after: { isDefault: true, action: 'AUDIT' } });

    const outbox = await sql(`SELECT payload FROM outbox_event WHERE "tenantId" = $1 AND type = 'policy.changed' ORDER BY id`, [tenant]);
    expect(outbox.map((r) => r.payload)).toEqual([
      expect.objectContaining({ tenantId: tenant, policyId: defaultPolicy.id, version: 1 }),
      expect.objectContaining({ tenantId: tenant, policyId: created.id, version: 1 }),
      expect.objectContaining({ tenantId: tenant, policyId: created.id, version: 2 }),
    ]);
  });

  describe('bad input names its field and stores nothing', () => {
    const long = (n: number) => 'x'.repeat(n);
    const unknownId = '00000000-0000-4000-8000-000000000000';
    let existing: { id: string; version: number };

    beforeAll(async () => {
      existing = await create({ name: 'Existing', rules: [{ ruleId: 'privileged-containers', enabled: true }] });
    });

    // [what, code, field, input merged over a valid one]
    const cases: [string, string, string, () => Record<string, unknown>][] = [
      ['empty name', 'BAD_USER_INPUT', 'input.name', () => ({ name: '   ' })],
      ['long name', 'BAD_USER_INPUT', 'input.name', () => ({ name: long(101) })],
      ['long description', 'BAD_USER_INPUT', 'input.description', () => ({ description: long(1001) })],
      ['taken name (any case)', 'CONFLICT', 'input.name', () => ({ name: 'EXISTING' })],
      ['the default policy’s name', 'CONFLICT', 'input.name', () => ({ name: 'default k8s misconfiguration rule' })],
      ['cloud scope id not a UUID', 'BAD_USER_INPUT', 'input.scope.cloudScopeIds[1]', () => ({ scope: { cloudScopeIds: [scopeA, 'nope'] } })],
      ['unknown cloud scope', 'NOT_FOUND', 'input.scope.cloudScopeIds[1]', () => ({ scope: { cloudScopeIds: [scopeA, unknownId] } })],
      ['another tenant’s cloud scope', 'NOT_FOUND', 'input.scope.cloudScopeIds[0]', () => ({ scope: { cloudScopeIds: [foreign.scopeId] } })],
      ['cluster id not a UUID', 'BAD_USER_INPUT', 'input.scope.clusterIds[0]', () => ({ scope: { clusterIds: ['x'] } })],
      ['unknown cluster', 'NOT_FOUND', 'input.scope.clusterIds[1]', () => ({ scope: { clusterIds: [clusterA, unknownId] } })],
      ['another tenant’s cluster', 'NOT_FOUND', 'input.scope.clusterIds[1]', () => ({ scope: { clusterIds: [clusterA, foreign.clusterId] } })],
      ['cluster outside the listed cloud scopes', 'BAD_USER_INPUT', 'input.scope.clusterIds[1]', () => ({ scope: { cloudScopeIds: [scopeA], clusterIds: [clusterA, clusterB] } })],
      ['duplicate cluster', 'BAD_USER_INPUT', 'input.scope.clusterIds[1]', () => ({ scope: { clusterIds: [clusterA, clusterA] } })],
      ['namespace not a DNS label', 'BAD_USER_INPUT', 'input.scope.namespaces[1]', () => ({ scope: { namespaces: ['payments', 'Bad_NS'] } })],
      ['namespace over 63 characters', 'BAD_USER_INPUT', 'input.scope.namespaces[0]', () => ({ scope: { namespaces: [long(64)] } })],
      ['namespace ending in a hyphen', 'BAD_USER_INPUT', 'input.scope.namespaces[0]', () => ({ scope: { namespaces: ['team-'] } })],
      ['101 cloud scopes', 'BAD_USER_INPUT', 'input.scope.cloudScopeIds', () => ({ scope: { cloudScopeIds: Array.from({ length: 101 }, () => randomUUID()) } })],
      ['1,001 clusters', 'BAD_USER_INPUT', 'input.scope.clusterIds', () => ({ scope: { clusterIds: Array.from({ length: 1001 }, () => randomUUID()) } })],
      ['501 namespaces', 'BAD_USER_INPUT', 'input.scope.namespaces', () => ({ scope: { namespaces: Array.from({ length: 501 }, (_, i) => `ns-${i}`) } })],
      // 1,000 cluster ids and 500 long namespaces: each list within its limit, together over 64 KiB.
      ['a scope over the policy size', 'BAD_USER_INPUT', 'input.scope', () => ({ scope: { clusterIds: Array.from({ length: 1000 }, () => randomUUID()), namespaces: Array.from({ length: 500 }, (_, i) => `${i}-${'n'.repeat(55)}`) } })],
      ['unknown rule', 'BAD_USER_INPUT', 'input.rules[1].ruleId', () => ({ rules: [{ ruleId: 'privileged-containers', enabled: true }, { ruleId: 'no-such-rule', enabled: true }] })],
      ['duplicate rule', 'BAD_USER_INPUT', 'input.rules[1].ruleId', () => ({ rules: [{ ruleId: 'capabilities', enabled: true }, { ruleId: 'capabilities', enabled: false }] })],
      ['unknown parameter', 'BAD_USER_INPUT', 'input.rules[0].parameters.strict', () => ({ rules: [{ ruleId: 'privileged-containers', enabled: true, parameters: { strict: true } }] })],
      ['bad quantity', 'BAD_USER_INPUT', 'input.rules[0].parameters.maxCpu', () => ({ rules: [{ ruleId: 'container-resource-limits', enabled: true, parameters: { maxCpu: 'lots' } }] })],
      ['wrong parameter type', 'BAD_USER_INPUT', 'input.rules[0].parameters.requireDropAll', () => ({ rules: [{ ruleId: 'capabilities', enabled: true, parameters: { requireDropAll: 'yes' } }] })],
      ['inverted id range', 'BAD_USER_INPUT', 'input.rules[0].parameters.allowedUserIds[1]', () => ({ rules: [{ ruleId: 'non-root-user', enabled: true, parameters: { allowedUserIds: [{ min: 1000, max: 2000 }, { min: 5, max: 1 }] } }] })],
      ['180,000 image patterns', 'BAD_USER_INPUT', 'input.rules[0].parameters.allowedPatterns', () => ({ rules: [{ ruleId: 'trusted-registries', enabled: true, parameters: { allowedPatterns: Array.from({ length: 180_000 }, (_, i) => `r${i}/*`) } }] })],
      ['a 513-character image pattern', 'BAD_USER_INPUT', 'input.rules[0].parameters.allowedPatterns[1]', () => ({ rules: [{ ruleId: 'trusted-registries', enabled: true, parameters: { allowedPatterns: ['ok/**', long(513)] } }] })],
      ['65 capabilities', 'BAD_USER_INPUT', 'input.rules[0].parameters.allowedCapabilities', () => ({ rules: [{ ruleId: 'capabilities', enabled: true, parameters: { allowedCapabilities: Array.from({ length: 65 }, (_, i) => `CAP_${i}`) } }] })],
      ['65 user id ranges', 'BAD_USER_INPUT', 'input.rules[0].parameters.allowedUserIds', () => ({ rules: [{ ruleId: 'non-root-user', enabled: true, parameters: { allowedUserIds: Array.from({ length: 65 }, (_, i) => ({ min: i, max: i })) } }] })],
      // 200 patterns of 400 characters: within the parameter's limits, over the policy's 64 KiB.
      ['rules over the policy size', 'BAD_USER_INPUT', 'input.rules', () => ({ rules: [{ ruleId: 'trusted-registries', enabled: true, parameters: { allowedPatterns: Array.from({ length: 200 }, (_, i) => `${i}/${'p'.repeat(396)}`) } }] })],
      ['parameters not an object', 'BAD_USER_INPUT', 'input.rules[0].parameters', () => ({ rules: [{ ruleId: 'capabilities', enabled: true, parameters: 'all' }] })],
      ['trusted registries on without patterns', 'BAD_USER_INPUT', 'input.rules[0].parameters.allowedPatterns', () => ({ rules: [{ ruleId: 'trusted-registries', enabled: true }] })],
      ['a regular expression as registry pattern', 'BAD_USER_INPUT', 'input.rules[0].parameters.allowedPatterns[1]', () => ({ rules: [{ ruleId: 'trusted-registries', enabled: true, parameters: { allowedPatterns: ['ghcr.io/acme/**', '^myacr\\.azurecr\\.io/.*$'] } }] })],
      ['an unknown capability', 'BAD_USER_INPUT', 'input.rules[0].parameters.allowedCapabilities[0]', () => ({ rules: [{ ruleId: 'capabilities', enabled: true, parameters: { allowedCapabilities: ['NET_RAWW'] } }] })],
    ];

    it.each(cases)('createPolicy: %s → %s %s', async (_what, code, field, input) => {
      const before = await counts();
      const result = await api.gql(CREATE, { input: { tenantId, name: 'Valid name', action: 'BLOCK', rules: [], ...input() } }, owner.token);
      expect(result.errors?.[0].extensions).toEqual({ code, field });
      expect(await counts()).toEqual(before);
    });

    it.each(cases.filter(([what]) => what !== 'taken name (any case)'))('updatePolicy: %s → %s %s', async (_what, code, field, input) => {
      const before = await counts();
      const result = await api.gql(UPDATE, { input: { id: existing.id, expectedVersion: existing.version, ...input() } }, owner.token);
      expect(result.errors?.[0].extensions).toEqual({ code, field });
      expect(await counts()).toEqual(before);
    });

    it('a regular-expression registry pattern is refused with the glob to write instead; capability names are normalised', async () => {
      const regex = await api.gql(
        CREATE,
        { input: { tenantId, name: 'Registries', action: 'BLOCK', rules: [{ ruleId: 'trusted-registries', enabled: true, parameters: { allowedPatterns: ['^myacr\\.azurecr\\.io/.*$'] } }] } },
        owner.token,
      );
      expect(regex.errors?.[0].message).toContain('write "myacr.azurecr.io/**" instead');
      const caps = await api.gqlOk<any>(
        CREATE,
        { input: { tenantId, name: 'Capabilities', action: 'AUDIT', rules: [{ ruleId: 'capabilities', enabled: true, parameters: { allowedCapabilities: ['cap_net_raw', 'CAP_NET_RAW', 'chown'] } }] } },
        owner.token,
      );
      const [row] = await sql(`SELECT rules FROM policy WHERE id = $1`, [caps.createPolicy.id]);
      expect((row.rules as any[]).find((r) => r.ruleId === 'capabilities').parameters).toEqual({ allowedCapabilities: ['NET_RAW', 'CHOWN'], requireDropAll: false });
    });

    it('updatePolicy: a taken name → CONFLICT input.name; a wrong version → CONFLICT input.expectedVersion; nothing stored', async () => {
      const second = await create({ name: 'Second' });
      const before = await counts();
      const taken = await api.gql(UPDATE, { input: { id: second.id, expectedVersion: 1, name: 'existing' } }, owner.token);
      expect(taken.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'input.name' });
      const stale = await api.gql(UPDATE, { input: { id: second.id, expectedVersion: 7, action: 'BLOCK' } }, owner.token);
      expect(stale.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'input.expectedVersion' });
      expect(await counts()).toEqual(before);
    });

    it('another tenant’s policy is NOT_FOUND for policy, updatePolicy and deletePolicy; nothing stored', async () => {
      const before = await counts();
      expect(outcomeOf(await api.gql(POLICY, { id: foreign.policyId }, owner.token))).toBe('NOT_FOUND');
      expect(outcomeOf(await api.gql(UPDATE, { input: { id: foreign.policyId, expectedVersion: 1, action: 'BLOCK' } }, owner.token))).toBe('NOT_FOUND');
      expect(outcomeOf(await api.gql(DELETE, { id: foreign.policyId }, owner.token))).toBe('NOT_FOUND');
      expect(await counts()).toEqual(before);
    });

    it('a revisions cursor that is not ours → BAD_USER_INPUT after', async () => {
      const result = await api.gql(POLICY, { id: existing.id, after: 'garbage' }, owner.token);
      expect(result.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    });
  });

  it('an update that changes nothing writes nothing and keeps the version', async () => {
    const policy = await create({ name: 'Steady', rules: [{ ruleId: 'privileged-containers', enabled: true }] });
    const before = await counts();
    const same = await api.gqlOk<any>(
      UPDATE,
      { input: { id: policy.id, expectedVersion: 1, name: 'Steady', action: 'AUDIT', rules: [{ ruleId: 'privileged-containers', enabled: true, parameters: {} }] } },
      owner.token,
    );
    expect(same.updatePolicy.version).toBe(1);
    expect(await counts()).toEqual(before);
  });

  it('deletePolicy soft-deletes: the policy is gone, its name is free, its history stays', async () => {
    const doomed = await create({ name: 'Doomed', action: 'BLOCK' });
    await api.gqlOk(UPDATE, { input: { id: doomed.id, expectedVersion: 1, description: 'soon gone' } }, owner.token);
    const deleted = await api.gqlOk<any>(DELETE, { id: doomed.id }, owner.token);
    expect(deleted.deletePolicy).toEqual({ id: doomed.id, name: 'Doomed' });
    expect(outcomeOf(await api.gql(POLICY, { id: doomed.id }, owner.token))).toBe('NOT_FOUND');
    expect(outcomeOf(await api.gql(DELETE, { id: doomed.id }, owner.token))).toBe('NOT_FOUND');
    const names = (await api.gqlOk<any>(TENANT_POLICIES, { id: tenantId }, owner.token)).tenant.policies.edges.map((e: any) => e.node.name);
    expect(names).not.toContain('Doomed');

    const rows = await sql(`SELECT version, change, diff, snapshot FROM policy_revision WHERE "policyId" = $1 ORDER BY version`, [doomed.id]);
    expect(rows.map((r) => [r.version, r.change])).toEqual([
      [1, 'CREATE'],
      [2, 'UPDATE'],
      [3, 'DELETE'],
    ]);
    expect(rows[2].snapshot).toMatchObject({ name: 'Doomed', description: 'soon gone', version: 2 });
    const [row] = await sql(`SELECT "deletedAt", version FROM policy WHERE id = $1`, [doomed.id]);
    expect(row.deletedAt).not.toBeNull();
    expect(row.version).toBe(3);
    const [entry] = await sql(`SELECT before, after FROM audit_log_entry WHERE "targetId" = $1 AND operation = 'deletePolicy'`, [doomed.id]);
    expect(entry).toMatchObject({ before: { name: 'Doomed' }, after: null });
    const [outbox] = await sql(`SELECT payload FROM outbox_event WHERE payload->>'policyId' = $1 AND (payload->>'version')::int = 3`, [doomed.id]);
    expect(outbox.payload).toMatchObject({ policyId: doomed.id, version: 3, tenantId });

    const again = await create({ name: 'doomed' });
    expect(again.name).toBe('doomed');
  });

  it('the default policy: name, description, scope and deletion → DEFAULT_POLICY_IMMUTABLE; action and rules change', async () => {
    const listed = await api.gqlOk<any>(TENANT_POLICIES, { id: tenantId }, owner.token);
    const policy = listed.tenant.policies.edges.map((e: any) => e.node).find((p: any) => p.isDefault);
    const before = await counts();
    for (const [input, field] of [
      [{ name: 'Mine now' }, 'input.name'],
      [{ description: 'changed' }, 'input.description'],
      [{ scope: { namespaces: ['payments'] } }, 'input.scope'],
      [{ scope: { cloudScopeIds: [scopeA] } }, 'input.scope'],
      [{ action: 'BLOCK', name: 'Sneaky' }, 'input.name'],
    ] as const) {
      const result = await api.gql(UPDATE, { input: { id: policy.id, expectedVersion: policy.version, ...input } }, owner.token);
      expect({ input, ext: result.errors?.[0].extensions }).toEqual({ input, ext: { code: 'DEFAULT_POLICY_IMMUTABLE', field } });
    }
    const del = await api.gql(DELETE, { id: policy.id }, owner.token);
    expect(del.errors?.[0].extensions).toEqual({ code: 'DEFAULT_POLICY_IMMUTABLE', field: 'id' });
    expect(await counts()).toEqual(before);

    const rules = RULE_CATALOG.filter((r) => r.id !== 'host-namespaces').map((r) =>
      r.id === 'trusted-registries' ? { ruleId: r.id, enabled: true, parameters: { allowedPatterns: ['myacr.azurecr.io/**'] } } : { ruleId: r.id, enabled: true },
    );
    const changed = (
      await api.gqlOk<any>(
        UPDATE,
        // Restating the unchanged name and scope is not a change.
        { input: { id: policy.id, expectedVersion: policy.version, action: 'BLOCK', rules, name: policy.name, scope: {} } },
        owner.token,
      )
    ).updatePolicy;
    expect(changed).toMatchObject({ action: 'BLOCK', version: policy.version + 1, isDefault: true, name: policy.name });
    expect(changed.rules.find((r: any) => r.ruleId === 'host-namespaces')).toEqual({ ruleId: 'host-namespaces', enabled: false, parameters: {} });
    expect(changed.rules.find((r: any) => r.ruleId === 'trusted-registries')).toEqual({
      ruleId: 'trusted-registries',
      enabled: true,
      parameters: { allowedPatterns: ['myacr.azurecr.io/**'] },
    });
    const after = await counts();
    expect(after).toEqual({ policy: before.policy, revision: before.revision + 1, audit: before.audit + 1, outbox: before.outbox + 1 });
  });

  it('concurrent updates with the same expectedVersion: exactly one wins, the others get CONFLICT', async () => {
    const policy = await create({ name: 'Contended' });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api.gql(UPDATE, { input: { id: policy.id, expectedVersion: 1, description: `writer ${i}` } }, owner.token)),
    );
    const outcomes = results.map(outcomeOf);
    expect(outcomes.filter((o) => o === 'data')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'CONFLICT')).toHaveLength(7);
    const winner = results.find((r) => !r.errors)!.data!.updatePolicy;
    const [row] = await sql(`SELECT version, description FROM policy WHERE id = $1`, [policy.id]);
    expect(row).toEqual({ version: 2, description: winner.description });
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM policy_revision WHERE "policyId" = $1`, [policy.id]);
    expect(n).toBe(2);
  });

  it('ten concurrent first onboardings create exactly one default policy, with one revision, entry and outbox row', async () => {
    const user = await api.signUp('racer');
    const tenant = await newTenant(user, 'Racing');
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.gql(ONBOARD, { input: { tenantId: tenant, provider: 'AWS', externalId: awsAccount(), displayName: 'Race', environment: 'COMMERCIAL' } }, user.token),
      ),
    );
    expect(results.map(outcomeOf)).toEqual(Array(10).fill('data'));
    const [{ scopes, defaults, revisions, entries, outbox }] = await sql(
      `SELECT (SELECT count(*) FROM cloud_scope WHERE "tenantId" = $1)::int AS scopes,
              (SELECT count(*) FROM policy WHERE "tenantId" = $1 AND "isDefault")::int AS defaults,
              (SELECT count(*) FROM policy_revision WHERE "tenantId" = $1)::int AS revisions,
              (SELECT count(*) FROM audit_log_entry WHERE "tenantId" = $1 AND operation = 'createDefaultPolicy')::int AS entries,
              (SELECT count(*) FROM outbox_event WHERE "tenantId" = $1 AND type = 'policy.changed')::int AS outbox`,
      [tenant],
    );
    expect({ scopes, defaults, revisions, entries, outbox }).toEqual({ scopes: 10, defaults: 1, revisions: 1, entries: 1, outbox: 1 });
  });

  it('the port alone is race-safe: ten concurrent ensureDefaultPolicy transactions create one default policy', async () => {
    // Onboarding serialises on the tenant row; this calls the port without that lock, so only
    // the partial unique index stands between ten transactions and ten default policies.
    const user = await api.signUp('port');
    const tenant = await newTenant(user, 'Port');
    const port = api.app.get<DefaultPolicyProvisioner>(DEFAULT_POLICY_PROVISIONER);
    const prisma = api.app.get(PrismaService);
    const caller = { actor: { userId: user.userId, display: user.email }, requestId: null };
    await Promise.all(Array.from({ length: 10 }, () => prisma.withTenant(tenant, (tx) => port.ensureDefaultPolicy(tx, caller))));
    const [row] = await sql(
      `SELECT (SELECT count(*) FROM policy WHERE "tenantId" = $1)::int AS policies,
              (SELECT count(*) FROM policy_revision WHERE "tenantId" = $1)::int AS revisions,
              (SELECT count(*) FROM audit_log_entry WHERE "tenantId" = $1 AND operation = 'createDefaultPolicy')::int AS entries,
              (SELECT count(*) FROM outbox_event WHERE "tenantId" = $1)::int AS outbox`,
      [tenant],
    );
    expect(row).toEqual({ policies: 1, revisions: 1, entries: 1, outbox: 1 });
  });

  it('Tenant.policies pages with opaque cursors; a role limited to a cloud scope sees the global ones', async () => {
    const user = await api.signUp('pager');
    const tenant = await newTenant(user, 'Paged');
    const scope = await onboard(user, tenant);
    for (const name of ['P1', 'P2', 'P3', 'P4']) {
      await api.gqlOk(CREATE, { input: { tenantId: tenant, name, action: 'AUDIT', rules: [] } }, user.token);
    }
    const names: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await api.gqlOk<any>(TENANT_POLICY_NAMES, { id: tenant, after }, user.token)).tenant.policies;
      names.push(...page.edges.map((e: any) => e.node.name));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(names).toEqual(['Default K8s misconfiguration rule', 'P1', 'P2', 'P3', 'P4']);
    const bad = await api.gql(TENANT_POLICIES, { id: tenant, after: 'garbage' }, user.token);
    expect(bad.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });

    const scoped = await api.signUp('scoped');
    await api.gqlOk(
      'mutation($input: AssignRoleInput!) { assignRole(input: $input) { roleAssignment { id } } }',
      { input: { tenantId: tenant, principalEmail: scoped.email, role: 'SECURITY_READER', cloudScopeId: scope } },
      user.token,
    );
    // All five are global: they can apply in the scoped role's cloud scope, so it sees them (see the matrix's nested-visibility tests for scoped ones).
    const seen = await api.gqlOk<any>('{ tenants { id policies { edges { node { name } } } } }', {}, scoped.token);
    expect(seen.tenants).toEqual([{ id: tenant, policies: { edges: names.map((name) => ({ node: { name } })) } }]);
  });

  it('Policy.revisions on a list of policies: right revisions per policy, read in one batched query', async () => {
    const t = (await api.gqlOk<any>('mutation { createTenant(input: { name: "Batch" }) { id } }', {}, owner.token)).createTenant.id;
    const made: { id: string; versions: number }[] = [];
    for (let i = 0; i < 4; i += 1) {
      const p = (await api.gqlOk<any>(CREATE, { input: { tenantId: t, name: `Batch ${i}`, action: 'AUDIT', rules: [] } }, owner.token)).createPolicy;
      for (let v = 1; v <= i; v += 1) {
        await api.gqlOk(UPDATE, { input: { id: p.id, expectedVersion: v, description: `edit ${v}` } }, owner.token);
      }
      made.push({ id: p.id, versions: i + 1 });
    }
    const repo = api.app.get(PoliciesRepository);
    const batched = jest.spyOn(repo, 'newestRevisions');
    const single = jest.spyOn(repo, 'revisionPage');
    try {
      const data = await api.gqlOk<any>(
        `query($id: ID!) { tenant(id: $id) { policies(first: 10) { edges { node { id revisions(first: 2) { edges { node { version change } } pageInfo { hasNextPage } } } } } } }`,
        { id: t },
        owner.token,
      );
      const byId = new Map(data.tenant.policies.edges.map((e: any) => [e.node.id, e.node.revisions]));
      for (const { id, versions } of made) {
        const revisions: any = byId.get(id);
        const expected = [versions, versions - 1].filter((v) => v >= 1);
        expect({ id, versions: revisions.edges.map((e: any) => e.node.version) }).toEqual({ id, versions: expected });
        expect(revisions.pageInfo.hasNextPage).toBe(versions > 2);
      }
      expect(batched).toHaveBeenCalledTimes(1);
      expect(single).not.toHaveBeenCalled();
    } finally {
      batched.mockRestore();
      single.mockRestore();
    }
  });
});
