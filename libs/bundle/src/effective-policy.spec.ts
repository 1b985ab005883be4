import type { Manifest } from '@rampart/rules';
import { effectivePolicy, evaluateEffective } from './effective-policy';
import { testCluster, testPolicy } from './policy.fixture';
import type { BundlePolicy } from './types';

const policy = testPolicy;
const cluster = testCluster;

// null: the manifest names no namespace.
function pod(securityContext: Record<string, unknown>, namespace: string | null = 'payments'): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: namespace === null ? { name: 'web' } : { name: 'web', namespace },
    spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/web:1', securityContext }] },
  };
}

const POLICIES: BundlePolicy[] = [
  policy('default', {
    name: 'Default K8s misconfiguration rule',
    isDefault: true,
    rules: [
      { ruleId: 'capabilities', enabled: true },
      { ruleId: 'privileged-containers', enabled: true },
      { ruleId: 'trusted-registries', enabled: false },
    ],
  }),
  policy('payments-block', {
    action: 'BLOCK',
    scope: { cloudScopeIds: ['s-prod'], namespaces: ['payments'] },
    rules: [
      { ruleId: 'container-resource-limits', enabled: true, parameters: { maxCpu: '2' } },
      { ruleId: 'privileged-containers', enabled: true },
      { ruleId: 'host-namespaces', enabled: false },
    ],
  }),
  policy('dev-only', { action: 'BLOCK', scope: { cloudScopeIds: ['s-dev'] } }),
  policy('other-cluster', { scope: { clusterIds: ['c-other'] } }),
  policy('all-off', { rules: [{ ruleId: 'privileged-containers', enabled: false }] }),
  policy('system', { action: 'BLOCK', scope: { namespaces: ['kube-system'] } }),
];

describe('effectivePolicy', () => {
  const explained = effectivePolicy(POLICIES, cluster, 'payments');

  it('says which policies apply and which do not, and why', () => {
    expect(explained.applied.map((p) => [p.policyId, p.reason])).toEqual([
      ['all-off', 'in scope: all cloud scopes; all clusters; all non-system namespaces; but no rule is enabled, so it checks nothing'],
      ['default', 'in scope: all cloud scopes; all clusters; all non-system namespaces'],
      ['payments-block', 'in scope: cloud scope s-prod named; all clusters; namespace payments named'],
    ]);
    expect(explained.notApplied.map((p) => [p.policyId, p.reason])).toEqual([
      ['dev-only', 'cloud scope s-prod not in scope (policy covers cloud scopes s-dev)'],
      ['other-cluster', 'cluster c-prod not in scope (policy covers clusters c-other)'],
      ['system', 'namespace payments not in scope (policy covers namespaces kube-system)'],
    ]);
    expect(explained.notApplied.every((p) => p.rules.length === 0)).toBe(true);
    expect(explained).toMatchObject({ clusterId: 'c-prod', cloudScopeId: 's-prod', namespace: 'payments', systemNamespace: false });
  });

  it('lists the enabled rules with their effective parameters, defaults filled in', () => {
    const byId = Object.fromEntries(explained.applied.map((p) => [p.policyId, p.rules]));
    expect(byId['default']).toEqual([
      { id: 'privileged-containers', parameters: {} },
      { id: 'capabilities', parameters: { allowedCapabilities: [], requireDropAll: false } },
    ]);
    expect(byId['payments-block']).toEqual([
      { id: 'container-resource-limits', parameters: { maxCpu: '2' } },
      { id: 'privileged-containers', parameters: {} },
    ]);
  });

  it('combines rules across policies, each with its own parameters, BLOCK winning', () => {
    expect(explained.rules.map((r) => [r.ruleId, r.action, r.policies.map((p) => `${p.policyId}:${p.action}`)])).toEqual([
      ['container-resource-limits', 'BLOCK', ['payments-block:BLOCK']],
      ['privileged-containers', 'BLOCK', ['default:AUDIT', 'payments-block:BLOCK']],
      ['capabilities', 'AUDIT', ['default:AUDIT']],
    ]);
    expect(explained.rules[0].title).toBe('Containers set CPU and memory limits');
  });

  it('states the combined verdict', () => {
    expect(explained.verdict).toEqual({
      canDeny: true,
      enforceable: true,
      notEnforceableReasons: [],
      blockingPolicyIds: ['payments-block'],
      auditingPolicyIds: ['default'],
      summary:
        'A request is denied when any enabled rule of the BLOCK policy payments-block fails, except on an UPDATE whose old object ' +
        'already failed that rule (recorded as AUDIT, so existing violations never stall a rollout). ' +
        'Every failing (policy, rule) pair of the 2 applicable policies is recorded as a violation with the action taken.',
    });
  });

  it('says a cluster that cannot enforce can only audit, and why', () => {
    const reasons = ['Kubernetes 1.29.4 is older than 1.30; upgrade the cluster.', 'Sensor 0.10.0 is older than 0.11; upgrade the sensor.'];
    const auditOnly = { ...cluster, enforcement: { mode: 'AUDIT_ONLY' as const, reasons } };
    expect(effectivePolicy(POLICIES, auditOnly, 'payments').verdict).toEqual({
      canDeny: false,
      enforceable: false,
      notEnforceableReasons: reasons,
      blockingPolicyIds: ['payments-block'],
      auditingPolicyIds: ['default'],
      summary:
        'Cluster c-prod can only audit, so every request is admitted: Kubernetes 1.29.4 is older than 1.30; upgrade the cluster. ' +
        'Sensor 0.10.0 is older than 0.11; upgrade the sensor. The BLOCK policy payments-block is recorded as AUDIT here. ' +
        'Every failing (policy, rule) pair of the 2 applicable policies is recorded as a violation with action AUDIT.',
    });
  });

  it('explains a system namespace: only the policy naming it applies', () => {
    const system = effectivePolicy(POLICIES, cluster, 'kube-system');
    expect(system.systemNamespace).toBe(true);
    expect(system.applied.map((p) => p.policyId)).toEqual(['system']);
    expect(system.notApplied.find((p) => p.policyId === 'default')?.reason).toBe(
      'namespace kube-system is a system namespace not named by the policy',
    );
    expect(system.verdict.summary).toMatch(/denied when any enabled rule of the BLOCK policy system fails/);
  });

  it('says when nothing is checked, and when nothing can be denied', () => {
    expect(effectivePolicy(POLICIES, cluster, 'kube-public').verdict).toEqual({
      canDeny: false,
      enforceable: true,
      notEnforceableReasons: [],
      blockingPolicyIds: [],
      auditingPolicyIds: [],
      summary: 'Nothing is checked in namespace kube-public of cluster c-prod: every request is admitted and no violation is recorded.',
    });
    expect(effectivePolicy(POLICIES, cluster, 'checkout').verdict.summary).toMatch(/^No BLOCK policy applies, so every request is admitted\./);
  });

  it('rejects invalid parameters of an enabled rule, naming rule and field', () => {
    const bad = policy('bad', { rules: [{ ruleId: 'container-resource-limits', enabled: true, parameters: { maxCpu: 'lots' } }] });
    expect(() => effectivePolicy([bad], cluster, 'payments')).toThrow(/rule 'container-resource-limits': parameter 'maxCpu'/);
    // A disabled rule is not compiled, so its stored parameters do not matter.
    const off = policy('off', { rules: [{ ruleId: 'container-resource-limits', enabled: false, parameters: { maxCpu: 'lots' } }] });
    expect(effectivePolicy([off], cluster, 'payments').applied[0].rules).toEqual([]);
  });
});

describe('evaluateEffective', () => {
  const hardened = { privileged: false, allowPrivilegeEscalation: false };

  it('denies when a rule of an applicable BLOCK policy fails, recording every failing pair', () => {
    const verdict = evaluateEffective(POLICIES, cluster, 'payments', pod({ privileged: true }));
    expect(verdict.allowed).toBe(false);
    expect(verdict.violations.map((v) => `${v.policyId}/${v.ruleId}/${v.action}`)).toEqual([
      'default/privileged-containers/AUDIT',
      // No CPU limit and no memory limit: two findings of one rule.
      'payments-block/container-resource-limits/BLOCK',
      'payments-block/container-resource-limits/BLOCK',
      'payments-block/privileged-containers/BLOCK',
    ]);
    expect(verdict.violations[0]).toEqual({
      policyId: 'default',
      policyName: 'Default K8s misconfiguration rule',
      ruleId: 'privileged-containers',
      action: 'AUDIT',
      policyAction: 'AUDIT',
      preExisting: false,
      message: expect.stringContaining('privileged'),
      path: 'spec.containers[0].securityContext.privileged',
    });
  });

  it('admits when only AUDIT policies fail, still recording the violations', () => {
    const verdict = evaluateEffective(POLICIES, cluster, 'checkout', pod({ privileged: true }, 'checkout'));
    expect(verdict.allowed).toBe(true);
    expect(verdict.violations.map((v) => `${v.policyId}/${v.ruleId}/${v.action}`)).toEqual(['default/privileged-containers/AUDIT']);
  });

  it('ignores BLOCK policies out of scope and disabled rules', () => {
    // dev-only (BLOCK, privileged) is out of scope; host-namespaces is disabled in payments-block.
    const limited = pod(hardened);
    (limited.spec as Record<string, unknown>).hostNetwork = true;
    ((limited.spec as { containers: Record<string, unknown>[] }).containers[0]).resources = { limits: { cpu: '1', memory: '1Gi' } };
    expect(evaluateEffective(POLICIES, cluster, 'payments', limited)).toEqual({ allowed: true, violations: [] });
  });

  it('leaves system namespaces alone unless a policy names them', () => {
    const verdict = evaluateEffective(POLICIES, cluster, 'kube-system', pod({ privileged: true }, 'kube-system'));
    expect(verdict.allowed).toBe(false);
    expect(verdict.violations.map((v) => v.policyId)).toEqual(['system']);
    expect(evaluateEffective(POLICIES, cluster, 'kube-public', pod({ privileged: true }, 'kube-public')).violations).toEqual([]);
  });

  it('reads a manifest without a namespace as being in the request namespace', () => {
    const rule = policy('ns', { action: 'BLOCK', rules: [{ ruleId: 'default-namespace', enabled: true }] });
    expect(evaluateEffective([rule], cluster, 'payments', pod({}, null)).allowed).toBe(true);
    expect(evaluateEffective([rule], cluster, 'default', pod({}, null)).allowed).toBe(false);
  });

  it('never confuses two policies with the same id and version but different rules', () => {
    const a = policy('same', { action: 'BLOCK', rules: [{ ruleId: 'privileged-containers', enabled: true }] });
    const b = policy('same', { action: 'BLOCK', rules: [{ ruleId: 'host-namespaces', enabled: true }] });
    const privileged = pod({ privileged: true });
    expect(evaluateEffective([a], cluster, 'payments', privileged).allowed).toBe(false);
    expect(evaluateEffective([b], cluster, 'payments', privileged).allowed).toBe(true);
  });
});

describe('evaluateEffective on UPDATE (policy semantics rule 5)', () => {
  // One BLOCK policy with two rules, so "pre-existing" is judged per rule.
  const block = [
    policy('block', {
      action: 'BLOCK',
      rules: [
        { ruleId: 'privileged-containers', enabled: true },
        { ruleId: 'host-namespaces', enabled: true },
      ],
    }),
  ];
  const privileged = pod({ privileged: true });
  const clean = pod({});
  const hostNetwork = (m: Manifest): Manifest => ({ ...m, spec: { ...(m.spec as object), hostNetwork: true } });
  const outcome = (v: ReturnType<typeof evaluateEffective>) => ({
    allowed: v.allowed,
    violations: v.violations.map((x) => `${x.ruleId}/${x.action}/${x.policyAction}/${x.preExisting ? 'pre-existing' : 'new'}`),
  });

  // Hand-written: (old, new) → verdict of the BLOCK policy.
  it.each([
    ['CREATE of a violating object is denied', 'CREATE', undefined, privileged, { allowed: false, violations: ['privileged-containers/BLOCK/BLOCK/new'] }],
    ['UPDATE keeping an existing violation is admitted and recorded as AUDIT', 'UPDATE', privileged, privileged, { allowed: true, violations: ['privileged-containers/AUDIT/BLOCK/pre-existing'] }],
    ['UPDATE introducing a violation is denied', 'UPDATE', clean, privileged, { allowed: false, violations: ['privileged-containers/BLOCK/BLOCK/new'] }],
    ['UPDATE fixing the violation is admitted with nothing recorded', 'UPDATE', privileged, clean, { allowed: true, violations: [] }],
    [
      'UPDATE keeping one violation and adding another rule’s is denied for the new rule only',
      'UPDATE',
      privileged,
      hostNetwork(privileged),
      { allowed: false, violations: ['privileged-containers/AUDIT/BLOCK/pre-existing', 'host-namespaces/BLOCK/BLOCK/new'] },
    ],
    ['DELETE is not evaluated', 'DELETE', undefined, privileged, { allowed: true, violations: [] }],
  ] as const)('%s', (_name, operation, oldManifest, manifest, expected) => {
    expect(outcome(evaluateEffective(block, cluster, 'payments', manifest, { operation, oldManifest }))).toEqual(expected);
  });

  it('does not evaluate subresources such as status and scale, but does evaluate ephemeralcontainers', () => {
    for (const subResource of ['status', 'scale']) {
      expect(evaluateEffective(block, cluster, 'payments', privileged, { operation: 'UPDATE', oldManifest: clean, subResource }).violations).toEqual([]);
    }
    expect(evaluateEffective(block, cluster, 'payments', privileged, { operation: 'UPDATE', oldManifest: clean, subResource: 'ephemeralcontainers' }).allowed).toBe(false);
  });

  it('records a pre-existing violation under an AUDIT policy as AUDIT, marked pre-existing', () => {
    const audit = [policy('audit', { action: 'AUDIT' })];
    expect(outcome(evaluateEffective(audit, cluster, 'payments', privileged, { operation: 'UPDATE', oldManifest: privileged }))).toEqual({
      allowed: true,
      violations: ['privileged-containers/AUDIT/AUDIT/pre-existing'],
    });
  });

  it('refuses an UPDATE without the old object', () => {
    expect(() => evaluateEffective(block, cluster, 'payments', privileged, { operation: 'UPDATE' })).toThrow(/old object/);
  });

  it('never denies on a cluster that can only audit', () => {
    const auditOnly = { ...cluster, enforcement: { mode: 'AUDIT_ONLY' as const, reasons: ['Sensor 0.10.0 is older than 0.11.'] } };
    expect(outcome(evaluateEffective(block, auditOnly, 'payments', privileged))).toEqual({
      allowed: true,
      violations: ['privileged-containers/AUDIT/BLOCK/new'],
    });
  });
});
