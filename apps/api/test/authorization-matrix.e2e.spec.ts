import { randomUUID } from 'node:crypto';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { AUTHORIZATION_TABLE, type Access, type OperationType, roleAtLeast } from '@rampart/platform';
import { TestApi, type TestUser, outcomeOf, query, useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';

/**
 * The role matrix, generated from the authorization table: every operation ×
 * every kind of caller → the outcome the table implies. Adding an operation to the
 * schema without a table entry, or a table entry without a case here, fails.
 */

type Principal = 'OWNER' | 'SECURITY_ADMIN' | 'SECURITY_READER' | 'SCOPE_ADMIN_OTHER_SCOPE' | 'OTHER_TENANT' | 'ANONYMOUS';
const PRINCIPALS: Principal[] = ['OWNER', 'SECURITY_ADMIN', 'SECURITY_READER', 'SCOPE_ADMIN_OTHER_SCOPE', 'OTHER_TENANT', 'ANONYMOUS'];

interface World {
  api: TestApi;
  tenantId: string;
  owner: TestUser;
  /** A cloud scope of the tenant that objects may live in (the scope admin holds another one). */
  scopeId: string;
}

interface OperationCase {
  document: string;
  /** Builds fresh variables for one call (mutations get their own target each time). */
  variables(world: World): Promise<Record<string, unknown>>;
}

const CASES: Record<OperationType, Record<string, OperationCase>> = {
  Query: {
    apiInfo: { document: '{ apiInfo { name } }', variables: async () => ({}) },
    me: { document: '{ me { user { id } } }', variables: async () => ({}) },
    tenants: { document: '{ tenants { id } }', variables: async () => ({}) },
    tenant: { document: 'query($id: ID!) { tenant(id: $id) { id name roleAssignments { id } } }', variables: async (w) => ({ id: w.tenantId }) },
    auditLog: {
      document: 'query($t: ID!) { auditLog(tenantId: $t, first: 5) { edges { node { seq } } } }',
      variables: async (w) => ({ t: w.tenantId }),
    },
  },
  Mutation: {
    createTenant: { document: 'mutation { createTenant(input: { name: "Matrix" }) { id } }', variables: async () => ({}) },
    assignRole: {
      document: 'mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }',
      variables: async (w) => {
        const someone = await w.api.signUp('grantee');
        return { input: { tenantId: w.tenantId, principalEmail: someone.email, role: 'SECURITY_READER' } };
      },
    },
    revokeRole: {
      document: 'mutation($id: ID!) { revokeRole(id: $id) { id } }',
      variables: async (w) => {
        const someone = await w.api.signUp('revokee');
        const granted = await w.api.gqlOk<{ assignRole: { id: string } }>(
          'mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }',
          { input: { tenantId: w.tenantId, principalEmail: someone.email, role: 'SECURITY_READER', cloudScopeId: w.scopeId } },
          w.owner.token,
        );
        return { id: granted.assignRole.id };
      },
    },
  },
};

function expected(access: Access, principal: Principal): string {
  if (access.kind === 'public') return 'data';
  if (principal === 'ANONYMOUS') return 'UNAUTHENTICATED';
  if (access.kind === 'authenticated') return 'data';
  if (principal === 'OTHER_TENANT') return 'NOT_FOUND';
  if (principal === 'SCOPE_ADMIN_OTHER_SCOPE') return access.kind === 'object' ? 'NOT_FOUND' : 'FORBIDDEN';
  return roleAtLeast(principal, access.minRole) ? 'data' : 'FORBIDDEN';
}

describe('authorization matrix (e2e, generated from the authorization table)', () => {
  const env = useTestEnvironment();
  let world: World;
  const tokens = new Map<Principal, string | undefined>();

  beforeAll(async () => {
    const api = await TestApi.start(createApp);
    const owner = await api.signUp('owner');
    const tenantId = (await api.gqlOk<any>('mutation { createTenant(input: { name: "Acme" }) { id } }', {}, owner.token)).createTenant.id;
    // Cloud scopes come from onboarding (a later operation); here two are inserted directly.
    const [scopeId, otherScopeId] = [randomUUID(), randomUUID()];
    for (const [id, external] of [[scopeId, '111111111111'], [otherScopeId, '222222222222']]) {
      await query(
        env.current.db.adminUrl,
        `INSERT INTO cloud_scope ("tenantId", id, provider, "externalId", "displayName", "updatedAt") VALUES ($1, $2, 'AWS', $3, $3, now())`,
        [tenantId, id, external],
      );
    }
    world = { api, tenantId, owner, scopeId };
    tokens.set('OWNER', owner.token);
    tokens.set('ANONYMOUS', undefined);
    for (const [principal, role, cloudScopeId] of [
      ['SECURITY_ADMIN', 'SECURITY_ADMIN', null],
      ['SECURITY_READER', 'SECURITY_READER', null],
      ['SCOPE_ADMIN_OTHER_SCOPE', 'SECURITY_ADMIN', otherScopeId],
    ] as const) {
      const user = await api.signUp(principal.toLowerCase());
      await api.gqlOk(
        'mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }',
        { input: { tenantId, principalEmail: user.email, role, cloudScopeId } },
        owner.token,
      );
      tokens.set(principal, user.token);
    }
    const outsider = await api.signUp('outsider');
    await api.gqlOk('mutation { createTenant(input: { name: "Elsewhere" }) { id } }', {}, outsider.token);
    tokens.set('OTHER_TENANT', outsider.token);
  });
  afterAll(() => world?.api.close());

  it('every operation of the schema is in the table, and every table entry has a case here', () => {
    const { schema } = world.api.app.get(GraphQLSchemaHost);
    for (const type of ['Query', 'Mutation'] as const) {
      const inSchema = Object.keys(schema.getRootType(type === 'Query' ? ('query' as never) : ('mutation' as never))?.getFields() ?? {}).sort();
      expect({ type, operations: Object.keys(AUTHORIZATION_TABLE[type]).sort() }).toEqual({ type, operations: inSchema });
      expect({ type, cases: Object.keys(CASES[type]).sort() }).toEqual({ type, cases: inSchema });
    }
  });

  const rows = (['Query', 'Mutation'] as const).flatMap((type) =>
    Object.entries(AUTHORIZATION_TABLE[type]).flatMap(([operation, access]) =>
      PRINCIPALS.map((principal) => ({ type, operation, access, principal, outcome: expected(access, principal) })),
    ),
  );

  it.each(rows)('$type $operation as $principal → $outcome', async ({ type, operation, principal, outcome }) => {
    const c = CASES[type][operation];
    const result = await world.api.gql(c.document, await c.variables(world), tokens.get(principal));
    expect({ operation, principal, outcome: outcomeOf(result) }).toEqual({ operation, principal, outcome });
  });
});
