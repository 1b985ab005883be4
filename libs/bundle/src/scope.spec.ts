import { explainScope, isSystemNamespace, policyAppliesTo, systemNamespaces } from './scope';
import type { BundleCluster, BundlePolicy, BundlePolicyScope } from './types';

const policy = (scope: Partial<BundlePolicyScope> = {}): BundlePolicy => ({
  id: 'p1',
  name: 'Payments',
  action: 'BLOCK',
  isDefault: false,
  version: 1,
  scope: { cloudScopeIds: [], clusterIds: [], namespaces: [], ...scope },
  rules: [{ ruleId: 'privileged-containers', enabled: true }],
});

const prod: BundleCluster = { id: 'c-prod', cloudScopeId: 's-prod' };

describe('policyAppliesTo', () => {
  it.each<[string, Partial<BundlePolicyScope>, BundleCluster, string, boolean]>([
    // Empty lists mean "all" at their level.
    ['global scope, ordinary namespace', {}, prod, 'payments', true],
    ['global scope, default namespace', {}, prod, 'default', true],
    ['empty namespace means default', { namespaces: ['default'] }, prod, '', true],
    // Cloud scope level.
    ['cloud scope named', { cloudScopeIds: ['s-prod', 's-x'] }, prod, 'payments', true],
    ['cloud scope not named', { cloudScopeIds: ['s-dev'] }, prod, 'payments', false],
    // Cluster level, within the cloud scopes.
    ['cluster named, any cloud scope', { clusterIds: ['c-prod'] }, prod, 'payments', true],
    ['cluster not named', { clusterIds: ['c-other'] }, prod, 'payments', false],
    ['cluster named inside a named cloud scope', { cloudScopeIds: ['s-prod'], clusterIds: ['c-prod'] }, prod, 'payments', true],
    ['cluster named but its cloud scope not', { cloudScopeIds: ['s-dev'], clusterIds: ['c-prod'] }, prod, 'payments', false],
    // Namespace level.
    ['namespace named', { namespaces: ['payments'] }, prod, 'payments', true],
    ['namespace not named', { namespaces: ['payments'] }, prod, 'checkout', false],
    ['namespace named but cluster out of scope', { clusterIds: ['c-other'], namespaces: ['payments'] }, prod, 'payments', false],
    // System namespaces: excluded unless named.
    ['kube-system excluded by an unscoped policy', {}, prod, 'kube-system', false],
    ['kube-public excluded', {}, prod, 'kube-public', false],
    ['kube-node-lease excluded', {}, prod, 'kube-node-lease', false],
    ['sensor namespace excluded', {}, prod, 'rampart-system', false],
    ['kube-system named explicitly', { namespaces: ['kube-system'] }, prod, 'kube-system', true],
    ['sensor namespace named explicitly', { namespaces: ['rampart-system', 'payments'] }, prod, 'rampart-system', true],
    ['naming kube-system does not opt in kube-public', { namespaces: ['kube-system'] }, prod, 'kube-public', false],
    ['a namespace merely prefixed kube- is ordinary', {}, prod, 'kube-systems', true],
  ])('%s', (_name, scope, cluster, namespace, expected) => {
    expect(policyAppliesTo(policy(scope), cluster, namespace)).toBe(expected);
    expect(explainScope(policy(scope), cluster, namespace).applies).toBe(expected);
  });

  it('takes the sensor namespace from the options', () => {
    const options = { sensorNamespace: 'security' };
    expect(policyAppliesTo(policy(), prod, 'security', options)).toBe(false);
    expect(policyAppliesTo(policy(), prod, 'rampart-system', options)).toBe(true);
    expect(policyAppliesTo(policy({ namespaces: ['security'] }), prod, 'security', options)).toBe(true);
    expect(isSystemNamespace('security', options)).toBe(true);
    expect(systemNamespaces(options)).toEqual(['kube-node-lease', 'kube-public', 'kube-system', 'security']);
    expect(systemNamespaces()).toEqual(['kube-node-lease', 'kube-public', 'kube-system', 'rampart-system']);
  });
});

describe('explainScope', () => {
  it.each<[Partial<BundlePolicyScope>, string, string]>([
    [{ cloudScopeIds: ['s-dev', 's-test'] }, 'payments', 'cloud scope s-prod not in scope (policy covers cloud scopes s-dev, s-test)'],
    [{ clusterIds: ['c-a'] }, 'payments', 'cluster c-prod not in scope (policy covers clusters c-a)'],
    [{ namespaces: ['a', 'b'] }, 'payments', 'namespace payments not in scope (policy covers namespaces a, b)'],
    [{}, 'kube-system', 'namespace kube-system is a system namespace not named by the policy'],
    [{}, 'payments', 'in scope: all cloud scopes; all clusters; all non-system namespaces'],
    [
      { cloudScopeIds: ['s-prod'], clusterIds: ['c-prod'], namespaces: ['kube-system'] },
      'kube-system',
      'in scope: cloud scope s-prod named; cluster c-prod named; namespace kube-system named (a system namespace, so only because it is named)',
    ],
  ])('%j in %s: %s', (scope, namespace, reason) => {
    expect(explainScope(policy(scope), prod, namespace).reason).toBe(reason);
  });
});
