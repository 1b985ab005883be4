// Parameter sets exercised by the CEL specs (and usable by benchmarks): for every
// rule the defaults plus the interesting shapes, including awkward literals.
import type { RuleId, RuleParameters } from '../types';

export type CelParameterCase = { [R in RuleId]: { ruleId: R; label: string; parameters: RuleParameters[R] } }[RuleId];

export const CEL_PARAMETER_CASES: readonly CelParameterCase[] = [
  { ruleId: 'container-resource-limits', label: 'defaults', parameters: {} },
  { ruleId: 'container-resource-limits', label: 'cpu only', parameters: { maxCpu: '500m' } },
  { ruleId: 'container-resource-limits', label: 'memory only', parameters: { maxMemory: '4Gi' } },
  { ruleId: 'container-resource-limits', label: 'both, exponent', parameters: { maxCpu: '2', maxMemory: '1.5e9' } },
  { ruleId: 'privileged-containers', label: 'defaults', parameters: {} },
  { ruleId: 'privilege-escalation', label: 'defaults', parameters: {} },
  { ruleId: 'capabilities', label: 'defaults', parameters: { allowedCapabilities: [], requireDropAll: false } },
  { ruleId: 'capabilities', label: 'drop all', parameters: { allowedCapabilities: ['NET_BIND_SERVICE'], requireDropAll: true } },
  {
    ruleId: 'capabilities',
    label: 'quote in name',
    parameters: { allowedCapabilities: ["O'BRIEN", 'BACK\\SLASH', 'CHOWN'], requireDropAll: false },
  },
  { ruleId: 'non-root-user', label: 'defaults', parameters: {} },
  {
    ruleId: 'non-root-user',
    label: 'ranges',
    parameters: { allowedUserIds: [{ min: 1000, max: 1999 }, { min: 5000, max: 5000 }], allowedGroupIds: [{ min: 0, max: 10 }] },
  },
  { ruleId: 'non-root-user', label: 'empty ranges', parameters: { allowedUserIds: [], allowedGroupIds: [] } },
  { ruleId: 'automount-service-account-token', label: 'defaults', parameters: {} },
  { ruleId: 'default-namespace', label: 'defaults', parameters: {} },
  { ruleId: 'host-namespaces', label: 'defaults', parameters: {} },
  { ruleId: 'trusted-registries', label: 'none allowed', parameters: { allowedPatterns: [] } },
  {
    ruleId: 'trusted-registries',
    label: 'globs',
    parameters: { allowedPatterns: ['myacr.azurecr.io/**', 'docker.io/library/*', 'localhost:5000/app@sha256:*'] },
  },
  {
    ruleId: 'trusted-registries',
    label: 'regex metacharacters',
    parameters: { allowedPatterns: ['a.b+c?/[x]/(y)|z^$', "quote'/back\\slash/*", 'ünï/**/cödé'] },
  },
  { ruleId: 'ingress-https', label: 'defaults', parameters: {} },
  { ruleId: 'read-only-root-filesystem', label: 'defaults', parameters: {} },
];
