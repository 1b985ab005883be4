import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../libs/platform/src/db/generated/prisma/client';
import { TEST_REDIS_URL, useTestEnvironment } from '@rampart/testing';
import Redis from 'ioredis';

// isolation-a.spec.ts and isolation-b.spec.ts are the same test with the same fixed
// names: they run in parallel and would collide if files shared a database or Redis keys.
describe('test isolation (file b)', () => {
  const env = useTestEnvironment();
  const FIXED_ID = '00000000-0000-4000-8000-000000000001';

  it('owns its database: the same fixed row is written once, and only this file sees it', async () => {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: env.current.db.appUrl }) });
    try {
      await prisma.tenant.create({ data: { id: FIXED_ID, name: 'shared-name' } });
      await new Promise((r) => setTimeout(r, 300)); // widen the window in which the other file writes
      expect(await prisma.tenant.findMany({ where: { name: 'shared-name' } })).toHaveLength(1);
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
