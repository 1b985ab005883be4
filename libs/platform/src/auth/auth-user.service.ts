import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service';
import { Prisma } from '../db/generated/prisma/client';
import type { AuthenticatedUser } from './authenticated-user';

/** A token that verified but lacks what Rampart needs to know who the caller is. */
export class InsufficientClaimsError extends Error {
  override readonly name = 'InsufficientClaimsError';
}

const nonEmpty = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.trim() !== '' && value.length <= max;

/** How e-mails are compared everywhere (user lookup, invitations, the unique index): trimmed, lower case. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Serialises everything that decides who holds one e-mail: sign-ins presenting it
 * and role grants looking it up (assignRole), so a grant either sees the verified
 * user or leaves an invitation that user's sign-in then finds. Transaction-scoped.
 */
export async function lockEmail(tx: Prisma.TransactionClient, normalisedEmail: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM pg_advisory_xact_lock(hashtextextended(${`rampart:email:${normalisedEmail}`}, 0))`;
}

async function heldByAnother(db: Pick<Prisma.TransactionClient, '$queryRaw'>, normalised: string, subject: string): Promise<boolean> {
  const rows = await db.$queryRaw<unknown[]>`
    SELECT 1 FROM "user" WHERE lower("email") = ${normalised} AND "emailVerified" AND "subject" <> ${subject}`;
  return rows.length > 0;
}

/** Called once a user newly holds a verified e-mail (first verified sign-in): binds pending invitations. */
export type VerifiedEmailListener = (user: AuthenticatedUser) => Promise<void>;

const SELECT = { id: true, subject: true, email: true, emailVerified: true, name: true } as const;

/**
 * Keeps the `user` table in step with the identity provider: a user is created
 * the first time their token is seen, and email/name follow the token afterwards.
 *
 * An e-mail counts only when the issuer says it is verified (`email_verified`),
 * and a verified e-mail belongs to one user: the first subject to present it
 * verified keeps it; another subject presenting the same address is stored with
 * it unverified, so role grants and invitations never reach them. Tokens without
 * a usable `email` claim are refused: the change log names people by e-mail.
 * `user` has no row-level security, so the plain application connection is enough.
 */
@Injectable()
export class AuthUserService {
  private readonly logger = new Logger('Auth');
  private readonly listeners: VerifiedEmailListener[] = [];

  constructor(private readonly prisma: PrismaService) {}

  /** Tenancy registers the invitation binder here (platform cannot depend on it). */
  onVerifiedEmail(listener: VerifiedEmailListener): void {
    this.listeners.push(listener);
  }

  async fromClaims(payload: Record<string, unknown>): Promise<AuthenticatedUser> {
    const { sub, email: rawEmail, name } = payload;
    if (!nonEmpty(sub, 255)) throw new InsufficientClaimsError('token has no usable sub claim');
    if (!nonEmpty(rawEmail, 320)) throw new InsufficientClaimsError('token has no usable email claim');
    const email = rawEmail.trim();
    const normalised = normaliseEmail(email);
    // Access tokens of some issuers omit profile claims: an absent name keeps the stored one.
    const tokenName = typeof name === 'string' ? name : undefined;

    // Reading first keeps the common case (nothing changed) free of writes and of updatedAt churn.
    const known = await this.prisma.user.findUnique({ where: { subject: sub }, select: SELECT });
    // Some issuers (Cognito) send the claim as a string. Absent, it keeps what an earlier token of this
    // user said about this same address (an issuer may put it in ID tokens only); never verifies anything new.
    const claimsVerified =
      payload.email_verified === undefined
        ? known !== null && known.email === email && known.emailVerified
        : payload.email_verified === true || payload.email_verified === 'true';
    if (known && known.email === email && (tokenName === undefined || known.name === tokenName)) {
      if (known.emailVerified === claimsVerified) return known;
      // Verified by the issuer but held by someone else: stays unverified, without a write per request.
      if (claimsVerified && (await heldByAnother(this.prisma, normalised, sub))) return known;
    }

    const user = await this.store(sub, email, normalised, claimsVerified, tokenName);
    const wasVerified = known !== null && known.emailVerified && normaliseEmail(known.email) === normalised;
    if (user.emailVerified && !wasVerified && this.listeners.length > 0) await this.runListeners(user);
    return user;
  }

  private async store(sub: string, email: string, normalised: string, claimsVerified: boolean, tokenName: string | undefined): Promise<AuthenticatedUser> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        await lockEmail(tx, normalised);
        const emailVerified = claimsVerified && !(await heldByAnother(tx, normalised, sub));
        // A native upsert (INSERT … ON CONFLICT): two first requests of a new user at once both succeed.
        return tx.user.upsert({
          where: { subject: sub },
          create: { subject: sub, email, emailVerified, name: tokenName ?? null },
          update: { email, emailVerified, ...(tokenName === undefined ? {} : { name: tokenName }) },
          select: SELECT,
        });
      });
    } catch (error) {
      // The unique index on verified e-mails is the last word should the lock ever be bypassed.
      if (claimsVerified && error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        return this.store(sub, email, normalised, false, tokenName);
      }
      throw error;
    }
  }

  private async runListeners(user: AuthenticatedUser): Promise<void> {
    try {
      for (const listener of this.listeners) await listener(user);
    } catch (error) {
      // Unmark the e-mail so the next request is again a "first verified sign-in" and retries the
      // binding; otherwise a transient failure would leave the invitations pending until they expire.
      await this.prisma.user
        .updateMany({ where: { id: user.id, emailVerified: true }, data: { emailVerified: false } })
        .catch((reset: unknown) => this.logger.error(`could not reset emailVerified after a failed binding: ${String(reset)}`));
      throw error;
    }
  }
}
