-- CreateEnum
CREATE TYPE "Role" AS ENUM ('OWNER', 'SECURITY_ADMIN', 'SECURITY_READER');

-- CreateEnum
CREATE TYPE "CloudProvider" AS ENUM ('AZURE', 'AWS', 'GCP');

-- CreateEnum
CREATE TYPE "CloudEnvironment" AS ENUM ('COMMERCIAL', 'US_GOVERNMENT', 'CHINA', 'SOVEREIGN');

-- CreateTable
CREATE TABLE "cloud_scope" (
    "tenantId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "provider" "CloudProvider" NOT NULL,
    "externalId" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "environment" "CloudEnvironment" NOT NULL DEFAULT 'COMMERCIAL',
    "planEnabled" BOOLEAN NOT NULL DEFAULT true,
    "offboardedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cloud_scope_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "role_assignment" (
    "tenantId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "role" "Role" NOT NULL,
    "cloudScopeId" UUID,
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "role_assignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log_entry" (
    "tenantId" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "id" UUID NOT NULL,
    "actorUserId" UUID,
    "actor" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT,
    "before" JSONB,
    "after" JSONB,
    "requestId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_log_entry_pkey" PRIMARY KEY ("tenantId","seq")
);

-- CreateTable
CREATE TABLE "audit_chain_head" (
    "tenantId" UUID NOT NULL,
    "lastSeq" BIGINT NOT NULL,
    "lastHash" TEXT NOT NULL,

    CONSTRAINT "audit_chain_head_pkey" PRIMARY KEY ("tenantId")
);

-- CreateIndex
CREATE INDEX "cloud_scope_tenantId_createdAt_id_idx" ON "cloud_scope"("tenantId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "cloud_scope_tenantId_id_key" ON "cloud_scope"("tenantId", "id");

-- CreateIndex
CREATE INDEX "role_assignment_tenantId_userId_idx" ON "role_assignment"("tenantId", "userId");

-- CreateIndex
CREATE INDEX "role_assignment_userId_idx" ON "role_assignment"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "role_assignment_tenantId_id_key" ON "role_assignment"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "audit_log_entry_id_key" ON "audit_log_entry"("id");

-- AddForeignKey
ALTER TABLE "cloud_scope" ADD CONSTRAINT "cloud_scope_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "role_assignment" ADD CONSTRAINT "role_assignment_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "role_assignment" ADD CONSTRAINT "role_assignment_userId_fkey" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "role_assignment" ADD CONSTRAINT "role_assignment_tenantId_cloudScopeId_fkey" FOREIGN KEY ("tenantId", "cloudScopeId") REFERENCES "cloud_scope"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------
-- Hand-written below (Prisma cannot express it). Keep when regenerating.
-- ---------------------------------------------------------------------------

-- One assignment per (tenant, user, scope); a tenant-wide one has no scope.
CREATE UNIQUE INDEX "role_assignment_tenant_user_scope_key"
  ON "role_assignment" ("tenantId", "userId", "cloudScopeId") NULLS NOT DISTINCT;

-- Row-level security: the tenant of the current transaction, set by the application
-- with set_config('app.tenant_id', …, true). Unset means no tenant: zero rows.
CREATE FUNCTION rampart_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

ALTER TABLE "tenant" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "tenant" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "tenant"
  USING ("id" = rampart_current_tenant()) WITH CHECK ("id" = rampart_current_tenant());

ALTER TABLE "cloud_scope" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "cloud_scope" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "cloud_scope"
  USING ("tenantId" = rampart_current_tenant()) WITH CHECK ("tenantId" = rampart_current_tenant());

ALTER TABLE "role_assignment" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "role_assignment" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "role_assignment"
  USING ("tenantId" = rampart_current_tenant()) WITH CHECK ("tenantId" = rampart_current_tenant());

ALTER TABLE "audit_log_entry" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "audit_log_entry" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "audit_log_entry"
  USING ("tenantId" = rampart_current_tenant()) WITH CHECK ("tenantId" = rampart_current_tenant());

ALTER TABLE "audit_chain_head" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "audit_chain_head" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "audit_chain_head"
  USING ("tenantId" = rampart_current_tenant()) WITH CHECK ("tenantId" = rampart_current_tenant());

-- The two deliberate cross-tenant paths, narrow and read-only. They run as the owner
-- role (which the setup script gives BYPASSRLS; the runtime role never has it):
-- 1. a user's own memberships, for `me` and `tenants`;
-- 2. which tenant (and cloud scope) an object id belongs to, so authorization can
--    decide before any tenant transaction opens. They return ids only, never data.
CREATE FUNCTION rampart_user_memberships(p_user uuid)
  RETURNS TABLE ("assignmentId" uuid, "tenantId" uuid, "tenantName" text, "tenantCreatedAt" timestamptz, "role" "Role", "cloudScopeId" uuid, "createdAt" timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT ra."id", ra."tenantId", t."name", t."createdAt", ra."role", ra."cloudScopeId", ra."createdAt"
    FROM "role_assignment" ra JOIN "tenant" t ON t."id" = ra."tenantId"
    WHERE ra."userId" = p_user
  $$;

CREATE FUNCTION rampart_locate(p_kind text, p_id uuid)
  RETURNS TABLE ("tenantId" uuid, "cloudScopeId" uuid)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  BEGIN
    CASE p_kind
      WHEN 'RoleAssignment' THEN
        RETURN QUERY SELECT ra."tenantId", ra."cloudScopeId" FROM "role_assignment" ra WHERE ra."id" = p_id;
      WHEN 'CloudScope' THEN
        RETURN QUERY SELECT c."tenantId", c."id" FROM "cloud_scope" c WHERE c."id" = p_id;
      ELSE
        RAISE EXCEPTION 'rampart_locate: unknown kind %', p_kind USING ERRCODE = 'invalid_parameter_value';
    END CASE;
  END
  $$;

-- The change log is append-only for everyone: a trigger refuses UPDATE, DELETE and
-- TRUNCATE (even for the owner), and the runtime role holds no such privilege.
CREATE FUNCTION rampart_refuse_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    RAISE EXCEPTION '% on % is not allowed: the change log is append-only', TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END
  $$;
CREATE TRIGGER audit_log_entry_append_only BEFORE UPDATE OR DELETE ON "audit_log_entry"
  FOR EACH ROW EXECUTE FUNCTION rampart_refuse_change();
CREATE TRIGGER audit_log_entry_no_truncate BEFORE TRUNCATE ON "audit_log_entry"
  FOR EACH STATEMENT EXECUTE FUNCTION rampart_refuse_change();

DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
           WHERE table_schema = 'public' AND table_name = 'audit_log_entry'
             AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE') AND grantee <> current_user
  LOOP
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON "audit_log_entry" FROM %I', r.grantee);
  END LOOP;
END
$$;
