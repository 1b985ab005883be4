-- AlterTable
ALTER TABLE "user" ADD COLUMN     "emailVerified" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "invitation" (
    "tenantId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "cloudScopeId" UUID,
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "acceptedAt" TIMESTAMPTZ(3),
    "acceptedByUserId" UUID,
    "roleAssignmentId" UUID,
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "invitation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "invitation_tenantId_createdAt_id_idx" ON "invitation"("tenantId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "invitation_tenantId_id_key" ON "invitation"("tenantId", "id");

-- AddForeignKey
ALTER TABLE "invitation" ADD CONSTRAINT "invitation_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invitation" ADD CONSTRAINT "invitation_tenantId_cloudScopeId_fkey" FOREIGN KEY ("tenantId", "cloudScopeId") REFERENCES "cloud_scope"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------
-- Hand-written below (Prisma cannot express it). Keep when regenerating.
-- ---------------------------------------------------------------------------

-- A verified e-mail belongs to one user: a second subject presenting it is stored unverified.
-- Users from before this migration start unverified; their next token decides.
CREATE UNIQUE INDEX "user_verified_email_key" ON "user" (lower("email")) WHERE "emailVerified";

ALTER TABLE "invitation" ADD CONSTRAINT "invitation_email_normalised" CHECK ("email" = lower(btrim("email")));
ALTER TABLE "invitation" ADD CONSTRAINT "invitation_closed_once" CHECK ("acceptedAt" IS NULL OR "revokedAt" IS NULL);
-- The sign-in lookup: open invitations by e-mail, across tenants.
CREATE INDEX "invitation_open_email" ON "invitation" ("email") WHERE "acceptedAt" IS NULL AND "revokedAt" IS NULL;

ALTER TABLE "invitation" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "invitation" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "invitation"
  USING ("tenantId" = rampart_current_tenant()) WITH CHECK ("tenantId" = rampart_current_tenant());

-- Invitations are history (accepted, revoked, expired): never deleted by the application.
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
           WHERE table_schema = 'public' AND table_name = 'invitation'
             AND privilege_type IN ('DELETE', 'TRUNCATE') AND grantee <> current_user
  LOOP
    EXECUTE format('REVOKE DELETE, TRUNCATE ON "invitation" FROM %I', r.grantee);
  END LOOP;
END
$$;

-- The third deliberate cross-tenant read: which tenants hold a pending, unexpired invitation
-- for this user's e-mail — only when the user holds that e-mail verified. Identifiers only;
-- binding then happens per tenant inside a tenant transaction.
CREATE FUNCTION rampart_pending_invitations(p_user uuid)
  RETURNS TABLE ("invitationId" uuid, "tenantId" uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT i."id", i."tenantId"
    FROM "user" u JOIN "invitation" i ON i."email" = lower(btrim(u."email"))
    WHERE u."id" = p_user AND u."emailVerified"
      AND i."acceptedAt" IS NULL AND i."revokedAt" IS NULL AND i."expiresAt" > now()
    ORDER BY i."createdAt", i."id"
  $$;

-- Objects whose tenant (and cloud scope) authorization looks up by id; now with invitations.
CREATE OR REPLACE FUNCTION rampart_locate(p_kind text, p_id uuid)
  RETURNS TABLE ("tenantId" uuid, "cloudScopeId" uuid)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  BEGIN
    CASE p_kind
      WHEN 'RoleAssignment' THEN
        RETURN QUERY SELECT ra."tenantId", ra."cloudScopeId" FROM "role_assignment" ra WHERE ra."id" = p_id;
      WHEN 'Invitation' THEN
        RETURN QUERY SELECT iv."tenantId", iv."cloudScopeId" FROM "invitation" iv WHERE iv."id" = p_id;
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
