import { PrismaService, loadConfig } from '@rampart/platform';
import { TEST_REDIS_URL, query, useTestEnvironment } from '@rampart/testing';
import Redis from 'ioredis';

// isolation-a.spec.ts and isolation-b.spec.ts are the same test with the same fixed
// names: they run in parallel and would collide if files shared a database or Redis keys.
describe('test isolation (file a)', () => {
  const env = useTestEnvironment();
  const FIXED_ID = '00000000-0000-4000-8000-000000000001';

  it('owns its database: the same fixed row is written once, and only this file sees it', async () => {
    const prisma = new PrismaService(loadConfig());
    try {
      await prisma.withTenant(FIXED_ID, (tx) => tx.tenant.create({ data: { id: FIXED_ID, name: 'shared-name' } }));
      await new Promise((r) => setTimeout(r, 300)); // widen the window in which the other file writes
      // Counted as the superuser, which sees every row of the database whatever the tenant.
      const rows = await query(env.current.db.adminUrl, "SELECT id FROM tenant WHERE name = 'shared-name'");
      expect(rows).toEqual([{ id: FIXED_ID }]);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('owns its Redis prefix: the same key holds only this file\'s value', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const key = `${env.current.redisPrefix}:shared-key`;
      expect(await redis.incr(key)).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(await redis.get(key)).toBe('1');
    } finally {
      redis.disconnect();
    }
  });
});
