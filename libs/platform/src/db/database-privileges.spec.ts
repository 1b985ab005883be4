import { randomBytes, randomUUID } from 'node:crypto';
import { query, useTestEnvironment } from '@rampart/testing';

/**
 * Every privilege the runtime role holds, from PostgreSQL's own catalog, against a
 * hand-written allow-list. A privilege that appears without being added here on purpose
 * (a new table's default grants, a function PUBLIC may execute, a role membership) fails.
 *
 * Adding a tenant table is one line in TABLES (usually `READ_WRITE`); a new function one
 * line in FUNCTIONS.
 */

const READ_WRITE = ['DELETE', 'INSERT', 'SELECT', 'UPDATE'];
/** Append-only: rows are added and read, never changed or removed. */
const APPEND_ONLY = ['INSERT', 'SELECT'];

const TABLES: Record<string, string[]> = {
  tenant: READ_WRITE,
  user: READ_WRITE,
  cloud_scope: READ_WRITE,
  role_assignment: READ_WRITE,
  cluster: READ_WRITE,
  namespace: READ_WRITE,
  policy: READ_WRITE,
  outbox_event: READ_WRITE,
  policy_revision: APPEND_ONLY,
  audit_log_entry: APPEND_ONLY,
  audit_checkpoint: APPEND_ONLY,
  // Accepted and revoked invitations stay as history: updated, never deleted.
  invitation: ['INSERT', 'SELECT', 'UPDATE'],
  // Created once per tenant and advanced by each append (a trigger checks how); never deleted.
  audit_chain_head: ['INSERT', 'SELECT', 'UPDATE'],
  // _prisma_migrations: nothing.
};

const SEQUENCES: Record<string, string[]> = {
  outbox_event_id_seq: ['SELECT', 'USAGE'],
};

/** Every function of the application's schema (EXECUTE); PUBLIC may run none of them. */
const FUNCTIONS = [
  'rampart_current_tenant()',
  'rampart_user_memberships(uuid)',
  'rampart_locate(text,uuid)',
  'rampart_audit_checkpoint_due(uuid,integer)',
  'rampart_pending_invitations(uuid)',
  'rampart_locate_policy(uuid)',
  // Trigger functions: PostgreSQL refuses to call them other than as triggers.
  'rampart_refuse_change()',
  'rampart_chain_head_guard()',
  'rampart_checkpoint_names_entry()',
];

const SCHEMAS: Record<string, string[]> = { public: ['USAGE'] };

/** TEMPORARY comes from PostgreSQL's default grant to PUBLIC on every database. */
const DATABASE = ['CONNECT', 'TEMPORARY'];

function allowList(): string[] {
  return [
    ...Object.entries(TABLES).flatMap(([t, privileges]) => privileges.map((p) => `table ${t}: ${p}`)),
    ...Object.entries(SEQUENCES).flatMap(([s, privileges]) => privileges.map((p) => `sequence ${s}: ${p}`)),
    ...FUNCTIONS.map((f) => `function ${f}: EXECUTE`),
    ...Object.entries(SCHEMAS).flatMap(([s, privileges]) => privileges.map((p) => `schema ${s}: ${p}`)),
    ...DATABASE.map((p) => `database: ${p}`),
  ].sort();
}

/**
 * Effective privileges (direct, through PUBLIC or through role membership) of `role`
 * on everything outside PostgreSQL's own schemas, as one line each.
 */
const CATALOG = `
WITH role AS (SELECT $1::name AS name),
app_schemas AS (
  SELECT oid, nspname FROM pg_namespace
   WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%'
)
SELECT line FROM (
  SELECT format('table %s: %s', c.relname, p) AS line
    FROM pg_class c JOIN app_schemas s ON s.oid = c.relnamespace, role,
         unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND has_table_privilege(role.name, c.oid, p)
  UNION ALL
  SELECT format('column %s.%s: %s', c.relname, a.attname, p)
    FROM pg_class c JOIN app_schemas s ON s.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped, role,
         unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
     AND has_column_privilege(role.name, c.oid, a.attnum, p) AND NOT has_table_privilege(role.name, c.oid, p)
  UNION ALL
  SELECT format('sequence %s: %s', c.relname, p)
    FROM pg_class c JOIN app_schemas s ON s.oid = c.relnamespace, role, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) p
   WHERE c.relkind = 'S' AND has_sequence_privilege(role.name, c.oid, p)
  UNION ALL
  SELECT format('function %s: EXECUTE', f.oid::regprocedure)
    FROM pg_proc f JOIN app_schemas s ON s.oid = f.pronamespace, role
   WHERE has_function_privilege(role.name, f.oid, 'EXECUTE')
  UNION ALL
  SELECT format('schema %s: %s', s.nspname, p)
    FROM app_schemas s, role, unnest(ARRAY['USAGE', 'CREATE']) p
   WHERE has_schema_privilege(role.name, s.oid, p)
  UNION ALL
  SELECT format('database: %s', p)
    FROM role, unnest(ARRAY['CONNECT', 'CREATE', 'TEMPORARY']) p
   WHERE has_database_privilege(role.name, current_database(), p)
  UNION ALL
  SELECT format('member of %s', m.roleid::regrole)
    FROM pg_auth_members m, role WHERE m.member = to_regrole(role.name)
  UNION ALL
  SELECT format('owns %s', c.relname)
    FROM pg_class c JOIN app_schemas s ON s.oid = c.relnamespace, role WHERE c.relowner = to_regrole(role.name)
  UNION ALL
  SELECT format('owns function %s', f.oid::regprocedure)
    FROM pg_proc f JOIN app_schemas s ON s.oid = f.pronamespace, role WHERE f.proowner = to_regrole(role.name)
) lines ORDER BY line COLLATE "C"`;

describe('database privileges of the runtime role (catalog)', () => {
  const env = useTestEnvironment();
  const runtimeRole = () => new URL(env.current.db.appUrl).username;

  async function privileges(role: string): Promise<string[]> {
    const rows = await query<{ line: string }>(env.current.db.adminUrl, CATALOG, [role]);
    return rows.map((r) => r.line);
  }

  it('holds exactly the allow-listed privileges, nothing more', async () => {
    const held = await privileges(runtimeRole());
    const allowed = allowList();
    expect({ notAllowListed: held.filter((p) => !allowed.includes(p)), missing: allowed.filter((p) => !held.includes(p)) }).toEqual({
      notAllowListed: [],
      missing: [],
    });
  });

  it('the catalog query sees a privilege granted by hand (it would catch a stray grant)', async () => {
    // An independent check of the query itself: grant something, see it listed, take it back.
    await query(env.current.db.ownerUrl, `GRANT TRUNCATE ON "tenant" TO "${runtimeRole()}"`);
    try {
      expect(await privileges(runtimeRole())).toContain('table tenant: TRUNCATE');
    } finally {
      await query(env.current.db.ownerUrl, `REVOKE TRUNCATE ON "tenant" FROM "${runtimeRole()}"`);
    }
  });

  describe('what the runtime role must not do', () => {
    const tenantId = randomUUID();
    const asApp = (sql: string) =>
      query(env.current.db.appUrl, `BEGIN; SELECT set_config('app.tenant_id', '${tenantId}', true); ${sql}; COMMIT;`);

    beforeAll(async () => {
      await query(env.current.db.appUrl, `BEGIN; SELECT set_config('app.tenant_id', '${tenantId}', true);
        INSERT INTO tenant (id, name, "updatedAt") VALUES ('${tenantId}', 't', now());
        INSERT INTO audit_chain_head ("tenantId", "lastSeq", "lastHash") VALUES ('${tenantId}', 0, repeat('0', 64)); COMMIT;`);
    });

    it('cannot DELETE or TRUNCATE a chain head (that used to stall every later write of the tenant)', async () => {
      await expect(asApp('DELETE FROM audit_chain_head')).rejects.toThrow(/permission denied for table audit_chain_head/);
      await expect(asApp('TRUNCATE audit_chain_head')).rejects.toThrow(/permission denied for table audit_chain_head/);
      // Even the owner is stopped by the trigger.
      await expect(query(env.current.db.ownerUrl, 'DELETE FROM audit_chain_head')).rejects.toThrow(/not allowed/);
      expect(await query(env.current.db.adminUrl, 'SELECT "lastSeq"::int AS seq FROM audit_chain_head WHERE "tenantId" = $1', [tenantId])).toEqual([
        { seq: 0 },
      ]);
    });

    it('cannot move a chain head back, sideways or onto an entry that does not exist', async () => {
      await expect(asApp(`UPDATE audit_chain_head SET "lastSeq" = 7`)).rejects.toThrow(/may only advance by one/);
      await expect(asApp(`UPDATE audit_chain_head SET "lastSeq" = 1, "lastHash" = repeat('a', 64)`)).rejects.toThrow(/may only advance by one/);
      await expect(
        asApp(`INSERT INTO audit_chain_head ("tenantId", "lastSeq", "lastHash") VALUES ('${tenantId}', 5, repeat('b', 64))
               ON CONFLICT ("tenantId") DO UPDATE SET "lastSeq" = 5`),
      ).rejects.toThrow(/starts at sequence 0/);
    });

    it('cannot read, write or delete the migration history', async () => {
      for (const sql of [
        'SELECT count(*) FROM _prisma_migrations',
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ('x', 'x', 'x', now())`,
        `UPDATE _prisma_migrations SET finished_at = NULL`,
        'DELETE FROM _prisma_migrations',
        'TRUNCATE _prisma_migrations',
      ]) {
        await expect(query(env.current.db.appUrl, sql)).rejects.toThrow(/permission denied for table _prisma_migrations/);
      }
    });

    it('cannot add a checkpoint naming an entry that does not exist, nor change or remove one', async () => {
      const insert = (seq: number) => `INSERT INTO audit_checkpoint ("tenantId", seq, hash, "signedAt", "keyId", signature)
                   VALUES ('${tenantId}', ${seq}, repeat('0', 64), now(), 'k', 's')`;
      await expect(asApp(insert(1000000))).rejects.toThrow(/must name an existing change-log entry/);
      await query(env.current.db.adminUrl, `BEGIN; SET LOCAL session_replication_role = replica; ${insert(1)}; COMMIT;`);
      await expect(asApp(`UPDATE audit_checkpoint SET signature = 'forged'`)).rejects.toThrow(/permission denied for table audit_checkpoint/);
      await expect(asApp('DELETE FROM audit_checkpoint')).rejects.toThrow(/permission denied for table audit_checkpoint/);
      await expect(asApp('TRUNCATE audit_checkpoint')).rejects.toThrow(/permission denied for table audit_checkpoint/);
      await expect(query(env.current.db.ownerUrl, 'DELETE FROM audit_checkpoint')).rejects.toThrow(/not allowed/);
    });
  });

  describe('another role that can log in', () => {
    const intruder = `rampart_intruder_${randomBytes(4).toString('hex')}`;
    const intruderUrl = () => {
      const url = new URL(env.current.db.appUrl);
      url.username = intruder;
      url.password = intruder;
      return url.toString();
    };

    beforeAll(async () => {
      await query(env.current.db.adminUrl, `CREATE ROLE ${intruder} LOGIN PASSWORD '${intruder}'`);
    });
    afterAll(async () => {
      await query(env.current.db.adminUrl, `DROP OWNED BY ${intruder}`);
      await query(env.current.db.adminUrl, `DROP ROLE ${intruder}`);
    });

    it.each([
      ['rampart_user_memberships', `SELECT * FROM rampart_user_memberships('${randomUUID()}')`],
      ['rampart_locate', `SELECT * FROM rampart_locate('CloudScope', '${randomUUID()}')`],
      ['rampart_audit_checkpoint_due', 'SELECT * FROM rampart_audit_checkpoint_due(NULL, 10)'],
      ['rampart_pending_invitations', `SELECT * FROM rampart_pending_invitations('${randomUUID()}')`],
      ['rampart_locate_policy', `SELECT * FROM rampart_locate_policy('${randomUUID()}')`],
    ])('cannot execute the SECURITY DEFINER function %s (they bypass row-level security)', async (name, sql) => {
      await expect(query(intruderUrl(), sql)).rejects.toThrow(new RegExp(`permission denied for function ${name}`));
    });

    it('holds no privilege on any table, sequence or function of the application', async () => {
      const held = (await privileges(intruder)).filter((line) => /^(table|column|sequence|function) /.test(line));
      expect(held).toEqual([]);
    });
  });

  it('every SECURITY DEFINER function pins its search_path', async () => {
    const unpinned = await query(
      env.current.db.adminUrl,
      `SELECT p.oid::regprocedure::text AS fn FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
          AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) c WHERE c LIKE 'search\\_path=%')`,
    );
    expect(unpinned).toEqual([]);
  });
});
