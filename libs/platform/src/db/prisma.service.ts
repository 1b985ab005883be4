import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { isUuid } from '../validation/text';
import { Prisma, PrismaClient } from './generated/prisma/client';

/** A transaction bound to one tenant: every query in it sees only that tenant's rows. */
export type TenantTx = Prisma.TransactionClient & { readonly tenantId: string };

export interface TenantTxOptions {
  isolationLevel?: Prisma.TransactionIsolationLevel;
  /** Milliseconds the transaction may run (default 10 s). */
  timeout?: number;
}

/**
 * The one Prisma client of a process, connected as the application role (never
 * the owner), so PostgreSQL row-level security always applies. Connections are
 * opened lazily: the process starts (and reports not-ready) while the database is down.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({
      adapter: new PrismaPg({
        connectionString: config.databaseUrl,
        max: config.databasePoolSize,
        connectionTimeoutMillis: 5_000,
      }),
    });
  }

  /**
   * Runs `work` in a transaction whose tenant is `tenantId`. The setting is
   * transaction-local (`set_config(…, true)`), so it can never leak to the next
   * user of a pooled connection.
   */
  async withTenant<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>, options: TenantTxOptions = {}): Promise<T> {
    if (!isUuid(tenantId)) throw new Error('withTenant: tenantId must be a UUID');
    return this.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`;
        // A view of its own per transaction: Prisma's transaction clients share one underlying
        // object, so a property assigned onto one (Object.assign) was seen by every concurrent
        // transaction, and a repository could filter with another transaction's tenant.
        const bound = new Proxy(tx, { get: (target, key) => (key === 'tenantId' ? tenantId : Reflect.get(target, key)) });
        return work(bound as TenantTx);
      },
      { timeout: options.timeout ?? 10_000, maxWait: 5_000, isolationLevel: options.isolationLevel },
    );
  }

  /**
   * Last, after the HTTP server has answered its in-flight requests and the workers
   * have finished their jobs (Nest closes the server between onModuleDestroy and
   * onApplicationShutdown): disconnecting earlier fails requests still running.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
