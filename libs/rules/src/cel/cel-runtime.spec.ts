import type { RuleId, RuleParameters } from '../types';
import { RULE_IDS } from '../types';
import { CEL_PARAMETER_CASES } from './cel-parameter-cases';
import {
  CelCompileError,
  compileCelExpression,
  compileCelRules,
  evaluateRuleWithCel,
  evaluateWithCel,
  ruleIdOfCelMessage,
} from './cel-runtime';
import { CEL_VARIABLES, renderCelRule } from './rule-expressions';

function evalRule<R extends RuleId>(ruleId: R, parameters: RuleParameters[R], object: unknown) {
  return evaluateWithCel({ variables: CEL_VARIABLES, rules: [renderCelRule(ruleId, parameters)] }, object);
}

function evalExpr(source: string, object: unknown = {}) {
  return compileCelExpression(source).evaluate({ object: object as never, variables: new Map() });
}

function pod(containers: unknown[], spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = { name: 'p', namespace: 'apps' }) {
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: { ...spec, containers } };
}

describe('CEL harness', () => {
  describe('compiles every rendering', () => {
    it.each(CEL_PARAMETER_CASES.map((c) => [`${c.ruleId} (${c.label})`, c] as const))('%s', (_n, c) => {
      const program = compileCelRules(c.ruleId, c.parameters);
      expect(program.validations.length).toBeGreaterThan(0);
      for (const v of program.validations) {
        expect(v.ruleId).toBe(c.ruleId);
        expect(v.messageExpression).toBeDefined();
      }
    });

    it('covers every rule', () => {
      expect(new Set(CEL_PARAMETER_CASES.map((c) => c.ruleId))).toEqual(new Set(RULE_IDS));
    });
  });

  describe('rejects what Kubernetes 1.30 does not have', () => {
    it.each([
      ["'abc'.reverse() == 'cba'", /undeclared method 'reverse'/], // cel-go strings v3; Kubernetes 1.30 ships v2
      ['[3, 1].sortBy(x, x) == [1, 3]', /undeclared method 'sortBy'/], // cel-go lists extension, not in 1.30
      ['foo(object)', /undeclared function 'foo'/],
      ["quantity('1').isInteger()", /undeclared method 'isInteger'/], // real, but not registered: nothing beyond what renderings use
      ["'1'.quantity()", /undeclared method 'quantity'/], // quantity is a global function, not a method
      ['paramz.x == 1', /undeclared reference to 'paramz'/],
      ['object.spec.containers.all(c, d.name == "x")', /undeclared reference to 'd'/],
      ['object.(', /CEL compile error/],
    ])('%s', (source, error) => {
      expect(() => compileCelExpression(source)).toThrow(CelCompileError);
      expect(() => compileCelExpression(source)).toThrow(error);
    });

    it('rejects a variable the policy does not declare (or declares later)', () => {
      const rendering = { ruleId: 'host-namespaces' as const, validations: [{ expression: 'variables.nope', messageExpression: "''", message: 'host-namespaces: x' }] };
      expect(() => evaluateWithCel({ variables: CEL_VARIABLES, rules: [rendering] }, pod([]))).toThrow(/undeclared variable 'variables.nope'/);
      const reordered = [...CEL_VARIABLES].reverse();
      expect(() => evaluateWithCel({ variables: reordered, rules: [renderCelRule('host-namespaces', {})] }, pod([]))).toThrow(CelCompileError);
    });

    it('would reject a rendering that used such a function', () => {
      const rendering = renderCelRule('privileged-containers', {});
      const tampered = {
        ...rendering,
        validations: rendering.validations.map((v) => ({ ...v, expression: `${v.expression} && object.metadata.name.reverse() != ''` })),
      };
      expect(() => evaluateWithCel({ variables: CEL_VARIABLES, rules: [tampered] }, pod([]))).toThrow(CelCompileError);
    });
  });

  describe('Kubernetes quantity library', () => {
    it.each([
      ["quantity('1').compareTo(quantity('1000m'))", 0n],
      ["quantity('1Gi').compareTo(quantity('1G'))", 1n],
      ["quantity('1G').compareTo(quantity('1Gi'))", -1n],
      ["quantity('0.5').compareTo(quantity('500m'))", 0n],
      ["quantity('1.1e9').compareTo(quantity('1Gi'))", 1n],
      ["quantity('536870912').compareTo(quantity('512Mi'))", 0n],
      ["quantity('1n').compareTo(quantity('0'))", 1n],
      ["isQuantity('250m')", true],
      ["isQuantity('1.5Gi')", true],
      ["isQuantity('1 Gi')", false],
      ["isQuantity('abc')", false],
      ["isQuantity('')", false],
    ])('%s', (source, expected) => {
      expect(evalExpr(source)).toBe(expected);
    });

    it('errors on an invalid quantity, as Kubernetes does', () => {
      expect(evalExpr("quantity('lots')")).toBeInstanceOf(Error);
    });

    it('keeps Quantity an opaque type', () => {
      expect(evalExpr("'1'.compareTo(quantity('1'))")).toBeInstanceOf(Error);
      expect(evalExpr("quantity(1)")).toBeInstanceOf(Error);
    });
  });

  describe('container-resource-limits ceilings', () => {
    const limits = (cpu: unknown, memory: unknown) =>
      pod([{ name: 'app', image: 'x', resources: { limits: { cpu, memory } } }]);
    const allowed = (p: RuleParameters['container-resource-limits'], cpu: unknown, memory: unknown) =>
      evalRule('container-resource-limits', p, limits(cpu, memory)).allowed;

    it('is inclusive, and 1 == 1000m', () => {
      expect(allowed({ maxCpu: '1' }, '1000m', '1Gi')).toBe(true);
      expect(allowed({ maxCpu: '1' }, '1', '1Gi')).toBe(true);
      expect(allowed({ maxCpu: '1000m' }, 1, '1Gi')).toBe(true);
      expect(allowed({ maxCpu: '1' }, '1001m', '1Gi')).toBe(false);
      expect(allowed({ maxCpu: '1' }, 1.5, '1Gi')).toBe(false);
    });

    it('tells 1Gi from 1G', () => {
      expect(allowed({ maxMemory: '1Gi' }, '1', '1G')).toBe(true);
      expect(allowed({ maxMemory: '1Gi' }, '1', '1Gi')).toBe(true);
      expect(allowed({ maxMemory: '1G' }, '1', '1Gi')).toBe(false);
      expect(allowed({ maxMemory: '1Gi' }, '1', '1073741825')).toBe(false);
      expect(allowed({ maxMemory: '1Gi' }, '1', 1073741824)).toBe(true);
    });

    it('fails an unparsable limit instead of erroring', () => {
      const r = evalRule('container-resource-limits', { maxCpu: '2' }, limits('two', '1Gi'));
      expect(r.allowed).toBe(false);
      expect(r.failures.every((f) => !f.error)).toBe(true);
    });

    it('requires both limits on containers and init containers, not ephemeral ones', () => {
      const p = pod([{ name: 'app', image: 'x', resources: { limits: { cpu: '1', memory: '1Gi' } } }], {
        ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
      });
      expect(evalRule('container-resource-limits', {}, p).allowed).toBe(true);
      const withInit = { ...p, spec: { ...p.spec, initContainers: [{ name: 'init', resources: { limits: { cpu: '1' } } }] } };
      const r = evalRule('container-resource-limits', {}, withInit);
      expect(r.failures.map((f) => f.message)).toEqual([
        'container-resource-limits: container(s) init: lacks resources.limits.cpu or resources.limits.memory; set both resources.limits.cpu and resources.limits.memory',
      ]);
    });
  });

  describe('finds the pod spec of every workload kind', () => {
    const spec = { hostPID: true, containers: [{ name: 'c', image: 'x' }] };
    const template = { spec };
    it.each([
      ['Pod', { spec }],
      ['Deployment', { spec: { template } }],
      ['StatefulSet', { spec: { template } }],
      ['DaemonSet', { spec: { template } }],
      ['ReplicaSet', { spec: { template } }],
      ['Job', { spec: { template } }],
      ['ReplicationController', { spec: { template } }],
      ['CronJob', { spec: { jobTemplate: { spec: { template } } } }],
    ])('%s', (kind, body) => {
      const object = { kind, metadata: { name: 'w', namespace: 'apps' }, ...body };
      expect(evalRule('host-namespaces', {}, object).allowed).toBe(false);
      expect(evalRule('automount-service-account-token', {}, object).allowed).toBe(false);
    });

    it('ignores documents that are neither workloads nor Ingress', () => {
      const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { hostPID: true, template: { spec } } };
      for (const c of CEL_PARAMETER_CASES) {
        const r = evalRule(c.ruleId, c.parameters as never, service);
        expect([c.ruleId, r]).toEqual([c.ruleId, { allowed: true, failures: [] }]);
      }
    });
  });

  describe('security context precedence and exemptions', () => {
    it('lets the container override the pod (runAsNonRoot, runAsUser, runAsGroup)', () => {
      const p = pod([{ name: 'a', image: 'x', securityContext: { runAsNonRoot: false } }], { securityContext: { runAsNonRoot: true } });
      expect(evalRule('non-root-user', {}, p).allowed).toBe(false);
      const q = pod([{ name: 'a', image: 'x', securityContext: { runAsNonRoot: true, runAsUser: 1000 } }], {
        securityContext: { runAsNonRoot: false, runAsUser: 0 },
      });
      expect(evalRule('non-root-user', {}, q).allowed).toBe(true);
      const groups = { allowedGroupIds: [{ min: 1000, max: 1999 }] };
      const r = pod([{ name: 'a', image: 'x', securityContext: { runAsNonRoot: true, runAsGroup: 1500 } }], { securityContext: { runAsGroup: 0 } });
      expect(evalRule('non-root-user', groups, r).allowed).toBe(true);
      const s = { ...r, spec: { ...r.spec, securityContext: { runAsGroup: 1000, supplementalGroups: [1000, 2000] } } };
      expect(evalRule('non-root-user', groups, s).allowed).toBe(false);
    });

    it('exempts Windows pods from privilege-escalation, capabilities and read-only-root-filesystem only', () => {
      const p = pod([{ name: 'a', image: 'x', securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] } } }], { os: { name: 'windows' } });
      expect(evalRule('privilege-escalation', {}, p).allowed).toBe(true);
      expect(evalRule('capabilities', { allowedCapabilities: [], requireDropAll: true }, p).allowed).toBe(true);
      expect(evalRule('read-only-root-filesystem', {}, p).allowed).toBe(true);
      expect(evalRule('privileged-containers', {}, p).allowed).toBe(false);
    });
  });

  describe('default-namespace', () => {
    it.each([
      [{ name: 'w', namespace: 'default' }, false],
      [{ name: 'w', namespace: '' }, false],
      [{ name: 'w' }, false],
      [{ name: 'w', namespace: 'payments' }, true],
    ])('%j -> allowed %s', (metadata, allowed) => {
      expect(evalRule('default-namespace', {}, pod([], {}, metadata)).allowed).toBe(allowed);
    });

    it('uses the request namespace when the object omits its own', () => {
      const p = pod([], {}, { name: 'w' });
      expect(evaluateWithCel({ variables: CEL_VARIABLES, rules: [renderCelRule('default-namespace', {})] }, p, { namespace: 'payments' }).allowed).toBe(true);
    });
  });

  describe('robustness (failurePolicy: Fail)', () => {
    const skeletons: [string, unknown][] = [
      ['empty Pod', { kind: 'Pod' }],
      ['Pod without containers', { kind: 'Pod', metadata: { namespace: 'a' }, spec: {} }],
      ['Pod with null fields', { kind: 'Pod', metadata: { namespace: 'a' }, spec: { securityContext: null, containers: [{ name: 'a', securityContext: null, resources: null }] } }],
      ['container with empty securityContext', pod([{ securityContext: { capabilities: {} }, resources: { limits: {} } }])],
      ['Deployment without template', { kind: 'Deployment', metadata: { namespace: 'a' }, spec: {} }],
      ['CronJob without jobTemplate', { kind: 'CronJob', metadata: { namespace: 'a' }, spec: { schedule: '* * * * *' } }],
      ['Ingress without spec', { kind: 'Ingress', metadata: { namespace: 'a' } }],
      ['Ingress with empty tls entry', { kind: 'Ingress', spec: { tls: [{}], rules: [{ http: {} }, { host: 'a.example' }] } }],
      ['no kind at all', { metadata: {} }],
    ];
    const table = skeletons.flatMap(([name, object]) => CEL_PARAMETER_CASES.map((c) => [`${name}: ${c.ruleId} (${c.label})`, c, object] as const));

    it.each(table)('%s evaluates without errors', (_n, c, object) => {
      const r = evalRule(c.ruleId, c.parameters as never, object);
      expect(r.failures.filter((f) => f.error)).toEqual([]);
    });

    it('turns an unreadable shape into a failure, never an allow', () => {
      const r = evalRule('privileged-containers', {}, { kind: 'Pod', spec: { containers: 'not-a-list' } });
      expect(r.allowed).toBe(false);
      expect(r.failures[0]).toMatchObject({ ruleId: 'privileged-containers', error: true });
    });
  });

  it('names the offending containers in messages', () => {
    const p = pod(
      [
        { name: 'app', image: 'x', securityContext: { allowPrivilegeEscalation: false } },
        { name: 'sidecar', image: 'y' },
      ],
      { initContainers: [{ name: 'init', image: 'z', securityContext: { allowPrivilegeEscalation: true } }] },
    );
    const r = evalRule('privilege-escalation', {}, p);
    expect(r.failures).toEqual([
      {
        ruleId: 'privilege-escalation',
        message:
          'privilege-escalation: container(s) sidecar, init: does not set securityContext.allowPrivilegeEscalation: false; set securityContext.allowPrivilegeEscalation: false',
      },
    ]);
  });

  it('matches registries through the generated RE2 pattern', () => {
    const p = (image: string) => pod([{ name: 'a', image }]);
    const params = { allowedPatterns: ['my.registry/**', 'docker.io/library/*'] };
    expect(evalRule('trusted-registries', params, p('my.registry/team/app:1')).allowed).toBe(true);
    expect(evalRule('trusted-registries', params, p('myXregistry/team/app:1')).allowed).toBe(false);
    expect(evalRule('trusted-registries', params, p('docker.io/library/nginx:1.27')).allowed).toBe(true);
    expect(evalRule('trusted-registries', params, p('docker.io/library/x/nginx')).allowed).toBe(false);
    expect(evalRule('trusted-registries', { allowedPatterns: [] }, p('anything')).allowed).toBe(false);
    expect(evalRule('trusted-registries', { allowedPatterns: [] }, pod([])).allowed).toBe(true);
  });

  it('renders unvalidated parameters with the catalog defaults (strict)', () => {
    const adds = pod([{ name: 'a', image: 'x', securityContext: { capabilities: { add: ['CHOWN'] } } }]);
    expect(evalRule('capabilities', {} as never, adds).allowed).toBe(false);
    expect(evalRule('trusted-registries', {} as never, adds).allowed).toBe(false);
  });

  it('keeps messages on one line even when parameters contain line breaks', () => {
    const rendering = renderCelRule('trusted-registries', { allowedPatterns: ['a/*\nb/*'] });
    for (const v of rendering.validations) expect(v.message).not.toMatch(/[\r\n]/);
    const r = evalRule('trusted-registries', { allowedPatterns: ['a/*\nb/*'] }, pod([{ name: 'a', image: 'c' }]));
    expect(r.failures[0].message).not.toMatch(/[\r\n]/);
  });

  it('fails a file when any of its documents fails', () => {
    const ok = pod([{ name: 'a', image: 'x', securityContext: { privileged: false } }]);
    const bad = pod([{ name: 'b', image: 'x', securityContext: { privileged: true } }]);
    expect(evaluateRuleWithCel('privileged-containers', {}, [ok, ok]).allowed).toBe(true);
    const r = evaluateRuleWithCel('privileged-containers', {}, [ok, bad]);
    expect(r.allowed).toBe(false);
    expect(r.failures).toHaveLength(1);
  });

  it('recovers the rule id from a validation message', () => {
    expect(ruleIdOfCelMessage('non-root-user: container(s) a: …')).toBe('non-root-user');
    expect(ruleIdOfCelMessage('something else: x')).toBeUndefined();
  });
});
