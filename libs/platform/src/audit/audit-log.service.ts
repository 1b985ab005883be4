import { Injectable } from '@nestjs/common';
import type { TenantTx } from '../db/prisma.service';
import { Prisma } from '../db/generated/prisma/client';
import { GENESIS_HASH, entryHash, toJson, type JsonValue } from './audit-chain';

export interface AuditActor {
  userId: string | null;
  /** Human-readable principal: an email, or `system:<component>`. */
  display: string;
}

export interface AuditRecord {
  actor: AuditActor;
  /** The GraphQL operation or internal action, e.g. `assignRole`. */
  operation: string;
  targetType: string;
  targetId: string | null;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
}

/**
 * Appends to a tenant's hash-chained change log inside the caller's transaction,
 * so an entry exists if and only if the change it describes was committed.
 */
@Injectable()
export class AuditLogService {
  async append(tx: TenantTx, record: AuditRecord): Promise<{ seq: bigint; hash: string }> {
    const tenantId = tx.tenantId;
    // The head row's lock serialises appends per tenant: no gap, no fork, whatever the concurrency.
    await tx.$executeRaw`INSERT INTO "audit_chain_head" ("tenantId", "lastSeq", "lastHash")
      VALUES (${tenantId}::uuid, 0, ${GENESIS_HASH}) ON CONFLICT ("tenantId") DO NOTHING`;
    const [head] = await tx.$queryRaw<{ lastSeq: bigint; lastHash: string }[]>`
      SELECT "lastSeq", "lastHash" FROM "audit_chain_head" WHERE "tenantId" = ${tenantId}::uuid FOR UPDATE`;
    const fields = {
      tenantId,
      seq: BigInt(head.lastSeq) + 1n,
      prevHash: head.lastHash,
      actorUserId: record.actor.userId,
      actor: record.actor.display,
      operation: record.operation,
      targetType: record.targetType,
      targetId: record.targetId,
      before: record.before === undefined ? null : toJson(record.before),
      after: record.after === undefined ? null : toJson(record.after),
      requestId: record.requestId ?? null,
      createdAt: new Date(),
    };
    const hash = entryHash(fields);
    await tx.auditLogEntry.create({
      data: {
        ...fields,
        before: jsonOrDbNull(fields.before),
        after: jsonOrDbNull(fields.after),
        hash,
      },
    });
    await tx.auditChainHead.update({ where: { tenantId }, data: { lastSeq: fields.seq, lastHash: hash } });
    return { seq: fields.seq, hash };
  }
}

function jsonOrDbNull(value: JsonValue | null): Prisma.InputJsonValue | typeof Prisma.DbNull {
  // Prisma distinguishes JSON null from SQL NULL; a missing before/after is SQL NULL.
  return value === null ? Prisma.DbNull : (value as Prisma.InputJsonValue);
}
