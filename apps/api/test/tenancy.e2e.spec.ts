import { createApp } from '../src/create-app';
import { TestApi, type TestUser, outcomeOf, query, useTestEnvironment } from '@rampart/testing';

const CREATE_TENANT = 'mutation($name: String!) { createTenant(input: { name: $name }) { id name createdAt } }';
const ASSIGN = `mutation($input: AssignRoleInput!) { assignRole(input: $input) { roleAssignment { id role cloudScopeId principal { id email } } invitation { id } } }`;
const REVOKE = 'mutation($id: ID!) { revokeRole(id: $id) { id role } }';
const AUDIT = `query($tenantId: ID!, $first: Int, $after: String) {
  auditLog(tenantId: $tenantId, first: $first, after: $after) {
    edges { cursor node { seq operation targetType targetId actor actorUserId before after requestId prevHash hash } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('tenants, roles and the change log (e2e)', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let owner: TestUser;
  let admin: TestUser;
  let tenantId: string;

  beforeAll(async () => {
    api = await TestApi.start(createApp);
    owner = await api.signUp('owner');
    admin = await api.signUp('admin');
    const created = await api.gqlOk<{ createTenant: { id: string } }>(CREATE_TENANT, { name: 'Contoso' }, owner.token);
    tenantId = created.createTenant.id;
  });
  afterAll(() => api?.close());

  it('createTenant makes the caller OWNER; me and tenants show it', async () => {
    const data = await api.gqlOk<any>('{ me { user { email } roleAssignments { role cloudScopeId tenant { id name } } } tenants { id name } }', {}, owner.token);
    expect(data.me.user.email).toBe(owner.email);
    expect(data.me.roleAssignments).toEqual([{ role: 'OWNER', cloudScopeId: null, tenant: { id: tenantId, name: 'Contoso' } }]);
    expect(data.tenants).toEqual([{ id: tenantId, name: 'Contoso' }]);
    const other = await api.gqlOk<any>('{ tenants { id } }', {}, admin.token);
    expect(other.tenants).toEqual([]);
  });

  it('createTenant rejects a blank name, naming the field, and stores nothing', async () => {
    const [{ count: before }] = await query(env.current.db.adminUrl, 'SELECT count(*)::int AS count FROM tenant');
    const result = await api.gql(CREATE_TENANT, { name: '   ' }, owner.token);
    expect(result.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.name' });
    const [{ count: after }] = await query(env.current.db.adminUrl, 'SELECT count(*)::int AS count FROM tenant');
    expect(after).toBe(before);
  });

  it('assignRole grants by e-mail; revokeRole removes; the change log records both with before/after', async () => {
    const assigned = await api.gqlOk<any>(ASSIGN, { input: { tenantId, principalEmail: admin.email, role: 'SECURITY_ADMIN' } }, owner.token);
    expect(assigned.assignRole.invitation).toBeNull();
    expect(assigned.assignRole.roleAssignment).toMatchObject({ role: 'SECURITY_ADMIN', cloudScopeId: null, principal: { id: admin.userId } });
    const seen = await api.gqlOk<any>('query($id: ID!) { tenant(id: $id) { name roleAssignments { role principal { email } } } }', { id: tenantId }, admin.token);
    expect(seen.tenant.roleAssignments.map((r: any) => r.principal.email).sort()).toEqual([admin.email, owner.email].sort());

    const duplicate = await api.gql(ASSIGN, { input: { tenantId, principalEmail: admin.email, role: 'SECURITY_READER' } }, owner.token);
    expect(duplicate.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT' });

    await api.gqlOk(REVOKE, { id: assigned.assignRole.roleAssignment.id }, owner.token);
    const gone = await api.gql('query($id: ID!) { tenant(id: $id) { name } }', { id: tenantId }, admin.token);
    expect(outcomeOf(gone)).toBe('NOT_FOUND');

    const log = await api.gqlOk<any>(AUDIT, { tenantId }, owner.token);
    const ops = log.auditLog.edges.map((e: any) => e.node.operation);
    expect(ops.slice(0, 3)).toEqual(['revokeRole', 'assignRole', 'createTenant']);
    const [revoked, granted] = log.auditLog.edges.map((e: any) => e.node);
    expect(granted).toMatchObject({ targetType: 'RoleAssignment', actor: owner.email, actorUserId: owner.userId, before: null });
    expect(granted.after).toMatchObject({ role: 'SECURITY_ADMIN', principal: { email: admin.email } });
    expect(revoked.before).toMatchObject({ role: 'SECURITY_ADMIN' });
    expect(revoked.after).toBeNull();
    expect(revoked.prevHash).toBe(granted.hash);
    expect(granted.requestId).toEqual(expect.any(String));
  });

  it('assignRole input errors name the field and store nothing', async () => {
    const [{ count: before }] = await query(env.current.db.adminUrl, 'SELECT count(*)::int AS count FROM role_assignment');
    const cases: [Record<string, unknown>, string, string][] = [
      [{ principalEmail: 'not-an-email', role: 'SECURITY_READER' }, 'BAD_USER_INPUT', 'input.principalEmail'],
      [{ principalEmail: admin.email, role: 'SECURITY_READER', cloudScopeId: 'nope' }, 'BAD_USER_INPUT', 'input.cloudScopeId'],
      [{ principalEmail: admin.email, role: 'SECURITY_READER', cloudScopeId: '00000000-0000-4000-8000-000000000000' }, 'NOT_FOUND', 'input.cloudScopeId'],
      [{ principalEmail: admin.email, role: 'OWNER', cloudScopeId: '00000000-0000-4000-8000-000000000000' }, 'BAD_USER_INPUT', 'input.role'],
    ];
    for (const [input, code, field] of cases) {
      const result = await api.gql(ASSIGN, { input: { tenantId, ...input } }, owner.token);
      expect({ input, ext: result.errors?.[0].extensions }).toEqual({ input, ext: { code, field } });
    }
    const [{ count: after }] = await query(env.current.db.adminUrl, 'SELECT count(*)::int AS count FROM role_assignment');
    expect(after).toBe(before);
  });

  it('the last OWNER cannot be removed; with a second OWNER the first can leave', async () => {
    const me = await api.gqlOk<any>('{ me { roleAssignments { assignmentId tenant { id } } } }', {}, owner.token);
    const ownAssignment = me.me.roleAssignments.find((r: any) => r.tenant.id === tenantId).assignmentId;
    const refused = await api.gql(REVOKE, { id: ownAssignment }, owner.token);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT' });
    expect(refused.errors?.[0].message).toMatch(/last OWNER/);

    const second = await api.gqlOk<any>(ASSIGN, { input: { tenantId, principalEmail: admin.email, role: 'OWNER' } }, owner.token);
    await api.gqlOk(REVOKE, { id: ownAssignment }, owner.token);
    const nowOwner = await api.gql(REVOKE, { id: second.assignRole.roleAssignment.id }, admin.token);
    expect(nowOwner.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT' });
  });

  it('auditLog pages newest first with opaque keyset cursors', async () => {
    const t = await api.gqlOk<any>(CREATE_TENANT, { name: 'Paged' }, owner.token);
    const id = t.createTenant.id;
    const extra = await api.signUp('reader');
    for (let i = 0; i < 4; i += 1) {
      const a = await api.gqlOk<any>(ASSIGN, { input: { tenantId: id, principalEmail: extra.email, role: 'SECURITY_READER' } }, owner.token);
      await api.gqlOk(REVOKE, { id: a.assignRole.roleAssignment.id }, owner.token);
    }
    const seqs: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await api.gqlOk<any>(AUDIT, { tenantId: id, first: 3, after }, owner.token);
      seqs.push(...page.auditLog.edges.map((e: any) => e.node.seq));
      if (!page.auditLog.pageInfo.hasNextPage) break;
      after = page.auditLog.pageInfo.endCursor;
    }
    expect(seqs).toEqual(['9', '8', '7', '6', '5', '4', '3', '2', '1']);
    const bad = await api.gql(AUDIT, { tenantId: id, first: 3, after: 'garbage' }, owner.token);
    expect(bad.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    const tooMany = await api.gql(AUDIT, { tenantId: id, first: 1000 }, owner.token);
    expect(tooMany.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});
