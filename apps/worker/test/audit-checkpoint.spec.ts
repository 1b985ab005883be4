import { spawnSync } from 'node:child_process';
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import {
  AuditCheckpointJobName,
  AuditLogService,
  PrismaService,
  QueueName,
  type SignCheckpointsResult,
  loadConfig,
  redisOptions,
} from '@rampart/platform';
import { TEST_REDIS_URL, query, useTestEnvironment } from '@rampart/testing';
import { Queue, QueueEvents } from 'bullmq';
import { createWorker } from '../src/create-worker';

const ROOT = path.resolve(__dirname, '../../..');

describe('change-log checkpoint job (worker, real Redis and PostgreSQL)', () => {
  const env = useTestEnvironment();
  const keyDir = mkdtempSync(path.join(os.tmpdir(), 'rampart-worker-key-'));
  const keyFile = path.join(keyDir, 'audit-signing-key.pem');
  let worker: INestApplicationContext;
  let prisma: PrismaService;
  let events: QueueEvents;
  let producer: Queue;
  const tenants = [randomUUID(), randomUUID(), randomUUID()];

  /** Appends through the production service, in the tenant's own transaction (a new tenant first). */
  async function append(tenantId: string, count: number): Promise<void> {
    const audit = new AuditLogService();
    await prisma.withTenant(tenantId, async (tx) => {
      if (!(await tx.tenant.findUnique({ where: { id: tenantId } }))) await tx.tenant.create({ data: { id: tenantId, name: 'signed' } });
      for (let i = 0; i < count; i += 1) {
        await audit.append(tx, { actor: { userId: null, display: 'system:test' }, operation: 'test', targetType: 'Tenant', targetId: tenantId });
      }
    });
  }

  async function checkpoints(tenantId: string) {
    return query<{ seq: string; hash: string; signedAt: Date; keyId: string; signature: string }>(
      env.current.db.adminUrl,
      `SELECT seq::text AS seq, hash, "signedAt", "keyId", signature FROM audit_checkpoint WHERE "tenantId" = $1 ORDER BY seq`,
      [tenantId],
    );
  }

  async function runJob(data: { tenantId?: string; batchSize: number }): Promise<SignCheckpointsResult> {
    const job = await producer.add(AuditCheckpointJobName.signCheckpoints, data);
    return (await job.waitUntilFinished(events, 30_000)) as SignCheckpointsResult;
  }

  beforeAll(async () => {
    process.env.AUDIT_SIGNING_KEY_FILE = keyFile;
    // Long enough that only the runs this test asks for happen (besides the first one, at start).
    process.env.AUDIT_CHECKPOINT_EVERY_MS = '86400000';
    prisma = new PrismaService(loadConfig());
    worker = await createWorker();
    await worker.init();
    const connection = redisOptions(TEST_REDIS_URL);
    producer = new Queue(QueueName.auditCheckpoints, { connection, prefix: env.current.redisPrefix });
    events = new QueueEvents(QueueName.auditCheckpoints, { connection, prefix: env.current.redisPrefix });
    await events.waitUntilReady();
    // The schedule's first run starts at once: let it finish so the runs below are the only ones.
    for (const job of await producer.getJobs(['waiting', 'active', 'prioritized'])) await job.waitUntilFinished(events, 30_000);
    await append(tenants[0], 3);
    await append(tenants[1], 1);
  });

  afterAll(async () => {
    await producer?.close();
    await events?.close();
    await worker?.close();
    await prisma?.$disconnect();
    delete process.env.AUDIT_SIGNING_KEY_FILE;
    delete process.env.AUDIT_CHECKPOINT_EVERY_MS;
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('registers the repeating schedule at start, with the configured interval', async () => {
    const schedulers = await producer.getJobSchedulers();
    expect(schedulers.map((s) => ({ key: s.key, every: Number(s.every) }))).toContainEqual({ key: 'audit:sign-checkpoints', every: 86_400_000 });
  });

  it('signs the head of every tenant with new entries (listing them page by page), with the key from the file', async () => {
    const result = await runJob({ batchSize: 1 });
    expect(result).toEqual({ signed: 2, upToDate: 0, refused: [] });

    const publicKey = createPublicKey(readFileSync(keyFile, 'utf8'));
    for (const [tenantId, seq] of [
      [tenants[0], '3'],
      [tenants[1], '1'],
    ]) {
      const [head] = await query<{ lastHash: string }>(env.current.db.adminUrl, 'SELECT "lastHash" FROM audit_chain_head WHERE "tenantId" = $1', [tenantId]);
      const rows = await checkpoints(tenantId);
      expect(rows.map((r) => ({ seq: r.seq, hash: r.hash }))).toEqual([{ seq, hash: head.lastHash }]);
      // An independent check of the signature: the payload spelled out by hand, node:crypto's own verify.
      const { signedAt, keyId, signature, hash } = rows[0];
      const payload = `{"hash":"${hash}","keyId":"${keyId}","purpose":"rampart-audit-checkpoint/v1","seq":"${seq}","signedAt":"${signedAt.toISOString()}","tenantId":"${tenantId}"}`;
      expect(verify(null, Buffer.from(payload), publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
    }
    expect(await checkpoints(tenants[2])).toEqual([]);
  });

  it('signs again only where entries were added since', async () => {
    await append(tenants[0], 2);
    const result = await runJob({ batchSize: 500 });
    expect(result).toEqual({ signed: 1, upToDate: 0, refused: [] });
    expect((await checkpoints(tenants[0])).map((r) => r.seq)).toEqual(['3', '5']);
    expect((await checkpoints(tenants[1])).map((r) => r.seq)).toEqual(['1']);
  });

  it('refuses to sign a tenant whose entries since its checkpoint were altered, and signs the others', async () => {
    await append(tenants[0], 1);
    await append(tenants[2], 1);
    await query(
      env.current.db.adminUrl,
      `BEGIN; SET LOCAL session_replication_role = replica;
       UPDATE audit_log_entry SET actor = 'mallory@example.test' WHERE "tenantId" = '${tenants[0]}' AND seq = 6; COMMIT;`,
    );
    const result = await runJob({ batchSize: 500 });
    expect(result.signed).toBe(1);
    expect(result.refused).toEqual([{ tenantId: tenants[0], reason: 'first bad sequence 6 — entry 6 was altered (hash mismatch)' }]);
    expect((await checkpoints(tenants[0])).map((r) => r.seq)).toEqual(['3', '5']);
    expect((await checkpoints(tenants[2])).map((r) => r.seq)).toEqual(['1']);
  });

  it('a checkpoint row inserted without the key (by the runtime role) does not stop the tenant being signed', async () => {
    // What a compromised runtime role can do: insert a checkpoint over a real entry, with a made-up signature.
    const [entry] = await query<{ hash: string }>(env.current.db.adminUrl, `SELECT hash FROM audit_log_entry WHERE "tenantId" = $1 AND seq = 1`, [tenants[2]]);
    await append(tenants[2], 1);
    const forged = Buffer.alloc(64, 9).toString('base64url');
    await query(
      env.current.db.appUrl,
      `BEGIN; SELECT set_config('app.tenant_id', '${tenants[2]}', true);
       INSERT INTO audit_checkpoint ("tenantId", seq, hash, "signedAt", "keyId", signature)
       SELECT "tenantId", seq, hash, now(), 'forged-key', '${forged}' FROM audit_log_entry WHERE "tenantId" = '${tenants[2]}' AND seq = 2; COMMIT;`,
    );
    // Occupying the head's sequence: refused for now, and said so.
    expect(await runJob({ tenantId: tenants[2], batchSize: 1 })).toEqual({
      signed: 0,
      upToDate: 0,
      refused: [{ tenantId: tenants[2], reason: 'a checkpoint without a valid signature already occupies sequence 2; the next entry will be signed' }],
    });
    await append(tenants[2], 1);
    // tenants[0] stays refused as long as its altered entry is there.
    expect(await runJob({ batchSize: 500 })).toEqual({
      signed: 1,
      upToDate: 0,
      refused: [{ tenantId: tenants[0], reason: 'first bad sequence 6 — entry 6 was altered (hash mismatch)' }],
    });
    const rows = await checkpoints(tenants[2]);
    expect(rows.map((r) => ({ seq: r.seq, keyId: r.keyId === 'forged-key' ? 'forged-key' : 'real' }))).toEqual([
      { seq: '1', keyId: 'real' },
      { seq: '2', keyId: 'forged-key' },
      { seq: '3', keyId: 'real' },
    ]);
    expect(rows[0].hash).toBe(entry.hash);
  });

  it('signs one tenant on demand', async () => {
    await append(tenants[1], 1);
    expect(await runJob({ tenantId: tenants[1], batchSize: 1 })).toEqual({ signed: 1, upToDate: 0, refused: [] });
    expect((await checkpoints(tenants[1])).map((r) => r.seq)).toEqual(['1', '2']);
  });

  it('in production the worker does not start without AUDIT_SIGNING_KEY_FILE (it never makes a key up there)', () => {
    const result = spawnSync(process.execPath, ['--require', '@swc-node/register', 'apps/worker/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        NODE_ENV: 'production',
        OIDC_ISSUER_URL: 'https://issuer.example.invalid',
        AUDIT_SIGNING_KEY_FILE: '',
        // Its own keyspace (still under this file's prefix, so cleaned up): it must not touch the queues above.
        QUEUE_PREFIX: `${env.current.redisPrefix}:production`,
        LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toContain('AUDIT_SIGNING_KEY_FILE must be set when NODE_ENV is production');
    expect(result.status).toBe(1);
  });
});
