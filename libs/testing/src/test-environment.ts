import { createTestDatabase, dropTestDatabase, type TestDatabase } from './test-database';
import { deleteRedisKeys, uniqueRedisPrefix } from './test-redis';

export interface TestEnvironment {
  db: TestDatabase;
  redisPrefix: string;
}

/**
 * Gives the calling test file its own database and Redis prefix, and points the
 * configuration (process.env, read by loadConfig) at them. Call at the top of a describe.
 */
export function useTestEnvironment(): { readonly current: TestEnvironment } {
  const holder = {} as { current: TestEnvironment };
  beforeAll(async () => {
    const db = await createTestDatabase();
    const redisPrefix = uniqueRedisPrefix();
    process.env.DATABASE_URL = db.appUrl;
    process.env.QUEUE_PREFIX = redisPrefix;
    process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
    process.env.NODE_ENV = 'test';
    // Concurrency tests race up to 50 requests of one user on purpose (the change log's
    // ordering, quotas); the in-flight cap itself is tested in in-flight-limit.e2e.spec.ts.
    process.env.RATE_LIMIT_IN_FLIGHT ??= '64';
    holder.current = { db, redisPrefix };
  });
  afterAll(async () => {
    if (!holder.current) return;
    await dropTestDatabase(holder.current.db);
    await deleteRedisKeys(holder.current.redisPrefix);
  });
  return holder;
}
