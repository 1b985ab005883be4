import { AppError } from '@rampart/platform';
import { checkDistributionMatchesCloud, normaliseClusterName, normaliseDisplayName, normaliseExternalId, normaliseVersion } from './inventory-input';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError && error.code === 'BAD_USER_INPUT') return error.field;
    throw error;
  }
  return undefined;
}

describe('inventory input', () => {
  it('accepts each provider’s id form and normalises Azure GUIDs to lower case', () => {
    expect(normaliseExternalId('AZURE', ' 0F8FAD5B-D9CB-469F-A165-70867728950E ')).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(normaliseExternalId('AWS', '123456789012')).toBe('123456789012');
    expect(normaliseExternalId('GCP', 'my-project-42')).toBe('my-project-42');
    expect(normaliseExternalId('GCP', 'abcdef')).toBe('abcdef');
    expect(normaliseExternalId('GCP', 'a'.repeat(30))).toBe('a'.repeat(30));
  });

  it.each([
    ['AZURE', '123456789012'],
    ['AZURE', '0f8fad5b-d9cb-469f-a165-70867728950'],
    ['AWS', '12345678901'],
    ['AWS', '1234567890123'],
    ['AWS', '12345678901a'],
    ['GCP', 'abcde'],
    ['GCP', 'a'.repeat(31)],
    ['GCP', '1project'],
    ['GCP', 'project-'],
    ['GCP', 'My-Project'],
    ['GCP', 'my_project'],
    ['GCP', '0f8fad5b-d9cb-469f-a165-70867728950e'],
  ] as const)('rejects %s external id %p naming input.externalId', (provider, id) => {
    expect(fieldOf(() => normaliseExternalId(provider, id))).toBe('input.externalId');
  });

  it('display names are 1–100 characters after trimming', () => {
    expect(normaliseDisplayName('  Prod  ')).toBe('Prod');
    expect(normaliseDisplayName('x'.repeat(100))).toHaveLength(100);
    expect(fieldOf(() => normaliseDisplayName('   '))).toBe('input.displayName');
    expect(fieldOf(() => normaliseDisplayName('x'.repeat(101)))).toBe('input.displayName');
  });

  it('cluster names are DNS-1123 labels', () => {
    for (const ok of ['a', 'prod-eu-1', '0', 'a'.repeat(63)]) expect(normaliseClusterName(ok)).toBe(ok);
    for (const bad of ['', 'Prod', '-a', 'a-', 'a_b', 'a.b', 'a'.repeat(64)]) {
      expect({ bad, field: fieldOf(() => normaliseClusterName(bad)) }).toEqual({ bad, field: 'input.name' });
    }
  });

  it('versions are semantic versions, with the v dropped and distribution suffixes kept', () => {
    expect(normaliseVersion('v1.30.2', 'f')).toBe('1.30.2');
    expect(normaliseVersion('1.30.2-eks-123', 'f')).toBe('1.30.2-eks-123');
    expect(normaliseVersion('v1.30.5-gke.1014001', 'f')).toBe('1.30.5-gke.1014001');
    for (const bad of ['', 'latest', '1.30.x', 'v1', '1.30.2 ; drop', '01.30.2', '1.030', '1.30.', '.30', '1.30-eks']) {
      expect({ bad, field: fieldOf(() => normaliseVersion(bad, 'input.sensorVersion')) }).toEqual({ bad, field: 'input.sensorVersion' });
    }
  });

  it.each([
    ['1.30', '1.30.0'],
    ['v1.30', '1.30.0'],
    [' 1.29 ', '1.29.0'],
    ['0.11', '0.11.0'],
    ['1.0', '1.0.0'],
  ])('a bare major.minor %p is its first patch release %p', (raw, stored) => {
    expect(normaliseVersion(raw, 'input.kubernetesVersion')).toBe(stored);
  });

  it.each([
    ['AKS', 'AZURE'],
    ['EKS', 'AWS'],
    ['GKE', 'GCP'],
  ] as const)('%s runs in %s', (distribution, provider) => {
    expect(() => checkDistributionMatchesCloud(distribution, provider)).not.toThrow();
  });

  it.each([
    ['AKS', 'AWS', 'AKS runs in an Azure subscription, but the cloud scope is an AWS account; a cluster there is EKS'],
    ['AKS', 'GCP', 'AKS runs in an Azure subscription, but the cloud scope is a GCP project; a cluster there is GKE'],
    ['EKS', 'AZURE', 'EKS runs in an AWS account, but the cloud scope is an Azure subscription; a cluster there is AKS'],
    ['EKS', 'GCP', 'EKS runs in an AWS account, but the cloud scope is a GCP project; a cluster there is GKE'],
    ['GKE', 'AZURE', 'GKE runs in a GCP project, but the cloud scope is an Azure subscription; a cluster there is AKS'],
    ['GKE', 'AWS', 'GKE runs in a GCP project, but the cloud scope is an AWS account; a cluster there is EKS'],
  ] as const)('refuses %s in a %s cloud scope, naming input.distribution', (distribution, provider, message) => {
    expect(fieldOf(() => checkDistributionMatchesCloud(distribution, provider))).toBe('input.distribution');
    expect(() => checkDistributionMatchesCloud(distribution, provider)).toThrow(message);
  });
});
