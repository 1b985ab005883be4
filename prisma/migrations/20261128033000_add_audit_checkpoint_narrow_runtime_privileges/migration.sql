-- CreateTable
CREATE TABLE "audit_checkpoint" (
    "tenantId" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "signedAt" TIMESTAMPTZ(3) NOT NULL,
    "keyId" TEXT NOT NULL,
    "signature" TEXT NOT NULL,

    CONSTRAINT "audit_checkpoint_pkey" PRIMARY KEY ("tenantId","seq")
);

-- ---------------------------------------------------------------------------
-- Hand-written below (Prisma cannot express it). Keep when regenerating.
-- ---------------------------------------------------------------------------

ALTER TABLE "audit_checkpoint" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "audit_checkpoint" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "audit_checkpoint"
  USING ("tenantId" = rampart_current_tenant()) WITH CHECK ("tenantId" = rampart_current_tenant());

-- Checkpoints are append-only like the log they sign.
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON "audit_checkpoint"
  FOR EACH ROW EXECUTE FUNCTION rampart_refuse_change();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON "audit_checkpoint"
  FOR EACH STATEMENT EXECUTE FUNCTION rampart_refuse_change();
-- A checkpoint names an entry that exists, with its hash. The database cannot check the
-- signature, but this keeps a stray insert from naming a sequence far ahead, which would
-- make the tenant look checkpointed (never due again) until its log reached it.
CREATE FUNCTION rampart_checkpoint_names_entry() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $$
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM "audit_log_entry" e
                    WHERE e."tenantId" = NEW."tenantId" AND e."seq" = NEW."seq" AND e."hash" = NEW."hash") THEN
      RAISE EXCEPTION 'a checkpoint must name an existing change-log entry and its hash' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER audit_checkpoint_names_entry BEFORE INSERT ON "audit_checkpoint"
  FOR EACH ROW EXECUTE FUNCTION rampart_checkpoint_names_entry();

-- A chain head is born at the genesis and only ever advances by one, onto the entry
-- appended in the same transaction; it is never deleted. Without this a head deleted or
-- moved back (by the runtime role or the owner) made every later write of that tenant fail.
CREATE FUNCTION rampart_chain_head_guard() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      IF NEW."lastSeq" <> 0 OR NEW."lastHash" <> repeat('0', 64) THEN
        RAISE EXCEPTION 'a chain head starts at sequence 0 with the genesis hash' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END IF;
    IF NEW."tenantId" <> OLD."tenantId" OR NEW."lastSeq" <> OLD."lastSeq" + 1 OR NOT EXISTS (
         SELECT 1 FROM "audit_log_entry" e
          WHERE e."tenantId" = NEW."tenantId" AND e."seq" = NEW."lastSeq" AND e."hash" = NEW."lastHash") THEN
      RAISE EXCEPTION 'the chain head may only advance by one, onto the entry just appended' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER audit_chain_head_guard BEFORE INSERT OR UPDATE ON "audit_chain_head"
  FOR EACH ROW EXECUTE FUNCTION rampart_chain_head_guard();
CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON "audit_chain_head"
  FOR EACH ROW EXECUTE FUNCTION rampart_refuse_change();
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON "audit_chain_head"
  FOR EACH STATEMENT EXECUTE FUNCTION rampart_refuse_change();

-- The one deliberate cross-tenant read of the checkpoint job: which tenants have entries
-- beyond their latest checkpoint. Ids only, in pages (keyset on the id).
CREATE FUNCTION rampart_audit_checkpoint_due(p_after uuid, p_limit integer)
  RETURNS TABLE ("tenantId" uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT h."tenantId" FROM "audit_chain_head" h
     WHERE (p_after IS NULL OR h."tenantId" > p_after)
       AND h."lastSeq" > COALESCE((SELECT max(c."seq") FROM "audit_checkpoint" c WHERE c."tenantId" = h."tenantId"), 0)
     ORDER BY h."tenantId"
     LIMIT LEAST(GREATEST(p_limit, 1), 1000)
  $$;

-- Privileges of every role but the owner (grantees are resolved, never named: role names
-- are configuration). The runtime role needs to read and append the log, advance the head
-- and append checkpoints; nothing else on these tables, and nothing at all on Prisma's
-- migration history.
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT DISTINCT table_name, grantee FROM information_schema.role_table_grants
           WHERE table_schema = 'public' AND grantee <> current_user
             AND table_name IN ('_prisma_migrations', 'audit_chain_head', 'audit_checkpoint')
  LOOP
    EXECUTE format(
      CASE r.table_name
        WHEN '_prisma_migrations' THEN 'REVOKE ALL ON %I FROM %s'
        WHEN 'audit_chain_head' THEN 'REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON %I FROM %s'
        ELSE 'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON %I FROM %s'
      END,
      r.table_name, CASE WHEN r.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(r.grantee) END);
  END LOOP;
END
$$;

-- Functions: PostgreSQL lets PUBLIC execute every new function, so any role that can log in
-- could call the SECURITY DEFINER ones (which bypass row-level security). Only the runtime
-- role may execute them — it is the role the owner's default table privileges go to
-- (scripts/lib.mjs ensureDatabase). The default privileges below cover functions created
-- by later migrations the same way: no PUBLIC, the runtime role yes.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
DO $$
DECLARE
  runtime text[];
  f record;
  r text;
BEGIN
  SELECT array_agg(DISTINCT ro.rolname) INTO runtime
    FROM pg_default_acl d, aclexplode(d.defaclacl) a, pg_roles ro
   WHERE d.defaclrole = to_regrole(current_user) AND d.defaclobjtype = 'r'
     AND a.grantee = ro.oid AND a.grantee <> d.defaclrole;
  IF runtime IS NULL THEN
    SELECT array_agg(DISTINCT g.grantee) INTO runtime FROM information_schema.role_table_grants g
     WHERE g.table_schema = 'public' AND g.table_name = 'tenant' AND g.grantee NOT IN (current_user, 'PUBLIC');
  END IF;
  FOREACH r IN ARRAY coalesce(runtime, '{}') LOOP
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO %I', r);
  END LOOP;
  FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = to_regrole(current_user)
  LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f.sig);
    FOREACH r IN ARRAY coalesce(runtime, '{}') LOOP
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f.sig, r);
    END LOOP;
  END LOOP;
END
$$;
