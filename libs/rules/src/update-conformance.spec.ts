// Conformance for UPDATE (policy semantics rule 5): existing violations never stall a
// rollout. A hand-written table of (rule, parameters, old object, new object) → what a
// BLOCK policy does, run through every engine:
//
// - typescript: evaluateAdmission over compileRules;
// - cel: the rule's update-aware validations in the CEL harness (introduced and pre-existing sets);
// - cel (rendered ValidatingAdmissionPolicy): both pairs of renderAdmissionPolicy, each run
//   only for the operations its match constraints select, as the API server would.
//
// Expected verdicts: 'deny' (the request breaks the rule anew), 'audit' (the old object
// already failed the rule: recorded, not denied), 'pass' (nothing to record).

import { validateRuleParameters } from './catalog';
import { renderAdmissionPolicy } from './cel/admission';
import { evaluateAdmissionRenderWithCel, evaluateWithCel, compileCelRules, type CelFailure } from './cel/cel-runtime';
import { PRE_EXISTING_MESSAGE_TAG } from './cel/update-rendering';
import { compileRules, evaluateAdmission } from './evaluate';
import type { Manifest, RuleId } from './types';

type Verdict = 'deny' | 'audit' | 'pass';

interface UpdateCase {
  name: string;
  ruleId: RuleId;
  params?: Record<string, unknown>;
  operation: 'CREATE' | 'UPDATE';
  old?: Manifest;
  object: Manifest;
  expect: Verdict;
}

type Container = Record<string, unknown>;

function deployment(containers: Container[], pod: Record<string, unknown> = {}, extra: { replicas?: number; namespace?: string; kind?: string } = {}): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: extra.kind ?? 'Deployment',
    metadata: { name: 'web', namespace: extra.namespace ?? 'shop' },
    spec: {
      replicas: extra.replicas ?? 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { ...pod, containers } },
    },
  };
}

function cronJob(containers: Container[]): Manifest {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly', namespace: 'shop' },
    spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers } } } } },
  };
}

function ingress(hosts: string[], tlsHosts: string[] | null): Manifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      ...(tlsHosts === null ? {} : { tls: [{ hosts: tlsHosts, secretName: 'web-tls' }] }),
      rules: hosts.map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } })),
    },
  };
}

const app = (securityContext: Record<string, unknown> = {}, more: Container = {}): Container => ({ name: 'app', image: 'myacr.azurecr.io/shop/web:1.0', securityContext, ...more });
const limits = (cpu: string, memory = '1Gi'): Container => ({ resources: { limits: { cpu, memory } } });

const CASES: UpdateCase[] = [
  // privileged-containers
  { name: 'CREATE of a privileged container', ruleId: 'privileged-containers', operation: 'CREATE', object: deployment([app({ privileged: true })]), expect: 'deny' },
  {
    name: 'scaling down an old ReplicaSet that already runs privileged (the stalled rollout)',
    ruleId: 'privileged-containers',
    operation: 'UPDATE',
    old: deployment([app({ privileged: true })], {}, { kind: 'ReplicaSet', replicas: 3 }),
    object: deployment([app({ privileged: true })], {}, { kind: 'ReplicaSet', replicas: 0 }),
    expect: 'audit',
  },
  {
    name: 'an update that makes a container privileged',
    ruleId: 'privileged-containers',
    operation: 'UPDATE',
    old: deployment([app()]),
    object: deployment([app({ privileged: true })]),
    expect: 'deny',
  },
  {
    name: 'an update that removes privileged',
    ruleId: 'privileged-containers',
    operation: 'UPDATE',
    old: deployment([app({ privileged: true })]),
    object: deployment([app({ privileged: false })]),
    expect: 'pass',
  },
  {
    name: 'a second privileged container added to an already privileged pod (judged per rule)',
    ruleId: 'privileged-containers',
    operation: 'UPDATE',
    old: deployment([app({ privileged: true })]),
    object: deployment([app({ privileged: true }), { name: 'sidecar', image: 'myacr.azurecr.io/proxy:2', securityContext: { privileged: true } }]),
    expect: 'audit',
  },
  // privilege-escalation
  {
    name: 'an image bump of a container that never disallowed escalation',
    ruleId: 'privilege-escalation',
    operation: 'UPDATE',
    old: deployment([app()]),
    object: deployment([app({}, { image: 'myacr.azurecr.io/shop/web:1.1' })]),
    expect: 'audit',
  },
  {
    name: 'an update that drops allowPrivilegeEscalation: false',
    ruleId: 'privilege-escalation',
    operation: 'UPDATE',
    old: deployment([app({ allowPrivilegeEscalation: false })]),
    object: deployment([app()]),
    expect: 'deny',
  },
  // capabilities
  {
    name: 'adding a second forbidden capability where one was already added',
    ruleId: 'capabilities',
    params: { allowedCapabilities: ['NET_BIND_SERVICE'] },
    operation: 'UPDATE',
    old: deployment([app({ capabilities: { add: ['SYS_ADMIN'] } })]),
    object: deployment([app({ capabilities: { add: ['SYS_ADMIN', 'NET_RAW'] } })]),
    expect: 'audit',
  },
  {
    name: 'no longer dropping ALL when it is required',
    ruleId: 'capabilities',
    params: { requireDropAll: true },
    operation: 'UPDATE',
    old: deployment([app({ capabilities: { drop: ['ALL'] } })]),
    object: deployment([app({ capabilities: { drop: ['NET_RAW'] } })]),
    expect: 'deny',
  },
  // non-root-user: several validations, one judgement per rule
  {
    name: 'old object failed runAsNonRoot, new one fails the UID range instead (same rule)',
    ruleId: 'non-root-user',
    params: { allowedUserIds: [{ min: 1000, max: 1999 }] },
    operation: 'UPDATE',
    old: deployment([app({ runAsUser: 1000 })]),
    object: deployment([app({ runAsNonRoot: true, runAsUser: 5 })]),
    expect: 'audit',
  },
  {
    name: 'a compliant pod updated to run as root',
    ruleId: 'non-root-user',
    operation: 'UPDATE',
    old: deployment([app({ runAsNonRoot: true, runAsUser: 1000 })]),
    object: deployment([app({ runAsNonRoot: true, runAsUser: 0 })]),
    expect: 'deny',
  },
  {
    name: 'a compliant pod updated to stay compliant',
    ruleId: 'non-root-user',
    operation: 'UPDATE',
    old: deployment([app({ runAsNonRoot: true, runAsUser: 1000 })]),
    object: deployment([app({ runAsNonRoot: true, runAsUser: 1001 })]),
    expect: 'pass',
  },
  // container-resource-limits
  {
    name: 'raising a CPU limit that was already over the ceiling',
    ruleId: 'container-resource-limits',
    params: { maxCpu: '2' },
    operation: 'UPDATE',
    old: deployment([app({}, limits('4'))]),
    object: deployment([app({}, limits('8'))]),
    expect: 'audit',
  },
  {
    name: 'raising a CPU limit over the ceiling',
    ruleId: 'container-resource-limits',
    params: { maxCpu: '2' },
    operation: 'UPDATE',
    old: deployment([app({}, limits('1'))]),
    object: deployment([app({}, limits('3'))]),
    expect: 'deny',
  },
  // automount-service-account-token
  {
    name: 'scaling a Deployment that mounts the token',
    ruleId: 'automount-service-account-token',
    operation: 'UPDATE',
    old: deployment([app()], {}, { replicas: 2 }),
    object: deployment([app()], {}, { replicas: 5 }),
    expect: 'audit',
  },
  // default-namespace
  {
    name: 'scaling a Deployment in the default namespace',
    ruleId: 'default-namespace',
    operation: 'UPDATE',
    old: deployment([app()], {}, { namespace: 'default', replicas: 1 }),
    object: deployment([app()], {}, { namespace: 'default', replicas: 2 }),
    expect: 'audit',
  },
  // host-namespaces
  {
    name: 'adding hostPID to a pod that already shares the host network',
    ruleId: 'host-namespaces',
    operation: 'UPDATE',
    old: deployment([app()], { hostNetwork: true }),
    object: deployment([app()], { hostNetwork: true, hostPID: true }),
    expect: 'audit',
  },
  {
    name: 'turning hostNetwork on',
    ruleId: 'host-namespaces',
    operation: 'UPDATE',
    old: deployment([app()]),
    object: deployment([app()], { hostNetwork: true }),
    expect: 'deny',
  },
  // trusted-registries
  {
    name: 'bumping the tag of an image that was already untrusted',
    ruleId: 'trusted-registries',
    params: { allowedPatterns: ['myacr.azurecr.io/**'] },
    operation: 'UPDATE',
    old: deployment([app({}, { image: 'docker.io/library/nginx:1.25' })]),
    object: deployment([app({}, { image: 'docker.io/library/nginx:1.26' })]),
    expect: 'audit',
  },
  {
    name: 'switching a trusted image to an untrusted registry',
    ruleId: 'trusted-registries',
    params: { allowedPatterns: ['myacr.azurecr.io/**'] },
    operation: 'UPDATE',
    old: deployment([app()]),
    object: deployment([app({}, { image: 'docker.io/library/nginx:1.26' })]),
    expect: 'deny',
  },
  // ingress-https
  {
    name: 'adding a host to an Ingress that never had TLS',
    ruleId: 'ingress-https',
    operation: 'UPDATE',
    old: ingress(['shop.example.com'], null),
    object: ingress(['shop.example.com', 'api.example.com'], null),
    expect: 'audit',
  },
  {
    name: 'adding a host not covered by the TLS hosts',
    ruleId: 'ingress-https',
    operation: 'UPDATE',
    old: ingress(['shop.example.com'], ['shop.example.com']),
    object: ingress(['shop.example.com', 'api.example.com'], ['shop.example.com']),
    expect: 'deny',
  },
  // read-only-root-filesystem, through a CronJob
  {
    name: 'a CronJob schedule change on a writable root filesystem',
    ruleId: 'read-only-root-filesystem',
    operation: 'UPDATE',
    old: cronJob([app()]),
    object: { ...cronJob([app()]), spec: { ...(cronJob([app()]).spec as object), schedule: '0 3 * * *' } },
    expect: 'audit',
  },
  {
    name: 'a CronJob losing readOnlyRootFilesystem: true',
    ruleId: 'read-only-root-filesystem',
    operation: 'UPDATE',
    old: cronJob([app({ readOnlyRootFilesystem: true })]),
    object: cronJob([app({ readOnlyRootFilesystem: false })]),
    expect: 'deny',
  },
];

interface Outcome {
  introduced: number;
  preExisting: number;
}

function verdictOf(o: Outcome): Verdict {
  if (o.introduced > 0) return 'deny';
  return o.preExisting > 0 ? 'audit' : 'pass';
}

function noErrors(failures: CelFailure[], ruleId: RuleId): number {
  const wrong = failures.filter((f) => f.error || f.ruleId !== ruleId);
  if (wrong.length > 0) throw new Error(`CEL evaluation errors for ${ruleId}: ${JSON.stringify(wrong)}`);
  return failures.length;
}

const ENGINES: { name: string; run(c: UpdateCase): Outcome }[] = [
  {
    name: 'typescript',
    run: (c) => {
      const findings = evaluateAdmission(compileRules([{ ruleId: c.ruleId, parameters: c.params }]), { operation: c.operation, object: c.object, oldObject: c.old });
      return { introduced: findings.filter((f) => !f.preExisting).length, preExisting: findings.filter((f) => f.preExisting).length };
    },
  },
  {
    name: 'cel',
    run: (c) => {
      const params = validateRuleParameters(c.ruleId, c.params);
      const options = { operation: c.operation, oldObject: c.old };
      return {
        introduced: noErrors(evaluateWithCel(compileCelRules(c.ruleId, params), c.object, options).failures, c.ruleId),
        // The pre-existing set is only matched on UPDATE.
        preExisting: c.operation === 'UPDATE' ? noErrors(evaluateWithCel(compileCelRules(c.ruleId, params, true), c.object, options).failures, c.ruleId) : 0,
      };
    },
  },
  {
    name: 'cel (rendered ValidatingAdmissionPolicy)',
    run: (c) => {
      const rendered = renderAdmissionPolicy({
        id: 'update-conformance',
        name: 'update conformance',
        action: 'BLOCK',
        namespaces: { include: [], exclude: [] },
        rules: [{ id: c.ruleId, parameters: validateRuleParameters(c.ruleId, c.params) }],
      });
      const result = evaluateAdmissionRenderWithCel(rendered, c.object, { operation: c.operation, oldObject: c.old });
      for (const f of result.preExisting) expect(f.message).toContain(PRE_EXISTING_MESSAGE_TAG);
      return { introduced: noErrors(result.introduced, c.ruleId), preExisting: noErrors(result.preExisting, c.ruleId) };
    },
  },
];

describe('UPDATE conformance (existing violations never stall a rollout)', () => {
  it('covers every verdict and most rules', () => {
    expect(new Set(CASES.map((c) => c.expect))).toEqual(new Set(['deny', 'audit', 'pass']));
    expect(new Set(CASES.map((c) => c.ruleId)).size).toBe(11);
  });

  describe.each(ENGINES)('$name engine', (engine) => {
    it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      expect(verdictOf(engine.run(c))).toBe(c.expect);
    });
  });

  it('the same object as CREATE is denied wherever the UPDATE was only audited', () => {
    for (const c of CASES.filter((x) => x.expect === 'audit')) {
      for (const engine of ENGINES) expect([c.name, engine.name, verdictOf(engine.run({ ...c, operation: 'CREATE', old: undefined }))]).toEqual([c.name, engine.name, 'deny']);
    }
  });

  it('evaluates neither DELETE nor subresources other than ephemeralcontainers (typescript)', () => {
    const rules = compileRules([{ ruleId: 'privileged-containers' }]);
    const bad = deployment([app({ privileged: true })]);
    expect(evaluateAdmission(rules, { operation: 'DELETE', object: bad })).toEqual([]);
    expect(evaluateAdmission(rules, { operation: 'UPDATE', object: bad, oldObject: deployment([app()]), subResource: 'scale' })).toEqual([]);
    expect(evaluateAdmission(rules, { operation: 'UPDATE', object: bad, oldObject: deployment([app()]), subResource: 'status' })).toEqual([]);
    expect(evaluateAdmission(rules, { operation: 'UPDATE', object: bad, oldObject: deployment([app()]), subResource: 'ephemeralcontainers' })).toHaveLength(1);
  });

  it('never matches DELETE in the rendered policies, and matches the pre-existing pair on UPDATE only', () => {
    const rendered = renderAdmissionPolicy({
      id: 'p',
      name: 'p',
      action: 'BLOCK',
      namespaces: { include: [], exclude: [] },
      rules: [{ id: 'privileged-containers', parameters: {} }],
    });
    for (const r of rendered.policy.spec?.matchConstraints?.resourceRules ?? []) expect(r.operations).toEqual(['CREATE', 'UPDATE']);
    for (const r of rendered.preExistingPolicy.spec?.matchConstraints?.resourceRules ?? []) expect(r.operations).toEqual(['UPDATE']);
    const resources = (rendered.policy.spec?.matchConstraints?.resourceRules ?? []).flatMap((r) => r.resources ?? []);
    expect(resources.filter((r) => r.includes('/'))).toEqual(['pods/ephemeralcontainers']);
  });
});
