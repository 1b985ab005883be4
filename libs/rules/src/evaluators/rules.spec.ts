// Unit tests per rule: workload kinds, every container list, precedence, parameters,
// and malformed input (which must yield findings, never exceptions).

import { evaluateRule } from '../evaluate';
import type { Finding, Manifest, RuleId } from '../types';

type Obj = Record<string, unknown>;

const POD_PATHS: Record<string, string> = {
  Pod: 'spec',
  Deployment: 'spec.template.spec',
  StatefulSet: 'spec.template.spec',
  DaemonSet: 'spec.template.spec',
  ReplicaSet: 'spec.template.spec',
  Job: 'spec.template.spec',
  CronJob: 'spec.jobTemplate.spec.template.spec',
  ReplicationController: 'spec.template.spec',
};
const API_VERSIONS: Record<string, string> = {
  Pod: 'v1',
  ReplicationController: 'v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
};
const KINDS = Object.keys(POD_PATHS);

// namespace null: metadata without a namespace.
function workload(kind: string, spec: Obj, namespace: string | null = 'apps'): Manifest {
  const metadata = namespace === null ? { name: 'w' } : { name: 'w', namespace };
  const apiVersion = API_VERSIONS[kind] ?? 'apps/v1';
  if (kind === 'Pod') return { apiVersion, kind, metadata, spec };
  const template = { metadata: { labels: { app: 'w' } }, spec };
  if (kind === 'CronJob') return { apiVersion, kind, metadata, spec: { schedule: '@daily', jobTemplate: { spec: { template } } } };
  return { apiVersion, kind, metadata, spec: { template } };
}

const pod = (spec: Obj, namespace?: string): Manifest => workload('Pod', spec, namespace);

const run = (ruleId: RuleId, manifest: Manifest, params?: unknown): Finding[] => evaluateRule(ruleId, manifest, params);
const paths = (findings: Finding[]): string[] => findings.map((f) => f.path);

const compliant = {
  name: 'app',
  image: 'ghcr.io/acme/app:1.0',
  resources: { limits: { cpu: '500m', memory: '256Mi' } },
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 1000,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  },
};

const CONTAINER_RULES: RuleId[] = [
  'container-resource-limits',
  'privileged-containers',
  'privilege-escalation',
  'capabilities',
  'non-root-user',
  'trusted-registries',
  'read-only-root-filesystem',
];

describe.each(KINDS)('every rule on a %s', (kind) => {
  const podPath = POD_PATHS[kind];
  const good = workload(kind, { automountServiceAccountToken: false, containers: [compliant], initContainers: [{ ...compliant, name: 'init' }] });

  it('passes a compliant workload', () => {
    for (const ruleId of [...CONTAINER_RULES, 'automount-service-account-token', 'default-namespace', 'host-namespaces'] as RuleId[]) {
      const params = ruleId === 'trusted-registries' ? { allowedPatterns: ['ghcr.io/acme/**'] } : undefined;
      expect([ruleId, run(ruleId, good, params)]).toEqual([ruleId, []]);
    }
  });

  it('reports a bare container at the right paths', () => {
    const bad = workload(kind, { containers: [{ name: 'app', image: 'nginx' }] }, null);
    const c = `${podPath}.containers[0]`;
    expect(paths(run('container-resource-limits', bad))).toEqual([`${c}.resources.limits.cpu`, `${c}.resources.limits.memory`]);
    expect(paths(run('privilege-escalation', bad))).toEqual([`${c}.securityContext.allowPrivilegeEscalation`]);
    expect(paths(run('read-only-root-filesystem', bad))).toEqual([`${c}.securityContext.readOnlyRootFilesystem`]);
    expect(paths(run('non-root-user', bad))).toEqual([`${c}.securityContext.runAsNonRoot`]);
    expect(paths(run('capabilities', bad, { requireDropAll: true }))).toEqual([`${c}.securityContext.capabilities.drop`]);
    expect(paths(run('trusted-registries', bad, { allowedPatterns: ['ghcr.io/**'] }))).toEqual([`${c}.image`]);
    expect(paths(run('automount-service-account-token', bad))).toEqual([`${podPath}.automountServiceAccountToken`]);
    expect(paths(run('default-namespace', bad))).toEqual(['metadata.namespace']);
    expect(run('privileged-containers', bad)).toEqual([]);
    expect(run('host-namespaces', bad)).toEqual([]);
    for (const f of run('privilege-escalation', bad)) expect(f).toMatchObject({ ruleId: 'privilege-escalation', container: 'app' });
  });

  it('is not fooled by a missing pod spec', () => {
    const broken: Manifest = { apiVersion: API_VERSIONS[kind] ?? 'apps/v1', kind, metadata: { namespace: 'x' } };
    for (const ruleId of [...CONTAINER_RULES, 'automount-service-account-token', 'host-namespaces'] as RuleId[]) {
      const findings = run(ruleId, broken);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ ruleId, path: podPath, message: expect.stringContaining('no pod spec') });
    }
    expect(run('default-namespace', broken)).toEqual([]);
  });
});

describe('container lists', () => {
  const lists = {
    containers: [{ name: 'main' }],
    initContainers: [{ name: 'init', securityContext: { privileged: true } }],
    ephemeralContainers: [{ name: 'debug', securityContext: { privileged: true } }],
  };

  it('checks init and ephemeral containers', () => {
    const findings = run('privileged-containers', pod(lists));
    expect(findings.map((f) => [f.path, f.container])).toEqual([
      ['spec.initContainers[0].securityContext.privileged', 'init'],
      ['spec.ephemeralContainers[0].securityContext.privileged', 'debug'],
    ]);
    expect(findings[0].message).toMatch(/^init container 'init': set securityContext\.privileged: false/);
  });

  it('checks resources on containers and init containers but not ephemeral containers', () => {
    expect(paths(run('container-resource-limits', pod(lists))).map((p) => p.replace(/\.resources.*/, ''))).toEqual([
      'spec.containers[0]',
      'spec.containers[0]',
      'spec.initContainers[0]',
      'spec.initContainers[0]',
    ]);
  });

  it('handles a pod with only ephemeral containers', () => {
    expect(paths(run('read-only-root-filesystem', pod({ ephemeralContainers: [{ name: 'd' }] })))).toEqual([
      'spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem',
    ]);
  });

  it('names unnamed containers by position', () => {
    const [f] = run('privilege-escalation', pod({ containers: [compliant, { image: 'x' }] }));
    expect(f.message).toMatch(/^container #1: /);
    expect(f.container).toBeUndefined();
    expect(f.path).toBe('spec.containers[1].securityContext.allowPrivilegeEscalation');
  });
});

describe('malformed manifests never crash', () => {
  const shapes: [string, Obj][] = [
    ['containers is a string', { containers: 'nginx' }],
    ['containers is an object', { containers: { name: 'x' } }],
    ['a container is null', { containers: [null] }],
    ['a container is a number', { containers: [7] }],
    ['securityContext is a string', { containers: [{ name: 'a', securityContext: 'privileged' }] }],
    ['capabilities is a list', { containers: [{ name: 'a', securityContext: { capabilities: ['ALL'] } }] }],
    ['capabilities.add is a string', { containers: [{ name: 'a', securityContext: { capabilities: { add: 'SYS_ADMIN' } } }] }],
    ['resources is a string', { containers: [{ name: 'a', resources: '1 cpu' }] }],
    ['limits is a list', { containers: [{ name: 'a', resources: { limits: [] } }] }],
    ['pod securityContext is a number', { securityContext: 1, containers: [{ name: 'a' }] }],
  ];

  it.each(shapes)('%s: every rule reports it or passes, without throwing', (_name, spec) => {
    for (const kind of KINDS) {
      for (const ruleId of [...CONTAINER_RULES, 'automount-service-account-token', 'host-namespaces', 'default-namespace'] as RuleId[]) {
        expect(() => run(ruleId, workload(kind, spec))).not.toThrow();
      }
    }
  });

  it('fails closed on an unreadable container list', () => {
    for (const ruleId of CONTAINER_RULES) {
      const findings = run(ruleId, pod({ containers: 'nginx' }));
      expect([ruleId, paths(findings)]).toEqual([ruleId, ['spec.containers']]);
      expect(findings[0].message).toMatch(/must be a list of containers but is a string/);
    }
  });

  it('fails closed on a container entry that is not an object', () => {
    expect(paths(run('privileged-containers', pod({ containers: [compliant, 'x'] })))).toEqual(['spec.containers[1]']);
  });

  it('reports a securityContext that is not an object', () => {
    for (const ruleId of ['privileged-containers', 'privilege-escalation', 'capabilities', 'non-root-user', 'read-only-root-filesystem'] as RuleId[]) {
      const findings = run(ruleId, pod({ securityContext: { runAsNonRoot: true }, containers: [{ name: 'a', securityContext: 'x' }] }));
      expect([ruleId, findings.map((f) => f.path)]).toEqual([ruleId, ['spec.containers[0].securityContext']]);
      expect(findings[0].message).toMatch(/securityContext must be an object but is a string/);
    }
  });

  it('reports resources of the wrong shape', () => {
    expect(paths(run('container-resource-limits', pod({ containers: [{ name: 'a', resources: 'x' }] })))).toEqual([
      'spec.containers[0].resources',
    ]);
    expect(paths(run('container-resource-limits', pod({ containers: [{ name: 'a', resources: { limits: [] } }] })))).toEqual([
      'spec.containers[0].resources.limits',
    ]);
  });

  it('ignores documents that are neither workloads nor Ingress', () => {
    for (const ruleId of [...CONTAINER_RULES, 'automount-service-account-token', 'default-namespace', 'host-namespaces', 'ingress-https'] as RuleId[]) {
      expect(run(ruleId, { apiVersion: 'v1', kind: 'Service', metadata: {}, spec: { containers: 'x' } })).toEqual([]);
      expect(run(ruleId, { apiVersion: 'v1', kind: 'ConfigMap' })).toEqual([]);
      expect(run(ruleId, {} as Manifest)).toEqual([]);
      expect(run(ruleId, 'not an object' as unknown as Manifest)).toEqual([]);
    }
  });
});

describe('container-resource-limits', () => {
  const limits = (cpu: unknown, memory: unknown) => pod({ containers: [{ name: 'a', resources: { limits: { cpu, memory } } }] });

  it('treats ceilings as inclusive and compares exact quantities', () => {
    expect(run('container-resource-limits', limits('1000m', '1Gi'), { maxCpu: '1', maxMemory: '1Gi' })).toEqual([]);
    expect(run('container-resource-limits', limits('1', '1073741824'), { maxCpu: '1000m', maxMemory: '1Gi' })).toEqual([]);
    expect(run('container-resource-limits', limits(1, 1e9), { maxCpu: '1', maxMemory: '1G' })).toEqual([]);
    expect(run('container-resource-limits', limits('0.5', '512Mi'), { maxCpu: '500m', maxMemory: '536870912' })).toEqual([]);
  });

  it('reports a limit one unit over the ceiling', () => {
    const findings = run('container-resource-limits', limits('1001m', '1Gi'), { maxCpu: '1', maxMemory: '1G' });
    expect(findings.map((f) => f.message)).toEqual([
      "container 'a': resources.limits.cpu 1001m exceeds the maximum 1; lower it to 1 or less",
      "container 'a': resources.limits.memory 1Gi exceeds the maximum 1G; lower it to 1G or less",
    ]);
  });

  it('does not compare when no ceiling is set', () => {
    expect(run('container-resource-limits', limits('64', '1Ti'))).toEqual([]);
  });

  it('reports values that are not quantities', () => {
    const findings = run('container-resource-limits', limits('two', true), { maxCpu: '2' });
    expect(findings.map((f) => f.message)).toEqual([
      'container \'a\': resources.limits.cpu "two" (a string) is not a Kubernetes quantity; set it to a quantity such as "500m" (at most 2)',
      "container 'a': resources.limits.memory true is not a Kubernetes quantity; set it to a quantity such as \"512Mi\"",
    ]);
  });

  it('asks for each missing limit', () => {
    expect(run('container-resource-limits', limits(undefined, '1Gi'), { maxCpu: '2' })).toEqual([
      { ruleId: 'container-resource-limits', path: 'spec.containers[0].resources.limits.cpu', message: "container 'a': set resources.limits.cpu (at most 2)", container: 'a' },
    ]);
  });
});

describe('privileged-containers', () => {
  it('passes explicit false and null', () => {
    expect(run('privileged-containers', pod({ containers: [{ name: 'a', securityContext: { privileged: false } }, { name: 'b', securityContext: { privileged: null } }] }))).toEqual([]);
  });

  it('reports a non-boolean value instead of guessing', () => {
    const [f] = run('privileged-containers', pod({ containers: [{ name: 'a', securityContext: { privileged: 'true' } }] }));
    expect(f.message).toMatch(/must be a boolean but is "true" \(a string\)/);
  });

  it('ignores a pod-level privileged, which Kubernetes does not define', () => {
    expect(run('privileged-containers', pod({ securityContext: { privileged: true }, containers: [{ name: 'a' }] }))).toEqual([]);
  });
});

describe('privilege-escalation', () => {
  it('requires an explicit false on every container', () => {
    const findings = run(
      'privilege-escalation',
      pod({ containers: [{ name: 'a', securityContext: { allowPrivilegeEscalation: false } }, { name: 'b', securityContext: { allowPrivilegeEscalation: true } }] }),
    );
    expect(findings).toEqual([
      {
        ruleId: 'privilege-escalation',
        container: 'b',
        path: 'spec.containers[1].securityContext.allowPrivilegeEscalation',
        message: "container 'b': set securityContext.allowPrivilegeEscalation: false (it is true)",
      },
    ]);
  });

  it('ignores a pod-level allowPrivilegeEscalation', () => {
    expect(paths(run('privilege-escalation', pod({ securityContext: { allowPrivilegeEscalation: false }, containers: [{ name: 'a' }] })))).toEqual([
      'spec.containers[0].securityContext.allowPrivilegeEscalation',
    ]);
  });

  it('exempts Windows pods of every kind', () => {
    for (const kind of KINDS) {
      expect(run('privilege-escalation', workload(kind, { os: { name: 'windows' }, containers: [{ name: 'a' }] }))).toEqual([]);
    }
  });
});

describe('capabilities', () => {
  const caps = (capabilities: unknown, os?: string) =>
    pod({ ...(os ? { os: { name: os } } : {}), containers: [{ name: 'a', securityContext: { capabilities } }] });

  it('allows only listed capabilities, matched exactly', () => {
    const params = { allowedCapabilities: ['CHOWN', 'NET_BIND_SERVICE'] };
    expect(run('capabilities', caps({ add: ['CHOWN', 'NET_BIND_SERVICE'] }), params)).toEqual([]);
    expect(paths(run('capabilities', caps({ add: ['CHOWN', 'chown', 'CAP_CHOWN', 'SYS_ADMIN'] }), params))).toEqual([
      'spec.containers[0].securityContext.capabilities.add[1]',
      'spec.containers[0].securityContext.capabilities.add[2]',
      'spec.containers[0].securityContext.capabilities.add[3]',
    ]);
  });

  it('allows no additions by default', () => {
    const [f] = run('capabilities', caps({ add: ['NET_BIND_SERVICE'] }));
    expect(f.message).toBe("container 'a': remove capability NET_BIND_SERVICE from securityContext.capabilities.add (allowed: none)");
  });

  it('requires the literal ALL in drop when asked', () => {
    expect(run('capabilities', caps({ drop: ['ALL'] }), { requireDropAll: true })).toEqual([]);
    expect(run('capabilities', caps({ drop: ['all'] }), { requireDropAll: true })).toHaveLength(1);
    expect(run('capabilities', caps({ drop: ['CHOWN', 'KILL'] }), { requireDropAll: true })).toHaveLength(1);
    expect(run('capabilities', caps(undefined), { requireDropAll: true })[0].message).toBe("container 'a': add ALL to securityContext.capabilities.drop");
    expect(run('capabilities', caps(undefined), { requireDropAll: false })).toEqual([]);
  });

  it('exempts Windows pods', () => {
    expect(run('capabilities', caps({ add: ['SYS_ADMIN'] }, 'windows'), { requireDropAll: true })).toEqual([]);
    expect(run('capabilities', caps({ add: ['SYS_ADMIN'] }, 'linux'), { requireDropAll: true })).toHaveLength(2);
  });

  it('reports an add that is not a list, and non-string entries', () => {
    expect(paths(run('capabilities', caps({ add: 'SYS_ADMIN' })))).toEqual(['spec.containers[0].securityContext.capabilities.add']);
    expect(run('capabilities', caps({ add: [7] }))[0].message).toMatch(/remove capability 7/);
  });
});

describe('non-root-user', () => {
  const withSc = (podSc: Obj | undefined, ...containerScs: (Obj | undefined)[]) =>
    pod({ securityContext: podSc, containers: containerScs.map((sc, i) => ({ name: `c${i}`, securityContext: sc })) });

  it('accepts a pod-level runAsNonRoot: true inherited by every container', () => {
    expect(run('non-root-user', withSc({ runAsNonRoot: true }, undefined, {}))).toEqual([]);
  });

  it('lets a container override the pod, in both directions', () => {
    expect(paths(run('non-root-user', withSc({ runAsNonRoot: true }, { runAsNonRoot: false }, undefined)))).toEqual([
      'spec.containers[0].securityContext.runAsNonRoot',
    ]);
    expect(run('non-root-user', withSc({ runAsNonRoot: false }, { runAsNonRoot: true }, { runAsNonRoot: true }))).toEqual([]);
    expect(paths(run('non-root-user', withSc({ runAsNonRoot: true, runAsUser: 0 }, { runAsUser: 1000 }, undefined)))).toEqual([
      'spec.securityContext.runAsUser',
    ]);
    expect(run('non-root-user', withSc({ runAsNonRoot: true, runAsUser: 0 }, { runAsUser: 1000 }))).toEqual([]);
    expect(paths(run('non-root-user', withSc({ runAsNonRoot: true, runAsUser: 1000 }, { runAsUser: 0 })))).toEqual([
      'spec.containers[0].securityContext.runAsUser',
    ]);
  });

  it('reports an inherited pod-level value once, at the pod', () => {
    const findings = run('non-root-user', withSc({ runAsNonRoot: false }, undefined, undefined, undefined));
    expect(findings).toEqual([
      { ruleId: 'non-root-user', path: 'spec.securityContext.runAsNonRoot', message: 'pod securityContext.runAsNonRoot is false; set it to true' },
    ]);
  });

  it('checks user ids against inclusive ranges', () => {
    const params = { allowedUserIds: [{ min: 1000, max: 1999 }, { min: 5000, max: 5000 }] };
    expect(run('non-root-user', withSc({ runAsNonRoot: true, runAsUser: 1000 }, { runAsUser: 1999 }, { runAsUser: 5000 }, {}), params)).toEqual([]);
    const findings = run('non-root-user', withSc({ runAsNonRoot: true }, { runAsUser: 999 }, { runAsUser: 2000 }), params);
    expect(findings.map((f) => f.message)).toEqual([
      "container 'c0': securityContext.runAsUser 999 is outside the allowed user ids 1000-1999, 5000; use an id in those ranges",
      "container 'c1': securityContext.runAsUser 2000 is outside the allowed user ids 1000-1999, 5000; use an id in those ranges",
    ]);
  });

  it('checks runAsGroup, fsGroup and supplementalGroups against the group ranges', () => {
    const params = { allowedGroupIds: [{ min: 2000, max: 2999 }] };
    const findings = run(
      'non-root-user',
      withSc({ runAsNonRoot: true, runAsGroup: 2000, fsGroup: 3000, supplementalGroups: [2500, 1] }, { runAsGroup: 100 }, undefined),
      params,
    );
    expect(paths(findings)).toEqual([
      'spec.containers[0].securityContext.runAsGroup',
      'spec.securityContext.fsGroup',
      'spec.securityContext.supplementalGroups[1]',
    ]);
  });

  it('does not constrain group 0 or unset ids without ranges', () => {
    expect(run('non-root-user', withSc({ runAsNonRoot: true, runAsGroup: 0, fsGroup: 0 }, {}))).toEqual([]);
  });

  it('reports ids that are not integers', () => {
    const findings = run('non-root-user', withSc({ runAsNonRoot: true }, { runAsUser: '1000' }));
    expect(findings[0].message).toMatch(/runAsUser must be a non-negative integer user id but is "1000" \(a string\)/);
  });

  it('treats a string "true" as not true', () => {
    expect(run('non-root-user', withSc({ runAsNonRoot: 'true' }, {}))[0].message).toMatch(/is "true" \(a string\); set it to true/);
  });

  it('reports a pod securityContext that is not an object', () => {
    expect(paths(run('non-root-user', pod({ securityContext: 'x', containers: [{ name: 'a', securityContext: { runAsNonRoot: true } }] })))).toEqual([
      'spec.securityContext',
    ]);
  });
});

describe('automount-service-account-token', () => {
  it('requires false in the pod spec, not elsewhere', () => {
    expect(run('automount-service-account-token', pod({ automountServiceAccountToken: false, containers: [] }))).toEqual([]);
    const job: Manifest = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      spec: { automountServiceAccountToken: false, template: { spec: { containers: [] } } },
    };
    expect(paths(run('automount-service-account-token', job))).toEqual(['spec.template.spec.automountServiceAccountToken']);
    expect(run('automount-service-account-token', pod({ automountServiceAccountToken: 'false' }))[0].message).toMatch(/it is "false" \(a string\)/);
  });
});

describe('default-namespace', () => {
  it.each([
    [undefined, 'it is unset, which means default'],
    ['', 'it is empty, which means default'],
    ['default', 'it is default'],
  ])('fails namespace %p', (namespace, detail) => {
    const manifest = pod({ containers: [] });
    (manifest.metadata as Obj).namespace = namespace;
    expect(run('default-namespace', manifest)).toEqual([
      { ruleId: 'default-namespace', path: 'metadata.namespace', message: `set metadata.namespace to a dedicated namespace, not default (${detail})` },
    ]);
  });

  it('passes other namespaces and tolerates missing metadata', () => {
    expect(run('default-namespace', pod({}, 'prod'))).toEqual([]);
    expect(run('default-namespace', { kind: 'Pod', spec: {} })).toHaveLength(1);
    expect(run('default-namespace', { kind: 'Pod', metadata: 'x' })).toHaveLength(1);
    expect(run('default-namespace', { kind: 'Pod', metadata: { namespace: 3 } })[0].message).toMatch(/it is 3/);
  });

  it('does not apply to Ingress or other kinds', () => {
    expect(run('default-namespace', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {} })).toEqual([]);
  });
});

describe('host-namespaces', () => {
  it('reports each shared namespace', () => {
    const findings = run('host-namespaces', workload('DaemonSet', { hostPID: true, hostIPC: false, hostNetwork: true }));
    expect(paths(findings)).toEqual(['spec.template.spec.hostPID', 'spec.template.spec.hostNetwork']);
    expect(findings[0].message).toMatch(/^set hostPID: false/);
  });

  it('reports non-boolean values', () => {
    expect(run('host-namespaces', pod({ hostNetwork: 'yes' }))[0].message).toMatch(/hostNetwork must be a boolean/);
  });
});

describe('trusted-registries', () => {
  const images = (...list: unknown[]) => pod({ containers: list.map((image, i) => ({ name: `c${i}`, image })) });

  it('matches whole image references against the globs', () => {
    const params = { allowedPatterns: ['myacr.azurecr.io/**', 'ghcr.io/acme/*'] };
    expect(run('trusted-registries', images('myacr.azurecr.io/a/b:1', 'ghcr.io/acme/x@sha256:abc'), params)).toEqual([]);
    expect(paths(run('trusted-registries', images('ghcr.io/acme/team/x:1', 'nginx'), params))).toEqual([
      'spec.containers[0].image',
      'spec.containers[1].image',
    ]);
  });

  it('fails every image by default (no allowed patterns)', () => {
    expect(run('trusted-registries', images('ghcr.io/a:1'))[0].message).toBe(
      "container 'c0': image ghcr.io/a:1 matches no allowed pattern (none); use an image from a trusted registry",
    );
  });

  it('fails a container without an image', () => {
    expect(run('trusted-registries', images(undefined, ''), { allowedPatterns: ['**'] }).map((f) => f.message)).toEqual([
      "container 'c0': set image to an image from a trusted registry (it is unset; allowed: **)",
      'container \'c1\': set image to an image from a trusted registry (it is "" (a string); allowed: **)',
    ]);
  });

  // A 100,000-character image against a long many-star pattern held the event loop for
  // seconds; over 4096 characters (counted as code points, as CEL's size() does) it is a finding.
  it('reports an image reference too long to check instead of matching it', () => {
    const params = { allowedPatterns: [`${'*a'.repeat(255)}*`, '**'] };
    expect(run('trusted-registries', images(`${'a'.repeat(100_000)}`), params)).toEqual([
      {
        ruleId: 'trusted-registries',
        container: 'c0',
        path: 'spec.containers[0].image',
        message: "container 'c0': image reference too long to check (more than 4096 characters); use an image from a trusted registry",
      },
    ]);
    expect(run('trusted-registries', images('a'.repeat(4096)), params)).toEqual([]);
    // 4096 astral characters are 8192 UTF-16 units but 4096 characters: still checked.
    expect(run('trusted-registries', images('\u{1F433}'.repeat(4096)), { allowedPatterns: ['**'] })).toEqual([]);
    expect(run('trusted-registries', images('\u{1F433}'.repeat(4097)), { allowedPatterns: ['**'] })).toHaveLength(1);
  });
});

describe('ingress-https', () => {
  const ingress = (spec: unknown, apiVersion = 'networking.k8s.io/v1'): Manifest => ({ apiVersion, kind: 'Ingress', metadata: { name: 'i' }, spec });
  const rule = (host?: string) => (host === undefined ? { http: {} } : { host, http: {} });

  it('requires every rule host in some tls entry', () => {
    expect(run('ingress-https', ingress({ tls: [{ hosts: ['a.io'] }, { hosts: ['b.io'] }], rules: [rule('a.io'), rule('b.io')] }))).toEqual([]);
    expect(run('ingress-https', ingress({ tls: [{ hosts: ['a.io'] }], rules: [rule('a.io'), rule('c.io')] }))).toEqual([
      {
        ruleId: 'ingress-https',
        path: 'spec.rules[1].host',
        message: 'host c.io is not covered by spec.tls; add it to the hosts of a spec.tls entry',
      },
    ]);
  });

  it('fails without tls, or with an empty tls list', () => {
    for (const spec of [{ rules: [rule('a.io')] }, { tls: [], rules: [rule('a.io')] }, {}, undefined]) {
      expect(paths(run('ingress-https', ingress(spec)))).toEqual(['spec.tls']);
    }
  });

  it('treats a tls entry without hosts as covering every host', () => {
    expect(run('ingress-https', ingress({ tls: [{ secretName: 's' }], rules: [rule('a.io'), rule('b.io')] }))).toEqual([]);
    expect(run('ingress-https', ingress({ tls: [{ hosts: ['x.io'] }, { hosts: [] }], rules: [rule('a.io')] }))).toEqual([]);
  });

  it('treats a rule without host as covered by any tls entry', () => {
    expect(run('ingress-https', ingress({ tls: [{ hosts: ['x.io'] }], rules: [rule()] }))).toEqual([]);
  });

  it('does not expand wildcard tls hosts (exact match only)', () => {
    expect(run('ingress-https', ingress({ tls: [{ hosts: ['*.a.io'] }], rules: [rule('x.a.io'), rule('*.a.io')] }))).toHaveLength(1);
  });

  it('ignores Ingress objects of other API groups and reports malformed shapes', () => {
    expect(run('ingress-https', ingress({}, 'example.com/v1'))).toEqual([]);
    expect(paths(run('ingress-https', ingress({ tls: 'yes' })))).toEqual(['spec.tls']);
    expect(paths(run('ingress-https', ingress({ tls: ['x', { hosts: 'a.io' }], rules: [rule('a.io')] })))).toEqual([
      'spec.tls[0]',
      'spec.tls[1].hosts',
      'spec.rules[0].host',
    ]);
    expect(paths(run('ingress-https', ingress({ tls: [{ hosts: ['a.io'] }], rules: 'a.io' })))).toEqual(['spec.rules']);
  });

  it('is not applied to workloads', () => {
    expect(run('ingress-https', pod({ containers: [] }))).toEqual([]);
  });
});

describe('read-only-root-filesystem', () => {
  it('requires true on every container and exempts Windows', () => {
    const spec = { containers: [{ name: 'a', securityContext: { readOnlyRootFilesystem: true } }, { name: 'b', securityContext: { readOnlyRootFilesystem: false } }] };
    expect(paths(run('read-only-root-filesystem', pod(spec)))).toEqual(['spec.containers[1].securityContext.readOnlyRootFilesystem']);
    expect(run('read-only-root-filesystem', pod({ ...spec, os: { name: 'windows' } }))).toEqual([]);
  });
});
