import { CursorKey, decodeCursor } from '@rampart/platform';
import type { TenancyRepository } from './tenancy.repository';

export type InvitationRow = NonNullable<Awaited<ReturnType<TenancyRepository['findInvitation']>>>;

export type InvitationStatus = 'PENDING' | 'ACCEPTED' | 'REVOKED' | 'EXPIRED';

/** Expiry is a matter of time, not of a write: the status is derived when read. */
export function invitationStatus(i: Pick<InvitationRow, 'acceptedAt' | 'revokedAt' | 'expiresAt'>, now: Date): InvitationStatus {
  if (i.acceptedAt) return 'ACCEPTED';
  if (i.revokedAt) return 'REVOKED';
  return i.expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : 'PENDING';
}

/** An invitation as the API and the change log show it. */
export function invitationView(i: InvitationRow, now: Date) {
  return {
    id: i.id,
    tenantId: i.tenantId,
    email: i.email,
    role: i.role,
    cloudScopeId: i.cloudScopeId,
    status: invitationStatus(i, now),
    createdById: i.createdById,
    createdAt: i.createdAt,
    expiresAt: i.expiresAt,
    acceptedAt: i.acceptedAt,
    acceptedByUserId: i.acceptedByUserId,
    roleAssignmentId: i.roleAssignmentId,
    revokedAt: i.revokedAt,
  };
}
export type InvitationView = ReturnType<typeof invitationView>;

export function decodeInvitationCursor(cursor: string, field = 'after'): { createdAt: Date; id: string } {
  const [at, id] = decodeCursor(cursor, field, CursorKey.tuple<[string, string]>(CursorKey.timestamp, CursorKey.uuid));
  return { createdAt: new Date(at), id };
}
