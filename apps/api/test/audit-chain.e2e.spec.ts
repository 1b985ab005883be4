import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { TestApi, type TestUser, query, useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';

const ROOT = path.resolve(__dirname, '../../..');
const CREATE = 'mutation($name: String!) { createTenant(input: { name: $name }) { id } }';
const ASSIGN = 'mutation($input: AssignRoleInput!) { assignRole(input: $input) { roleAssignment { id } } }';
const REVOKE = 'mutation($id: ID!) { revokeRole(id: $id) { id } }';

describe('tamper-evident change log (e2e, real PostgreSQL)', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let owner: TestUser;

  /** Runs the real command, as an operator would, against this file's database. */
  function auditVerify(tenantId: string): { status: number | null; out: string } {
    const result = spawnSync(process.execPath, ['--require', '@swc-node/register', 'apps/api/src/commands/audit-verify.ts', '--tenant', tenantId], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: env.current.db.appUrl },
      encoding: 'utf8',
    });
    return { status: result.status, out: `${result.stdout}${result.stderr}` };
  }

  /** A tenant with `changes` change-log entries beyond its creation. */
  async function tenantWithHistory(changes: number): Promise<string> {
    const tenantId = (await api.gqlOk<any>(CREATE, { name: 'Chained' }, owner.token)).createTenant.id;
    const someone = await api.signUp('member');
    for (let i = 0; i < changes; i += 2) {
      const a = await api.gqlOk<any>(ASSIGN, { input: { tenantId, principalEmail: someone.email, role: 'SECURITY_READER' } }, owner.token);
      await api.gqlOk(REVOKE, { id: a.assignRole.roleAssignment.id }, owner.token);
    }
    return tenantId;
  }

  /** Tampering as the superuser, with triggers off (what an attacker with database access could do). */
  async function tamper(sql: string, params: unknown[]): Promise<void> {
    await query(env.current.db.adminUrl, `BEGIN; SET LOCAL session_replication_role = replica; ${sql}; COMMIT;`.replace(/\$(\d)/g, (_m, n) => `'${params[Number(n) - 1]}'`));
  }

  beforeAll(async () => {
    api = await TestApi.start(createApp);
    owner = await api.signUp('owner');
  });
  afterAll(() => api?.close());

  it('audit:verify passes on an untouched chain', async () => {
    const tenantId = await tenantWithHistory(4);
    const { status, out } = auditVerify(tenantId);
    expect(out).toContain('is intact: 5 entries, last sequence 5');
    expect(status).toBe(0);
  });

  it('names the altered entry when one row is tampered with', async () => {
    const tenantId = await tenantWithHistory(4);
    await tamper(`UPDATE audit_log_entry SET actor = 'mallory@example.test' WHERE "tenantId" = $1 AND seq = 3`, [tenantId]);
    const { status, out } = auditVerify(tenantId);
    expect(out).toContain('first bad sequence 3');
    expect(out).toContain('altered');
    expect(status).toBe(1);
  });

  it('names the missing entry when one row is deleted', async () => {
    const tenantId = await tenantWithHistory(4);
    await tamper(`DELETE FROM audit_log_entry WHERE "tenantId" = $1 AND seq = 2`, [tenantId]);
    const { status, out } = auditVerify(tenantId);
    expect(out).toContain('first bad sequence 2');
    expect(out).toContain('missing');
    expect(status).toBe(1);
  });

  it('notices the newest entries being deleted (the chain head remembers)', async () => {
    const tenantId = await tenantWithHistory(4);
    await tamper(`DELETE FROM audit_log_entry WHERE "tenantId" = $1 AND seq = 5`, [tenantId]);
    const { status, out } = auditVerify(tenantId);
    expect(out).toContain('first bad sequence 5');
    expect(status).toBe(1);
  });

  it('names the first swapped entry when two rows are reordered', async () => {
    const tenantId = await tenantWithHistory(4);
    await tamper(
      `UPDATE audit_log_entry SET seq = -2 WHERE "tenantId" = $1 AND seq = 2;
       UPDATE audit_log_entry SET seq = 2 WHERE "tenantId" = $1 AND seq = 4;
       UPDATE audit_log_entry SET seq = 4 WHERE "tenantId" = $1 AND seq = -2`,
      [tenantId],
    );
    const { status, out } = auditVerify(tenantId);
    expect(out).toContain('first bad sequence 2');
    expect(status).toBe(1);
  });

  it('the runtime role cannot UPDATE, DELETE or TRUNCATE the log (even inside its tenant)', async () => {
    const tenantId = await tenantWithHistory(0);
    const asApp = (sql: string) => query(env.current.db.appUrl, `BEGIN; SELECT set_config('app.tenant_id', '${tenantId}', true); ${sql}; COMMIT;`);
    await expect(asApp(`UPDATE audit_log_entry SET actor = 'x'`)).rejects.toThrow(/permission denied|not allowed/);
    await expect(asApp(`DELETE FROM audit_log_entry`)).rejects.toThrow(/permission denied|not allowed/);
    await expect(asApp(`TRUNCATE audit_log_entry`)).rejects.toThrow(/permission denied|not allowed/);
    // Even the table owner is stopped by the trigger.
    await expect(query(env.current.db.ownerUrl, `DELETE FROM audit_log_entry`)).rejects.toThrow(/append-only/);
    expect(auditVerify(tenantId).status).toBe(0);
  });

  it('50 concurrent mutations leave no gap and no fork in the chain', async () => {
    const tenantId = (await api.gqlOk<any>(CREATE, { name: 'Busy' }, owner.token)).createTenant.id;
    const users = await Promise.all(Array.from({ length: 50 }, (_, i) => api.signUp(`c${i}`)));
    const results = await Promise.all(
      users.map((u) => api.gql(ASSIGN, { input: { tenantId, principalEmail: u.email, role: 'SECURITY_READER' } }, owner.token)),
    );
    expect(results.filter((r) => r.errors)).toEqual([]);
    const rows = await query<{ seq: string; prevHash: string; hash: string }>(
      env.current.db.adminUrl,
      `SELECT e.seq::text AS seq, e."prevHash", e.hash FROM audit_log_entry e WHERE e."tenantId" = $1 ORDER BY e.seq`,
      [tenantId],
    );
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(51);
    for (let i = 1; i < rows.length; i += 1) expect(rows[i].prevHash).toBe(rows[i - 1].hash);
    const { status, out } = auditVerify(tenantId);
    expect(out).toContain('is intact: 51 entries');
    expect(status).toBe(0);
  });

  it('audit:verify refuses a missing or malformed tenant argument', () => {
    const result = spawnSync(process.execPath, ['--require', '@swc-node/register', 'apps/api/src/commands/audit-verify.ts', '--tenant', 'x'], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: npm run audit:verify -- --tenant');
  });
});
