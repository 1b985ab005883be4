import { TestApi, useTestEnvironment } from '@rampart/testing';

// The real API with NODE_ENV=production: no introspection, no "Did you mean …?"
// (both would spell out the schema to anyone who asks). The non-production side
// of both is asserted in graphql-limits.e2e.spec.ts and graphql-errors.e2e.spec.ts.

describe('GraphQL in production (e2e)', () => {
  useTestEnvironment();
  let api: TestApi;
  const saved = { NODE_ENV: process.env.NODE_ENV, OIDC_ISSUER_URL: process.env.OIDC_ISSUER_URL };

  beforeAll(async () => {
    process.env.NODE_ENV = 'production';
    // Production requires an external issuer; it is never contacted (no request here carries a token).
    process.env.OIDC_ISSUER_URL = 'https://issuer.invalid';
    // AuthModule.forRoot() reads the environment when AppModule is defined, so the app is imported only now.
    const { createApp } = await import('../src/create-app');
    api = await TestApi.start(createApp);
  });
  afterAll(async () => {
    await api?.close();
    process.env.NODE_ENV = saved.NODE_ENV;
    if (saved.OIDC_ISSUER_URL === undefined) delete process.env.OIDC_ISSUER_URL;
    else process.env.OIDC_ISSUER_URL = saved.OIDC_ISSUER_URL;
  });

  const suggestion = /did you mean/i;

  it('answers ordinary queries, including __typename', async () => {
    const result = await api.gql('{ __typename apiInfo { __typename name } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ __typename: 'Query', apiInfo: { __typename: 'ApiInfo', name: 'Rampart' } });
  });

  it('does not serve GraphiQL', async () => {
    expect((await api.http().get('/graphiql')).status).toBe(404);
  });

  it.each([
    ['__schema', '{ __schema { queryType { name } } }'],
    ['__type', '{ __type(name: "Tenant") { fields { name } } }'],
  ])('refuses introspection (%s) as a validation error', async (field, source) => {
    const result = await api.gql(source);
    expect(result.data).toBeNull();
    expect(result.errors?.[0]).toEqual({
      message: `GraphQL introspection has been disabled, but the requested query contained the field "${field}".`,
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(JSON.stringify(result)).not.toContain('roleAssignments');
  });

  it.each([
    ['a field', '{ apiInfo { nmae } }', {}, 'Cannot query field "nmae" on type "ApiInfo".'],
    ['a root field', '{ tenantz { id } }', {}, 'Cannot query field "tenantz" on type "Query".'],
    ['an argument', '{ auditLog(tenantId: "x", frist: 1) { pageInfo { hasNextPage } } }', {}, 'Unknown argument "frist" on field "Query.auditLog".'],
    [
      'an enum value',
      'mutation { assignRole(input: { tenantId: "x", principalEmail: "a@b.c", role: OWNR }) { roleAssignment { id } } }',
      {},
      'Value "OWNR" does not exist in "Role" enum.',
    ],
    ['a type', 'query($x: Tenan) { apiInfo { name } }', {}, 'Unknown type "Tenan".'],
    [
      'an input field in variables',
      'mutation($input: CreateTenantInput!) { createTenant(input: $input) { id } }',
      { input: { name: 'x', nmae: 'y' } },
      'Field "nmae" is not defined by type "CreateTenantInput".',
    ],
  ])('names no suggestion for a misspelt %s', async (_, source, variables, message) => {
    const result = await api.gql(source, variables);
    expect(result.data).toBeNull();
    expect(result.errors?.map((e) => e.message)).toContain(message);
    for (const error of result.errors ?? []) expect(error.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(result)).not.toMatch(suggestion);
  });

  it('keeps the depth and cost limits', async () => {
    const result = await api.gql(`{ ${Array.from({ length: 20 }, (_, i) => `a${i}: tenants { roleAssignments { principal { id email name } } }`).join(' ')} }`);
    expect(result.errors?.map((e) => e.extensions?.limit)).toEqual(['GRAPHQL_MAX_COST']);
  });

  it('names the `first` arguments to lower when the default page sizes make a query too costly (issue 9)', async () => {
    const source = '{ me { roleAssignments { tenant { policies { edges { node { revisions { edges { node { id } } } } } } } } } }';
    const result = await api.gql(source);
    // By hand: revisions 1 + 20 × 3 = 61; policies 1 + 20 × (1 + 1 + 61) = 1261; roleAssignments 1 + 20 × 1262 = 25241;
    // me 1 + 25241 = 25242, plus the root-field cost of 100. Lowering policies' `first` to 1 saves 19 × 63 × 20 = 23940,
    // revisions' 19 × 3 × 20 × 20 = 22800; roleAssignments has no `first` to lower.
    expect(result.errors).toEqual([
      expect.objectContaining({
        message:
          'Query has cost 25342, above the maximum of 25000 (GRAPHQL_MAX_COST). Lower the page size (first) of ' +
          'me.roleAssignments.tenant.policies (first: 20), me.roleAssignments.tenant.policies.edges.node.revisions (first: 20).',
        extensions: {
          code: 'GRAPHQL_VALIDATION_FAILED',
          limit: 'GRAPHQL_MAX_COST',
          measured: 25342,
          maximum: 25000,
          lowerFirst: ['me.roleAssignments.tenant.policies', 'me.roleAssignments.tenant.policies.edges.node.revisions'],
        },
      }),
    ]);
  });
});
