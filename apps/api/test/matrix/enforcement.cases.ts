import { randomUUID } from 'node:crypto';
import type { CaseTable, World } from './matrix.types';

/** A live cluster in cloud scope A (inserted directly: this table tests authorization, not registration). */
async function clusterInScopeA(w: World): Promise<string> {
  const id = randomUUID();
  await w.sql(
    `INSERT INTO cluster ("tenantId", id, "cloudScopeId", name, distribution, "kubernetesVersion", "sensorVersion",
       "misconfigurationPoliciesEnabled", "sensorTokenHash", "credentialRotatedAt", "updatedAt")
     VALUES ($1, $2, $3, $4, 'AKS', '1.30.2', '0.11.0', true, $5, now(), now())`,
    [w.tenantId, id, w.scopeId, `c-${id.slice(0, 8)}`, randomUUID()],
  );
  return id;
}

const DEPLOYMENT = 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [ { name: c, image: nginx } ] }\n';

export const ENFORCEMENT_CASES: CaseTable = {
  Query: {
    effectivePolicy: {
      document: 'query($c: ID!) { effectivePolicy(clusterId: $c, namespace: "payments") { canDeny } }',
      objectInScopeA: true,
      variables: async (w) => ({ c: await clusterInScopeA(w) }),
    },
    evaluateManifest: {
      document: 'query($c: ID!, $m: String!) { evaluateManifest(clusterId: $c, namespace: "payments", manifest: $m) { allowed } }',
      objectInScopeA: true,
      variables: async (w) => ({ c: await clusterInScopeA(w), m: DEPLOYMENT }),
    },
    clusterBundle: {
      document: 'query($c: ID!) { clusterBundle(clusterId: $c) { etag } }',
      objectInScopeA: true,
      variables: async (w) => ({ c: await clusterInScopeA(w) }),
    },
  },
};
