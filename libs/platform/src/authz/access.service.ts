import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service';
import type { Role } from '../db/generated/prisma/enums';
import type { LocatableKind } from './authorization-table';

export interface Membership {
  assignmentId: string;
  tenantId: string;
  tenantName: string;
  tenantCreatedAt: Date;
  role: Role;
  cloudScopeId: string | null;
  createdAt: Date;
}

export interface TargetLocation {
  tenantId: string;
  cloudScopeId: string | null;
}

/**
 * The two deliberate cross-tenant reads (SECURITY DEFINER functions in SQL):
 * a user's own memberships, and which tenant an object id belongs to. Both return
 * identifiers only; every data read happens later inside a tenant transaction.
 */
@Injectable()
export class AccessService {
  constructor(private readonly prisma: PrismaService) {}

  memberships(userId: string): Promise<Membership[]> {
    return this.prisma.$queryRaw<Membership[]>`
      SELECT * FROM rampart_user_memberships(${userId}::uuid) ORDER BY "tenantCreatedAt", "tenantId", "createdAt"`;
  }

  async locate(kind: LocatableKind, id: string): Promise<TargetLocation | null> {
    const rows = await this.prisma.$queryRaw<TargetLocation[]>`SELECT * FROM rampart_locate(${kind}, ${id}::uuid)`;
    return rows[0] ?? null;
  }
}
