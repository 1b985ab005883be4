import { randomBytes } from 'node:crypto';
import type { CaseTable, World } from './matrix.types';

const REGISTER = `mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { cluster { id } sensorToken } }`;
const ONBOARD = 'mutation($input: OnboardCloudScopeInput!) { onboardCloudScope(input: $input) { id } }';

/** A fresh 12-digit AWS account id, so every onboarding call is new. */
function awsAccount(): string {
  return String(parseInt(randomBytes(5).toString('hex'), 16) % 1e12).padStart(12, '0');
}

function clusterInput(cloudScopeId: string) {
  return {
    cloudScopeId,
    name: `m-${randomBytes(4).toString('hex')}`,
    distribution: 'EKS',
    kubernetesVersion: '1.30.2',
    sensorVersion: '0.11.0',
    misconfigurationPoliciesEnabled: true,
  };
}

/** A new live cluster in cloud scope A, registered by the owner. */
async function clusterInScopeA(w: World): Promise<string> {
  const data = await w.api.gqlOk<{ registerCluster: { cluster: { id: string } } }>(REGISTER, { input: clusterInput(w.scopeId) }, w.owner.token);
  return data.registerCluster.cluster.id;
}

/** A new cloud scope (not A, not B), onboarded by the owner. */
async function newCloudScope(w: World): Promise<string> {
  const data = await w.api.gqlOk<{ onboardCloudScope: { id: string } }>(
    ONBOARD,
    { input: { tenantId: w.tenantId, provider: 'AWS', externalId: awsAccount(), displayName: 'Matrix scope' } },
    w.owner.token,
  );
  return data.onboardCloudScope.id;
}

/** Cases for the inventory operations of the authorization table. */
export const INVENTORY_CASES: CaseTable = {
  Query: {
    cluster: {
      document: 'query($id: ID!) { cluster(id: $id) { id enforceable cloudScope { id } } }',
      objectInScopeA: true,
      variables: async (w) => ({ id: await clusterInScopeA(w) }),
    },
  },
  Mutation: {
    onboardCloudScope: {
      document: ONBOARD,
      variables: async (w) => ({ input: { tenantId: w.tenantId, provider: 'AWS', externalId: awsAccount(), displayName: 'Matrix' } }),
    },
    renameCloudScope: {
      document: 'mutation($input: RenameCloudScopeInput!) { renameCloudScope(input: $input) { id } }',
      // Scope A itself: renaming it leaves the fixture usable.
      objectInScopeA: true,
      variables: async (w) => ({ input: { id: w.scopeId, displayName: `A ${randomBytes(2).toString('hex')}` } }),
    },
    offboardCloudScope: {
      document: 'mutation($id: ID!) { offboardCloudScope(id: $id) { id offboardedAt } }',
      // A scope of its own (scope A must stay): no scope-level role covers it.
      variables: async (w) => ({ id: await newCloudScope(w) }),
    },
    registerCluster: {
      document: REGISTER,
      // The target is cloud scope A itself.
      objectInScopeA: true,
      variables: async (w) => ({ input: clusterInput(w.scopeId) }),
    },
    updateCluster: {
      document: 'mutation($input: UpdateClusterInput!) { updateCluster(input: $input) { id version kubernetesVersion enforceable } }',
      objectInScopeA: true,
      variables: async (w) => {
        const id = await clusterInScopeA(w);
        return { input: { id, name: `u-${randomBytes(4).toString('hex')}`, kubernetesVersion: '1.31', sensorVersion: '0.12.0', misconfigurationPoliciesEnabled: true } };
      },
    },
    rotateClusterCredential: {
      document: 'mutation($id: ID!) { rotateClusterCredential(clusterId: $id) { sensorToken } }',
      objectInScopeA: true,
      variables: async (w) => ({ id: await clusterInScopeA(w) }),
    },
    deregisterCluster: {
      document: 'mutation($id: ID!) { deregisterCluster(id: $id) { id deregisteredAt } }',
      objectInScopeA: true,
      variables: async (w) => ({ id: await clusterInScopeA(w) }),
    },
  },
};
