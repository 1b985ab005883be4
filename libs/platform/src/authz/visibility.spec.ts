import { type Membership, Visibility, policyReach } from './visibility';

// Expected values are written by hand from the rule in Visibility's comment.

const T = 'tenant-1';
const [A, B, C] = ['scope-a', 'scope-b', 'scope-c'];
const CLUSTERS = new Map([
  ['ca1', A],
  ['ca2', A],
  ['cb1', B],
  ['cc1', C],
]);

function scoped(...scopes: string[]): Visibility {
  const memberships: Membership[] = scopes.map((s) => ({
    assignmentId: s,
    tenantId: T,
    tenantName: 't',
    tenantCreatedAt: new Date(0),
    role: 'SECURITY_READER',
    cloudScopeId: s,
    createdAt: new Date(0),
  }));
  return Visibility.of(memberships, T);
}

const scope = (cloudScopeIds: string[], clusterIds: string[] = [], namespaces: string[] = []) => ({ cloudScopeIds, clusterIds, namespaces });

describe('policyReach', () => {
  it.each([
    ['global', scope([]), []],
    ['cloud scopes only', scope([B, A, A]), [A, B]],
    ['clusters only', scope([], ['cb1', 'ca1', 'ca2']), [A, B]],
    ['both: scopes holding a named cluster', scope([A, B], ['ca1']), [A]],
    ['clusters nobody knows', scope([], ['gone']), null],
    ['namespaces only are global', scope([], [], ['payments']), []],
  ])('%s', (_name, s, expected) => {
    expect(policyReach(s, CLUSTERS)).toEqual(expected);
  });
});

describe('Visibility.policyScope for a role limited to cloud scope A', () => {
  const a = scoped(A);
  it.each([
    ['global: unchanged', scope([], [], ['x']), scope([], [], ['x'])],
    ['A only: unchanged', scope([A], ['ca1']), scope([A], ['ca1'])],
    ['A and B: cut to A', scope([A, B], [], ['ns']), scope([A], [], ['ns'])],
    ['clusters in A and B: cut to A’s', scope([], ['ca1', 'cb1']), scope([], ['ca1'])],
    ['scopes A, B with a cluster of B only: cannot apply in A, hidden', scope([A, B], ['cb1']), null],
    ['B only: hidden', scope([B]), null],
    ['a cluster of B only: hidden', scope([], ['cb1']), null],
  ])('%s', (_name, s, expected) => {
    expect(a.policyScope(s, CLUSTERS)).toEqual(expected);
  });

  it('a tenant-wide role sees every scope as it is', () => {
    const wide = Visibility.of(
      [{ assignmentId: 'x', tenantId: T, tenantName: 't', tenantCreatedAt: new Date(0), role: 'SECURITY_READER', cloudScopeId: null, createdAt: new Date(0) }],
      T,
    );
    expect(wide.policyScope(scope([B], ['cb1']), CLUSTERS)).toEqual(scope([B], ['cb1']));
    expect(wide.cloudScopeIds).toBeNull();
  });

  it('a non-member sees nothing, not even global policies', () => {
    const none = Visibility.of([], T);
    expect(none.member).toBe(false);
    expect(none.cloudScopeIds).toEqual([]);
    expect(none.policyScope(scope([]), CLUSTERS)).toBeNull();
    expect(none.sees([])).toBe(false);
  });
});
