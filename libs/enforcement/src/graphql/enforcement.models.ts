import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { PolicyActionEnum } from '@rampart/policies';
import { GraphQLJSON } from 'graphql-scalars';

export enum ManifestOperationEnum {
  CREATE = 'CREATE',
  UPDATE = 'UPDATE',
}
registerEnumType(ManifestOperationEnum, {
  name: 'ManifestOperation',
  description: 'The admission operation a dry run simulates.',
  valuesMap: {
    CREATE: { description: 'The manifests are created (the default).' },
    UPDATE: {
      description:
        'The manifests replace oldManifest: a rule the old object already failed is recorded as AUDIT (pre-existing) and never denies; a rule the update newly breaks denies as usual.',
    },
  },
});

@ObjectType({ description: 'A rule as a policy enables it, with its effective parameters.' })
export class EnabledRule {
  @Field({ description: 'Rule id from the catalog.' })
  ruleId!: string;

  @Field(() => GraphQLJSON, { description: 'Parameters in effect (catalog defaults filled in).' })
  parameters!: unknown;
}

@ObjectType({ description: 'Whether one policy applies at a (cluster, namespace), and why.' })
export class PolicyApplication {
  @Field(() => ID, { description: 'The policy.' })
  policyId!: string;

  @Field({ description: 'Its name.' })
  policyName!: string;

  @Field(() => PolicyActionEnum, { description: 'Its action.' })
  action!: PolicyActionEnum;

  @Field({ description: 'Whether it is the tenant’s default policy.' })
  isDefault!: boolean;

  @Field(() => Int, { description: 'Its version.' })
  version!: number;

  @Field({ description: 'Whether it applies here.' })
  applies!: boolean;

  @Field({ description: 'Why it applies or not, in one sentence.' })
  reason!: string;

  @Field(() => [EnabledRule], { description: 'The rules it checks here (empty when it does not apply).' })
  rules!: EnabledRule[];
}

@ObjectType({ description: 'One policy enabling a rule, with its parameters.' })
export class RuleSource {
  @Field(() => ID, { description: 'The policy.' })
  policyId!: string;

  @Field({ description: 'Its name.' })
  policyName!: string;

  @Field(() => PolicyActionEnum, { description: 'Its action.' })
  action!: PolicyActionEnum;

  @Field(() => GraphQLJSON, { description: 'The parameters this policy gives the rule.' })
  parameters!: unknown;
}

@ObjectType({ description: 'A rule in effect, with every applicable policy that enables it.' })
export class EffectiveRule {
  @Field({ description: 'Rule id.' })
  ruleId!: string;

  @Field({ description: 'Rule title.' })
  title!: string;

  @Field(() => PolicyActionEnum, { description: 'BLOCK when any policy enabling it blocks, else AUDIT.' })
  action!: PolicyActionEnum;

  @Field(() => [RuleSource], { description: 'The policies enabling it.' })
  policies!: RuleSource[];
}

@ObjectType({ description: 'Which policies and rules apply at a (cluster, namespace), with parameters and reasons.' })
export class EffectivePolicy {
  @Field(() => ID, { description: 'The cluster.' })
  clusterId!: string;

  @Field(() => ID, { description: 'Its cloud scope.' })
  cloudScopeId!: string;

  @Field({ description: 'The namespace explained.' })
  namespace!: string;

  @Field({ description: 'Whether it is a system namespace (excluded unless a policy names it).' })
  systemNamespace!: boolean;

  @Field(() => [PolicyApplication], { description: 'Policies that apply.' })
  appliedPolicies!: PolicyApplication[];

  @Field(() => [PolicyApplication], { description: 'Policies that do not apply, with the reason.' })
  notAppliedPolicies!: PolicyApplication[];

  @Field(() => [EffectiveRule], { description: 'Rules in effect, in catalog order.' })
  rules!: EffectiveRule[];

  @Field({ description: 'Whether a request here can be denied: an applicable BLOCK policy enables a rule and the cluster can enforce.' })
  canDeny!: boolean;

  @Field({ description: 'Whether the cluster can deny at all; when false it can only audit (BLOCK policies are recorded as AUDIT).' })
  enforceable!: boolean;

  @Field(() => [String], { description: 'Why the cluster can only audit, one sentence per unmet prerequisite; empty when it can enforce.' })
  notEnforceableReasons!: string[];

  @Field(() => [ID], { description: 'Applicable BLOCK policies with enabled rules.' })
  blockingPolicyIds!: string[];

  @Field(() => [ID], { description: 'Applicable AUDIT policies with enabled rules.' })
  auditingPolicyIds!: string[];

  @Field({ description: 'How the verdict is formed, in plain words.' })
  summary!: string;
}

@ObjectType({ description: 'One failing (policy, rule) pair of a dry run.' })
export class ManifestViolation {
  @Field(() => Int, { description: 'Index of the document (0-based, in the order given).' })
  documentIndex!: number;

  @Field(() => ID, { description: 'The policy.' })
  policyId!: string;

  @Field({ description: 'Its name.' })
  policyName!: string;

  @Field({ description: 'The failing rule.' })
  ruleId!: string;

  @Field(() => PolicyActionEnum, {
    description: 'The action that would be taken: the policy’s, except AUDIT for a pre-existing violation or on a cluster that can only audit.',
  })
  action!: PolicyActionEnum;

  @Field(() => PolicyActionEnum, { description: 'The policy’s configured action.' })
  policyAction!: PolicyActionEnum;

  @Field({ description: 'On UPDATE: the old object already failed this rule, so it is recorded but never denied.' })
  preExisting!: boolean;

  @Field({ description: 'What is wrong and what to change.' })
  message!: string;

  @Field({ description: 'JSON path of the offending field.' })
  path!: string;
}

@ObjectType({ description: 'How one document of a dry run fared.' })
export class ManifestDocumentResult {
  @Field(() => Int, { description: 'Index of the document (0-based).' })
  index!: number;

  @Field(() => String, { nullable: true, description: 'Its kind.' })
  kind!: string | null;

  @Field(() => String, { nullable: true, description: 'Its metadata.name.' })
  name!: string | null;

  @Field({ description: 'The namespace it was evaluated in (its own, else the one asked about).' })
  namespace!: string;

  @Field({ description: 'Whether any rule evaluates this kind.' })
  evaluated!: boolean;

  @Field({ description: 'Whether it would be admitted.' })
  allowed!: boolean;

  @Field(() => String, { nullable: true, description: 'Why it was not evaluated, when it was not.' })
  note!: string | null;
}

@ObjectType({ description: 'The result of evaluating manifests against a cluster’s effective policy, without deploying.' })
export class ManifestEvaluationResult {
  @Field({ description: 'Whether every document would be admitted.' })
  allowed!: boolean;

  @Field(() => [ManifestViolation], { description: 'The failing (policy, rule) pairs: every one, or the first 1,000 when there are more (see totalViolations).' })
  violations!: ManifestViolation[];

  @Field(() => Int, { description: 'How many violations were found in all; more than the length of violations when that list was cut at 1,000.' })
  totalViolations!: number;

  @Field(() => [ManifestDocumentResult], { description: 'Per-document outcome.' })
  documents!: ManifestDocumentResult[];
}

@ObjectType({ description: 'A cluster’s policy bundle.' })
export class ClusterBundle {
  @Field(() => Int, { description: 'Bundle version (0 = computed on demand, not yet stored).' })
  version!: number;

  @Field({ description: 'ETag: sha256 of the canonical JSON of the content.' })
  etag!: string;

  @Field(() => GraphQLJSON, { description: 'The bundle as sensors receive it (see the bundle format).' })
  content!: unknown;
}
