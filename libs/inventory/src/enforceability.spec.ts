import { enforceabilityOf, type EnforceabilityFacts } from './enforceability';

const READY: EnforceabilityFacts = {
  kubernetesVersion: '1.30.0',
  sensorVersion: '0.11.0',
  misconfigurationPoliciesEnabled: true,
  planEnabled: true,
  cloudScopeName: 'Production',
};

describe('enforceabilityOf', () => {
  it('is enforceable with every prerequisite met, at exactly the minimum versions', () => {
    expect(enforceabilityOf(READY)).toEqual({ enforceable: true, reasons: [] });
  });

  it.each(['1.30.2-eks-123', '1.30.5-gke.1014001', '1.31.0', '2.0.0', '1.30.0-rc.1'])(
    'reads distribution suffixes as the release they belong to (%s is ≥ 1.30)',
    (kubernetesVersion) => {
      expect(enforceabilityOf({ ...READY, kubernetesVersion }).enforceable).toBe(true);
    },
  );

  it('gives one exact sentence per unmet prerequisite, in a fixed order', () => {
    expect(enforceabilityOf({ ...READY, kubernetesVersion: '1.29.9-eks-1' })).toEqual({
      enforceable: false,
      reasons: [
        'Kubernetes 1.29.9-eks-1 is older than 1.30; ValidatingAdmissionPolicy is enabled by default only from Kubernetes 1.30, so upgrade the cluster.',
      ],
    });
    expect(enforceabilityOf({ ...READY, sensorVersion: '0.10.9' }).reasons).toEqual([
      'Sensor 0.10.9 is older than 0.11; upgrade the sensor to 0.11 or later.',
    ]);
    expect(enforceabilityOf({ ...READY, misconfigurationPoliciesEnabled: false }).reasons).toEqual([
      'Misconfiguration policies are not enabled on the sensor; enable them in the sensor configuration.',
    ]);
    expect(enforceabilityOf({ ...READY, planEnabled: false }).reasons).toEqual([
      'The plan is not enabled on cloud scope "Production"; enable it to enforce policies there.',
    ]);
    const all = enforceabilityOf({ kubernetesVersion: '1.28.0', sensorVersion: '0.9.0', misconfigurationPoliciesEnabled: false, planEnabled: false, cloudScopeName: 'x' });
    expect(all.enforceable).toBe(false);
    expect(all.reasons.map((r) => r.split(' ')[0])).toEqual(['Kubernetes', 'Sensor', 'Misconfiguration', 'The']);
  });

  it('compares numerically, not as text (0.9 < 0.11, 1.4 < 1.30)', () => {
    expect(enforceabilityOf({ ...READY, sensorVersion: '0.9.0' }).enforceable).toBe(false);
    expect(enforceabilityOf({ ...READY, sensorVersion: '0.12.0' }).enforceable).toBe(true);
    expect(enforceabilityOf({ ...READY, kubernetesVersion: '1.4.0' }).enforceable).toBe(false);
  });
});
