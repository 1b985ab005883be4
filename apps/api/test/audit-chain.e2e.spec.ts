import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type JsonValue, entryHash } from '@rampart/platform';
import { TestApi, type TestUser, query, useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';

const ROOT = path.resolve(__dirname, '../../..');
const CREATE = 'mutation($name: String!) { createTenant(input: { name: $name }) { id } }';
const ASSIGN = 'mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }';
const REVOKE = 'mutation($id: ID!) { revokeRole(id: $id) { id } }';

describe('tamper-evident change log (e2e, real PostgreSQL)', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let owner: TestUser;
  // The checkpoint key of this file: outside the database, like in production.
  const keyDir = mkdtempSync(path.join(os.tmpdir(), 'rampart-audit-key-'));
  const keyFile = path.join(keyDir, 'audit-signing-key.pem');
  afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

  /** Runs a real command, as an operator would, against this file's database. */
  function command(script: string, args: string[], extraEnv: Record<string, string> = {}): { status: number | null; out: string } {
    const result = spawnSync(process.execPath, ['--require', '@swc-node/register', `apps/api/src/commands/${script}.ts`, ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: env.current.db.appUrl, AUDIT_SIGNING_KEY_FILE: keyFile, AUDIT_VERIFY_KEY: '', ...extraEnv },
      encoding: 'utf8',
    });
    return { status: result.status, out: `${result.stdout}${result.stderr}` };
  }
  const auditVerify = (tenantId: string, extraEnv?: Record<string, string>) => command('audit-verify', ['--tenant', tenantId], extraEnv);
  const auditCheckpoint = (tenantId: string, extraEnv?: Record<string, string>) => command('audit-checkpoint', ['--tenant', tenantId], extraEnv);

  /** A tenant with `changes` change-log entries beyond its creation. */
  async function tenantWithHistory(changes: number): Promise<string> {
    const tenantId = (await api.gqlOk<any>(CREATE, { name: 'Chained' }, owner.token)).createTenant.id;
    const someone = await api.signUp('member');
    for (let i = 0; i < changes; i += 2) {
      const a = await api.gqlOk<any>(ASSIGN, { input: { tenantId, principalEmail: someone.email, role: 'SECURITY_READER' } }, owner.token);
      await api.gqlOk(REVOKE, { id: a.assignRole.id }, owner.token);
    }
    return tenantId;
  }

  async function tenantHistoryAppend(tenantId: string): Promise<void> {
    const someone = await api.signUp('appended');
    await api.gqlOk(ASSIGN, { input: { tenantId, principalEmail: someone.email, role: 'SECURITY_READER' } }, owner.token);
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

  describe('signed checkpoints', () => {
    /** What an attacker with database access does: edit one entry, then recompute every later hash and the head. */
    async function rechain(tenantId: string, editSeq: number): Promise<void> {
      const rows = await query<Record<string, unknown>>(
        env.current.db.adminUrl,
        `SELECT e.*, e.seq::text AS seq FROM audit_log_entry e WHERE e."tenantId" = $1 ORDER BY e.seq`,
        [tenantId],
      );
      let prevHash = '';
      const statements: string[] = [];
      for (const row of rows) {
        const seq = BigInt(row.seq as string);
        if (seq < BigInt(editSeq)) {
          prevHash = row.hash as string;
          continue;
        }
        const actor = seq === BigInt(editSeq) ? 'mallory@example.test' : (row.actor as string);
        const hash = entryHash({
          tenantId,
          seq,
          prevHash,
          actorUserId: row.actorUserId as string | null,
          actor,
          operation: row.operation as string,
          targetType: row.targetType as string,
          targetId: row.targetId as string | null,
          before: row.before as JsonValue,
          after: row.after as JsonValue,
          requestId: row.requestId as string | null,
          createdAt: row.createdAt as Date,
        });
        statements.push(`UPDATE audit_log_entry SET actor = '${actor}', "prevHash" = '${prevHash}', hash = '${hash}' WHERE "tenantId" = $1 AND seq = ${seq}`);
        prevHash = hash;
      }
      statements.push(`UPDATE audit_chain_head SET "lastHash" = '${prevHash}' WHERE "tenantId" = $1`);
      await tamper(statements.join(';\n'), [tenantId]);
    }

    it('audit:checkpoint signs the head; audit:verify checks the chain against it', async () => {
      const tenantId = await tenantWithHistory(4);
      const signed = auditCheckpoint(tenantId);
      expect(signed.out).toContain(`tenant ${tenantId}: signed checkpoint at sequence 5`);
      expect(signed.status).toBe(0);
      // Created once, readable by its owner only.
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(auditCheckpoint(tenantId).out).toContain('already signed at its head');
      const { status, out } = auditVerify(tenantId);
      expect(out).toContain('is intact: 5 entries, last sequence 5; matches 1 signed checkpoint(s), the newest at sequence 5');
      expect(status).toBe(0);
    });

    it('without a checkpoint the same re-chain goes unnoticed (why checkpoints exist)', async () => {
      const tenantId = await tenantWithHistory(2);
      await rechain(tenantId, 2);
      const { status, out } = auditVerify(tenantId);
      expect(out).toContain('is intact: 3 entries, last sequence 3; no signed checkpoint yet');
      expect(status).toBe(0);
    });

    it('a full re-chain after a checkpoint (every hash recomputed) is detected and names the checkpoint', async () => {
      const tenantId = await tenantWithHistory(2);
      expect(auditCheckpoint(tenantId).status).toBe(0); // at sequence 3
      await api.gqlOk(ASSIGN, { input: { tenantId, principalEmail: (await api.signUp('late')).email, role: 'SECURITY_READER' } }, owner.token);
      expect(auditCheckpoint(tenantId).out).toContain('signed checkpoint at sequence 4');
      await api.gqlOk(ASSIGN, { input: { tenantId, principalEmail: (await api.signUp('later')).email, role: 'SECURITY_READER' } }, owner.token);

      await rechain(tenantId, 4);
      const { status, out } = auditVerify(tenantId);
      expect(out).toContain('first bad sequence 4 — the log was rewritten and re-chained: entry 4 does not match the checkpoint of sequence 4');
      expect(out).toContain('(the change lies between sequence 4 and 4)');
      expect(status).toBe(1);
    });

    it('a re-chain further back names the first checkpoint that no longer matches', async () => {
      const tenantId = await tenantWithHistory(4);
      expect(auditCheckpoint(tenantId).status).toBe(0); // at sequence 5
      await rechain(tenantId, 2);
      const { status, out } = auditVerify(tenantId);
      expect(out).toMatch(/first bad sequence 1 — the log was rewritten and re-chained: entry 5 does not match the checkpoint of sequence 5 signed at \S+ by key \S+ \(the change lies between sequence 1 and 5\)/);
      expect(status).toBe(1);
    });

    it('a checkpoint whose signature was altered is detected', async () => {
      const tenantId = await tenantWithHistory(2);
      expect(auditCheckpoint(tenantId).status).toBe(0);
      const forged = Buffer.alloc(64, 7).toString('base64url');
      await tamper(`UPDATE audit_checkpoint SET signature = '${forged}' WHERE "tenantId" = $1`, [tenantId]);
      const { status, out } = auditVerify(tenantId);
      expect(out).toContain('first bad sequence 3 — the checkpoint of sequence 3');
      expect(out).toContain('has an invalid signature: it was forged or altered');
      expect(status).toBe(1);
    });

    it('a re-chain covered by a checkpoint the attacker signed with a key of their own is detected', async () => {
      const tenantId = await tenantWithHistory(2);
      expect(auditCheckpoint(tenantId).status).toBe(0);
      await rechain(tenantId, 2);
      const [{ keyId, hash }] = await query<{ keyId: string; hash: string }>(
        env.current.db.adminUrl,
        `SELECT c."keyId", e.hash FROM audit_checkpoint c JOIN audit_log_entry e ON e."tenantId" = c."tenantId" AND e.seq = c.seq WHERE c."tenantId" = $1`,
        [tenantId],
      );
      // Replace the real checkpoint by one over the new hash, claiming the real key id.
      const { privateKey } = generateKeyPairSync('ed25519');
      const signedAt = '2026-01-01T00:00:00.000Z';
      const payload = JSON.stringify({ hash, keyId, purpose: 'rampart-audit-checkpoint/v1', seq: '3', signedAt, tenantId });
      const signature = sign(null, Buffer.from(payload), privateKey).toString('base64url');
      await tamper(
        `UPDATE audit_checkpoint SET hash = '${hash}', "signedAt" = '${signedAt}', signature = '${signature}' WHERE "tenantId" = $1`,
        [tenantId],
      );
      const { status, out } = auditVerify(tenantId);
      expect(out).toContain('has an invalid signature');
      expect(status).toBe(1);
    });

    it('a checkpoint naming an entry that was deleted is detected', async () => {
      const tenantId = await tenantWithHistory(2);
      expect(auditCheckpoint(tenantId).status).toBe(0); // at sequence 3
      await tamper(
        `DELETE FROM audit_log_entry WHERE "tenantId" = $1 AND seq = 3;
         UPDATE audit_chain_head SET "lastSeq" = 2, "lastHash" = (SELECT hash FROM audit_log_entry WHERE "tenantId" = $1 AND seq = 2) WHERE "tenantId" = $1`,
        [tenantId],
      );
      const { status, out } = auditVerify(tenantId);
      expect(out).toContain('names entry 3, which no longer exists');
      expect(status).toBe(1);
    });

    it('verifies with the public key alone (AUDIT_VERIFY_KEY), and refuses to guess without any key', async () => {
      const tenantId = await tenantWithHistory(2);
      expect(auditCheckpoint(tenantId).status).toBe(0);
      const printed = command('audit-checkpoint', ['--public-key']);
      const publicKey = /AUDIT_VERIFY_KEY=([A-Za-z0-9_-]{43})/.exec(printed.out)?.[1];
      expect(publicKey).toBeDefined();
      const noFile = path.join(keyDir, 'absent.pem');
      const withPublicKey = auditVerify(tenantId, { AUDIT_SIGNING_KEY_FILE: noFile, AUDIT_VERIFY_KEY: publicKey! });
      expect(withPublicKey.out).toContain('is intact: 3 entries, last sequence 3; matches 1 signed checkpoint(s)');
      expect(withPublicKey.status).toBe(0);

      const otherKey = Buffer.alloc(32, 1).toString('base64url');
      const wrongKey = auditVerify(tenantId, { AUDIT_SIGNING_KEY_FILE: noFile, AUDIT_VERIFY_KEY: otherKey });
      expect(wrongKey.out).toContain('is signed by a key that is not among the verification keys');
      expect(wrongKey.status).toBe(1);

      const noKey = auditVerify(tenantId, { AUDIT_SIGNING_KEY_FILE: noFile });
      expect(noKey.out).toContain('no verification key is configured');
      expect(noKey.status).toBe(2);
    });

    it('audit:checkpoint refuses to sign a log altered since its newest checkpoint', async () => {
      const tenantId = await tenantWithHistory(2);
      expect(auditCheckpoint(tenantId).status).toBe(0); // at sequence 3
      await tenantHistoryAppend(tenantId);
      await tamper(`UPDATE audit_log_entry SET actor = 'mallory@example.test' WHERE "tenantId" = $1 AND seq = 4`, [tenantId]);
      const { status, out } = auditCheckpoint(tenantId);
      expect(out).toContain(`tenant ${tenantId}: NOT signed — first bad sequence 4 — entry 4 was altered`);
      expect(status).toBe(1);
      expect(await query(env.current.db.adminUrl, `SELECT seq::int FROM audit_checkpoint WHERE "tenantId" = $1`, [tenantId])).toEqual([{ seq: 3 }]);
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
