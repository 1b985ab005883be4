import { randomUUID } from 'node:crypto';
import type { CaseTable, World } from './matrix.types';

const CREATE = 'mutation($input: CreatePolicyInput!) { createPolicy(input: $input) { id version } }';

function createInput(w: World) {
  return {
    tenantId: w.tenantId,
    name: `Matrix ${randomUUID()}`,
    action: 'AUDIT',
    rules: [{ ruleId: 'privileged-containers', enabled: true }],
  };
}

/** A fresh policy made by the owner, so every call has its own target; it can apply only in cloud scope A. */
async function freshPolicy(w: World): Promise<{ id: string; version: number }> {
  const input = { ...createInput(w), scope: { cloudScopeIds: [w.scopeId] } };
  const data = await w.api.gqlOk<{ createPolicy: { id: string; version: number } }>(CREATE, { input }, w.owner.token);
  return data.createPolicy;
}

/** Cases for the policies operations of the authorization table. */
export const POLICIES_CASES: CaseTable = {
  Query: {
    ruleCatalog: { document: '{ ruleCatalog { id parametersSchema } }', variables: async () => ({}) },
    policy: {
      document: 'query($id: ID!) { policy(id: $id) { id name rules { ruleId } revisions { edges { node { version } } } } }',
      variables: async (w) => ({ id: (await freshPolicy(w)).id }),
    },
  },
  Mutation: {
    createPolicy: { document: CREATE, variables: async (w) => ({ input: createInput(w) }) },
    updatePolicy: {
      document: 'mutation($input: UpdatePolicyInput!) { updatePolicy(input: $input) { id version } }',
      variables: async (w) => {
        const policy = await freshPolicy(w);
        return { input: { id: policy.id, expectedVersion: policy.version, action: 'BLOCK' } };
      },
    },
    deletePolicy: {
      document: 'mutation($id: ID!) { deletePolicy(id: $id) { id } }',
      variables: async (w) => ({ id: (await freshPolicy(w)).id }),
    },
  },
};
