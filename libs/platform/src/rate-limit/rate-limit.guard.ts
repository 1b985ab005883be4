import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { requestOf } from '../auth/request-of';
import { RateLimitService } from './rate-limit.service';

/**
 * The per-principal budget, for GraphQL and REST alike. Runs after authentication,
 * so only a verified token's user is ever charged: a forged or expired token is
 * refused before it could spend anyone's budget. Unauthenticated (public) requests
 * are covered by the per-IP limit only.
 */
@Injectable()
export class PrincipalRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimitService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const user = requestOf(context)?.user;
    if (user) await this.limits.enforce(context, 'principal', user.id);
    return true;
  }
}
