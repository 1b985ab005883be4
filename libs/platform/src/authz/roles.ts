import type { Role } from '../db/generated/prisma/enums';

export const ROLE_RANK: Record<Role, number> = { SECURITY_READER: 1, SECURITY_ADMIN: 2, OWNER: 3 };

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[minimum];
}
