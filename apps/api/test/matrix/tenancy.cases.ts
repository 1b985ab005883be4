import { randomBytes } from 'node:crypto';
import type { CaseTable } from './matrix.types';

const ASSIGN = 'mutation($input: AssignRoleInput!) { assignRole(input: $input) { roleAssignment { id } } }';

export const TENANCY_CASES: CaseTable = {
  Query: {
    apiInfo: { document: '{ apiInfo { name } }', variables: async () => ({}) },
    me: { document: '{ me { user { id } } }', variables: async () => ({}) },
    tenants: { document: '{ tenants { id } }', variables: async () => ({}) },
    tenant: { document: 'query($id: ID!) { tenant(id: $id) { id name roleAssignments { id } } }', variables: async (w) => ({ id: w.tenantId }) },
    auditLog: {
      document: 'query($t: ID!) { auditLog(tenantId: $t, first: 5) { edges { node { seq } } } }',
      variables: async (w) => ({ t: w.tenantId }),
    },
  },
  Mutation: {
    createTenant: { document: 'mutation { createTenant(input: { name: "Matrix" }) { id } }', variables: async () => ({}) },
    assignRole: {
      document: ASSIGN,
      variables: async (w) => {
        const someone = await w.api.signUp('grantee');
        return { input: { tenantId: w.tenantId, principalEmail: someone.email, role: 'SECURITY_READER' } };
      },
    },
    revokeRole: {
      document: 'mutation($id: ID!) { revokeRole(id: $id) { id } }',
      // A reader role on scope A: scope admins of A still may not revoke (OWNER only).
      objectInScopeA: true,
      variables: async (w) => {
        const someone = await w.api.signUp('revokee');
        const granted = await w.api.gqlOk<{ assignRole: { roleAssignment: { id: string } } }>(
          ASSIGN,
          { input: { tenantId: w.tenantId, principalEmail: someone.email, role: 'SECURITY_READER', cloudScopeId: w.scopeId } },
          w.owner.token,
        );
        return { id: granted.assignRole.roleAssignment.id };
      },
    },
    revokeInvitation: {
      document: 'mutation($id: ID!) { revokeInvitation(id: $id) { id status } }',
      // An invitation on scope A: scope admins of A still may not revoke it (OWNER only).
      objectInScopeA: true,
      variables: async (w) => {
        const invited = await w.api.gqlOk<{ assignRole: { invitation: { id: string } } }>(
          'mutation($input: AssignRoleInput!) { assignRole(input: $input) { invitation { id } } }',
          { input: { tenantId: w.tenantId, principalEmail: `invitee-${randomBytes(4).toString('hex')}@example.test`, role: 'SECURITY_READER', cloudScopeId: w.scopeId } },
          w.owner.token,
        );
        return { id: invited.assignRole.invitation.id };
      },
    },
  },
};
