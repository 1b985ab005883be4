import { generateKeyPairSync, sign } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { query } from '@rampart/testing';
import { useAuditLogKit } from './audit-log.support';

// Signed checkpoints: what the hash chain alone cannot catch — a rewrite of the log with
// every later hash recomputed by someone with database access.
describe('signed change-log checkpoints (e2e, real PostgreSQL, real commands)', () => {
  const { env, command, auditVerify, auditCheckpoint, keyFile, keyDir, tenantWithHistory, appendOne, tamper, rechain } = useAuditLogKit();

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
    await appendOne(tenantId);
    expect(auditCheckpoint(tenantId).out).toContain('signed checkpoint at sequence 4');
    await appendOne(tenantId);

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
    await appendOne(tenantId);
    await tamper(`UPDATE audit_log_entry SET actor = 'mallory@example.test' WHERE "tenantId" = $1 AND seq = 4`, [tenantId]);
    const { status, out } = auditCheckpoint(tenantId);
    expect(out).toContain(`tenant ${tenantId}: NOT signed — first bad sequence 4 — entry 4 was altered`);
    expect(status).toBe(1);
    expect(await query(env.current.db.adminUrl, `SELECT seq::int FROM audit_checkpoint WHERE "tenantId" = $1`, [tenantId])).toEqual([{ seq: 3 }]);
  });
});
