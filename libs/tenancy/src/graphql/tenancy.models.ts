import { Field, GraphQLISODateTime, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ConnectionType } from '@rampart/platform';
import { GraphQLJSON } from 'graphql-scalars';

export enum RoleEnum {
  OWNER = 'OWNER',
  SECURITY_ADMIN = 'SECURITY_ADMIN',
  SECURITY_READER = 'SECURITY_READER',
}
registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'What a principal may do in a tenant (or one cloud scope of it).',
  valuesMap: {
    OWNER: { description: 'Everything, including managing role assignments.' },
    SECURITY_ADMIN: { description: 'Manage policies, clusters and cloud scopes.' },
    SECURITY_READER: { description: 'Read only.' },
  },
});

@ObjectType({ description: 'A person, identified by the OIDC subject.' })
export class User {
  @Field(() => ID, { description: 'Rampart user id.' })
  id!: string;

  @Field({ description: 'E-mail address from the identity token.' })
  email!: string;

  @Field({
    description:
      'Whether the issuer vouched for this address and this user holds it (no one else): only then do role grants and invitations by e-mail reach the user.',
  })
  emailVerified!: boolean;

  @Field(() => String, { nullable: true, description: 'Display name from the identity token.' })
  name!: string | null;
}

@ObjectType({ description: 'An organisation using Rampart.' })
export class Tenant {
  @Field(() => ID, { description: 'Tenant id.' })
  id!: string;

  @Field({ description: 'Display name.' })
  name!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the tenant was created.' })
  createdAt!: Date;
}

@ObjectType({ description: 'A role of a user in a tenant, tenant-wide or on one cloud scope.' })
export class RoleAssignment {
  @Field(() => ID, { description: 'Assignment id (pass it to revokeRole).' })
  id!: string;

  @Field(() => ID, { description: 'The tenant.' })
  tenantId!: string;

  @Field(() => RoleEnum, { description: 'The role granted.' })
  role!: RoleEnum;

  @Field(() => ID, { nullable: true, description: 'The cloud scope it is limited to; null means tenant-wide.' })
  cloudScopeId!: string | null;

  @Field(() => User, { description: 'Who holds the role.' })
  principal!: User;

  @Field(() => GraphQLISODateTime, { description: 'When it was granted.' })
  createdAt!: Date;
}

export enum InvitationStatusEnum {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  REVOKED = 'REVOKED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(InvitationStatusEnum, {
  name: 'InvitationStatus',
  description: 'Where an invitation stands.',
  valuesMap: {
    PENDING: { description: 'Waiting for the invited person’s first sign-in with this e-mail verified.' },
    ACCEPTED: { description: 'Bound: the person holds the role (see roleAssignmentId).' },
    REVOKED: { description: 'Withdrawn by an OWNER before it was bound.' },
    EXPIRED: { description: 'Not bound before expiresAt; it will never be.' },
  },
});

@ObjectType({ description: 'A role offered to an e-mail address that no user holds verified yet; bound at that person’s first sign-in with the address verified.' })
export class Invitation {
  @Field(() => ID, { description: 'Invitation id (pass it to revokeInvitation).' })
  id!: string;

  @Field(() => ID, { description: 'The tenant.' })
  tenantId!: string;

  @Field({ description: 'The invited e-mail address, normalised (trimmed, lower case).' })
  email!: string;

  @Field(() => RoleEnum, { description: 'The role offered.' })
  role!: RoleEnum;

  @Field(() => ID, { nullable: true, description: 'The cloud scope the role will be limited to; null means tenant-wide.' })
  cloudScopeId!: string | null;

  @Field(() => InvitationStatusEnum, { description: 'Pending, accepted, revoked or expired.' })
  status!: InvitationStatusEnum;

  @Field(() => ID, { nullable: true, description: 'User id of the OWNER who invited.' })
  createdById!: string | null;

  @Field(() => GraphQLISODateTime, { description: 'When the invitation was made.' })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { description: 'After this instant the invitation can no longer be bound (INVITATION_TTL_DAYS after creation).' })
  expiresAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it was bound.' })
  acceptedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The user it was bound to.' })
  acceptedByUserId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The role assignment that fulfils it, once accepted.' })
  roleAssignmentId!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it was revoked.' })
  revokedAt!: Date | null;
}

export const InvitationConnection = ConnectionType(Invitation, 'Invitation');

@ObjectType({ description: 'What assignRole did: exactly one of the two fields is set.' })
export class AssignRolePayload {
  @Field(() => RoleAssignment, {
    nullable: true,
    description: 'The role granted, when a user holds the e-mail verified (set for an existing user).',
  })
  roleAssignment!: RoleAssignment | null;

  @Field(() => Invitation, {
    nullable: true,
    description: 'The pending invitation, when no user holds the e-mail verified yet; bound at that person’s first verified sign-in.',
  })
  invitation!: Invitation | null;
}

@ObjectType({ description: 'One of the caller’s roles, with its tenant.' })
export class Membership {
  @Field(() => ID, { description: 'Assignment id.' })
  assignmentId!: string;

  @Field(() => Tenant, { description: 'The tenant.' })
  tenant!: Tenant;

  @Field(() => RoleEnum, { description: 'The role.' })
  role!: RoleEnum;

  @Field(() => ID, { nullable: true, description: 'Cloud scope the role is limited to; null means tenant-wide.' })
  cloudScopeId!: string | null;
}

@ObjectType({ description: 'The signed-in caller.' })
export class Me {
  @Field(() => User, { description: 'The caller.' })
  user!: User;

  @Field(() => [Membership], { description: 'Every role the caller holds, in every tenant.' })
  roleAssignments!: Membership[];
}

@ObjectType({ description: 'One entry of a tenant’s hash-chained change log.' })
export class AuditLogEntry {
  @Field(() => ID, { description: 'Entry id.' })
  id!: string;

  @Field({ description: 'Position in the tenant’s chain (1, 2, 3, … without gaps), as a decimal string.' })
  seq!: string;

  @Field({ description: 'Who made the change (e-mail, or system:<component>).' })
  actor!: string;

  @Field(() => ID, { nullable: true, description: 'User id of the actor, when a user.' })
  actorUserId!: string | null;

  @Field({ description: 'The operation, e.g. assignRole.' })
  operation!: string;

  @Field({ description: 'Type of the changed object, e.g. RoleAssignment.' })
  targetType!: string;

  @Field(() => String, { nullable: true, description: 'Id of the changed object.' })
  targetId!: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The object before the change (null when created).' })
  before!: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The object after the change (null when deleted).' })
  after!: unknown;

  @Field(() => String, { nullable: true, description: 'Request id of the API call that made the change.' })
  requestId!: string | null;

  @Field(() => GraphQLISODateTime, { description: 'When the change was committed.' })
  createdAt!: Date;

  @Field({ description: 'Hash of the previous entry (64 zeros for the first).' })
  prevHash!: string;

  @Field({ description: 'SHA-256 over this entry and prevHash.' })
  hash!: string;
}

export const AuditLogConnection = ConnectionType(AuditLogEntry, 'AuditLogEntry');

@InputType({ description: 'Input of createTenant.' })
export class CreateTenantInput {
  @Field({ description: 'Display name, 1–100 characters.' })
  name!: string;
}

@InputType({ description: 'Input of assignRole.' })
export class AssignRoleInput {
  @Field(() => ID, { description: 'The tenant.' })
  tenantId!: string;

  @Field({
    description:
      'E-mail of the person. A user holding it verified gets the role now; otherwise it becomes a pending invitation (Tenant.invitations).',
  })
  principalEmail!: string;

  @Field(() => RoleEnum, { description: 'The role to grant.' })
  role!: RoleEnum;

  @Field(() => ID, { nullable: true, description: 'Limit the role to this cloud scope; omit for tenant-wide.' })
  cloudScopeId?: string | null;
}
