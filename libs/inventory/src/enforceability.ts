import semver from 'semver';

/** ValidatingAdmissionPolicy is GA and on by default from this Kubernetes minor version. */
export const MIN_KUBERNETES_VERSION = '1.30.0';
/** The first sensor that installs bundles as ValidatingAdmissionPolicy. */
export const MIN_SENSOR_VERSION = '0.11.0';

export interface EnforceabilityFacts {
  kubernetesVersion: string;
  sensorVersion: string;
  misconfigurationPoliciesEnabled: boolean;
  planEnabled: boolean;
  cloudScopeName: string;
}

export interface Enforceability {
  enforceable: boolean;
  reasons: string[];
}

/**
 * Distributions suffix their versions (`1.30.2-eks-123`, `1.30.5-gke.1014001`), which
 * semver reads as pre-releases of 1.30.2 and would rank below 1.30.0; only
 * major.minor.patch matters for what the API server supports.
 */
function atLeast(version: string, minimum: string): boolean {
  const core = semver.coerce(version);
  return core !== null && semver.gte(core, minimum);
}

/** Whether a cluster can enforce its bundle and, when not, one sentence per unmet prerequisite. */
export function enforceabilityOf(facts: EnforceabilityFacts): Enforceability {
  const reasons: string[] = [];
  if (!atLeast(facts.kubernetesVersion, MIN_KUBERNETES_VERSION)) {
    reasons.push(
      `Kubernetes ${facts.kubernetesVersion} is older than 1.30; ValidatingAdmissionPolicy is enabled by default only from Kubernetes 1.30, so upgrade the cluster.`,
    );
  }
  if (!atLeast(facts.sensorVersion, MIN_SENSOR_VERSION)) {
    reasons.push(`Sensor ${facts.sensorVersion} is older than 0.11; upgrade the sensor to 0.11 or later.`);
  }
  if (!facts.misconfigurationPoliciesEnabled) {
    reasons.push('Misconfiguration policies are not enabled on the sensor; enable them in the sensor configuration.');
  }
  if (!facts.planEnabled) {
    reasons.push(`The plan is not enabled on cloud scope "${facts.cloudScopeName}"; enable it to enforce policies there.`);
  }
  return { enforceable: reasons.length === 0, reasons };
}
