import { randomUUID } from 'node:crypto';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { AUTHORIZATION_TABLE, type OperationType } from '@rampart/platform';
import { TestApi, outcomeOf, query, useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';
import { ENFORCEMENT_CASES } from './matrix/enforcement.cases';
import { EXPECTED_OUTCOMES, PRINCIPALS, type Principal } from './matrix/expected-outcomes';
import { INVENTORY_CASES } from './matrix/inventory.cases';
import type { CaseTable, OperationCase, World } from './matrix/matrix.types';
import { POLICIES_CASES } from './matrix/policies.cases';
import { TENANCY_CASES } from './matrix/tenancy.cases';
import { nestedVisibilityTests } from './matrix/nested-visibility';

/**
 * The role matrix: every operation × every kind of caller, run over real HTTP, against
 * the hand-written expectations of expected-outcomes.ts (never the authorization table
 * itself). An operation of the schema without a table entry, a case or an expectation fails.
 */

const TABLES: CaseTable[] = [TENANCY_CASES, INVENTORY_CASES, POLICIES_CASES, ENFORCEMENT_CASES];
const CASES: Record<OperationType, Record<string, OperationCase>> = {
  Query: Object.assign({}, ...TABLES.map((t) => t.Query ?? {})),
  Mutation: Object.assign({}, ...TABLES.map((t) => t.Mutation ?? {})),
};

describe('authorization matrix (e2e, against hand-written expectations)', () => {
  const env = useTestEnvironment();
  let world: World;
  const tokens = new Map<Principal, string | undefined>();

  beforeAll(async () => {
    const api = await TestApi.start(createApp);
    const owner = await api.signUp('owner');
    const tenantId = (await api.gqlOk<any>('mutation { createTenant(input: { name: "Acme" }) { id } }', {}, owner.token)).createTenant.id;
    const sql = (text: string, params: unknown[] = []) => query(env.current.db.adminUrl, text, params);
    // Cloud scopes are inserted directly so this fixture does not depend on onboarding.
    const [scopeId, otherScopeId] = [randomUUID(), randomUUID()];
    for (const [id, external] of [[scopeId, '111111111111'], [otherScopeId, '222222222222']]) {
      await sql(
        `INSERT INTO cloud_scope ("tenantId", id, provider, "externalId", "displayName", "updatedAt") VALUES ($1, $2, 'AWS', $3, $3, now())`,
        [tenantId, id, external],
      );
    }
    world = { api, tenantId, owner, scopeId, otherScopeId, sql };
    tokens.set('OWNER', owner.token);
    tokens.set('ANONYMOUS', undefined);
    for (const [principal, role, cloudScopeId] of [
      ['SECURITY_ADMIN', 'SECURITY_ADMIN', null],
      ['SECURITY_READER', 'SECURITY_READER', null],
      ['SCOPE_A', 'SECURITY_ADMIN', scopeId],
      ['SCOPE_B', 'SECURITY_ADMIN', otherScopeId],
    ] as const) {
      const user = await api.signUp(principal.toLowerCase());
      await api.gqlOk(
        'mutation($input: AssignRoleInput!) { assignRole(input: $input) { roleAssignment { id } } }',
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

  it('every operation of the schema is in the table, and has a case and a hand-written expectation', () => {
    const { schema } = world.api.app.get(GraphQLSchemaHost);
    for (const type of ['Query', 'Mutation'] as const) {
      const root = type === 'Query' ? schema.getQueryType() : schema.getMutationType();
      const inSchema = Object.keys(root?.getFields() ?? {}).sort();
      expect({ type, operations: Object.keys(AUTHORIZATION_TABLE[type]).sort() }).toEqual({ type, operations: inSchema });
      expect({ type, cases: Object.keys(CASES[type]).sort() }).toEqual({ type, cases: inSchema });
      expect({ type, expectations: Object.keys(EXPECTED_OUTCOMES[type]).sort() }).toEqual({ type, expectations: inSchema });
    }
  });

  const rows = (['Query', 'Mutation'] as const).flatMap((type) =>
    Object.entries(EXPECTED_OUTCOMES[type]).flatMap(([operation, outcomes]) =>
      PRINCIPALS.map((principal) => ({ type, operation, principal, outcome: outcomes[principal] })),
    ),
  );

  it.each(rows)('$type $operation as $principal → $outcome', async ({ type, operation, principal, outcome }) => {
    const c = CASES[type][operation];
    if (!c) throw new Error(`no matrix case for ${type}.${operation}: add one in apps/api/test/matrix/`);
    const result = await world.api.gql(c.document, await c.variables(world), tokens.get(principal));
    expect({ operation, principal, outcome: outcomeOf(result) }).toEqual({ operation, principal, outcome });
  });

  describe('a role limited to cloud scope A sees nothing of cloud scope B, through any path', () => {
    nestedVisibilityTests(() => ({ world, scopeA: tokens.get('SCOPE_A')!, outsider: tokens.get('OTHER_TENANT')! }));
  });
});
