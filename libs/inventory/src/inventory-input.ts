import semver from 'semver';
import { AppError, isUuid } from '@rampart/platform';
import type { Distribution } from './inventory.repository';

export type Provider = 'AZURE' | 'AWS' | 'GCP';

const AWS_ACCOUNT = /^\d{12}$/;
// Google's rule for project ids: 6–30 characters, a lowercase letter first, no trailing hyphen.
const GCP_PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
// A DNS-1123 label: what every distribution accepts as a cluster name and what fits in a hostname.
const CLUSTER_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The provider's own spelling of the account id, or BAD_USER_INPUT. Azure GUIDs are
 * lower-cased so that one subscription cannot be onboarded twice under two spellings.
 */
export function normaliseExternalId(provider: Provider, raw: string, field = 'input.externalId'): string {
  const value = raw.trim();
  switch (provider) {
    case 'AZURE': {
      // A subscription id is a GUID, the format of our own ids; lower-cased first, so the check is the same.
      const id = value.toLowerCase();
      if (!isUuid(id)) throw AppError.badInput(field, 'must be an Azure subscription id (a GUID such as 0f8fad5b-d9cb-469f-a165-70867728950e)');
      return id;
    }
    case 'AWS':
      if (!AWS_ACCOUNT.test(value)) throw AppError.badInput(field, 'must be an AWS account id (12 digits)');
      return value;
    case 'GCP':
      if (!GCP_PROJECT.test(value)) {
        throw AppError.badInput(
          field,
          'must be a GCP project id: 6 to 30 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen',
        );
      }
      return value;
  }
}

export function normaliseDisplayName(raw: string, field = 'input.displayName'): string {
  const name = raw.trim();
  if (name.length < 1 || name.length > 100) throw AppError.badInput(field, 'must be 1 to 100 characters');
  return name;
}

export function normaliseClusterName(raw: string, field = 'input.name'): string {
  const name = raw.trim();
  if (!CLUSTER_NAME.test(name)) {
    throw AppError.badInput(field, 'must be 1 to 63 lowercase letters, digits or hyphens, starting and ending with a letter or digit');
  }
  return name;
}

// `1.30` / `v1.30`: how people (and `kubectl version` minor-only listings) write a release.
const MAJOR_MINOR = /^v?(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;

/**
 * A version as reported by a distribution (`v1.30.2`, `1.30.2-eks-123`,
 * `1.30.5-gke.1014001`), stored without the `v` but with the distribution's suffix.
 * A bare major.minor (`1.30`) means its first patch release, `1.30.0`.
 */
export function normaliseVersion(raw: string, field: string): string {
  const value = raw.trim();
  const short = MAJOR_MINOR.exec(value);
  if (short) return `${short[1]}.${short[2]}.0`;
  const valid = value.length <= 128 ? semver.valid(value) : null;
  if (!valid) throw AppError.badInput(field, 'must be a version such as 1.30, 1.30.2 or v1.30.2-eks-123');
  return valid;
}

/** The one cloud each managed Kubernetes service runs in. */
export const DISTRIBUTION_PROVIDER: Readonly<Record<Distribution, Provider>> = Object.freeze({ AKS: 'AZURE', EKS: 'AWS', GKE: 'GCP' });

const PROVIDER_WORDS: Readonly<Record<Provider, string>> = { AZURE: 'an Azure subscription', AWS: 'an AWS account', GCP: 'a GCP project' };

/** BAD_USER_INPUT unless the distribution is the managed Kubernetes of the cloud scope's provider. */
export function checkDistributionMatchesCloud(distribution: Distribution, provider: Provider, field = 'input.distribution'): void {
  const expected = DISTRIBUTION_PROVIDER[distribution];
  if (expected !== provider) {
    const fits = (Object.keys(DISTRIBUTION_PROVIDER) as Distribution[]).find((d) => DISTRIBUTION_PROVIDER[d] === provider);
    throw AppError.badInput(
      field,
      `${distribution} runs in ${PROVIDER_WORDS[expected]}, but the cloud scope is ${PROVIDER_WORDS[provider]}; a cluster there is ${fits ?? 'not supported'}`,
    );
  }
}
