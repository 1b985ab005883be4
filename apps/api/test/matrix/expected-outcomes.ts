import type { OperationType } from '@rampart/platform';

/**
 * What every kind of caller must get from every root operation, written by hand from
 * API.md — never derived from the authorization table, so lowering an operation's
 * minimum role there makes the matrix fail:
 * - OWNER and SECURITY_ADMIN may run every policy, cluster and cloud scope mutation in
 *   their scope; SECURITY_READER only queries (evaluateManifest is a read);
 * - only OWNER manages role assignments;
 * - a role limited to cloud scope A (SCOPE_A) sees the tenant filtered to A, acts on
 *   A's cloud scope and clusters, and reads the policies that can apply in A; it
 *   changes no policy (policies are tenant-wide objects) and no tenant-level thing;
 *   what it may not see at all (SCOPE_B's objects) is NOT_FOUND;
 * - anyone else: NOT_FOUND; nobody signed in: UNAUTHENTICATED.
 *
 * The targets (see *.cases.ts): clusters and the policy live in / reach cloud scope A;
 * revokeRole's target is a reader role on A; offboardCloudScope's a third scope.
 *
 * Columns: OWNER, SECURITY_ADMIN, SECURITY_READER (all tenant-wide), SCOPE_A
 * (SECURITY_ADMIN on cloud scope A), SCOPE_B (SECURITY_ADMIN on cloud scope B),
 * OTHER_TENANT (OWNER of another tenant), ANONYMOUS.
 *
 * Adding an operation: add its row here by reading API.md, not the table. Rows expected
 * at merge from parallel work, in this format:
 *   Mutation.updateCluster (cluster in A):  ['data', 'data', F, 'data', N, N, U]
 *   Mutation.revokeInvitation (tenant-level, OWNER only): ['data', F, F, F, F, N, U] — or
 *     [..., F, N, ...] for SCOPE_A/SCOPE_B when the invitation is an object on a scope
 *   (Tenant.invitations is a nested field: add it to the nested-visibility test instead).
 */
export const PRINCIPALS = ['OWNER', 'SECURITY_ADMIN', 'SECURITY_READER', 'SCOPE_A', 'SCOPE_B', 'OTHER_TENANT', 'ANONYMOUS'] as const;
export type Principal = (typeof PRINCIPALS)[number];

const D = 'data';
const F = 'FORBIDDEN';
const N = 'NOT_FOUND';
const U = 'UNAUTHENTICATED';
type Row = [string, string, string, string, string, string, string];

const ROWS: Record<OperationType, Record<string, Row>> = {
  Query: {
    //                    OWNER SEC_ADMIN SEC_READER SCOPE_A SCOPE_B OTHER_TENANT ANONYMOUS
    apiInfo:             [D, D, D, D, D, D, D],
    me:                  [D, D, D, D, D, D, U],
    tenants:             [D, D, D, D, D, D, U],
    ruleCatalog:         [D, D, D, D, D, D, U],
    tenant:              [D, D, D, D, D, N, U],
    auditLog:            [D, D, D, F, F, N, U],
    cluster:             [D, D, D, D, N, N, U],
    policy:              [D, D, D, D, N, N, U],
    effectivePolicy:     [D, D, D, D, N, N, U],
    evaluateManifest:    [D, D, D, D, N, N, U],
    clusterBundle:       [D, D, D, D, N, N, U],
  },
  Mutation: {
    //                       OWNER SEC_ADMIN SEC_READER SCOPE_A SCOPE_B OTHER_TENANT ANONYMOUS
    createTenant:            [D, D, D, D, D, D, U],
    assignRole:              [D, F, F, F, F, N, U],
    revokeRole:              [D, F, F, F, N, N, U],
    // The target is an invitation on scope A: only an OWNER revokes (like revokeRole).
    revokeInvitation:        [D, F, F, F, N, N, U],
    onboardCloudScope:       [D, D, F, F, F, N, U],
    renameCloudScope:        [D, D, F, D, N, N, U],
    offboardCloudScope:      [D, D, F, N, N, N, U],
    registerCluster:         [D, D, F, D, N, N, U],
    updateCluster:           [D, D, F, D, N, N, U],
    rotateClusterCredential: [D, D, F, D, N, N, U],
    deregisterCluster:       [D, D, F, D, N, N, U],
    createPolicy:            [D, D, F, F, F, N, U],
    updatePolicy:            [D, D, F, F, N, N, U],
    deletePolicy:            [D, D, F, F, N, N, U],
  },
};

export const EXPECTED_OUTCOMES: Record<OperationType, Record<string, Record<Principal, string>>> = {
  Query: byPrincipal(ROWS.Query),
  Mutation: byPrincipal(ROWS.Mutation),
};

function byPrincipal(rows: Record<string, Row>): Record<string, Record<Principal, string>> {
  return Object.fromEntries(
    Object.entries(rows).map(([operation, row]) => [operation, Object.fromEntries(PRINCIPALS.map((p, i) => [p, row[i]])) as Record<Principal, string>]),
  );
}
