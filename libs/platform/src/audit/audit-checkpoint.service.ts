import { Injectable, Logger } from '@nestjs/common';
import { PrismaService, type TenantTx } from '../db/prisma.service';
import { ChainVerifier, type ChainVerdict, type JsonValue, type TrustedCheckpoint } from './audit-chain';
import { type SignedCheckpoint, checkCheckpointSignature, signCheckpoint } from './audit-checkpoint';
import type { AuditSigningKey, AuditVerifyKey } from './audit-signing-key';

const PAGE = 5_000;
/** How far back the signer looks for a checkpoint with a valid signature to continue from. */
const CHECKPOINTS_SEARCHED = 100;
/** Long logs stream through in pages; a first checkpoint of a big tenant may take a while. */
const LONG_TX = { timeout: 600_000 };

export type CheckpointOutcome =
  | { tenantId: string; status: 'signed'; seq: bigint }
  | { tenantId: string; status: 'up-to-date' }
  | { tenantId: string; status: 'refused'; reason: string };

export type TenantLogVerdict =
  | { kind: 'unknown-tenant' }
  | { kind: 'no-verification-key'; checkpoints: number }
  | { kind: 'chain'; verdict: ChainVerdict; checkpoints: number; newestCheckpointSeq: bigint | null };

type Head = { lastSeq: bigint; lastHash: string };

/**
 * Signed checkpoints of the change log and its full verification. Every read and write
 * runs inside the tenant's own transaction (row-level security applies); the only
 * cross-tenant step is `rampart_audit_checkpoint_due`, which returns ids only.
 */
@Injectable()
export class AuditCheckpointService {
  private readonly logger = new Logger(AuditCheckpointService.name);

  constructor(private readonly prisma: PrismaService) {}

  /** Tenants with entries beyond their newest checkpoint, in id order after `after`. */
  async dueTenants(after: string | null, limit: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ tenantId: string }[]>`
      SELECT "tenantId" FROM rampart_audit_checkpoint_due(${after}::uuid, ${limit}::int)`;
    return rows.map((r) => r.tenantId);
  }

  /** Signs every due tenant's head; one tenant's refusal never stops the others. */
  async checkpointAll(key: AuditSigningKey, verifyKeys: readonly AuditVerifyKey[], batchSize = 500): Promise<CheckpointOutcome[]> {
    const outcomes: CheckpointOutcome[] = [];
    let after: string | null = null;
    for (;;) {
      const due = await this.dueTenants(after, batchSize);
      for (const tenantId of due) outcomes.push(await this.checkpointTenant(tenantId, key, verifyKeys));
      if (due.length < batchSize) return outcomes;
      after = due[due.length - 1];
    }
  }

  /**
   * Signs the tenant's current head, but only after checking that every entry since the
   * newest checkpoint links to it: a rewrite made between two checkpoints is refused
   * (and logged), never signed.
   */
  async checkpointTenant(tenantId: string, key: AuditSigningKey, verifyKeys: readonly AuditVerifyKey[]): Promise<CheckpointOutcome> {
    const keys = verifyKeys.some((k) => k.keyId === key.keyId) ? verifyKeys : [...verifyKeys, key];
    let signed: SignedCheckpoint | undefined;
    const outcome = await this.prisma.withTenant(
      tenantId,
      async (tx): Promise<CheckpointOutcome> => {
        const head = await this.head(tx);
        if (!head) {
          const tenant = await tx.tenant.findUnique({ where: { id: tenantId }, select: { id: true } });
          return { tenantId, status: 'refused', reason: tenant ? 'the chain head is missing' : 'no tenant has this id' };
        }
        // Start from the newest checkpoint whose signature holds. A row someone inserted without the
        // key is skipped here (audit:verify reports it), so it cannot stop this tenant being signed.
        const recent = await tx.auditCheckpoint.findMany({ where: { tenantId }, orderBy: { seq: 'desc' }, take: CHECKPOINTS_SEARCHED });
        const newest = recent.find((c) => checkCheckpointSignature(keys, c) === 'valid');
        for (const bad of recent.slice(0, newest ? recent.indexOf(newest) : recent.length)) {
          this.logger.error({ tenantId, seq: bad.seq.toString() }, signatureProblem(bad, checkCheckpointSignature(keys, bad) as 'invalid' | 'unknown-key'));
        }
        if (recent.length && !newest) {
          return { tenantId, status: 'refused', reason: `none of the newest ${recent.length} checkpoint(s) has a valid signature` };
        }
        if (newest && newest.seq >= head.lastSeq) {
          return newest.seq === head.lastSeq ? { tenantId, status: 'up-to-date' } : { tenantId, status: 'refused', reason: `the chain head (sequence ${head.lastSeq}) is behind the checkpoint of sequence ${newest.seq}` };
        }
        const verifier = new ChainVerifier({ from: newest ? { seq: newest.seq, hash: newest.hash } : undefined });
        await this.streamEntries(tx, newest?.seq ?? 0n, verifier);
        const verdict = verifier.finish(head);
        if (!verdict.ok) return { tenantId, status: 'refused', reason: `first bad sequence ${verdict.firstBadSeq} — ${verdict.reason}` };
        signed = signCheckpoint(key, { tenantId, seq: head.lastSeq, hash: head.lastHash });
        // Two workers signing the same head: the first row stays, the second is a no-op.
        const { count } = await tx.auditCheckpoint.createMany({ data: [signed], skipDuplicates: true });
        if (count === 0) {
          const existing = await tx.auditCheckpoint.findUnique({ where: { tenantId_seq: { tenantId, seq: head.lastSeq } } });
          signed = undefined;
          if (existing && checkCheckpointSignature(keys, existing) === 'valid') return { tenantId, status: 'up-to-date' };
          return { tenantId, status: 'refused', reason: `a checkpoint without a valid signature already occupies sequence ${head.lastSeq}; the next entry will be signed` };
        }
        return { tenantId, status: 'signed', seq: head.lastSeq };
      },
      LONG_TX,
    );
    if (signed) {
      // The log line is a copy outside the database: shipped logs witness the checkpoint even if its row is deleted.
      const { seq, signedAt, ...rest } = signed;
      this.logger.log({ checkpoint: { ...rest, seq: seq.toString(), signedAt: signedAt.toISOString() } }, 'signed change-log checkpoint');
    }
    if (outcome.status === 'refused') this.logger.error({ tenantId, reason: outcome.reason }, 'refused to sign the change-log head: the log does not verify');
    return outcome;
  }

  /** Recomputes the whole chain and checks it against every signed checkpoint of the tenant. */
  async verifyTenant(tenantId: string, verifyKeys: readonly AuditVerifyKey[]): Promise<TenantLogVerdict> {
    return this.prisma.withTenant(
      tenantId,
      async (tx): Promise<TenantLogVerdict> => {
        const tenant = await tx.tenant.findUnique({ where: { id: tenantId }, select: { id: true } });
        if (!tenant) return { kind: 'unknown-tenant' };
        const checkpoints: SignedCheckpoint[] = await tx.auditCheckpoint.findMany({ where: { tenantId }, orderBy: { seq: 'asc' } });
        const newestCheckpointSeq = checkpoints.length ? checkpoints[checkpoints.length - 1].seq : null;
        if (checkpoints.length && !verifyKeys.length) return { kind: 'no-verification-key', checkpoints: checkpoints.length };
        for (const checkpoint of checkpoints) {
          const check = checkCheckpointSignature(verifyKeys, checkpoint);
          if (check !== 'valid') {
            return {
              kind: 'chain',
              checkpoints: checkpoints.length,
              newestCheckpointSeq,
              verdict: { ok: false, entries: 0, firstBadSeq: checkpoint.seq, reason: signatureProblem(checkpoint, check) },
            };
          }
        }
        const trusted: TrustedCheckpoint[] = checkpoints.map(({ seq, hash, signedAt, keyId }) => ({ seq, hash, signedAt, keyId }));
        const verifier = new ChainVerifier({ checkpoints: trusted });
        await this.streamEntries(tx, 0n, verifier);
        return { kind: 'chain', verdict: verifier.finish(await this.head(tx)), checkpoints: checkpoints.length, newestCheckpointSeq };
      },
      LONG_TX,
    );
  }

  private async head(tx: TenantTx): Promise<Head | null> {
    return tx.auditChainHead.findUnique({ where: { tenantId: tx.tenantId }, select: { lastSeq: true, lastHash: true } });
  }

  private async streamEntries(tx: TenantTx, afterSeq: bigint, verifier: ChainVerifier): Promise<void> {
    let after = afterSeq;
    for (;;) {
      const rows = await tx.auditLogEntry.findMany({ where: { tenantId: tx.tenantId, seq: { gt: after } }, orderBy: { seq: 'asc' }, take: PAGE });
      for (const row of rows) {
        if (!verifier.push({ ...row, before: row.before as JsonValue, after: row.after as JsonValue })) return;
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].seq;
    }
  }
}

function signatureProblem(checkpoint: SignedCheckpoint, check: 'invalid' | 'unknown-key'): string {
  const which = `the checkpoint of sequence ${checkpoint.seq} (signed at ${checkpoint.signedAt.toISOString()}, key ${checkpoint.keyId})`;
  return check === 'invalid'
    ? `${which} has an invalid signature: it was forged or altered`
    : `${which} is signed by a key that is not among the verification keys (AUDIT_VERIFY_KEY)`;
}
