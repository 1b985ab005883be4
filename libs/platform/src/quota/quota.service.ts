import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import type { TenantTx } from '../db/prisma.service';
import { AppError, ErrorCode } from '../errors/app-error';

/** Each quota, with the variable that sets it and what it counts (for the message). */
export const QUOTAS = {
  tenantsPerUser: { setting: 'QUOTA_TENANTS_PER_USER', counts: 'tenants owned by one user' },
  cloudScopesPerTenant: { setting: 'QUOTA_CLOUD_SCOPES_PER_TENANT', counts: 'onboarded cloud scopes per tenant' },
  clustersPerTenant: { setting: 'QUOTA_CLUSTERS_PER_TENANT', counts: 'registered clusters per tenant' },
  policiesPerTenant: { setting: 'QUOTA_POLICIES_PER_TENANT', counts: 'policies per tenant' },
} as const;
export type QuotaName = keyof typeof QUOTAS;

export class QuotaExceededError extends AppError {
  constructor(name: QuotaName, limit: number) {
    const { setting, counts } = QUOTAS[name];
    super(ErrorCode.QUOTA_EXCEEDED, `Quota exceeded: at most ${limit} ${counts} (${setting})`, undefined, { quota: setting, limit });
  }
}

/**
 * Quotas on what one caller can create, checked inside the creating transaction
 * after a lock that every creation of the same kind takes, so concurrent creations
 * queue and the last one sees the others' rows: the count can never overshoot.
 */
@Injectable()
export class QuotaService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  limitOf(name: QuotaName): number {
    return this.config.quotas[name];
  }

  /**
   * Serialises quota-checked creations within the transaction's tenant. FOR NO KEY
   * UPDATE on the tenant row, not the change-log head: every mutation inserts rows
   * referencing the tenant (FOR KEY SHARE on it, which this mode leaves alone) and
   * takes the head last, so taking the head first here could deadlock with them;
   * onboarding's FOR UPDATE on the same row queues with this one in the same order.
   */
  async lockTenantCreations(tx: TenantTx): Promise<void> {
    await tx.$queryRaw`SELECT 1 FROM "tenant" WHERE "id" = ${tx.tenantId}::uuid FOR NO KEY UPDATE`;
  }

  /** Serialises one user's tenant creations (they land in different tenants, so no row is shared). */
  async lockUserTenantCreations(tx: TenantTx, userId: string): Promise<void> {
    // $executeRaw: the function returns void, a column type Prisma cannot read back.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`rampart:tenants-of:${userId}`}, 0))`;
  }

  /** Refuses the creation when `current` (counted under the lock) already reached the quota. */
  assertRoom(name: QuotaName, current: number): void {
    const limit = this.limitOf(name);
    if (current >= limit) throw new QuotaExceededError(name, limit);
  }
}

@Global()
@Module({ providers: [QuotaService], exports: [QuotaService] })
export class QuotaModule {}
