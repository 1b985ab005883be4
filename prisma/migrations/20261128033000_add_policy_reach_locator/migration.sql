-- Where a policy can apply, for authorization (a role limited to cloud scopes sees the
-- policies that can apply in one of them): its tenant and
--   '{}'  — everywhere (no cloud scope and no cluster named),
--   the named cloud scopes (all when none) holding a named cluster (any when none),
--   NULL  — nowhere.
-- Identifiers only, like rampart_locate (which still answers for the other kinds).
CREATE FUNCTION rampart_locate_policy(p_id uuid)
  RETURNS TABLE ("tenantId" uuid, "cloudScopeIds" uuid[])
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT p."tenantId",
      CASE
        WHEN cardinality(p."scopeCloudScopeIds") = 0 AND cardinality(p."scopeClusterIds") = 0 THEN '{}'::uuid[]
        WHEN cardinality(p."scopeClusterIds") = 0 THEN
          ARRAY(SELECT DISTINCT s FROM unnest(p."scopeCloudScopeIds") AS s ORDER BY s)
        ELSE NULLIF(ARRAY(
          SELECT DISTINCT k."cloudScopeId" FROM "cluster" k
           WHERE k."tenantId" = p."tenantId" AND k."id" = ANY(p."scopeClusterIds")
             AND (cardinality(p."scopeCloudScopeIds") = 0 OR k."cloudScopeId" = ANY(p."scopeCloudScopeIds"))
           ORDER BY k."cloudScopeId"), '{}'::uuid[])
      END
    FROM "policy" p
    WHERE p."id" = p_id AND p."deletedAt" IS NULL
  $$;
