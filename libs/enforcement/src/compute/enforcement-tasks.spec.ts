// The tasks are pure functions: tested here in-process, on worker threads in the e2e tests.
import type { BundlePolicy } from '@rampart/bundle';
import { MAX_REPORTED_VIOLATIONS, compileClusterBundle, evaluateManifest, explainEffectivePolicy } from './enforcement-tasks';

const cluster = { id: 'c-1', cloudScopeId: 's-1' };
const block: BundlePolicy = {
  id: 'p-block',
  name: 'No privileged',
  action: 'BLOCK',
  isDefault: false,
  version: 1,
  scope: { cloudScopeIds: [], clusterIds: [], namespaces: ['payments'] },
  rules: [{ ruleId: 'privileged-containers', enabled: true }],
};
const PRIVILEGED_POD = 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n    - { name: c, image: nginx, securityContext: { privileged: true } }\n';

describe('enforcement tasks', () => {
  it('evaluateManifest: a verdict per document, from plain input', () => {
    const out = evaluateManifest({ policies: [block], cluster, namespace: 'payments', manifest: `${PRIVILEGED_POD}---\nkind: Service\n` });
    expect(out).toEqual({
      ok: true,
      evaluation: {
        allowed: false,
        totalViolations: 1,
        violations: [
          {
            documentIndex: 0,
            policyId: 'p-block',
            policyName: 'No privileged',
            ruleId: 'privileged-containers',
            action: 'BLOCK',
            policyAction: 'BLOCK',
            preExisting: false,
            message: expect.stringMatching(/privileged/),
            path: 'spec.containers[0].securityContext.privileged',
          },
        ],
        documents: [
          { index: 0, kind: 'Pod', name: 'p', namespace: 'payments', evaluated: true, allowed: false, note: null },
          { index: 1, kind: 'Service', name: null, namespace: 'payments', evaluated: false, allowed: true, note: 'Service is not evaluated by any rule (only workloads and Ingress are)' },
        ],
      },
    });
    expect(evaluateManifest({ policies: [block], cluster, namespace: 'web', manifest: PRIVILEGED_POD })).toMatchObject({ ok: true, evaluation: { allowed: true, violations: [] } });
  });

  it('evaluateManifest: problems with the text are data, with their position (errors do not cross threads intact)', () => {
    expect(evaluateManifest({ policies: [], cluster, namespace: 'web', manifest: 'a: 1\na: 2\n' })).toEqual({
      ok: false,
      problem: { field: 'manifest', message: 'document 1: duplicate key "a" (keys of a mapping must be unique)', line: 2, column: 1 },
    });
    expect(evaluateManifest({ policies: [], cluster, namespace: 'web', manifest: '# nothing\n' })).toEqual({
      ok: false,
      problem: { field: 'manifest', message: 'contains no document' },
    });
  });

  it('evaluateManifest on UPDATE: a rule the old object already broke is recorded as AUDIT, not denied; a newly broken one denies', () => {
    const compliant = PRIVILEGED_POD.replace('privileged: true', 'privileged: false');
    const scaled = evaluateManifest({ policies: [block], cluster, namespace: 'payments', manifest: PRIVILEGED_POD, operation: 'UPDATE', oldManifest: PRIVILEGED_POD });
    expect(scaled).toMatchObject({ ok: true, evaluation: { allowed: true, violations: [{ ruleId: 'privileged-containers', action: 'AUDIT', policyAction: 'BLOCK', preExisting: true }] } });
    const broken = evaluateManifest({ policies: [block], cluster, namespace: 'payments', manifest: PRIVILEGED_POD, operation: 'UPDATE', oldManifest: compliant });
    expect(broken).toMatchObject({ ok: true, evaluation: { allowed: false, violations: [{ ruleId: 'privileged-containers', action: 'BLOCK', preExisting: false }] } });
    // The old state is the caller's input too: its problems name it.
    expect(evaluateManifest({ policies: [block], cluster, namespace: 'payments', manifest: PRIVILEGED_POD, operation: 'UPDATE', oldManifest: 'kind: Service\n' })).toMatchObject({
      ok: false,
      problem: { field: 'oldManifest' },
    });
  });

  it('evaluateManifest reports at most 1,000 violations but counts and judges every one', () => {
    // 1,500 privileged containers under a policy with one rule: 1,500 findings, written out by hand.
    const containers = Array.from({ length: 1_500 }, (_, i) => `    - { name: c${i}, image: nginx, securityContext: { privileged: true } }`).join('\n');
    const out = evaluateManifest({ policies: [block], cluster, namespace: 'payments', manifest: `apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n${containers}\n` });
    if (!out.ok) throw new Error(out.problem.message);
    expect(MAX_REPORTED_VIOLATIONS).toBe(1_000);
    expect(out.evaluation.allowed).toBe(false);
    expect(out.evaluation.totalViolations).toBe(1_500);
    expect(out.evaluation.violations).toHaveLength(1_000);
    expect(out.evaluation.violations[999].path).toBe('spec.containers[999].securityContext.privileged');
  });

  it('explainEffectivePolicy and compileClusterBundle return structured-cloneable results', () => {
    const explanation = explainEffectivePolicy({ policies: [block], cluster, namespace: 'payments' });
    expect(explanation.verdict.blockingPolicyIds).toEqual(['p-block']);
    expect(structuredClone(explanation)).toEqual(explanation);
    const bundle = compileClusterBundle({ policies: [block], cluster });
    expect(bundle).toMatchObject({ clusterId: 'c-1', version: 0, etag: expect.stringMatching(/^sha256:/) });
    expect(structuredClone(bundle)).toEqual(bundle);
  });
});
