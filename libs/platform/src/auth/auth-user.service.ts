import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service';
import type { AuthenticatedUser } from './authenticated-user';

/** A token that verified but lacks what Rampart needs to know who the caller is. */
export class InsufficientClaimsError extends Error {
  override readonly name = 'InsufficientClaimsError';
}

const nonEmpty = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.trim() !== '' && value.length <= max;

/**
 * Keeps the `user` table in step with the identity provider: a user is created
 * the first time their token is seen, and email/name follow the token afterwards.
 * `user` has no row-level security, so the plain application connection is enough.
 */
@Injectable()
export class AuthUserService {
  constructor(private readonly prisma: PrismaService) {}

  async fromClaims(payload: Record<string, unknown>): Promise<AuthenticatedUser> {
    const { sub, email, name } = payload;
    if (!nonEmpty(sub, 255)) throw new InsufficientClaimsError('token has no usable sub claim');
    if (!nonEmpty(email, 320)) throw new InsufficientClaimsError('token has no usable email claim');
    // Access tokens of some issuers omit profile claims: an absent name keeps the stored one.
    const tokenName = typeof name === 'string' ? name : undefined;

    const select = { id: true, subject: true, email: true, name: true } as const;
    // Reading first keeps the common case (nothing changed) free of writes and of updatedAt churn.
    const known = await this.prisma.user.findUnique({ where: { subject: sub }, select });
    if (known && known.email === email && (tokenName === undefined || known.name === tokenName)) return known;

    // A native upsert (INSERT … ON CONFLICT): two first requests of a new user at once both succeed.
    return this.prisma.user.upsert({
      where: { subject: sub },
      create: { subject: sub, email, name: tokenName ?? null },
      update: { email, ...(tokenName === undefined ? {} : { name: tokenName }) },
      select,
    });
  }
}
