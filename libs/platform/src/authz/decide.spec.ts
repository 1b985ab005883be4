import type { Role } from '../db/generated/prisma/enums';
import { AppError } from '../errors/app-error';
import { type AccessRequest, decideAccess } from './decide';
import type { Membership } from './visibility';

// The access decision against a hand-written table (API.md's roles), not against the code.

const T = 'tenant-1';
const A = 'scope-a';
const B = 'scope-b';

function m(role: Role, cloudScopeId: string | null, tenantId = T): Membership {
  return { assignmentId: `${role}-${cloudScopeId}`, tenantId, tenantName: 't', tenantCreatedAt: new Date(0), role, cloudScopeId, createdAt: new Date(0) };
}

const CALLERS: Record<string, Membership[]> = {
  owner: [m('OWNER', null)],
  admin: [m('SECURITY_ADMIN', null)],
  reader: [m('SECURITY_READER', null)],
  adminOfA: [m('SECURITY_ADMIN', A)],
  readerOfA: [m('SECURITY_READER', A)],
  readerPlusAdminOfA: [m('SECURITY_READER', null), m('SECURITY_ADMIN', A)],
  adminOfAandB: [m('SECURITY_ADMIN', A), m('SECURITY_ADMIN', B)],
  outsider: [m('OWNER', null, 'tenant-2')],
  nobody: [],
};

const NOT_FOUND = new AppError('NOT_FOUND', 'Thing not found', 'id');

type Target = Omit<AccessRequest, 'minRole'> & { minRole: Role };
const tenant = (mode: 'read' | 'write', minRole: Role, tenantSeenFiltered = false): Target => ({
  target: { tenantId: T, cloudScopeIds: null, kind: 'Tenant', notFound: NOT_FOUND },
  minRole,
  mode,
  tenantSeenFiltered,
});
const object = (cloudScopeIds: string[] | null, mode: 'read' | 'write', minRole: Role, tenantLevelWrite = false): Target => ({
  target: { tenantId: T, cloudScopeIds, tenantLevelWrite, kind: 'Object', notFound: NOT_FOUND },
  minRole,
  mode,
});

const TARGETS: Record<string, Target> = {
  'tenant(id)': tenant('read', 'SECURITY_READER', true),
  auditLog: tenant('read', 'SECURITY_READER'),
  createPolicy: tenant('write', 'SECURITY_ADMIN'),
  assignRole: tenant('write', 'OWNER'),
  'read cluster in A': object([A], 'read', 'SECURITY_READER'),
  'change cluster in A': object([A], 'write', 'SECURITY_ADMIN'),
  'read cluster in B': object([B], 'read', 'SECURITY_READER'),
  'revoke role on A': object([A], 'write', 'OWNER'),
  'revoke tenant-wide role': object(null, 'write', 'OWNER'),
  'read global policy': object([], 'read', 'SECURITY_READER'),
  'change global policy': object([], 'write', 'SECURITY_ADMIN', true),
  'read policy reaching A': object([A], 'read', 'SECURITY_READER'),
  'change policy reaching A': object([A], 'write', 'SECURITY_ADMIN', true),
  'read policy reaching A and B': object([A, B], 'read', 'SECURITY_READER'),
  'read policy reaching B': object([B], 'read', 'SECURITY_READER'),
  'read policy reaching nowhere': object(null, 'read', 'SECURITY_READER'),
};

// A role name = granted with that role; otherwise the error code.
const N = 'NOT_FOUND';
const F = 'FORBIDDEN';
const EXPECTED: Record<string, Record<keyof typeof CALLERS, string>> = {
  //                               owner      admin             reader             adminOfA          readerOfA          readerPlusAdminOfA adminOfAandB      outsider nobody
  'tenant(id)':                   { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: 'SECURITY_READER', adminOfA: 'SECURITY_ADMIN', readerOfA: 'SECURITY_READER', readerPlusAdminOfA: 'SECURITY_ADMIN', adminOfAandB: 'SECURITY_ADMIN', outsider: N, nobody: N },
  auditLog:                       { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: 'SECURITY_READER', adminOfA: F, readerOfA: F, readerPlusAdminOfA: 'SECURITY_READER', adminOfAandB: F, outsider: N, nobody: N },
  createPolicy:                   { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: F, adminOfA: F, readerOfA: F, readerPlusAdminOfA: F, adminOfAandB: F, outsider: N, nobody: N },
  assignRole:                     { owner: 'OWNER', admin: F, reader: F, adminOfA: F, readerOfA: F, readerPlusAdminOfA: F, adminOfAandB: F, outsider: N, nobody: N },
  'read cluster in A':            { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: 'SECURITY_READER', adminOfA: 'SECURITY_ADMIN', readerOfA: 'SECURITY_READER', readerPlusAdminOfA: 'SECURITY_ADMIN', adminOfAandB: 'SECURITY_ADMIN', outsider: N, nobody: N },
  'change cluster in A':          { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: F, adminOfA: 'SECURITY_ADMIN', readerOfA: F, readerPlusAdminOfA: 'SECURITY_ADMIN', adminOfAandB: 'SECURITY_ADMIN', outsider: N, nobody: N },
  'read cluster in B':            { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: 'SECURITY_READER', adminOfA: N, readerOfA: N, readerPlusAdminOfA: 'SECURITY_READER', adminOfAandB: 'SECURITY_ADMIN', outsider: N, nobody: N },
  'revoke role on A':             { owner: 'OWNER', admin: F, reader: F, adminOfA: F, readerOfA: F, readerPlusAdminOfA: F, adminOfAandB: F, outsider: N, nobody: N },
  'revoke tenant-wide role':      { owner: 'OWNER', admin: F, reader: F, adminOfA: N, readerOfA: N, readerPlusAdminOfA: F, adminOfAandB: N, outsider: N, nobody: N },
  'read global policy':           { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: 'SECURITY_READER', adminOfA: 'SECURITY_ADMIN', readerOfA: 'SECURITY_READER', readerPlusAdminOfA: 'SECURITY_ADMIN', adminOfAandB: 'SECURITY_ADMIN', outsider: N, nobody: N },
  'change global policy':         { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: F, adminOfA: F, readerOfA: F, readerPlusAdminOfA: F, adminOfAandB: F, outsider: N, nobody: N },
  'read policy reaching A':       { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: 'SECURITY_READER', adminOfA: 'SECURITY_ADMIN', readerOfA: 'SECURITY_READER', readerPlusAdminOfA: 'SECURITY_ADMIN', adminOfAandB: 'SECURITY_ADMIN', outsider: N, nobody: N },
  'change policy reaching A':     { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: F, adminOfA: F, readerOfA: F, readerPlusAdminOfA: F, adminOfAandB: F, outsider: N, nobody: N },
  'read policy reaching A and B': { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: 'SECURITY_READER', adminOfA: 'SECURITY_ADMIN', readerOfA: 'SECURITY_READER', readerPlusAdminOfA: 'SECURITY_ADMIN', adminOfAandB: 'SECURITY_ADMIN', outsider: N, nobody: N },
  'read policy reaching B':       { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: 'SECURITY_READER', adminOfA: N, readerOfA: N, readerPlusAdminOfA: 'SECURITY_READER', adminOfAandB: 'SECURITY_ADMIN', outsider: N, nobody: N },
  'read policy reaching nowhere': { owner: 'OWNER', admin: 'SECURITY_ADMIN', reader: 'SECURITY_READER', adminOfA: N, readerOfA: N, readerPlusAdminOfA: 'SECURITY_READER', adminOfAandB: N, outsider: N, nobody: N },
};

function outcome(memberships: Membership[], request: AccessRequest): string {
  try {
    return decideAccess(memberships, request).role;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

describe('decideAccess (hand-written table)', () => {
  it('the table covers every target and caller', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(TARGETS).sort());
  });

  const rows = Object.entries(TARGETS).flatMap(([target, request]) =>
    Object.keys(CALLERS).map((caller) => ({ target, caller, request, expected: EXPECTED[target][caller] })),
  );
  it.each(rows)('$target as $caller → $expected', ({ target, caller, request, expected }) => {
    expect({ target, caller, outcome: outcome(CALLERS[caller], request) }).toEqual({ target, caller, outcome: expected });
  });

  it('every NOT_FOUND is the target’s own error, whatever the reason', () => {
    for (const caller of ['outsider', 'nobody', 'adminOfA']) {
      let thrown: unknown;
      try {
        decideAccess(CALLERS[caller], TARGETS['read cluster in B']);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBe(NOT_FOUND);
    }
  });

  it('the grant carries what the caller sees of the tenant', () => {
    expect(decideAccess(CALLERS.adminOfA, TARGETS['tenant(id)']).visibility.cloudScopeIds).toEqual([A]);
    expect(decideAccess(CALLERS.reader, TARGETS['tenant(id)']).visibility.cloudScopeIds).toBeNull();
  });
});
