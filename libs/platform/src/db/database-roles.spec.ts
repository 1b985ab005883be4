import { query, useTestEnvironment } from '@rampart/testing';

// Row-level security (tenancy) is only a lock if the runtime role cannot bypass it.
describe('database roles', () => {
  const env = useTestEnvironment();

  it('the runtime role is not a superuser and has no BYPASSRLS', async () => {
    const [role] = await query(env.current.db.appUrl, 'SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user');
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcreaterole: false });
  });

  it('the runtime role owns no table, and cannot create one', async () => {
    const owned = await query(env.current.db.appUrl, "SELECT tablename FROM pg_tables WHERE tableowner = current_user");
    expect(owned).toEqual([]);
    await expect(query(env.current.db.appUrl, 'CREATE TABLE intruder (id int)')).rejects.toThrow(/permission denied/);
  });

  it('the tables belong to the migration owner role, and the runtime role may read and write them', async () => {
    const owners = await query<{ tableowner: string }>(
      env.current.db.adminUrl,
      "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'",
    );
    expect(owners.map((o) => o.tableowner)).toEqual([new URL(env.current.db.ownerUrl).username]);
    await query(env.current.db.appUrl, `INSERT INTO "user" (id, subject, email, "updatedAt") VALUES (gen_random_uuid(), 's', 'e@x', now())`);
    const rows = await query(env.current.db.appUrl, 'SELECT subject FROM "user"');
    expect(rows).toEqual([{ subject: 's' }]);
  });
});
