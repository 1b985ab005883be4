import { Extensions, Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ConnectionType, NOT_A_UUID } from '@rampart/platform';
import { PolicyActionEnum } from './policy-action.enum';
import { GraphQLJSON } from 'graphql-scalars';

export enum PolicyChangeEnum {
  CREATE = 'CREATE',
  UPDATE = 'UPDATE',
  DELETE = 'DELETE',
}
registerEnumType(PolicyChangeEnum, {
  name: 'PolicyChange',
  description: 'The kind of change a policy revision records.',
  valuesMap: {
    CREATE: { description: 'The policy was created.' },
    UPDATE: { description: 'The policy was changed.' },
    DELETE: { description: 'The policy was deleted.' },
  },
});

@ObjectType({ description: 'A built-in misconfiguration rule of the catalog.' })
export class RuleDefinition {
  @Field(() => ID, { description: 'Stable rule id, e.g. privileged-containers.' })
  id!: string;

  @Field({ description: 'Short title.' })
  title!: string;

  @Field({ description: 'Category, e.g. privileges or supply chain.' })
  category!: string;

  @Field({ description: 'What the rule checks and why it matters.' })
  description!: string;

  @Field({ description: 'What to change when a resource fails the rule, in one sentence.' })
  remediation!: string;

  @Field(() => GraphQLJSON, { description: 'JSON schema of the rule’s parameters (unknown parameter names are rejected).' })
  parametersSchema!: unknown;

  @Field(() => GraphQLJSON, { description: 'The parameters a policy gets when it omits them.' })
  defaultParameters!: unknown;

  @Field({ description: 'Whether the default policy enables this rule.' })
  enabledByDefault!: boolean;
}

@ObjectType({ description: 'Where a policy applies: each empty list means all at that level.' })
export class PolicyScope {
  @Field(() => [ID], { description: 'Cloud scopes; empty means every cloud scope of the tenant.' })
  cloudScopeIds!: string[];

  @Field(() => [ID], { description: 'Clusters; empty means every cluster of the cloud scopes above.' })
  clusterIds!: string[];

  @Field(() => [String], { description: 'Namespaces; empty means every namespace (system namespaces only when named).' })
  namespaces!: string[];
}

@ObjectType({ description: 'One rule of the catalog as a policy sets it.' })
export class PolicyRule {
  @Field(() => ID, { description: 'The rule id of the catalog.' })
  ruleId!: string;

  @Field({ description: 'Whether the policy evaluates this rule.' })
  enabled!: boolean;

  @Field(() => GraphQLJSON, { description: 'The rule’s parameters, catalog defaults filled in.' })
  parameters!: unknown;
}

@ObjectType({ description: 'An immutable record of one change to a policy.' })
export class PolicyRevision {
  @Field(() => ID, { description: 'Revision id.' })
  id!: string;

  @Field(() => Int, { description: 'The policy version this change produced.' })
  version!: number;

  @Field(() => PolicyChangeEnum, { description: 'Created, changed or deleted.' })
  change!: PolicyChangeEnum;

  @Field({ description: 'Who made the change (e-mail, or system:<component>).' })
  actor!: string;

  @Field(() => ID, { nullable: true, description: 'User id of the actor, when a user.' })
  actorUserId!: string | null;

  @Field(() => GraphQLJSON, { description: '{ field: { from, to } } for every field the change altered.' })
  diff!: unknown;

  @Field(() => GraphQLJSON, { description: 'The whole policy after the change (before it, for a deletion).' })
  snapshot!: unknown;

  @Field(() => String, { nullable: true, description: 'Request id of the API call that made the change.' })
  requestId!: string | null;

  @Field(() => GraphQLISODateTime, { description: 'When the change was committed.' })
  createdAt!: Date;
}

export const PolicyRevisionConnection = ConnectionType(PolicyRevision, 'PolicyRevision');

@ObjectType({ description: 'A misconfiguration policy: an action, a scope and per-rule settings.' })
export class Policy {
  @Field(() => ID, { description: 'Policy id.' })
  id!: string;

  /** Not exposed: the tenant is known from the path that led here; revisions need it. */
  tenantId!: string;

  @Field({ description: 'Name, unique (case-insensitively) among the tenant’s policies.' })
  name!: string;

  @Field({ description: 'Free text, up to 1000 characters.' })
  description!: string;

  @Field(() => PolicyActionEnum, { description: 'Audit or Block.' })
  action!: PolicyActionEnum;

  @Field({ description: 'Whether this is the tenant’s default policy (its name, description and scope are fixed).' })
  isDefault!: boolean;

  @Field(() => Int, { description: 'Starts at 1 and grows with every change; pass it as updatePolicy’s expectedVersion.' })
  version!: number;

  @Field(() => PolicyScope, { description: 'Where the policy applies.' })
  scope!: PolicyScope;

  @Field(() => [PolicyRule], { description: 'Every rule of the catalog, in catalog order, with whether it is on and its parameters.' })
  rules!: PolicyRule[];

  @Field(() => GraphQLISODateTime, { description: 'When the policy was created.' })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { description: 'When the policy last changed.' })
  updatedAt!: Date;
}

export const PolicyConnection = ConnectionType(Policy, 'Policy');

@InputType({ description: 'Where a policy applies; an omitted or empty list means all at that level.' })
export class PolicyScopeInput {
  @Field(() => [ID], { nullable: true, description: 'Cloud scopes of the tenant.' })
  cloudScopeIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Clusters; when cloudScopeIds is given too, each must be in one of them.' })
  clusterIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Kubernetes namespace names (DNS-1123 labels).' })
  namespaces?: string[] | null;
}

@InputType({ description: 'One rule a policy sets; rules a policy does not list are off.' })
export class PolicyRuleInput {
  @Field(() => ID, { description: 'A rule id of the catalog (see ruleCatalog).' })
  @Extensions(NOT_A_UUID)
  ruleId!: string;

  @Field({ description: 'Whether the policy evaluates this rule.' })
  enabled!: boolean;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Parameters per the rule’s parametersSchema; omitted ones take the catalog defaults.' })
  parameters?: unknown;
}

@InputType({ description: 'Input of createPolicy.' })
export class CreatePolicyInput {
  @Field(() => ID, { description: 'The tenant.' })
  tenantId!: string;

  @Field({ description: 'Name, 1–100 characters, unique among the tenant’s policies.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Free text, up to 1000 characters.' })
  description?: string | null;

  @Field(() => PolicyActionEnum, { description: 'Audit or Block.' })
  action!: PolicyActionEnum;

  @Field(() => PolicyScopeInput, { nullable: true, description: 'Where the policy applies; omit for everywhere.' })
  scope?: PolicyScopeInput | null;

  @Field(() => [PolicyRuleInput], { description: 'The rules this policy sets; unlisted rules are off.' })
  rules!: PolicyRuleInput[];
}

@InputType({ description: 'Input of updatePolicy; an omitted field stays as it is.' })
export class UpdatePolicyInput {
  @Field(() => ID, { description: 'The policy.' })
  id!: string;

  @Field(() => Int, { description: 'The version the change is based on; another version → CONFLICT.' })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: 'New name (not for the default policy).' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New description (not for the default policy).' })
  description?: string | null;

  @Field(() => PolicyActionEnum, { nullable: true, description: 'New action.' })
  action?: PolicyActionEnum | null;

  @Field(() => PolicyScopeInput, { nullable: true, description: 'New scope, replacing the old one (not for the default policy).' })
  scope?: PolicyScopeInput | null;

  @Field(() => [PolicyRuleInput], { nullable: true, description: 'New rule settings, replacing the old ones: unlisted rules are off.' })
  rules?: PolicyRuleInput[] | null;
}
