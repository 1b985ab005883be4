import { GraphQLSchemaHost } from '@nestjs/graphql';
import { measureOperation } from '@rampart/platform';
import { TestApi, type TestUser, useTestEnvironment } from '@rampart/testing';
import { parse, type OperationDefinitionNode } from 'graphql';
import jsonwebtoken from 'jsonwebtoken';
import { Client } from 'pg';
import { createApp } from '../src/create-app';

// Every SQL statement of this process goes through pg's Client#query (the
// Prisma adapter's pool hands out Clients), so a spy on it counts what the app
// sends to PostgreSQL: the authentication guard's user lookup, the
// authorization guard's membership query and every resolver's reads.
const MAX_DEPTH = 5;
const ROOT_FIELD_COST = 100;

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
    process.env.GRAPHQL_ROOT_FIELD_COST = String(ROOT_FIELD_COST);
    api = await TestApi.start(createApp);
    delete process.env.GRAPHQL_MAX_DEPTH;
    delete process.env.GRAPHQL_MAX_COST;
    delete process.env.GRAPHQL_ROOT_FIELD_COST;
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
    return measureOperation(schema, operation, () => undefined, { rootFieldCost: ROOT_FIELD_COST }).cost;
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
    ['nested lists', COSTLY, {}, ''],
    // Four equal pages: the three first in name order are named.
    ['auditLog pages', AUDIT_HEAVY, 'tenant', ' Lower the page size (first) of a (first: 100), b (first: 100), c (first: 100).'],
  ])('refuses an over-costly query (%s) before any guard or resolver runs, naming the limit and the cost', async (_, source, variables, advice) => {
    const cost = costOf(source);
    expect(cost).toBeGreaterThan(5000);
    const { result, sql } = await sqlDuring(() => api.gql(source, variables === 'tenant' ? { tenantId } : {}, user.token));
    expect(sql).toEqual([]);
    expect(result.data).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: `Query ${source.match(/^query (\w+)/)![1]} has cost ${cost}, above the maximum of 5000 (GRAPHQL_MAX_COST).${advice}`,
        extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'GRAPHQL_MAX_COST', measured: cost, maximum: 5000 }),
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

  describe('one authentication per HTTP request', () => {
    // 20 root fields (the default maximum): ten `me`, ten `tenant` — each passes both guards.
    const MANY = `query Many($tenantId: ID!) { ${Array.from({ length: 10 }, (_, i) => `m${i}: me { user { id } } t${i}: tenant(id: $tenantId) { id }`).join(' ')} }`;
    const userReads = (sql: string[]) => sql.filter((q) => /FROM "public"\."user"/.test(q));
    const membershipReads = (sql: string[]) => sql.filter((q) => q.includes('rampart_user_memberships'));
    let verify: jest.SpyInstance;
    beforeEach(() => {
      verify = jest.spyOn(jsonwebtoken, 'verify');
    });
    afterEach(() => verify.mockRestore());
    /** A token of the same user with the same claims, not seen by the API yet (verified tokens are remembered). */
    let minted = 0;
    const unseenToken = async (): Promise<string> => {
      const claims = JSON.parse(Buffer.from(user.token.split('.')[1], 'base64url').toString());
      // Another lifetime each time: another token string even within the same second.
      const expiresInSeconds = 600 + ++minted;
      const res = await api.http().post('/auth/dev/token').send({ sub: claims.sub, email: claims.email, name: claims.name, expiresInSeconds }).expect(200);
      return res.body.accessToken as string;
    };

    it('verifies the token, reads the user and the memberships once for 20 root fields', async () => {
      const token = await unseenToken();
      const { result, sql } = await sqlDuring(() => api.gql(MANY, { tenantId }, token));
      expect(result.errors).toBeUndefined();
      expect(Object.keys(result.data ?? {})).toHaveLength(20);
      expect(result.data?.m9).toEqual({ user: { id: user.userId } });
      expect(result.data?.t9).toEqual({ id: tenantId });
      expect(verify).toHaveBeenCalledTimes(1);
      expect(userReads(sql)).toHaveLength(1);
      expect(membershipReads(sql)).toHaveLength(1);
      // Nothing changed in the claims: the user row is read, never written.
      expect(sql.filter((q) => /^(INSERT|UPDATE)\b[^]*"public"\."user"/.test(q))).toEqual([]);
    });

    it('verifies a bad token once too, and every root field is refused', async () => {
      const forged = `${user.token.slice(0, -4)}AAAA`;
      const { result, sql } = await sqlDuring(() => api.gql(MANY, { tenantId }, forged));
      expect(verify).toHaveBeenCalledTimes(1);
      expect(userReads(sql)).toEqual([]);
      // Root fields are non-null: the first refusal nulls the data, the others still ran their guards.
      expect(result.data).toBeNull();
      expect(result.errors?.length).toBeGreaterThan(0);
      for (const error of result.errors ?? []) expect(error.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('a token verified by an earlier request is not verified nor its user read again; memberships still are', async () => {
      const token = await unseenToken();
      await api.gqlOk('{ me { user { id } } }', {}, token);
      const { result, sql } = await sqlDuring(() => api.gql(MANY, { tenantId }, token));
      expect(result.errors).toBeUndefined();
      expect(verify).toHaveBeenCalledTimes(1);
      expect(userReads(sql)).toEqual([]);
      expect(membershipReads(sql)).toHaveLength(1);
    });
  });

  describe('root fields and aliases', () => {
    it('refuses ruleCatalog { id } ×1190 before any guard or resolver runs, naming the limit', async () => {
      const count = 1_190;
      const source = `{ ${Array.from({ length: count }, (_, i) => `a${i}: ruleCatalog { id }`).join(' ')} }`;
      const { result, sql } = await sqlDuring(() => api.gql(source, {}, user.token));
      expect(sql).toEqual([]);
      expect(result.data).toBeNull();
      expect(result.errors?.[0]).toEqual(
        expect.objectContaining({
          message: `Query has ${count} root fields, above the maximum of 20 (GRAPHQL_MAX_ROOT_FIELDS).`,
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'GRAPHQL_MAX_ROOT_FIELDS', measured: count, maximum: 20 },
        }),
      );
    });

    it('checks its own limits before graphql-js’s rules (some of which are quadratic in the fields): a refused document never reaches them', async () => {
      // An unknown field graphql-js would report, among too many root fields: only our limits answer.
      const source = `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: ruleCatalog { id }`).join(' ')} noSuchField }`;
      const result = await api.gql(source, {}, user.token);
      expect(result.errors?.map((e) => e.extensions?.limit)).toEqual(['GRAPHQL_MAX_ROOT_FIELDS', 'GRAPHQL_MAX_ALIASES', 'GRAPHQL_MAX_COST']);
      expect(result.errors?.some((e) => /noSuchField/.test(e.message))).toBe(false);
      // Within our limits, graphql-js's own rules still run.
      const fine = await api.gql('{ ruleCatalog { id } noSuchField }', {}, user.token);
      expect(fine.errors?.map((e) => e.message)).toEqual(['Cannot query field "noSuchField" on type "Query".']);
    });

    it('stops parsing a 24,000-alias flood of `me { __typename }` at the token ceiling (GRAPHQL_MAX_TOKENS, 20,000)', async () => {
      const source = `{ ${Array.from({ length: 24_000 }, (_, i) => `a${i}: me { __typename }`).join(' ')} }`;
      const { result, sql } = await sqlDuring(() => api.gql(source, {}, user.token));
      expect(sql).toEqual([]);
      expect(result.data).toBeNull();
      expect(result.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
        ['Syntax Error: Document contains more that 20000 tokens. Parsing aborted.', 'GRAPHQL_VALIDATION_FAILED'],
      ]);
    });

    it('refuses more than 100 aliases in one operation, at any depth', async () => {
      const source = `{ me { ${Array.from({ length: 101 }, (_, i) => `a${i}: user { id }`).join(' ')} } }`;
      const { result, sql } = await sqlDuring(() => api.gql(source, {}, user.token));
      expect(sql).toEqual([]);
      expect(result.errors?.map((e) => e.extensions)).toEqual([
        { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'GRAPHQL_MAX_ALIASES', measured: 101, maximum: 100 },
      ]);
    });
  });
});
