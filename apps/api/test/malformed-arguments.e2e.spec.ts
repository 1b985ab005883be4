import { TestApi, type TestUser, query, useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';

/** A cursor as an attacker would forge one: any JSON key, base64url-encoded like the API's own. */
const forged = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

const CREATE_POLICY = 'mutation($input: CreatePolicyInput!) { createPolicy(input: $input) { id } }';

/**
 * Every malformed argument — an id that is not a UUID, a cursor the API never issued,
 * text with NUL or a lone surrogate, in a literal or a variable, on a root or a nested
 * field, deep inside an input object or a JSON value — is BAD_USER_INPUT naming the
 * argument, never a masked 500, and a refused mutation stores nothing.
 */
describe('malformed arguments (e2e)', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let owner: TestUser;
  let tenantId: string;
  let clusterId: string;
  let policyId: string;
  const sql = (text: string, params: unknown[] = []) => query(env.current.db.adminUrl, text, params);
  const counts = async () =>
    (
      await sql(`SELECT (SELECT count(*) FROM tenant)::int AS tenants, (SELECT count(*) FROM policy)::int AS policies,
                        (SELECT count(*) FROM audit_log_entry)::int AS entries`)
    )[0];

  beforeAll(async () => {
    api = await TestApi.start(createApp);
    owner = await api.signUp('owner');
    tenantId = (await api.gqlOk<any>('mutation { createTenant(input: { name: "Inputs" }) { id } }', {}, owner.token)).createTenant.id;
    const scope = await api.gqlOk<any>(
      'mutation($input: OnboardCloudScopeInput!) { onboardCloudScope(input: $input) { id } }',
      { input: { tenantId, provider: 'AWS', externalId: '123456789012', displayName: 'Prod' } },
      owner.token,
    );
    const cluster = await api.gqlOk<any>(
      'mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { cluster { id } } }',
      {
        input: {
          cloudScopeId: scope.onboardCloudScope.id,
          name: 'web',
          distribution: 'EKS',
          kubernetesVersion: '1.30.2',
          sensorVersion: '0.11.0',
          misconfigurationPoliciesEnabled: true,
        },
      },
      owner.token,
    );
    clusterId = cluster.registerCluster.cluster.id;
    policyId = (await api.gqlOk<any>(CREATE_POLICY, { input: { tenantId, name: 'P', action: 'AUDIT', rules: [] } }, owner.token)).createPolicy.id;
  });
  afterAll(() => api?.close());

  // [what, document, variables, the field the error must name]
  const cases: [string, string, () => Record<string, unknown>, string][] = [
    ['root id literal', '{ tenant(id: "nope") { id } }', () => ({}), 'id'],
    ['root id variable', 'query($id: ID!) { cluster(id: $id) { id } }', () => ({ id: 'DROP TABLE' }), 'id'],
    ['id given as a number', 'query($id: ID!) { policy(id: $id) { id } }', () => ({ id: 42 }), 'id'],
    ['id inside an input object', 'mutation($i: RegisterClusterInput!) { registerCluster(input: $i) { sensorToken } }', () => ({
      i: { cloudScopeId: 'x', name: 'a', distribution: 'EKS', kubernetesVersion: '1.30.0', sensorVersion: '0.11.0', misconfigurationPoliciesEnabled: true },
    }), 'input.cloudScopeId'],
    ['id in a list inside an input', CREATE_POLICY, () => ({
      input: { tenantId, name: 'Q', action: 'AUDIT', rules: [], scope: { clusterIds: [clusterId, 'not-a-uuid'] } },
    }), 'input.scope.clusterIds[1]'],
    ['id argument of a nested field', 'query($t: ID!) { tenant(id: $t) { clusters(cloudScopeId: "zzz") { edges { cursor } } } }', () => ({ t: tenantId }), 'cloudScopeId'],
    ['NUL in a literal', 'mutation { createTenant(input: { name: "a\\u0000b" }) { id } }', () => ({}), 'input.name'],
    ['NUL in a variable', 'mutation($n: String!) { createTenant(input: { name: $n }) { id } }', () => ({ n: 'a\u0000b' }), 'input.name'],
    ['lone high surrogate in a variable', 'mutation($n: String!) { createTenant(input: { name: $n }) { id } }', () => ({ n: 'x\ud800y' }), 'input.name'],
    ['lone low surrogate in a variable', CREATE_POLICY, () => ({ input: { tenantId, name: 'ok', description: '\udc00', action: 'AUDIT', rules: [] } }), 'input.description'],
    ['NUL deep in a JSON value', CREATE_POLICY, () => ({
      input: { tenantId, name: 'R', action: 'AUDIT', rules: [{ ruleId: 'trusted-registries', enabled: true, parameters: { allowedPatterns: ['ok/*', 'bad\u0000'] } }] },
    }), 'input.rules[0].parameters.allowedPatterns[1]'],
    ['NUL in a JSON key', CREATE_POLICY, () => ({
      input: { tenantId, name: 'S', action: 'AUDIT', rules: [{ ruleId: 'privileged-containers', enabled: true, parameters: { 'k\u0000': 1 } }] },
    }), 'input.rules[0].parameters'],
    ['NUL in a manifest', 'query($c: ID!, $m: String!) { evaluateManifest(clusterId: $c, namespace: "default", manifest: $m) { allowed } }', () => ({
      c: clusterId,
      m: 'kind: Pod\nmetadata: { name: "p\u0000" }\n',
    }), 'manifest'],
    ['NUL in a namespace argument', 'query($c: ID!, $n: String!) { effectivePolicy(clusterId: $c, namespace: $n) { canDeny } }', () => ({ c: clusterId, n: 'a\u0000' }), 'namespace'],
    ['cursor that is not base64 JSON', 'query($t: ID!) { auditLog(tenantId: $t, after: "%%%") { edges { cursor } } }', () => ({ t: tenantId }), 'after'],
    ['audit cursor beyond bigint', 'query($t: ID!, $a: String) { auditLog(tenantId: $t, after: $a) { edges { cursor } } }', () => ({ t: tenantId, a: forged('99999999999999999999999') }), 'after'],
    ['policies cursor with a non-UUID id', 'query($t: ID!, $a: String) { tenant(id: $t) { policies(after: $a) { edges { cursor } } } }', () => ({
      t: tenantId,
      a: forged(['2026-01-01T00:00:00.000Z', 'not-a-uuid']),
    }), 'after'],
    ['clusters cursor with a year PostgreSQL cannot hold', 'query($t: ID!, $a: String) { tenant(id: $t) { clusters(after: $a) { edges { cursor } } } }', () => ({
      t: tenantId,
      a: forged(['-271821-04-20T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
    }), 'after'],
    ['cloud scopes cursor that is not canonical', 'query($t: ID!, $a: String) { tenant(id: $t) { cloudScopes(after: $a) { edges { cursor } } } }', () => ({
      t: tenantId,
      a: `${forged(['2026-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])}==`,
    }), 'after'],
    ['revisions cursor beyond integer', 'query($p: ID!, $a: String) { policy(id: $p) { revisions(after: $a) { edges { cursor } } } }', () => ({ p: policyId, a: forged(1e300) }), 'after'],
    ['namespaces cursor hiding a NUL', 'query($c: ID!, $a: String) { cluster(id: $c) { namespaces(after: $a) { edges { cursor } } } }', () => ({ c: clusterId, a: forged('a\u0000') }), 'after'],
  ];

  it.each(cases)('%s → BAD_USER_INPUT naming the argument', async (_what, document, variables, field) => {
    const before = await counts();
    const result = await api.gql(document, variables(), owner.token);
    expect(result.errors?.map((e) => e.extensions)).toEqual([{ code: 'BAD_USER_INPUT', field }]);
    expect(result.errors?.[0].message).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: `));
    expect(await counts()).toEqual(before);
  });

  // Documents that passed are remembered (per parsed document) so a repeated query is not re-checked:
  // that must never let a bad document through on a later request, nor skip a later request's variables.
  it('a refused document is refused again, and a document with variables is checked with each request’s values', async () => {
    const literal = '{ tenant(id: "not-a-uuid") { id } }';
    for (let i = 0; i < 2; i++) {
      expect((await api.gql(literal, {}, owner.token)).errors?.map((e) => e.extensions)).toEqual([{ code: 'BAD_USER_INPUT', field: 'id' }]);
    }
    const withVariable = 'query($id: ID!) { tenant(id: $id) { id } }';
    expect((await api.gql(withVariable, { id: tenantId }, owner.token)).errors).toBeUndefined();
    expect((await api.gql(withVariable, { id: 'not-a-uuid' }, owner.token)).errors?.map((e) => e.extensions)).toEqual([{ code: 'BAD_USER_INPUT', field: 'id' }]);
    const valid = `{ tenant(id: "${tenantId}") { id } }`;
    for (let i = 0; i < 2; i++) expect((await api.gql(valid, {}, owner.token)).errors).toBeUndefined();
  });

  it('a catalog rule id (an ID that is not a UUID by design) is still accepted', async () => {
    const ok = await api.gqlOk<any>(CREATE_POLICY, { input: { tenantId, name: 'Rules', action: 'AUDIT', rules: [{ ruleId: 'privileged-containers', enabled: true }] } }, owner.token);
    expect(ok.createPolicy.id).toEqual(expect.any(String));
  });

  it('the cursors the API issues are accepted back', async () => {
    const first = await api.gqlOk<any>('query($t: ID!) { auditLog(tenantId: $t, first: 1) { pageInfo { endCursor } } }', { t: tenantId }, owner.token);
    const next = await api.gql('query($t: ID!, $a: String) { auditLog(tenantId: $t, first: 1, after: $a) { edges { cursor } } }', { t: tenantId, a: first.auditLog.pageInfo.endCursor }, owner.token);
    expect(next.errors).toBeUndefined();
  });
});
