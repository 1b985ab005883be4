import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { query, useTestEnvironment } from '@rampart/testing';

// The SQL helpers later migrations call for a new tenant-owned table
// (prisma/migrations/*_add_tenant_table_helpers). The table is made here as the owner,
// the way a migration would, and then attacked as the runtime role.
describe('tenant table helpers (rampart_enable_tenant_rls, rampart_revoke_from_others)', () => {
  const env = useTestEnvironment();
  const [tenantA, tenantB] = [randomUUID(), randomUUID()];

  /** Runs statements as the runtime role inside one transaction bound to `tenantId`. */
  async function asTenant(tenantId: string, sql: string, params: unknown[] = []): Promise<unknown[]> {
    const client = new Client({ connectionString: env.current.db.appUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      const { rows } = await client.query(sql, params);
      await client.query('COMMIT');
      return rows;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    const owner = env.current.db.ownerUrl;
    await query(owner, `CREATE TABLE "probe_note" ("tenantId" uuid NOT NULL, "id" int NOT NULL, "text" text NOT NULL, PRIMARY KEY ("tenantId", "id"))`);
    await query(owner, `SELECT rampart_enable_tenant_rls('"probe_note"')`);
    await query(owner, `CREATE TABLE "probe_history" ("tenantId" uuid NOT NULL, "id" int NOT NULL, PRIMARY KEY ("tenantId", "id"))`);
    await query(owner, `SELECT rampart_enable_tenant_rls('"probe_history"')`);
    await query(owner, `SELECT rampart_revoke_from_others('"probe_history"', ARRAY['UPDATE', 'DELETE', 'TRUNCATE'])`);
  });

  it('enables and forces RLS with the standard tenant_isolation policy', async () => {
    const rows = await query(
      env.current.db.adminUrl,
      `SELECT c.relname, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced, p.polname,
              pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS check
         FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid
        WHERE c.relname IN ('probe_note', 'cloud_scope') ORDER BY c.relname`,
    );
    // cloud_scope's policy was written by hand in an earlier migration: the helper must produce the same.
    const policy = { enabled: true, forced: true, polname: 'tenant_isolation', using: '("tenantId" = rampart_current_tenant())', check: '("tenantId" = rampart_current_tenant())' };
    expect(rows).toEqual([
      { relname: 'cloud_scope', ...policy },
      { relname: 'probe_note', ...policy },
    ]);
  });

  it('a tenant sees only its rows and cannot write another tenant’s', async () => {
    await asTenant(tenantA, `INSERT INTO "probe_note" VALUES ($1, 1, 'a')`, [tenantA]);
    await asTenant(tenantB, `INSERT INTO "probe_note" VALUES ($1, 1, 'b')`, [tenantB]);
    await expect(asTenant(tenantA, `INSERT INTO "probe_note" VALUES ($1, 2, 'sneaky')`, [tenantB])).rejects.toThrow(/row-level security/);
    expect(await asTenant(tenantA, `SELECT "text" FROM "probe_note"`)).toEqual([{ text: 'a' }]);
    expect(await asTenant(tenantA, `UPDATE "probe_note" SET "text" = 'x' WHERE "tenantId" = $1 RETURNING 1`, [tenantB])).toEqual([]);
    expect(await query(env.current.db.appUrl, `SELECT * FROM "probe_note"`)).toEqual([]);
  });

  it('rampart_revoke_from_others leaves the runtime role reading and appending only', async () => {
    await asTenant(tenantA, `INSERT INTO "probe_history" VALUES ($1, 1)`, [tenantA]);
    expect(await asTenant(tenantA, `SELECT "id" FROM "probe_history"`)).toEqual([{ id: 1 }]);
    await expect(asTenant(tenantA, `UPDATE "probe_history" SET "id" = 2`)).rejects.toThrow(/permission denied/);
    await expect(asTenant(tenantA, `DELETE FROM "probe_history"`)).rejects.toThrow(/permission denied/);
    await expect(asTenant(tenantA, `TRUNCATE "probe_history"`)).rejects.toThrow(/permission denied/);
  });

  it.each([
    ['a table without the tenant column', `SELECT rampart_enable_tenant_rls('"user"')`, /has no uuid column tenantId/],
    ['a tenant column that is not a uuid', `SELECT rampart_enable_tenant_rls('"audit_log_entry"', 'targetId')`, /has no uuid column targetId/],
    ['a privilege list carrying SQL', `SELECT rampart_revoke_from_others('"probe_history"', ARRAY['UPDATE ON "tenant" FROM PUBLIC; DROP TABLE "tenant"; --'])`, /not a list of table privileges/],
    ['an empty privilege list', `SELECT rampart_revoke_from_others('"probe_history"', ARRAY[]::text[])`, /not a list of table privileges/],
  ])('refuses %s', async (_name, sql, message) => {
    await expect(query(env.current.db.ownerUrl, sql)).rejects.toThrow(message);
  });

  it.each([`SELECT rampart_enable_tenant_rls('"probe_note"')`, `SELECT rampart_revoke_from_others('"probe_note"', ARRAY['SELECT'])`])(
    'the runtime role cannot execute the migration helpers: %s',
    async (sql) => {
      await expect(query(env.current.db.appUrl, sql)).rejects.toThrow(/permission denied for function/);
    },
  );
});
