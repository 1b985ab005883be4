import { Injectable } from '@nestjs/common';
import type { TenantTx } from '../db/prisma.service';
import { toJson } from '../audit/audit-chain';

/** Event types the delivery relay understands (payloads always carry tenantId). */
export const OutboxEventType = {
  policyChanged: 'policy.changed',
  clusterChanged: 'cluster.changed',
  cloudScopeChanged: 'cloud-scope.changed',
} as const;
export type OutboxEventType = (typeof OutboxEventType)[keyof typeof OutboxEventType];

/**
 * Writes an outbox row in the caller's transaction: the change and the promise to
 * deliver it commit together, so nothing is lost if Redis is down (the relay moves
 * rows to BullMQ later).
 */
@Injectable()
export class OutboxService {
  async publish(tx: TenantTx, type: OutboxEventType, payload: Record<string, unknown>): Promise<void> {
    await tx.outboxEvent.create({
      data: { tenantId: tx.tenantId, type, payload: toJson({ ...payload, tenantId: tx.tenantId }) as object },
    });
  }
}
