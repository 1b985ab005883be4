import fc from 'fast-check';
import { RULE_CATALOG } from './catalog';
import { compileRules, evaluateManifest, evaluateRule } from './evaluate';
import { DEPLOYMENT } from './realistic-deployment.fixture';
import { type Manifest, RULE_IDS, RuleParameterError } from './types';


const ALL_DEFAULTS = RULE_IDS.map((ruleId) => ({ ruleId }));

describe('compileRules', () => {
  it('evaluates all eleven rules and reports what the sample gets wrong', () => {
    const findings = compileRules(ALL_DEFAULTS)(DEPLOYMENT);
    expect(findings.map((f) => `${f.ruleId} ${f.path}`)).toEqual([
      'capabilities spec.template.spec.containers[1].securityContext.capabilities.add[0]',
      'automount-service-account-token spec.template.spec.automountServiceAccountToken',
      'trusted-registries spec.template.spec.containers[0].image',
      'trusted-registries spec.template.spec.containers[1].image',
      'trusted-registries spec.template.spec.initContainers[0].image',
      'read-only-root-filesystem spec.template.spec.containers[1].securityContext.readOnlyRootFilesystem',
    ]);
  });

  it('validates parameters once, up front', () => {
    expect(() => compileRules([{ ruleId: 'capabilities', parameters: { bogus: 1 } }])).toThrow(RuleParameterError);
    expect(() => compileRules([{ ruleId: 'nope' }])).toThrow(/unknown rule 'nope'/);
    const evaluate = compileRules([{ ruleId: 'trusted-registries', parameters: { allowedPatterns: ['ghcr.io/acme/**', 'envoyproxy/*'] } }]);
    expect(evaluate(DEPLOYMENT)).toEqual([]);
  });

  it('runs repeated rules with their own parameters (all must pass)', () => {
    const evaluate = compileRules([
      { ruleId: 'trusted-registries', parameters: { allowedPatterns: ['**'] } },
      { ruleId: 'trusted-registries', parameters: { allowedPatterns: ['ghcr.io/**'] } },
    ]);
    expect(evaluate(DEPLOYMENT).map((f) => f.path)).toEqual(['spec.template.spec.containers[1].image']);
  });

  it('returns a fresh findings array on every call', () => {
    const evaluate = compileRules(ALL_DEFAULTS);
    const a = evaluate(DEPLOYMENT);
    const b = evaluate(DEPLOYMENT);
    expect(a).not.toBe(b);
    expect(a).toEqual(b);
  });
});

describe('evaluateRule / evaluateManifest', () => {
  it('apply defaults when no parameters are given', () => {
    expect(evaluateRule('capabilities', DEPLOYMENT)).toHaveLength(1);
    expect(evaluateRule('capabilities', DEPLOYMENT, { allowedCapabilities: ['NET_BIND_SERVICE'], requireDropAll: true })).toEqual([]);
  });

  it('validate parameters on every call', () => {
    expect(() => evaluateRule('container-resource-limits', DEPLOYMENT, { maxCpu: 'lots' })).toThrow(/parameter 'maxCpu'/);
    expect(() => evaluateManifest(DEPLOYMENT, [{ ruleId: 'capabilities', parameters: { requireDropAll: 1 } }])).toThrow(
      /rule 'capabilities': parameter 'requireDropAll' must be boolean/,
    );
  });

  it('evaluateManifest concatenates the findings of each rule in order', () => {
    const findings = evaluateManifest(DEPLOYMENT, [
      { ruleId: 'read-only-root-filesystem' },
      { ruleId: 'container-resource-limits', parameters: { maxCpu: '500m' } },
    ]);
    expect(findings.map((f) => f.ruleId)).toEqual(['read-only-root-filesystem', 'container-resource-limits']);
    expect(findings[1].path).toBe('spec.template.spec.containers[0].resources.limits.cpu');
  });
});

describe('robustness', () => {
  const evaluateAll = compileRules(
    RULE_CATALOG.map((r) => ({
      ruleId: r.id,
      parameters:
        r.id === 'non-root-user'
          ? { allowedUserIds: [{ min: 1, max: 5 }], allowedGroupIds: [{ min: 1, max: 5 }] }
          : r.id === 'container-resource-limits'
            ? { maxCpu: '1', maxMemory: '1Gi' }
            : r.id === 'capabilities'
              ? { requireDropAll: true }
              : undefined,
    })),
  );

  // Arbitrary JSON grafted onto every place a rule reads.
  const json = fc.jsonValue({ maxDepth: 3 });
  const container = fc.record(
    {
      name: json,
      image: json,
      resources: fc.oneof(json, fc.record({ limits: fc.oneof(json, fc.record({ cpu: json, memory: json })) })),
      securityContext: fc.oneof(
        json,
        fc.record(
          {
            privileged: json,
            allowPrivilegeEscalation: json,
            readOnlyRootFilesystem: json,
            runAsNonRoot: json,
            runAsUser: json,
            runAsGroup: json,
            capabilities: fc.oneof(json, fc.record({ add: json, drop: json })),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  );
  const containers = fc.oneof(json, fc.array(fc.oneof(container, json), { maxLength: 3 }));
  const podSpec = fc.oneof(
    json,
    fc.record(
      {
        containers,
        initContainers: containers,
        ephemeralContainers: containers,
        securityContext: fc.oneof(json, fc.record({ runAsNonRoot: json, runAsUser: json, fsGroup: json, supplementalGroups: json }, { requiredKeys: [] })),
        os: fc.oneof(json, fc.record({ name: fc.constantFrom('windows', 'linux') })),
        hostPID: json,
        automountServiceAccountToken: json,
      },
      { requiredKeys: [] },
    ),
  );
  const manifest = fc.oneof(
    fc.record({ kind: fc.constantFrom('Pod'), metadata: json, spec: podSpec }),
    fc.record({ kind: fc.constantFrom('Deployment', 'Job', 'StatefulSet'), metadata: json, spec: fc.oneof(json, fc.record({ template: fc.oneof(json, fc.record({ spec: podSpec })) })) }),
    fc.record({ kind: fc.constant('CronJob'), spec: fc.record({ jobTemplate: fc.record({ spec: fc.record({ template: fc.record({ spec: podSpec }) }) }) }) }),
    fc.record({ kind: fc.constant('Ingress'), spec: fc.oneof(json, fc.record({ tls: json, rules: json }, { requiredKeys: [] })) }),
  );

  it('never throws on arbitrarily malformed manifests, and every finding is well-formed', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        for (const f of evaluateAll(m as Manifest)) {
          if (!RULE_IDS.includes(f.ruleId) || typeof f.message !== 'string' || typeof f.path !== 'string' || f.path === '') return false;
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});
