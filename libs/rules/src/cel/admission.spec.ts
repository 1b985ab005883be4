import { ValidatingAdmissionPolicy } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy';
import { ValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
import { RULE_IDS, type RuleId } from '../types';
import {
  admissionNamespaceSelector,
  admissionPolicyObjectName,
  renderAdmissionPolicy,
  type AdmissionPolicyInput,
} from './admission';
import { CEL_PARAMETER_CASES } from './cel-parameter-cases';
import { compileAdmissionPolicyForCel, evaluateWithCel } from './cel-runtime';

function input(overrides: Partial<AdmissionPolicyInput> = {}): AdmissionPolicyInput {
  return {
    id: '3f2a6c1e-9b7d-4c55-8e21-0d4f6a7b8c9d',
    name: 'Payments hardening',
    action: 'BLOCK',
    namespaces: { include: [], exclude: [] },
    rules: [{ id: 'privileged-containers', parameters: {} }],
    ...overrides,
  };
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe('renderAdmissionPolicy', () => {
  describe('passes the Kubernetes schema (kubernetes-models)', () => {
    const actions = ['BLOCK', 'AUDIT'] as const;
    const table = CEL_PARAMETER_CASES.flatMap((c) => actions.map((a) => [`${c.ruleId} (${c.label}) ${a}`, c, a] as const));

    it.each(table)('%s', (_name, c, action) => {
      const { policy, binding, preExistingPolicy, preExistingBinding } = renderAdmissionPolicy(
        input({ action, rules: [{ id: c.ruleId, parameters: c.parameters }], namespaces: { include: ['payments'], exclude: ['payments-canary'] } }),
      );
      for (const p of [policy, preExistingPolicy]) {
        expect(() => new ValidatingAdmissionPolicy(p).validate()).not.toThrow();
        // Every expression compiles against the Kubernetes function set.
        expect(() => compileAdmissionPolicyForCel({ policy: p })).not.toThrow();
        expect(p.metadata?.name).toMatch(DNS_SUBDOMAIN);
      }
      for (const b of [binding, preExistingBinding]) expect(() => new ValidatingAdmissionPolicyBinding(b).validate()).not.toThrow();
      expect(preExistingBinding.spec?.policyName).toBe(preExistingPolicy.metadata?.name);
      expect(preExistingBinding.spec?.validationActions).toEqual(['Audit', 'Warn']);
    });

    it('accepts a policy with every rule at once', () => {
      const { policy, binding } = renderAdmissionPolicy(
        input({ rules: CEL_PARAMETER_CASES.map((c) => ({ id: c.ruleId, parameters: c.parameters })) }),
      );
      expect(() => new ValidatingAdmissionPolicy(policy).validate()).not.toThrow();
      expect(() => new ValidatingAdmissionPolicyBinding(binding).validate()).not.toThrow();
    });

    it('the schema check is real: it rejects a broken object', () => {
      const { policy } = renderAdmissionPolicy(input());
      const broken = { ...policy, spec: { ...policy.spec, failurePolicy: 'Sometimes' } };
      expect(() => new ValidatingAdmissionPolicy(broken as never).validate()).toThrow();
    });
  });

  it('produces admissionregistration.k8s.io/v1 objects bound to each other', () => {
    const { policy, binding } = renderAdmissionPolicy(input());
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.kind).toBe('ValidatingAdmissionPolicy');
    expect(binding.kind).toBe('ValidatingAdmissionPolicyBinding');
    expect(binding.spec?.policyName).toBe(policy.metadata?.name);
    expect(policy.spec?.failurePolicy).toBe('Fail');
    expect(policy.spec?.paramKind).toBeUndefined();
    expect(policy.metadata?.annotations?.['rampart.io/policy-id']).toBe(input().id);
  });

  it('maps BLOCK to Deny and AUDIT to Audit + Warn', () => {
    expect(renderAdmissionPolicy(input({ action: 'BLOCK' })).binding.spec?.validationActions).toEqual(['Deny']);
    expect(renderAdmissionPolicy(input({ action: 'AUDIT' })).binding.spec?.validationActions).toEqual(['Audit', 'Warn']);
  });

  it('matches the workload resources and ingresses on CREATE and UPDATE', () => {
    const { policy } = renderAdmissionPolicy(
      input({ rules: [{ id: 'privileged-containers', parameters: {} }, { id: 'ingress-https', parameters: {} }] }),
    );
    const rules = policy.spec?.matchConstraints?.resourceRules ?? [];
    const resources = rules.flatMap((r) => (r.resources ?? []).map((res) => `${r.apiGroups?.[0]}/${res}`));
    expect(resources.sort()).toEqual(
      [
        '/pods',
        '/pods/ephemeralcontainers',
        '/replicationcontrollers',
        'apps/daemonsets',
        'apps/deployments',
        'apps/replicasets',
        'apps/statefulsets',
        'batch/cronjobs',
        'batch/jobs',
        'networking.k8s.io/ingresses',
      ].sort(),
    );
    for (const r of rules) expect(r.operations).toEqual(['CREATE', 'UPDATE']);
  });

  it('leaves out the resources no rule of the policy reads', () => {
    const ingressOnly = renderAdmissionPolicy(input({ rules: [{ id: 'ingress-https', parameters: {} }] }));
    expect(ingressOnly.policy.spec?.matchConstraints?.resourceRules?.map((r) => r.resources)).toEqual([['ingresses']]);
    const workloadsOnly = renderAdmissionPolicy(input());
    expect(JSON.stringify(workloadsOnly.policy.spec?.matchConstraints)).not.toContain('ingresses');
  });

  it('has one validation per check, each message naming its rule', () => {
    const { policy } = renderAdmissionPolicy(
      input({ rules: RULE_IDS.map((id) => ({ id, parameters: id === 'capabilities' ? { allowedCapabilities: [], requireDropAll: true } : id === 'trusted-registries' ? { allowedPatterns: ['x/*'] } : {} })) }),
    );
    const validations = policy.spec?.validations ?? [];
    for (const id of RULE_IDS) {
      expect(validations.some((v) => v.message?.startsWith(`${id}:`))).toBe(true);
    }
    for (const v of validations) {
      expect(v.messageExpression).toBeTruthy();
      expect(v.reason).toBe('Forbidden');
    }
  });

  describe('names', () => {
    it('uses rampart-<id> for an id that is already a DNS label', () => {
      expect(admissionPolicyObjectName('3f2a6c1e-9b7d-4c55-8e21-0d4f6a7b8c9d')).toBe('rampart-3f2a6c1e-9b7d-4c55-8e21-0d4f6a7b8c9d');
    });

    it.each(['Payments_Policy', 'clx9a2b3c0000QwErTy', '../../etc', 'x'.repeat(300), '🙂', ''])('is DNS-safe and deterministic for %j', (id) => {
      const name = admissionPolicyObjectName(id);
      expect(name).toMatch(DNS_SUBDOMAIN);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(admissionPolicyObjectName(id)).toBe(name);
    });

    it('keeps ids that differ only in case or punctuation apart', () => {
      expect(admissionPolicyObjectName('Policy_A')).not.toBe(admissionPolicyObjectName('policy-a'));
      expect(admissionPolicyObjectName('Policy_A')).not.toBe(admissionPolicyObjectName('Policy.A'));
    });
  });

  describe('namespace scope', () => {
    const exprs = (include: string[], exclude: string[], sensorNamespace?: string) =>
      admissionNamespaceSelector({ include, exclude }, { sensorNamespace }).matchExpressions;

    it('excludes the system namespaces and the sensor namespace for an unscoped policy', () => {
      expect(exprs([], [])).toEqual([
        {
          key: 'kubernetes.io/metadata.name',
          operator: 'NotIn',
          values: ['kube-node-lease', 'kube-public', 'kube-system', 'rampart-system'],
        },
      ]);
    });

    it('adds the policy excludes to the system namespaces', () => {
      expect(exprs([], ['sandbox', 'ci'])[0].values).toEqual(['ci', 'kube-node-lease', 'kube-public', 'kube-system', 'rampart-system', 'sandbox']);
    });

    it('takes the sensor namespace from the options', () => {
      expect(exprs([], [], 'security')[0].values).toEqual(['kube-node-lease', 'kube-public', 'kube-system', 'security']);
    });

    it('uses In for an include list, which also keeps unnamed system namespaces out', () => {
      expect(exprs(['payments', 'checkout'], [])).toEqual([
        { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['checkout', 'payments'] },
      ]);
    });

    it('applies to a system namespace only when the include list names it', () => {
      const e = exprs(['kube-system'], []);
      expect(e).toEqual([{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['kube-system'] }]);
    });

    it('lets exclude win over include', () => {
      expect(exprs(['a', 'b'], ['b'])).toEqual([
        { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['a', 'b'] },
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['b'] },
      ]);
    });

    it('goes into the binding', () => {
      const { binding } = renderAdmissionPolicy(input({ namespaces: { include: ['payments'], exclude: [] } }));
      expect(binding.spec?.matchResources?.namespaceSelector).toEqual({
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['payments'] }],
      });
    });
  });

  describe('stability', () => {
    const rules: AdmissionPolicyInput['rules'] = [
      { id: 'trusted-registries', parameters: { allowedPatterns: ['ghcr.io/acme/**'] } },
      { id: 'container-resource-limits', parameters: { maxCpu: '2', maxMemory: '4Gi' } },
      { id: 'capabilities', parameters: { allowedCapabilities: ['CHOWN'], requireDropAll: true } },
    ];

    it('renders the same input to the same JSON', () => {
      const a = JSON.stringify(renderAdmissionPolicy(input({ rules, namespaces: { include: [], exclude: ['b', 'a'] } })));
      const b = JSON.stringify(renderAdmissionPolicy(input({ rules, namespaces: { include: [], exclude: ['b', 'a'] } })));
      expect(a).toBe(b);
    });

    it('does not depend on the order of rules or namespaces', () => {
      const a = renderAdmissionPolicy(input({ rules, namespaces: { include: ['x', 'y'], exclude: ['b', 'a'] } }));
      const b = renderAdmissionPolicy(input({ rules: [...rules].reverse(), namespaces: { include: ['y', 'x', 'y'], exclude: ['a', 'b'] } }));
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    });

    it('does not share mutable structure between renders', () => {
      const a = renderAdmissionPolicy(input());
      a.policy.spec?.matchConstraints?.resourceRules?.[0].resources?.push('secrets');
      a.binding.metadata!.labels!['x'] = 'y';
      const b = renderAdmissionPolicy(input());
      expect(JSON.stringify(b.policy)).not.toContain('secrets');
      expect(b.policy.metadata?.labels).not.toHaveProperty('x');
    });
  });

  it('rejects unknown rule ids and empty policies', () => {
    expect(() => renderAdmissionPolicy(input({ rules: [{ id: 'no-such-rule' as RuleId, parameters: {} }] }))).toThrow(/unknown rule id/);
    expect(() => renderAdmissionPolicy(input({ rules: [] }))).toThrow(/no rules/);
  });

  it('evaluates as one policy: only the failing rules are reported', () => {
    const rendered = renderAdmissionPolicy(
      input({
        rules: [
          { id: 'privileged-containers', parameters: {} },
          { id: 'host-namespaces', parameters: {} },
          { id: 'ingress-https', parameters: {} },
        ],
      }),
    );
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'payments' },
      spec: { hostNetwork: true, containers: [{ name: 'app', image: 'nginx', securityContext: { privileged: true } }] },
    };
    const result = evaluateWithCel(rendered, pod);
    expect(result.allowed).toBe(false);
    expect(result.failures.map((f) => f.ruleId)).toEqual(['privileged-containers', 'host-namespaces']);
    expect(result.failures[0].message).toBe(
      'privileged-containers: container(s) app: sets securityContext.privileged: true; remove it or set securityContext.privileged: false',
    );
  });
});
