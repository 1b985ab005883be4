import type { Role } from '../db/generated/prisma/enums';

/**
 * THE authorization table: every GraphQL root operation (and, later, every REST
 * route) with the minimum role it needs and how its target's tenant (and cloud
 * scope) is found. The guard reads nothing else; a test fails when an operation
 * of the schema is missing here, and the role matrix test is generated from it.
 */

/** Kinds of objects whose tenant can be found from their id (see rampart_locate in SQL). */
export type LocatableKind = 'RoleAssignment' | 'CloudScope';

export type Access =
  /** Anyone, signed in or not. */
  | { kind: 'public' }
  /** Any signed-in user; the operation itself limits what it returns to the caller. */
  | { kind: 'authenticated' }
  /** The tenant is named by an argument (path like `input.tenantId`). */
  | { kind: 'tenant'; minRole: Role; tenantIdArg: string }
  /** The target is an object named by an argument; its tenant and cloud scope are looked up. */
  | { kind: 'object'; minRole: Role; objectKind: LocatableKind; idArg: string };

export type OperationType = 'Query' | 'Mutation';

export const AUTHORIZATION_TABLE: Record<OperationType, Record<string, Access>> = {
  Query: {
    apiInfo: { kind: 'public' },
    me: { kind: 'authenticated' },
    tenants: { kind: 'authenticated' },
    tenant: { kind: 'tenant', minRole: 'SECURITY_READER', tenantIdArg: 'id' },
    auditLog: { kind: 'tenant', minRole: 'SECURITY_READER', tenantIdArg: 'tenantId' },
  },
  Mutation: {
    createTenant: { kind: 'authenticated' },
    assignRole: { kind: 'tenant', minRole: 'OWNER', tenantIdArg: 'input.tenantId' },
    revokeRole: { kind: 'object', minRole: 'OWNER', objectKind: 'RoleAssignment', idArg: 'id' },
  },
};

export function accessFor(type: string, field: string): Access | undefined {
  return (AUTHORIZATION_TABLE as Record<string, Record<string, Access>>)[type]?.[field];
}
