import { WORKLOAD_KINDS, effectiveSecuritySetting, getWorkloadKind, isIngress, isWindowsPod, viewWorkload } from './workload';

const podSpec = {
  securityContext: { runAsNonRoot: true, runAsUser: 1000 },
  containers: [{ name: 'app', image: 'app:1', securityContext: { runAsUser: 2000 } }, { image: 'side:1' }],
  initContainers: [{ name: 'init', image: 'init:1' }],
  ephemeralContainers: [{ name: 'debug', image: 'debug:1', securityContext: { runAsNonRoot: false } }],
};

function wrap(kind: string, apiVersion: string, spec: unknown): Record<string, unknown> {
  const template = { metadata: {}, spec };
  switch (kind) {
    case 'Pod':
      return { apiVersion, kind, metadata: { name: 'x' }, spec };
    case 'CronJob':
      return { apiVersion, kind, spec: { schedule: '* * * * *', jobTemplate: { spec: { template } } } };
    default:
      return { apiVersion, kind, spec: { template } };
  }
}

const KINDS: [string, string, string][] = [
  ['Pod', 'v1', 'spec'],
  ['Deployment', 'apps/v1', 'spec.template.spec'],
  ['StatefulSet', 'apps/v1', 'spec.template.spec'],
  ['DaemonSet', 'apps/v1', 'spec.template.spec'],
  ['ReplicaSet', 'apps/v1', 'spec.template.spec'],
  ['Job', 'batch/v1', 'spec.template.spec'],
  ['CronJob', 'batch/v1', 'spec.jobTemplate.spec.template.spec'],
  ['ReplicationController', 'v1', 'spec.template.spec'],
];

describe('viewWorkload', () => {
  it('knows every workload kind', () => {
    expect(WORKLOAD_KINDS.map((k) => k.kind).sort()).toEqual(KINDS.map(([k]) => k).sort());
  });

  it.each(KINDS)('%s: finds the pod spec at %s and every container list', (kind, apiVersion, podPath) => {
    const view = viewWorkload(wrap(kind, apiVersion, podSpec))!;
    expect(view.podSpecPath).toBe(podPath);
    expect(view.problems).toEqual([]);
    expect(view.containers.map((c) => [c.path, c.name, c.label])).toEqual([
      [`${podPath}.containers[0]`, 'app', "container 'app'"],
      [`${podPath}.containers[1]`, undefined, 'container #1'],
      [`${podPath}.initContainers[0]`, 'init', "init container 'init'"],
      [`${podPath}.ephemeralContainers[0]`, 'debug', "ephemeral container 'debug'"],
    ]);
  });

  it('ignores kinds that are not workloads, and workload kinds from other API groups', () => {
    expect(viewWorkload({ apiVersion: 'v1', kind: 'Service', spec: {} })).toBeUndefined();
    expect(viewWorkload({ apiVersion: 'example.com/v1', kind: 'Deployment', spec: {} })).toBeUndefined();
    expect(viewWorkload({ kind: 42 })).toBeUndefined();
    expect(getWorkloadKind({ apiVersion: 'extensions/v1beta1', kind: 'Deployment' })?.kind).toBe('Deployment');
    // Snippets without apiVersion are still recognised by kind.
    expect(getWorkloadKind({ kind: 'Pod' })?.kind).toBe('Pod');
    expect(getWorkloadKind({ apiVersion: 7, kind: 'Pod' })).toBeUndefined();
  });

  it('recognises Ingress by kind and group', () => {
    expect(isIngress({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' })).toBe(true);
    expect(isIngress({ apiVersion: 'example.com/v1', kind: 'Ingress' })).toBe(false);
    expect(isIngress({ apiVersion: 'v1', kind: 'Service' })).toBe(false);
  });

  it.each([
    ['missing spec', { apiVersion: 'apps/v1', kind: 'Deployment' }, 'spec.template.spec'],
    ['spec a string', { apiVersion: 'v1', kind: 'Pod', spec: 'oops' }, 'spec'],
    ['template spec a list', { apiVersion: 'apps/v1', kind: 'Deployment', spec: { template: { spec: [] } } }, 'spec.template.spec'],
    ['CronJob without jobTemplate', { apiVersion: 'batch/v1', kind: 'CronJob', spec: {} }, 'spec.jobTemplate.spec.template.spec'],
  ])('reports a %s as a problem, not an exception', (_name, manifest, path) => {
    const view = viewWorkload(manifest)!;
    expect(view.podSpec).toBeUndefined();
    expect(view.containers).toEqual([]);
    expect(view.problems).toEqual([expect.objectContaining({ path, message: expect.stringContaining('no pod spec') })]);
  });

  it('reports container lists and entries of the wrong type', () => {
    const view = viewWorkload({
      kind: 'Pod',
      spec: { containers: 'nginx', initContainers: [null, 'x', { name: 'ok' }], ephemeralContainers: {} },
    })!;
    expect(view.containers.map((c) => c.path)).toEqual(['spec.initContainers[2]']);
    expect(view.problems.map((p) => [p.path, p.list])).toEqual([
      ['spec.containers', 'containers'],
      ['spec.initContainers[0]', 'initContainers'],
      ['spec.initContainers[1]', 'initContainers'],
      ['spec.ephemeralContainers', 'ephemeralContainers'],
    ]);
    expect(view.problems[0].message).toMatch(/must be a list of containers but is a string/);
  });

  it('treats null container lists as absent', () => {
    const view = viewWorkload({ kind: 'Pod', spec: { containers: null, initContainers: [] } })!;
    expect(view.problems).toEqual([]);
    expect(view.containers).toEqual([]);
  });

  it('detects Windows pods', () => {
    expect(viewWorkload({ kind: 'Pod', spec: { os: { name: 'windows' } } })!.windows).toBe(true);
    expect(viewWorkload({ kind: 'Pod', spec: { os: { name: 'linux' } } })!.windows).toBe(false);
    expect(viewWorkload({ kind: 'Pod', spec: { os: 'windows' } })!.windows).toBe(false);
    expect(isWindowsPod({ os: { name: 'windows' } })).toBe(true);
    expect(isWindowsPod('windows')).toBe(false);
  });
});

describe('effectiveSecuritySetting', () => {
  const view = viewWorkload(wrap('Deployment', 'apps/v1', podSpec))!;
  const [app, side] = view.containers;

  it('prefers the container value', () => {
    expect(effectiveSecuritySetting(view, app, 'runAsUser')).toEqual({
      value: 2000,
      path: 'spec.template.spec.containers[0].securityContext.runAsUser',
      source: 'container',
    });
  });

  it('falls back to the pod value', () => {
    expect(effectiveSecuritySetting(view, side, 'runAsNonRoot')).toEqual({
      value: true,
      path: 'spec.template.spec.securityContext.runAsNonRoot',
      source: 'pod',
    });
  });

  it('points at the container when nothing sets it', () => {
    expect(effectiveSecuritySetting(view, side, 'runAsGroup')).toEqual({
      value: undefined,
      path: 'spec.template.spec.containers[1].securityContext.runAsGroup',
      source: 'unset',
    });
  });

  it('treats null as unset and ignores a securityContext that is not an object', () => {
    const v = viewWorkload({
      kind: 'Pod',
      spec: { securityContext: { runAsUser: 5 }, containers: [{ name: 'a', securityContext: { runAsUser: null } }, { name: 'b', securityContext: 'x' }] },
    })!;
    expect(effectiveSecuritySetting(v, v.containers[0], 'runAsUser').value).toBe(5);
    expect(effectiveSecuritySetting(v, v.containers[1], 'runAsUser').value).toBe(5);
  });
});
