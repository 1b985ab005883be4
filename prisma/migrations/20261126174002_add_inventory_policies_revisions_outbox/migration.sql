-- CreateEnum
CREATE TYPE "ClusterDistribution" AS ENUM ('AKS', 'EKS', 'GKE');

-- CreateEnum
CREATE TYPE "PolicyAction" AS ENUM ('AUDIT', 'BLOCK');

-- CreateEnum
CREATE TYPE "PolicyChange" AS ENUM ('CREATE', 'UPDATE', 'DELETE');

-- CreateTable
CREATE TABLE "cluster" (
    "tenantId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "cloudScopeId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "distribution" "ClusterDistribution" NOT NULL,
    "kubernetesVersion" TEXT NOT NULL,
    "sensorVersion" TEXT NOT NULL,
    "misconfigurationPoliciesEnabled" BOOLEAN NOT NULL,
    "sensorTokenHash" TEXT NOT NULL,
    "credentialRotatedAt" TIMESTAMPTZ(3) NOT NULL,
    "lastSeenAt" TIMESTAMPTZ(3),
    "appliedBundleEtag" TEXT,
    "deregisteredAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "namespace" (
    "tenantId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "firstSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "namespace_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "policy" (
    "tenantId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "action" "PolicyAction" NOT NULL,
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 1,
    "scopeCloudScopeIds" UUID[],
    "scopeClusterIds" UUID[],
    "scopeNamespaces" TEXT[],
    "rules" JSONB NOT NULL,
    "createdById" UUID,
    "updatedById" UUID,
    "deletedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "policy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "policy_revision" (
    "tenantId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "policyId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "change" "PolicyChange" NOT NULL,
    "actorUserId" UUID,
    "actor" TEXT NOT NULL,
    "diff" JSONB NOT NULL,
    "snapshot" JSONB NOT NULL,
    "requestId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "policy_revision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_event" (
    "tenantId" UUID NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedAt" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "outbox_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "cluster_sensorTokenHash_key" ON "cluster"("sensorTokenHash");

-- CreateIndex
CREATE INDEX "cluster_tenantId_createdAt_id_idx" ON "cluster"("tenantId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "cluster_tenantId_cloudScopeId_idx" ON "cluster"("tenantId", "cloudScopeId");

-- CreateIndex
CREATE UNIQUE INDEX "cluster_tenantId_id_key" ON "cluster"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "namespace_tenantId_clusterId_name_key" ON "namespace"("tenantId", "clusterId", "name");

-- CreateIndex
CREATE INDEX "policy_tenantId_createdAt_id_idx" ON "policy"("tenantId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "policy_tenantId_id_key" ON "policy"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "policy_revision_tenantId_policyId_version_key" ON "policy_revision"("tenantId", "policyId", "version");

-- CreateIndex
CREATE INDEX "outbox_event_publishedAt_id_idx" ON "outbox_event"("publishedAt", "id");

-- AddForeignKey
ALTER TABLE "cluster" ADD CONSTRAINT "cluster_tenantId_cloudScopeId_fkey" FOREIGN KEY ("tenantId", "cloudScopeId") REFERENCES "cloud_scope"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "namespace" ADD CONSTRAINT "namespace_tenantId_clusterId_fkey" FOREIGN KEY ("tenantId", "clusterId") REFERENCES "cluster"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policy_revision" ADD CONSTRAINT "policy_revision_tenantId_policyId_fkey" FOREIGN KEY ("tenantId", "policyId") REFERENCES "policy"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------
-- Hand-written below (Prisma cannot express it). Keep when regenerating.
-- ---------------------------------------------------------------------------

-- Uniqueness among live rows only: history (offboarded, deregistered, deleted) stays.
CREATE UNIQUE INDEX "cloud_scope_live_external_key" ON "cloud_scope" ("tenantId", "provider", "externalId")
  WHERE "offboardedAt" IS NULL;
CREATE UNIQUE INDEX "cluster_live_name_key" ON "cluster" ("tenantId", "cloudScopeId", "name")
  WHERE "deregisteredAt" IS NULL;
CREATE UNIQUE INDEX "policy_live_name_key" ON "policy" ("tenantId", lower("name"))
  WHERE "deletedAt" IS NULL;
-- Exactly one default policy per tenant, whatever the concurrency of onboarding.
CREATE UNIQUE INDEX "policy_one_default_per_tenant" ON "policy" ("tenantId") WHERE "isDefault";
CREATE INDEX "outbox_event_unpublished" ON "outbox_event" ("id") WHERE "publishedAt" IS NULL;

ALTER TABLE "policy" ADD CONSTRAINT "policy_version_positive" CHECK ("version" >= 1);
ALTER TABLE "policy" ADD CONSTRAINT "policy_rules_is_array" CHECK (jsonb_typeof("rules") = 'array');

ALTER TABLE "cluster" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "cluster" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "cluster"
  USING ("tenantId" = rampart_current_tenant()) WITH CHECK ("tenantId" = rampart_current_tenant());

ALTER TABLE "namespace" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "namespace" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "namespace"
  USING ("tenantId" = rampart_current_tenant()) WITH CHECK ("tenantId" = rampart_current_tenant());

ALTER TABLE "policy" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "policy" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "policy"
  USING ("tenantId" = rampart_current_tenant()) WITH CHECK ("tenantId" = rampart_current_tenant());

ALTER TABLE "policy_revision" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "policy_revision" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "policy_revision"
  USING ("tenantId" = rampart_current_tenant()) WITH CHECK ("tenantId" = rampart_current_tenant());

ALTER TABLE "outbox_event" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "outbox_event" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "outbox_event"
  USING ("tenantId" = rampart_current_tenant()) WITH CHECK ("tenantId" = rampart_current_tenant());

-- Policy revisions are immutable, like the change log.
CREATE TRIGGER policy_revision_immutable BEFORE UPDATE OR DELETE ON "policy_revision"
  FOR EACH ROW EXECUTE FUNCTION rampart_refuse_change();
CREATE TRIGGER policy_revision_no_truncate BEFORE TRUNCATE ON "policy_revision"
  FOR EACH STATEMENT EXECUTE FUNCTION rampart_refuse_change();
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
           WHERE table_schema = 'public' AND table_name = 'policy_revision'
             AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE') AND grantee <> current_user
  LOOP
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON "policy_revision" FROM %I', r.grantee);
  END LOOP;
END
$$;

-- Objects whose tenant (and cloud scope) authorization looks up by id.
CREATE OR REPLACE FUNCTION rampart_locate(p_kind text, p_id uuid)
  RETURNS TABLE ("tenantId" uuid, "cloudScopeId" uuid)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  BEGIN
    CASE p_kind
      WHEN 'RoleAssignment' THEN
        RETURN QUERY SELECT ra."tenantId", ra."cloudScopeId" FROM "role_assignment" ra WHERE ra."id" = p_id;
      WHEN 'CloudScope' THEN
        RETURN QUERY SELECT c."tenantId", c."id" FROM "cloud_scope" c WHERE c."id" = p_id AND c."offboardedAt" IS NULL;
      WHEN 'Cluster' THEN
        RETURN QUERY SELECT k."tenantId", k."cloudScopeId" FROM "cluster" k WHERE k."id" = p_id AND k."deregisteredAt" IS NULL;
      WHEN 'Policy' THEN
        RETURN QUERY SELECT p."tenantId", NULL::uuid FROM "policy" p WHERE p."id" = p_id AND p."deletedAt" IS NULL;
      ELSE
        RAISE EXCEPTION 'rampart_locate: unknown kind %', p_kind USING ERRCODE = 'invalid_parameter_value';
    END CASE;
  END
  $$;
