import { randomBytes, randomUUID } from 'node:crypto';
import { createApp } from '../src/create-app';
import { TestApi, type TestUser, outcomeOf, query, useTestEnvironment } from '@rampart/testing';

const CREATE_TENANT = 'mutation($name: String!) { createTenant(input: { name: $name }) { id } }';
const ASSIGN = `mutation($input: AssignRoleInput!) {
  assignRole(input: $input) {
    roleAssignment { id role cloudScopeId principal { id email } }
    invitation { id tenantId email role cloudScopeId status createdById createdAt expiresAt acceptedAt acceptedByUserId roleAssignmentId revokedAt }
  }
}`;
const REVOKE_INVITATION = 'mutation($id: ID!) { revokeInvitation(id: $id) { id status revokedAt } }';
const INVITATIONS = `query($id: ID!, $includeClosed: Boolean, $first: Int, $after: String) {
  tenant(id: $id) {
    invitations(includeClosed: $includeClosed, first: $first, after: $after) {
      edges { node { id email role cloudScopeId status acceptedByUserId roleAssignmentId } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
const ME = '{ me { user { id email } roleAssignments { role cloudScopeId tenant { id } } } }';
const AUDIT = `query($tenantId: ID!) {
  auditLog(tenantId: $tenantId, first: 50) { edges { node { operation targetType targetId actor actorUserId before after } } }
}`;

const DAY_MS = 86_400_000;

describe('invitations and verified e-mails (e2e)', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let owner: TestUser;
  let tenantId: string;
  const savedTtl = process.env.INVITATION_TTL_DAYS;

  beforeAll(async () => {
    // Not the default (14), so the test sees the configuration at work.
    process.env.INVITATION_TTL_DAYS = '3';
    api = await TestApi.start(createApp);
    owner = await api.signUp('owner');
    tenantId = (await api.gqlOk<any>(CREATE_TENANT, { name: 'Contoso' }, owner.token)).createTenant.id;
  });
  afterAll(async () => {
    await api?.close();
    if (savedTtl === undefined) delete process.env.INVITATION_TTL_DAYS;
    else process.env.INVITATION_TTL_DAYS = savedTtl;
  });

  const sql = (text: string, params: unknown[] = []) => query(env.current.db.adminUrl, text, params);
  const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.test`;

  /** Signs in through the local issuer (verified by default) and makes one request, as a browser would. */
  async function signIn(subject: string, email: string, verified = true): Promise<TestUser & { id: string }> {
    const res = await api.http().post('/auth/dev/token').send({ sub: subject, email, email_verified: verified }).expect(200);
    const token: string = res.body.accessToken;
    const me = await api.gqlOk<any>(ME, {}, token);
    return { token, userId: me.me.user.id, id: me.me.user.id, email, subject };
  }

  async function newTenant(name: string, by: TestUser = owner): Promise<string> {
    return (await api.gqlOk<any>(CREATE_TENANT, { name }, by.token)).createTenant.id;
  }

  async function roles(user: TestUser) {
    return (await api.gqlOk<any>(ME, {}, user.token)).me.roleAssignments as { role: string; cloudScopeId: string | null; tenant: { id: string } }[];
  }

  async function scopeIn(tenant: string, offboarded = false): Promise<string> {
    const id = randomUUID();
    await sql(
      `INSERT INTO cloud_scope ("tenantId", id, provider, "externalId", "displayName", "offboardedAt", "updatedAt")
       VALUES ($1, $2, 'AWS', $3, 'scope', ${offboarded ? 'now()' : 'NULL'}, now())`,
      [tenant, id, randomBytes(6).toString('hex')],
    );
    return id;
  }

  it('role capture: Mallory signs in first with Alice’s address unverified; the role waits for Alice', async () => {
    const tenant = await newTenant('Capture');
    const alice = unique('alice');
    const mallory = await signIn(`idp|mallory-${randomBytes(3).toString('hex')}`, alice, false);

    const granted = await api.gqlOk<any>(ASSIGN, { input: { tenantId: tenant, principalEmail: alice, role: 'SECURITY_ADMIN' } }, owner.token);
    expect(granted.assignRole.roleAssignment).toBeNull();
    expect(granted.assignRole.invitation).toMatchObject({ email: alice, role: 'SECURITY_ADMIN', status: 'PENDING', tenantId: tenant });
    expect(await roles(mallory)).toEqual([]);
    expect(outcomeOf(await api.gql('query($id: ID!) { tenant(id: $id) { id } }', { id: tenant }, mallory.token))).toBe('NOT_FOUND');

    // Mallory claiming the address "verified" later does not help either: Alice got there first.
    const real = await signIn(`idp|alice-${randomBytes(3).toString('hex')}`, alice.toUpperCase());
    expect(await roles(real)).toEqual([{ role: 'SECURITY_ADMIN', cloudScopeId: null, tenant: { id: tenant } }]);
    const malloryVerified = await signIn(mallory.subject, alice, true);
    expect(await roles(malloryVerified)).toEqual([]);
    const verifiedFlag = async (u: TestUser) => (await api.gqlOk<any>('{ me { user { emailVerified } } }', {}, u.token)).me.user.emailVerified;
    expect([await verifiedFlag(real), await verifiedFlag(malloryVerified)]).toEqual([true, false]);
    expect(await sql('SELECT subject, "emailVerified" FROM "user" WHERE lower(email) = $1 ORDER BY "emailVerified" DESC', [alice])).toEqual([
      { subject: real.subject, emailVerified: true },
      { subject: mallory.subject, emailVerified: false },
    ]);

    // A second grant to the address reaches Alice directly, never Mallory.
    const scope = await scopeIn(tenant);
    const direct = await api.gqlOk<any>(ASSIGN, { input: { tenantId: tenant, principalEmail: alice, role: 'SECURITY_READER', cloudScopeId: scope } }, owner.token);
    expect(direct.assignRole.invitation).toBeNull();
    expect(direct.assignRole.roleAssignment.principal).toEqual({ id: real.id, email: alice.toUpperCase() });
  });

  it('invite → listed → first verified sign-in → role active, invitation accepted, all in the change log', async () => {
    const tenant = await newTenant('Flow');
    const scope = await scopeIn(tenant);
    const bob = unique('bob');
    const invited = await api.gqlOk<any>(ASSIGN, { input: { tenantId: tenant, principalEmail: `  ${bob.toUpperCase()} `, role: 'SECURITY_READER', cloudScopeId: scope } }, owner.token);
    const invitation = invited.assignRole.invitation;
    expect(invitation).toMatchObject({
      email: bob,
      role: 'SECURITY_READER',
      cloudScopeId: scope,
      status: 'PENDING',
      createdById: owner.userId,
      acceptedAt: null,
      acceptedByUserId: null,
      roleAssignmentId: null,
      revokedAt: null,
    });
    // INVITATION_TTL_DAYS=3 for this application.
    expect(Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)).toBe(3 * DAY_MS);

    const listed = await api.gqlOk<any>(INVITATIONS, { id: tenant }, owner.token);
    expect(listed.tenant.invitations.edges.map((e: any) => e.node)).toEqual([
      { id: invitation.id, email: bob, role: 'SECURITY_READER', cloudScopeId: scope, status: 'PENDING', acceptedByUserId: null, roleAssignmentId: null },
    ]);

    const duplicate = await api.gql(ASSIGN, { input: { tenantId: tenant, principalEmail: bob, role: 'SECURITY_ADMIN', cloudScopeId: scope } }, owner.token);
    expect(duplicate.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'input.principalEmail' });

    const user = await signIn(`idp|bob-${randomBytes(3).toString('hex')}`, bob);
    expect(await roles(user)).toEqual([{ role: 'SECURITY_READER', cloudScopeId: scope, tenant: { id: tenant } }]);

    expect((await api.gqlOk<any>(INVITATIONS, { id: tenant }, owner.token)).tenant.invitations.edges).toEqual([]);
    const closed = await api.gqlOk<any>(INVITATIONS, { id: tenant, includeClosed: true }, owner.token);
    const [accepted] = closed.tenant.invitations.edges.map((e: any) => e.node);
    expect(accepted).toMatchObject({ id: invitation.id, status: 'ACCEPTED', acceptedByUserId: user.id, roleAssignmentId: expect.any(String) });
    const [assignment] = await sql('SELECT id, "userId", role, "cloudScopeId", "createdById" FROM role_assignment WHERE "tenantId" = $1 AND "userId" = $2', [tenant, user.id]);
    expect(assignment).toEqual({ id: accepted.roleAssignmentId, userId: user.id, role: 'SECURITY_READER', cloudScopeId: scope, createdById: owner.userId });

    const log = (await api.gqlOk<any>(AUDIT, { tenantId: tenant }, owner.token)).auditLog.edges.map((e: any) => e.node);
    expect(log.map((n: any) => [n.operation, n.targetType])).toEqual([
      ['acceptInvitation', 'Invitation'],
      ['assignRole', 'Invitation'],
      ['createTenant', 'Tenant'],
    ]);
    expect(log[0]).toMatchObject({
      targetId: invitation.id,
      actor: bob,
      actorUserId: user.id,
      before: { status: 'PENDING' },
      after: { status: 'ACCEPTED', roleAssignment: { id: accepted.roleAssignmentId, role: 'SECURITY_READER', principal: { id: user.id } } },
    });
    expect(log[1]).toMatchObject({ targetId: invitation.id, actor: owner.email, before: null, after: { email: bob, status: 'PENDING' } });

    // Signing in again binds nothing twice.
    await signIn(user.subject, bob);
    expect(await sql('SELECT count(*)::int AS n FROM role_assignment WHERE "userId" = $1', [user.id])).toEqual([{ n: 1 }]);
  });

  it('binds invitations of several tenants at once, and concurrent first requests bind each exactly once', async () => {
    const [first, second] = [await newTenant('One'), await newTenant('Two')];
    const carol = unique('carol');
    for (const t of [first, second]) {
      await api.gqlOk(ASSIGN, { input: { tenantId: t, principalEmail: carol, role: 'SECURITY_ADMIN' } }, owner.token);
    }
    const subject = `idp|carol-${randomBytes(3).toString('hex')}`;
    const token = (await api.http().post('/auth/dev/token').send({ sub: subject, email: carol }).expect(200)).body.accessToken;
    const answers = await Promise.all(Array.from({ length: 6 }, () => api.gql(ME, {}, token)));
    for (const a of answers) expect(a.errors).toBeUndefined();
    const [{ id: userId }] = await sql('SELECT id FROM "user" WHERE subject = $1', [subject]);
    const assignments = await sql('SELECT "tenantId" FROM role_assignment WHERE "userId" = $1 ORDER BY "tenantId"', [userId]);
    expect(assignments).toEqual([first, second].sort().map((t) => ({ tenantId: t })));
    const accepts = await sql(`SELECT "tenantId" FROM audit_log_entry WHERE operation = 'acceptInvitation' AND "actorUserId" = $1 ORDER BY "tenantId"`, [userId]);
    expect(accepts).toEqual([first, second].sort().map((t) => ({ tenantId: t })));
  });

  it('a user who signed in unverified gets the invitation once the issuer verifies the address', async () => {
    const tenant = await newTenant('Later');
    const dana = unique('dana');
    const unverified = await signIn(`idp|dana-${randomBytes(3).toString('hex')}`, dana, false);
    const invited = await api.gqlOk<any>(ASSIGN, { input: { tenantId: tenant, principalEmail: dana, role: 'SECURITY_READER' } }, owner.token);
    expect(invited.assignRole.invitation.status).toBe('PENDING');
    expect(await roles(unverified)).toEqual([]);
    const verified = await signIn(unverified.subject, dana, true);
    expect(await roles(verified)).toEqual([{ role: 'SECURITY_READER', cloudScopeId: null, tenant: { id: tenant } }]);
  });

  it('a revoked invitation is not bound; revoking twice changes nothing; an accepted one cannot be revoked', async () => {
    const tenant = await newTenant('Revoke');
    const erin = unique('erin');
    const { invitation } = (await api.gqlOk<any>(ASSIGN, { input: { tenantId: tenant, principalEmail: erin, role: 'SECURITY_ADMIN' } }, owner.token)).assignRole;
    const revoked = await api.gqlOk<any>(REVOKE_INVITATION, { id: invitation.id }, owner.token);
    expect(revoked.revokeInvitation).toMatchObject({ id: invitation.id, status: 'REVOKED', revokedAt: expect.any(String) });
    const again = await api.gqlOk<any>(REVOKE_INVITATION, { id: invitation.id }, owner.token);
    expect(again.revokeInvitation).toEqual(revoked.revokeInvitation);

    const user = await signIn(`idp|erin-${randomBytes(3).toString('hex')}`, erin);
    expect(await roles(user)).toEqual([]);
    const log = (await api.gqlOk<any>(AUDIT, { tenantId: tenant }, owner.token)).auditLog.edges.map((e: any) => e.node.operation);
    expect(log).toEqual(['revokeInvitation', 'assignRole', 'createTenant']);

    const frank = unique('frank');
    const second = (await api.gqlOk<any>(ASSIGN, { input: { tenantId: tenant, principalEmail: frank, role: 'SECURITY_READER' } }, owner.token)).assignRole.invitation;
    await signIn(`idp|frank-${randomBytes(3).toString('hex')}`, frank);
    const refused = await api.gql(REVOKE_INVITATION, { id: second.id }, owner.token);
    expect(refused.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'id' });
  });

  it('an expired invitation is not bound, is listed only with includeClosed, and the address can be invited again', async () => {
    const tenant = await newTenant('Expiry');
    const gail = unique('gail');
    const { invitation } = (await api.gqlOk<any>(ASSIGN, { input: { tenantId: tenant, principalEmail: gail, role: 'SECURITY_READER' } }, owner.token)).assignRole;
    await sql(`UPDATE invitation SET "createdAt" = now() - interval '4 days', "expiresAt" = now() - interval '1 day' WHERE id = $1`, [invitation.id]);

    expect((await api.gqlOk<any>(INVITATIONS, { id: tenant }, owner.token)).tenant.invitations.edges).toEqual([]);
    const all = await api.gqlOk<any>(INVITATIONS, { id: tenant, includeClosed: true }, owner.token);
    expect(all.tenant.invitations.edges.map((e: any) => [e.node.id, e.node.status])).toEqual([[invitation.id, 'EXPIRED']]);

    const unverified = await signIn(`idp|gail-${randomBytes(3).toString('hex')}`, gail, false);
    const user = await signIn(unverified.subject, gail, true);
    expect(await roles(user)).toEqual([]);
    expect(await sql('SELECT "acceptedAt" FROM invitation WHERE id = $1', [invitation.id])).toEqual([{ acceptedAt: null }]);

    // Gail now holds the address verified: a new grant is a role at once.
    const again = await api.gqlOk<any>(ASSIGN, { input: { tenantId: tenant, principalEmail: gail, role: 'SECURITY_READER' } }, owner.token);
    expect(again.assignRole.roleAssignment.principal.id).toBe(user.id);
  });

  it('Tenant.invitations pages oldest first with keyset cursors', async () => {
    const tenant = await newTenant('Paged');
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push((await api.gqlOk<any>(ASSIGN, { input: { tenantId: tenant, principalEmail: unique(`p${i}`), role: 'SECURITY_READER' } }, owner.token)).assignRole.invitation.id);
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await api.gqlOk<any>(INVITATIONS, { id: tenant, first: 2, after }, owner.token);
      seen.push(...page.tenant.invitations.edges.map((e: any) => e.node.id));
      if (!page.tenant.invitations.pageInfo.hasNextPage) break;
      after = page.tenant.invitations.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids);
    const bad = await api.gql(INVITATIONS, { id: tenant, after: 'garbage' }, owner.token);
    expect(bad.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  describe('offboarded cloud scopes (issue 9)', () => {
    it('assignRole to an offboarded scope is refused naming input.cloudScopeId, for a user and for an invitation alike; nothing stored', async () => {
      const tenant = await newTenant('Offboarded');
      const gone = await scopeIn(tenant, true);
      const member = await api.signUp('member');
      const count = async () => (await sql('SELECT (SELECT count(*) FROM role_assignment WHERE "tenantId" = $1)::int AS r, (SELECT count(*) FROM invitation WHERE "tenantId" = $1)::int AS i', [tenant]))[0];
      const before = await count();
      for (const principalEmail of [member.email, unique('nobody')]) {
        const result = await api.gql(ASSIGN, { input: { tenantId: tenant, principalEmail, role: 'SECURITY_READER', cloudScopeId: gone } }, owner.token);
        expect({ principalEmail, ext: result.errors?.[0].extensions }).toEqual({ principalEmail, ext: { code: 'BAD_USER_INPUT', field: 'input.cloudScopeId' } });
      }
      expect(await count()).toEqual(before);
    });

    it('an invitation whose scope was offboarded before sign-in is not bound', async () => {
      const tenant = await newTenant('Offboarded later');
      const scope = await scopeIn(tenant);
      const hank = unique('hank');
      await api.gqlOk(ASSIGN, { input: { tenantId: tenant, principalEmail: hank, role: 'SECURITY_READER', cloudScopeId: scope } }, owner.token);
      await sql('UPDATE cloud_scope SET "offboardedAt" = now() WHERE id = $1', [scope]);
      const user = await signIn(`idp|hank-${randomBytes(3).toString('hex')}`, hank);
      expect(await roles(user)).toEqual([]);
    });
  });

  describe('roles and tenant boundaries', () => {
    let admin: TestUser;
    let reader: TestUser;
    let outsider: TestUser;
    let pendingId: string;

    beforeAll(async () => {
      admin = await api.signUp('admin');
      reader = await api.signUp('reader');
      outsider = await api.signUp('outsider');
      await newTenant('Outsider’s own', outsider);
      for (const [user, role] of [[admin, 'SECURITY_ADMIN'], [reader, 'SECURITY_READER']] as const) {
        await api.gqlOk(ASSIGN, { input: { tenantId, principalEmail: user.email, role } }, owner.token);
      }
      pendingId = (await api.gqlOk<any>(ASSIGN, { input: { tenantId, principalEmail: unique('ivy'), role: 'SECURITY_READER' } }, owner.token)).assignRole.invitation.id;
    });

    const invitationRows = () => sql('SELECT id, "revokedAt", "acceptedAt" FROM invitation WHERE "tenantId" = $1 ORDER BY id', [tenantId]);

    it('a Security Admin or Reader cannot invite (FORBIDDEN), and nothing is stored', async () => {
      const before = await invitationRows();
      for (const user of [admin, reader]) {
        const result = await api.gql(ASSIGN, { input: { tenantId, principalEmail: unique('sneaky'), role: 'SECURITY_ADMIN' } }, user.token);
        expect(outcomeOf(result)).toBe('FORBIDDEN');
      }
      expect(await invitationRows()).toEqual(before);
    });

    it('only an OWNER sees Tenant.invitations; others get FORBIDDEN on the field', async () => {
      expect((await api.gqlOk<any>(INVITATIONS, { id: tenantId }, owner.token)).tenant.invitations.edges.map((e: any) => e.node.id)).toContain(pendingId);
      for (const user of [admin, reader]) {
        const result = await api.gql<any>(INVITATIONS, { id: tenantId }, user.token);
        expect(result.data?.tenant).toEqual({ invitations: null });
        expect(result.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['tenant', 'invitations'], 'FORBIDDEN']]);
      }
      // Reached through `tenants` too (no tenant named in the operation).
      const viaTenants = await api.gql<any>('{ tenants { id invitations { edges { node { id } } } } }', {}, reader.token);
      expect(viaTenants.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(viaTenants.data)).not.toContain(pendingId);
    });

    it('revokeInvitation: a Security Admin gets FORBIDDEN, another tenant’s owner NOT_FOUND, an unknown id NOT_FOUND; nothing changes', async () => {
      const before = await invitationRows();
      expect(outcomeOf(await api.gql(REVOKE_INVITATION, { id: pendingId }, admin.token))).toBe('FORBIDDEN');
      expect(outcomeOf(await api.gql(REVOKE_INVITATION, { id: pendingId }, reader.token))).toBe('FORBIDDEN');
      expect(outcomeOf(await api.gql(REVOKE_INVITATION, { id: pendingId }, outsider.token))).toBe('NOT_FOUND');
      expect(outcomeOf(await api.gql(REVOKE_INVITATION, { id: randomUUID() }, owner.token))).toBe('NOT_FOUND');
      expect(outcomeOf(await api.gql(INVITATIONS, { id: tenantId }, outsider.token))).toBe('NOT_FOUND');
      expect(await invitationRows()).toEqual(before);
    });

    it('invitation rows are invisible outside their tenant’s transaction (row-level security)', async () => {
      expect(await query(env.current.db.appUrl, 'SELECT id FROM invitation')).toEqual([]);
      // The cross-tenant lookup answers identifiers, for a user's own verified e-mail only.
      const pending = await query(env.current.db.appUrl, 'SELECT * FROM rampart_pending_invitations($1::uuid)', [owner.userId]);
      expect(pending).toEqual([]);
    });
  });
});
