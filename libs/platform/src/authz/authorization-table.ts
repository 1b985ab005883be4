import type { Role } from '../db/generated/prisma/enums';

/**
 * THE authorization table: every GraphQL root operation (and, later, every REST
 * route) with the minimum role it needs and how its target's tenant (and cloud
 * scope) is found. The guard reads nothing else; a test fails when an operation
 * of the schema is missing here. What each role may do is tested against a separate,
 * hand-written expectation (apps/api/test/matrix/expected-outcomes.ts), never this table.
 */

/** Kinds of objects whose tenant can be found from their id (see rampart_locate in SQL). */
export type LocatableKind = 'RoleAssignment' | 'Invitation' | 'CloudScope' | 'Cluster' | 'Policy';

export type Access =
  /** Anyone, signed in or not. */
  | { kind: 'public' }
  /** Any signed-in user; the operation itself limits what it returns to the caller. */
  | { kind: 'authenticated' }
  /**
   * The tenant is named by an argument (path like `input.tenantId`). Tenant-level
   * operations need a tenant-wide role, except with `seenFiltered`: a role limited to
   * cloud scopes then sees the tenant with every child filtered to its scopes.
   */
  | { kind: 'tenant'; minRole: Role; tenantIdArg: string; seenFiltered?: true }
  /** The target is an object named by an argument; its tenant and cloud scope are looked up. */
  | { kind: 'object'; minRole: Role; objectKind: LocatableKind; idArg: string };

export type OperationType = 'Query' | 'Mutation';

export const AUTHORIZATION_TABLE: Record<OperationType, Record<string, Access>> = {
  Query: {
    apiInfo: { kind: 'public' },
    me: { kind: 'authenticated' },
    tenants: { kind: 'authenticated' },
    tenant: { kind: 'tenant', minRole: 'SECURITY_READER', tenantIdArg: 'id', seenFiltered: true },
    auditLog: { kind: 'tenant', minRole: 'SECURITY_READER', tenantIdArg: 'tenantId' },
    ruleCatalog: { kind: 'authenticated' },
    cluster: { kind: 'object', minRole: 'SECURITY_READER', objectKind: 'Cluster', idArg: 'id' },
    policy: { kind: 'object', minRole: 'SECURITY_READER', objectKind: 'Policy', idArg: 'id' },
    effectivePolicy: { kind: 'object', minRole: 'SECURITY_READER', objectKind: 'Cluster', idArg: 'clusterId' },
    clusterBundle: { kind: 'object', minRole: 'SECURITY_READER', objectKind: 'Cluster', idArg: 'clusterId' },
    // A dry run changes nothing: readers may run it.
    evaluateManifest: { kind: 'object', minRole: 'SECURITY_READER', objectKind: 'Cluster', idArg: 'clusterId' },
  },
  Mutation: {
    createTenant: { kind: 'authenticated' },
    assignRole: { kind: 'tenant', minRole: 'OWNER', tenantIdArg: 'input.tenantId' },
    revokeRole: { kind: 'object', minRole: 'OWNER', objectKind: 'RoleAssignment', idArg: 'id' },
    revokeInvitation: { kind: 'object', minRole: 'OWNER', objectKind: 'Invitation', idArg: 'id' },
    onboardCloudScope: { kind: 'tenant', minRole: 'SECURITY_ADMIN', tenantIdArg: 'input.tenantId' },
    renameCloudScope: { kind: 'object', minRole: 'SECURITY_ADMIN', objectKind: 'CloudScope', idArg: 'input.id' },
    offboardCloudScope: { kind: 'object', minRole: 'SECURITY_ADMIN', objectKind: 'CloudScope', idArg: 'id' },
    registerCluster: { kind: 'object', minRole: 'SECURITY_ADMIN', objectKind: 'CloudScope', idArg: 'input.cloudScopeId' },
    rotateClusterCredential: { kind: 'object', minRole: 'SECURITY_ADMIN', objectKind: 'Cluster', idArg: 'clusterId' },
    updateCluster: { kind: 'object', minRole: 'SECURITY_ADMIN', objectKind: 'Cluster', idArg: 'input.id' },
    deregisterCluster: { kind: 'object', minRole: 'SECURITY_ADMIN', objectKind: 'Cluster', idArg: 'id' },
    createPolicy: { kind: 'tenant', minRole: 'SECURITY_ADMIN', tenantIdArg: 'input.tenantId' },
    updatePolicy: { kind: 'object', minRole: 'SECURITY_ADMIN', objectKind: 'Policy', idArg: 'input.id' },
    deletePolicy: { kind: 'object', minRole: 'SECURITY_ADMIN', objectKind: 'Policy', idArg: 'id' },
  },
};

export function accessFor(type: string, field: string): Access | undefined {
  return (AUTHORIZATION_TABLE as Record<string, Record<string, Access>>)[type]?.[field];
}
