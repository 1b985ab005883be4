import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { query, useTestEnvironment } from '@rampart/testing';
import { loadConfig } from '../config/config';
import { PrismaService } from './prisma.service';

describe('row-level security', () => {
  const env = useTestEnvironment();

  it('every table with a tenantId column (and tenant itself) has RLS enabled, forced, and a policy', async () => {
    const tables = await query<{ relname: string; enabled: boolean; forced: boolean; policies: number }>(
      env.current.db.adminUrl,
      `SELECT c.relname, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND (c.relname = 'tenant' OR EXISTS (
                SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenantId' AND NOT a.attisdropped))
        ORDER BY c.relname`,
    );
    expect(tables.map((t) => t.relname)).toEqual(expect.arrayContaining(['tenant', 'cloud_scope', 'role_assignment', 'audit_log_entry']));
    for (const table of tables) {
      expect(table).toEqual({ relname: table.relname, enabled: true, forced: true, policies: expect.any(Number) });
      expect({ table: table.relname, hasPolicy: table.policies > 0 }).toEqual({ table: table.relname, hasPolicy: true });
    }
  });

  it('the runtime role is not superuser, has no BYPASSRLS and owns no table', async () => {
    const [role] = await query(env.current.db.appUrl, 'SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user');
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });
    expect(await query(env.current.db.appUrl, 'SELECT relname FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)')).toEqual([]);
  });

  describe('one pooled connection, three tenants, interleaved transactions', () => {
    let prisma: PrismaService;
    const tenants = [randomUUID(), randomUUID(), randomUUID()];

    beforeAll(async () => {
      prisma = new PrismaService(loadConfig({ ...process.env, DATABASE_POOL_SIZE: '1' }));
      for (const [i, tenantId] of tenants.entries()) {
        await prisma.withTenant(tenantId, async (tx) => {
          await tx.tenant.create({ data: { id: tenantId, name: `t${i}` } });
          for (let s = 0; s <= i; s += 1) {
            await tx.cloudScope.create({ data: { tenantId, provider: 'GCP', externalId: `p-${i}-${s}`, displayName: `scope ${s}` } });
          }
        });
      }
    });
    afterAll(() => prisma?.$disconnect());

    it('never returns a foreign row; without a tenant, zero rows', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 1, maxLength: 25 }), async (plan) => {
          const results = await Promise.all(
            plan.map(async (t) => {
              if (t === -1) {
                // Outside any tenant transaction, on the same (reused) connection.
                const [scopes, tenantRows] = await Promise.all([prisma.cloudScope.findMany(), prisma.tenant.findMany()]);
                return { t, tenantIds: [...scopes.map((s) => s.tenantId), ...tenantRows.map((r) => r.id)], count: scopes.length };
              }
              const rows = await prisma.withTenant(tenants[t], (tx) => tx.cloudScope.findMany());
              return { t, tenantIds: rows.map((r) => r.tenantId), count: rows.length };
            }),
          );
          for (const r of results) {
            if (r.t === -1) expect(r.tenantIds).toEqual([]);
            else {
              expect(new Set(r.tenantIds)).toEqual(new Set([tenants[r.t]]));
              expect(r.count).toBe(r.t + 1);
            }
          }
        }),
        { numRuns: 60 },
      );
    });

    it('a write for another tenant is refused inside a tenant transaction', async () => {
      await expect(
        prisma.withTenant(tenants[0], (tx) =>
          tx.cloudScope.create({ data: { tenantId: tenants[1], provider: 'GCP', externalId: 'sneaky', displayName: 'x' } }),
        ),
      ).rejects.toThrow(/row-level security/);
    });

    it('concurrent transactions each keep their own tenantId (what repositories filter on)', async () => {
      const wide = new PrismaService(loadConfig({ ...process.env, DATABASE_POOL_SIZE: '3' }));
      try {
        const seen = await Promise.all(
          tenants.map((tenantId) =>
            wide.withTenant(tenantId, async (tx) => {
              // All three are open at once when they read their tenantId back.
              await tx.$executeRaw`SELECT pg_sleep(0.1)`;
              const [row] = await tx.$queryRaw<{ setting: string }[]>`SELECT current_setting('app.tenant_id', true) AS setting`;
              return { tx: tx.tenantId, setting: row.setting, rows: (await tx.cloudScope.findMany({ where: { tenantId: tx.tenantId } })).length };
            }),
          ),
        );
        expect(seen).toEqual(tenants.map((tenantId, i) => ({ tx: tenantId, setting: tenantId, rows: i + 1 })));
      } finally {
        await wide.$disconnect();
      }
    });

    it('withTenant refuses a tenant id that is not a UUID', async () => {
      await expect(prisma.withTenant("x' OR true --", async () => 1)).rejects.toThrow(/must be a UUID/);
    });
  });
});
