import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, PickType, registerEnumType } from '@nestjs/graphql';
import { ConnectionType } from '@rampart/platform';

export enum CloudProviderEnum {
  AZURE = 'AZURE',
  AWS = 'AWS',
  GCP = 'GCP',
}
registerEnumType(CloudProviderEnum, {
  name: 'CloudProvider',
  description: 'The cloud a cloud scope belongs to.',
  valuesMap: {
    AZURE: { description: 'Microsoft Azure; the external id is a subscription id.' },
    AWS: { description: 'Amazon Web Services; the external id is a 12-digit account id.' },
    GCP: { description: 'Google Cloud; the external id is a project id.' },
  },
});

export enum CloudEnvironmentEnum {
  COMMERCIAL = 'COMMERCIAL',
  US_GOVERNMENT = 'US_GOVERNMENT',
  CHINA = 'CHINA',
  SOVEREIGN = 'SOVEREIGN',
}
registerEnumType(CloudEnvironmentEnum, {
  name: 'CloudEnvironment',
  description: 'Which instance of the cloud; only COMMERCIAL is supported.',
  valuesMap: {
    COMMERCIAL: { description: 'The public commercial cloud.' },
    US_GOVERNMENT: { description: 'US government cloud (not supported).' },
    CHINA: { description: 'The cloud operated in China (not supported).' },
    SOVEREIGN: { description: 'Other national or sovereign clouds (not supported).' },
  },
});

export enum ClusterDistributionEnum {
  AKS = 'AKS',
  EKS = 'EKS',
  GKE = 'GKE',
}
registerEnumType(ClusterDistributionEnum, {
  name: 'ClusterDistribution',
  description: 'The managed Kubernetes service running a cluster.',
  valuesMap: {
    AKS: { description: 'Azure Kubernetes Service.' },
    EKS: { description: 'Amazon Elastic Kubernetes Service.' },
    GKE: { description: 'Google Kubernetes Engine.' },
  },
});

@ObjectType({ description: 'An Azure subscription, AWS account or GCP project onboarded by a tenant.' })
export class CloudScope {
  @Field(() => ID, { description: 'Cloud scope id.' })
  id!: string;

  @Field(() => ID, { description: 'The tenant.' })
  tenantId!: string;

  @Field(() => CloudProviderEnum, { description: 'The cloud.' })
  provider!: CloudProviderEnum;

  @Field({ description: 'The provider’s id of the subscription, account or project.' })
  externalId!: string;

  @Field({ description: 'Display name.' })
  displayName!: string;

  @Field(() => CloudEnvironmentEnum, { description: 'Which instance of the cloud.' })
  environment!: CloudEnvironmentEnum;

  @Field({ description: 'Whether the plan is enabled on this scope; its clusters enforce policies only when it is.' })
  planEnabled!: boolean;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it was offboarded; null while onboarded.' })
  offboardedAt!: Date | null;

  @Field(() => GraphQLISODateTime, { description: 'When it was onboarded.' })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { description: 'When it last changed.' })
  updatedAt!: Date;
}

@ObjectType({ description: 'A namespace of a cluster, as reported by its sensor.' })
export class Namespace {
  @Field(() => ID, { description: 'Namespace id.' })
  id!: string;

  @Field({ description: 'Kubernetes name of the namespace.' })
  name!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the sensor first reported it.' })
  firstSeenAt!: Date;

  @Field(() => GraphQLISODateTime, { description: 'When the sensor last reported it.' })
  lastSeenAt!: Date;
}

export const NamespaceConnection = ConnectionType(Namespace, 'Namespace');

@ObjectType({ description: 'A Kubernetes cluster in one cloud scope, with the sensor that enforces its bundle.' })
export class Cluster {
  @Field(() => ID, { description: 'Cluster id.' })
  id!: string;

  /** Not a field: lets nested resolvers open the right tenant transaction. */
  tenantId!: string;

  @Field({ description: 'Cluster name, unique among the live clusters of its cloud scope.' })
  name!: string;

  @Field(() => ID, { description: 'The cloud scope it belongs to.' })
  cloudScopeId!: string;

  @Field(() => ClusterDistributionEnum, { description: 'The managed Kubernetes service.' })
  distribution!: ClusterDistributionEnum;

  @Field({ description: 'Kubernetes version, as the distribution reports it (e.g. 1.30.2-eks-123).' })
  kubernetesVersion!: string;

  @Field({ description: 'Version of the Rampart sensor.' })
  sensorVersion!: string;

  @Field({ description: 'Whether misconfiguration policies are enabled on the sensor.' })
  misconfigurationPoliciesEnabled!: boolean;

  @Field(() => Int, { description: 'Optimistic-concurrency version: incremented by every change; pass it as updateCluster’s expectedVersion.' })
  version!: number;

  @Field(() => Int, { nullable: true, description: 'Version of the newest bundle compiled for it; null until one exists.' })
  desiredBundleVersion!: number | null;

  @Field(() => Int, { nullable: true, description: 'Version of the bundle the sensor last reported as applied; null until it reports one.' })
  appliedBundleVersion!: number | null;

  @Field(() => String, { nullable: true, description: 'ETag of the bundle the sensor last reported as applied.' })
  appliedBundleEtag!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Last heartbeat of the sensor; null until it first reports.' })
  lastSeenAt!: Date | null;

  @Field(() => GraphQLISODateTime, { description: 'When the current sensor credential was issued.' })
  credentialRotatedAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it was deregistered; null while registered.' })
  deregisteredAt!: Date | null;

  @Field(() => GraphQLISODateTime, { description: 'When it was registered.' })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { description: 'When it last changed.' })
  updatedAt!: Date;
}

export const ClusterConnection = ConnectionType(Cluster, 'Cluster');
export const CloudScopeConnection = ConnectionType(CloudScope, 'CloudScope');

@ObjectType({ description: 'Result of registerCluster: the cluster and its sensor credential.' })
export class RegisterClusterPayload {
  @Field(() => Cluster, { description: 'The registered cluster.' })
  cluster!: Cluster;

  @Field({ description: 'The sensor’s bearer token. Shown only here: Rampart stores only its hash.' })
  sensorToken!: string;
}

@ObjectType({ description: 'Result of rotateClusterCredential: the new sensor credential (the old one no longer works).' })
export class RotateClusterCredentialPayload {
  @Field(() => Cluster, { description: 'The cluster.' })
  cluster!: Cluster;

  @Field({ description: 'The new bearer token. Shown only here: Rampart stores only its hash.' })
  sensorToken!: string;
}

@InputType({ description: 'Input of onboardCloudScope.' })
export class OnboardCloudScopeInput {
  @Field(() => ID, { description: 'The tenant.' })
  tenantId!: string;

  @Field(() => CloudProviderEnum, { description: 'The cloud.' })
  provider!: CloudProviderEnum;

  @Field({ description: 'Azure subscription id (GUID), AWS account id (12 digits) or GCP project id.' })
  externalId!: string;

  @Field({ description: 'Display name, 1–100 characters.' })
  displayName!: string;

  @Field(() => CloudEnvironmentEnum, {
    nullable: true,
    defaultValue: CloudEnvironmentEnum.COMMERCIAL,
    description: 'Which instance of the cloud; anything but COMMERCIAL is refused with UNSUPPORTED_CLOUD.',
  })
  environment?: CloudEnvironmentEnum | null;
}

@InputType({ description: 'Input of renameCloudScope.' })
export class RenameCloudScopeInput {
  @Field(() => ID, { description: 'The cloud scope.' })
  id!: string;

  @Field({ description: 'New display name, 1–100 characters.' })
  displayName!: string;
}

@InputType({ description: 'Input of registerCluster.' })
export class RegisterClusterInput {
  @Field(() => ID, { description: 'The (onboarded) cloud scope the cluster runs in.' })
  cloudScopeId!: string;

  @Field({ description: 'Cluster name: 1–63 lowercase letters, digits or hyphens, unique among the live clusters of the scope.' })
  name!: string;

  @Field(() => ClusterDistributionEnum, { description: 'The managed Kubernetes service; must be the cloud scope’s (AKS in Azure, EKS in AWS, GKE in GCP).' })
  distribution!: ClusterDistributionEnum;

  @Field({ description: 'Kubernetes version, e.g. 1.30, 1.30.2, v1.30.2 or 1.30.2-eks-123 (1.30 means 1.30.0).' })
  kubernetesVersion!: string;

  @Field({ description: 'Version of the Rampart sensor, e.g. 0.11 or 0.11.0.' })
  sensorVersion!: string;

  @Field({ description: 'Whether misconfiguration policies are enabled on the sensor.' })
  misconfigurationPoliciesEnabled!: boolean;
}

/** The cluster's own settings, as registerCluster takes them: what an upgrade may change. */
const ClusterSettings = PickType(RegisterClusterInput, ['name', 'kubernetesVersion', 'sensorVersion', 'misconfigurationPoliciesEnabled'] as const, InputType);

@InputType({ description: 'Input of updateCluster: the cluster’s state after an upgrade (every field is replaced).' })
export class UpdateClusterInput extends ClusterSettings {
  @Field(() => ID, { description: 'The cluster.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version last read; a different current version is a CONFLICT. Omit to overwrite unconditionally.' })
  expectedVersion?: number | null;
}
