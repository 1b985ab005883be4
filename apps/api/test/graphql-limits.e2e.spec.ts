import { GraphQLSchemaHost } from '@nestjs/graphql';
import { measureOperation } from '@rampart/platform';
import { TestApi, type TestUser, useTestEnvironment } from '@rampart/testing';
import { parse, type OperationDefinitionNode } from 'graphql';
import { Client } from 'pg';
import { createApp } from '../src/create-app';

// Every SQL statement of this process goes through pg's Client#query (the
// Prisma adapter's pool hands out Clients), so a spy on it counts what the app
// sends to PostgreSQL: the authentication guard's user lookup, the
// authorization guard's membership query and every resolver's reads.
const MAX_DEPTH = 5;

const DEEP = '{ me { roleAssignments { tenant { roleAssignments { principal { id } } } } } }'; // depth 6
const WITHIN = '{ me { roleAssignments { tenant { roleAssignments { id } } } } }'; // depth 5
// Depth 4, but four aliases of a list in a list: 4 × (1 + 20 × (1 + 20 × (1 + 3))).
const COSTLY = `query Costly {
  ${['a', 'b', 'c', 'd'].map((alias) => `${alias}: tenants { roleAssignments { principal { id email name } } }`).join('\n  ')}
}`;
const auditLog = (name: string, aliases: string[], first: number) => `query ${name}($tenantId: ID!) {
  ${aliases.map((alias) => `${alias}: auditLog(tenantId: $tenantId, first: ${first}) { edges { cursor node { id seq operation targetType targetId actor actorUserId before after requestId prevHash hash createdAt } } pageInfo { hasNextPage endCursor } }`).join('\n  ')}
}`;
// Four pages of 100 entries with every field: 4 × (1 + 100 × (1 + 1 + (1 + 13) + (1 + 2))).
const AUDIT_HEAVY = auditLog('AuditHeavy', ['a', 'b', 'c', 'd'], 100);

describe('GraphQL depth and cost limits (e2e)', () => {
  useTestEnvironment();
  let api: TestApi;
  let user: TestUser;
  let tenantId: string;
  let queries: jest.SpyInstance;

  beforeAll(async () => {
    // A lower depth limit than the default, so the current schema (which has no cycle yet) can exceed it.
    // Limits set explicitly so the figures below do not depend on the defaults.
    process.env.GRAPHQL_MAX_DEPTH = String(MAX_DEPTH);
    process.env.GRAPHQL_MAX_COST = '5000';
    api = await TestApi.start(createApp);
    delete process.env.GRAPHQL_MAX_DEPTH;
    delete process.env.GRAPHQL_MAX_COST;
    user = await api.signUp('limits');
    const created = await api.gqlOk<{ createTenant: { id: string } }>('mutation { createTenant(input: { name: "Limits" }) { id } }', {}, user.token);
    tenantId = created.createTenant.id;
    queries = jest.spyOn(Client.prototype, 'query');
  });
  afterAll(async () => {
    queries?.mockRestore();
    await api?.close();
  });

  /** The SQL the app issued while `send` ran. */
  async function sqlDuring<T>(send: () => Promise<T>): Promise<{ result: T; sql: string[] }> {
    queries.mockClear();
    const result = await send();
    const sql = queries.mock.calls.map(([q]) => (typeof q === 'string' ? q : String((q as { text?: string })?.text)));
    return { result, sql };
  }

  const costOf = (source: string): number => {
    const { schema } = api.app.get(GraphQLSchemaHost);
    const document = parse(source);
    const operation = document.definitions[0] as OperationDefinitionNode;
    return measureOperation(schema, operation, () => undefined).cost;
  };

  it('the query counter sees the guards and resolvers of an accepted query (so zero below means nothing ran)', async () => {
    const { result, sql } = await sqlDuring(() => api.gql(WITHIN, {}, user.token));
    expect(result.errors).toBeUndefined();
    expect(result.data?.me.roleAssignments).toHaveLength(1);
    expect(sql.length).toBeGreaterThan(0);
    const audit = await sqlDuring(() => api.gql(auditLog('AuditLight', ['a'], 10), { tenantId }, user.token));
    expect(audit.result.errors).toBeUndefined();
    expect(audit.sql.length).toBeGreaterThan(0);
  });

  it('refuses an over-deep query before any guard or resolver runs, naming the limit and the depth', async () => {
    const { result, sql } = await sqlDuring(() => api.gql(DEEP, {}, user.token));
    expect(sql).toEqual([]);
    expect(result.data).toBeNull();
    expect(result.errors).toEqual([
      {
        message: `Query has depth 6, above the maximum of ${MAX_DEPTH} (GRAPHQL_MAX_DEPTH).`,
        locations: [{ line: 1, column: 1 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'GRAPHQL_MAX_DEPTH', measured: 6, maximum: MAX_DEPTH },
      },
    ]);
  });

  it.each([
    ['nested lists', COSTLY, {}],
    ['auditLog pages', AUDIT_HEAVY, 'tenant'],
  ])('refuses an over-costly query (%s) before any guard or resolver runs, naming the limit and the cost', async (_, source, variables) => {
    const cost = costOf(source);
    expect(cost).toBeGreaterThan(5000);
    const { result, sql } = await sqlDuring(() => api.gql(source, variables === 'tenant' ? { tenantId } : {}, user.token));
    expect(sql).toEqual([]);
    expect(result.data).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: `Query ${source.match(/^query (\w+)/)![1]} has cost ${cost}, above the maximum of 5000 (GRAPHQL_MAX_COST).`,
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'GRAPHQL_MAX_COST', measured: cost, maximum: 5000 },
      }),
    ]);
  });

  it('keeps refusing the same text (Mercurius caches the verdict, not the resolvers)', async () => {
    for (let i = 0; i < 3; i++) {
      const { result, sql } = await sqlDuring(() => api.gql(DEEP, {}, user.token));
      expect(sql).toEqual([]);
      expect(result.errors?.[0].extensions?.limit).toBe('GRAPHQL_MAX_DEPTH');
    }
  });

  it('outside production: introspection answers and validation errors suggest names', async () => {
    const introspection = await api.gql('{ __schema { queryType { name } } }');
    expect(introspection.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const typo = await api.gql('{ apiInfo { nmae } }');
    expect(typo.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ['Cannot query field "nmae" on type "ApiInfo". Did you mean "name"?', 'GRAPHQL_VALIDATION_FAILED'],
    ]);
  });
});
