import { Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { AuditLogService, type AuthenticatedUser, AuthUserService, PrismaService, type TenantTx, normaliseEmail } from '@rampart/platform';
import { TenancyRepository } from './tenancy.repository';
import { assignmentView } from './tenancy.service';
import { invitationView } from './invitation-view';

/**
 * Binds pending invitations at a user's first sign-in with a verified e-mail.
 * Which tenants hold one is the only cross-tenant step, through a SECURITY DEFINER
 * function that answers (invitationId, tenantId) for that user's verified e-mail
 * and nothing else; each binding then runs inside its own tenant transaction, with
 * row-level security as for any request: role assignment, acceptance and change-log
 * entry commit together. The tenant row lock makes concurrent first requests of one
 * user bind each invitation once.
 */
@Injectable()
export class InvitationBinder implements OnModuleInit {
  private readonly logger = new Logger('Invitations');

  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditLogService,
    private readonly repo: TenancyRepository,
    // Absent in applications without authentication (the worker): nobody signs in there.
    @Optional() private readonly users?: AuthUserService,
  ) {}

  onModuleInit(): void {
    this.users?.onVerifiedEmail(async (user) => {
      const bound = await this.bindPending(user);
      if (bound > 0) this.logger.log(`bound ${bound} invitation(s) for user ${user.id}`);
    });
  }

  async bindPending(user: AuthenticatedUser): Promise<number> {
    const pending = await this.prisma.$queryRaw<{ invitationId: string; tenantId: string }[]>`
      SELECT "invitationId", "tenantId" FROM rampart_pending_invitations(${user.id}::uuid)`;
    let bound = 0;
    for (const { invitationId, tenantId } of pending) {
      if (await this.prisma.withTenant(tenantId, (tx) => this.bindOne(tx, invitationId, user))) bound += 1;
    }
    return bound;
  }

  private async bindOne(tx: TenantTx, invitationId: string, user: AuthenticatedUser): Promise<boolean> {
    await this.repo.lockTenant(tx);
    const invitation = await this.repo.findInvitation(tx, invitationId);
    const now = new Date();
    // Re-checked under the lock: another request of this user may have bound it, or an owner revoked it.
    if (!invitation || invitation.acceptedAt || invitation.revokedAt || invitation.expiresAt <= now) return false;
    if (invitation.email !== normaliseEmail(user.email)) return false;
    if (invitation.cloudScopeId !== null) {
      const scope = await this.repo.cloudScopeState(tx, invitation.cloudScopeId);
      if (!scope || scope.offboardedAt) {
        this.logger.log(`invitation ${invitationId} not bound: its cloud scope is offboarded`);
        return false;
      }
    }
    // Granted directly in the meantime: the invitation is fulfilled by the existing role.
    const existing = await this.repo.findAssignmentOf(tx, user.id, invitation.cloudScopeId);
    const assignment =
      existing ??
      (await this.repo.createAssignment(tx, {
        userId: user.id,
        role: invitation.role,
        cloudScopeId: invitation.cloudScopeId,
        createdById: invitation.createdById,
      }));
    const accepted = await this.repo.acceptInvitation(tx, invitationId, {
      acceptedAt: now,
      acceptedByUserId: user.id,
      roleAssignmentId: assignment.id,
    });
    await this.audit.append(tx, {
      actor: { userId: user.id, display: user.email },
      operation: 'acceptInvitation',
      targetType: 'Invitation',
      targetId: invitationId,
      before: invitationView(invitation, now),
      after: { ...invitationView(accepted, now), roleAssignment: existing ? null : assignmentView(assignment) },
    });
    return true;
  }
}
