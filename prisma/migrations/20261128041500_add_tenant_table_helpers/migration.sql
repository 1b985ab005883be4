-- ---------------------------------------------------------------------------
-- Hand-written (Prisma cannot express it). Keep when regenerating.
-- ---------------------------------------------------------------------------

-- Helpers for the hand-written tail of a migration that adds a tenant-owned table, so
-- each table gets exactly the statements the earlier migrations spell out by hand
-- (README, "Adding a tenant-owned table"). Earlier migrations are left as they are.
--
--   SELECT rampart_enable_tenant_rls('"my_table"');
--       RLS enabled and forced, policy tenant_isolation on "tenantId".
--   SELECT rampart_revoke_from_others('"my_table"', ARRAY['UPDATE', 'DELETE', 'TRUNCATE']);
--       for history tables: privileges every role but the owner loses (the runtime role
--       receives SELECT, INSERT, UPDATE, DELETE through the owner's default privileges).

CREATE FUNCTION rampart_enable_tenant_rls(target regclass, tenant_column name DEFAULT 'tenantId') RETURNS void
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $$
  BEGIN
    -- A policy over a missing or mistyped column would fail later, or compare text with uuid.
    IF NOT EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = target AND a.attname = tenant_column AND NOT a.attisdropped
                      AND a.atttypid = 'uuid'::regtype) THEN
      RAISE EXCEPTION 'rampart_enable_tenant_rls: % has no uuid column %', target, tenant_column;
    END IF;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (%I = rampart_current_tenant()) WITH CHECK (%I = rampart_current_tenant())',
                   target, tenant_column, tenant_column);
  END
  $$;

CREATE FUNCTION rampart_revoke_from_others(target regclass, privileges text[]) RETURNS void
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $$
  DECLARE r record;
  BEGIN
    -- The list is spliced into REVOKE, so only privilege keywords pass.
    IF cardinality(privileges) IS NULL OR cardinality(privileges) = 0 OR EXISTS (
         SELECT 1 FROM unnest(privileges) p
          WHERE p NOT IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')) THEN
      RAISE EXCEPTION 'rampart_revoke_from_others: % is not a list of table privileges', privileges;
    END IF;
    -- Grantees are resolved, never named: role names are configuration.
    FOR r IN SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g
              WHERE g.table_schema = 'public' AND g.table_name = (SELECT c.relname FROM pg_class c WHERE c.oid = target)
                AND g.privilege_type = ANY (privileges) AND g.grantee <> current_user
    LOOP
      EXECUTE format('REVOKE %s ON %s FROM %s', array_to_string(privileges, ', '), target,
                     CASE WHEN r.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(r.grantee) END);
    END LOOP;
  END
  $$;

-- Migration tools, not application functions: only the owner (who runs migrations and
-- owns the tables they alter) may execute them, whatever the default privileges grant.
DO $$
DECLARE
  f regprocedure;
  r record;
BEGIN
  FOREACH f IN ARRAY ARRAY['rampart_enable_tenant_rls(regclass, name)'::regprocedure,
                           'rampart_revoke_from_others(regclass, text[])'::regprocedure] LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    FOR r IN SELECT DISTINCT ro.rolname FROM pg_proc p, aclexplode(p.proacl) a JOIN pg_roles ro ON ro.oid = a.grantee
              WHERE p.oid = f AND a.grantee <> p.proowner LOOP
      EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %I', f, r.rolname);
    END LOOP;
  END LOOP;
END
$$;
