import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { query } from '@rampart/testing';
import { ASSIGN, CREATE, useAuditLogKit } from './audit-log.support';

const ROOT = path.resolve(__dirname, '../../..');

describe('tamper-evident change log (e2e, real PostgreSQL)', () => {
  const kit = useAuditLogKit();
  const { env, auditVerify, tenantWithHistory, tamper } = kit;

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
    const tenantId = (await kit.api.gqlOk<any>(CREATE, { name: 'Busy' }, kit.owner.token)).createTenant.id;
    const users = await Promise.all(Array.from({ length: 50 }, (_, i) => kit.api.signUp(`c${i}`)));
    const results = await Promise.all(
      users.map((u) => kit.api.gql(ASSIGN, { input: { tenantId, principalEmail: u.email, role: 'SECURITY_READER' } }, kit.owner.token)),
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

  describe('what the chain alone could not catch', () => {
    it('an unknown tenant is not "intact": exit 1', () => {
      const { status, out } = auditVerify('00000000-0000-4000-8000-000000000000');
      expect(out).toContain('unknown tenant');
      expect(status).toBe(1);
    });

    it('a missing chain head: exit 1', async () => {
      const tenantId = await tenantWithHistory(2);
      await tamper(`DELETE FROM audit_chain_head WHERE "tenantId" = $1`, [tenantId]);
      const { status, out } = auditVerify(tenantId);
      expect(out).toContain('first bad sequence 4 — the chain head is missing');
      expect(status).toBe(1);
    });

    it('a head whose hash is not the last entry\'s: exit 1', async () => {
      const tenantId = await tenantWithHistory(2);
      await tamper(`UPDATE audit_chain_head SET "lastHash" = repeat('f', 64) WHERE "tenantId" = $1`, [tenantId]);
      const { status, out } = auditVerify(tenantId);
      expect(out).toContain('the chain head (sequence 3) does not match entry 3');
      expect(status).toBe(1);
    });

    it('a head moved back: exit 1', async () => {
      const tenantId = await tenantWithHistory(2);
      await tamper(`UPDATE audit_chain_head SET "lastSeq" = 0, "lastHash" = repeat('0', 64) WHERE "tenantId" = $1`, [tenantId]);
      const { status, out } = auditVerify(tenantId);
      expect(out).toContain('first bad sequence 1 — the chain head (sequence 0) is behind the last entry (3): it was moved back');
      expect(status).toBe(1);
    });
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
