import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { AppError } from '../errors/app-error';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { isUuid } from '../validation/text';
import { AccessService } from './access.service';
import { accessFor } from './authorization-table';
import type { AccessGrant } from './decide';
import type { Membership } from './visibility';

export interface AuthorizedRequest {
  user?: { id: string; email: string };
  memberships?: Membership[];
  /**
   * The grant of each root field, by its response key (alias or name). Root query fields
   * are authorized and resolved concurrently, so one slot per request would let a field's
   * resolver read the grant another field's guard just computed.
   */
  grants?: Map<string, AccessGrant>;
  /** The tenant of the last grant: for the access log only, never for a decision. */
  grant?: { tenantId: string };
}

function argAt(args: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), args);
}

/** Where a root field's grant is kept: its response key, unique among the operation's root fields. */
export function grantKey(info: Pick<GraphQLResolveInfo, 'path'>): string {
  return String(info.path.key);
}

/**
 * Applies the authorization table to every GraphQL root operation through
 * AccessService.requireAccess. Runs after authentication (which sets `req.user`);
 * fails closed for operations missing from the table. Stores the grant on the request,
 * per root field, for its resolver (`@Grant()`).
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(
    private readonly access: AccessService,
    // Absent in applications without Redis (some tests): no tenant budget there.
    @Optional() private readonly limits?: RateLimitService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<GqlContextType>() !== 'graphql') return true;
    const gql = GqlExecutionContext.create(context);
    const info = gql.getInfo<GraphQLResolveInfo>();
    const entry = accessFor(info.parentType.name, info.fieldName);
    if (!entry) throw AppError.forbidden(`Operation ${info.fieldName} is not in the authorization table`);
    if (entry.kind === 'public') return true;

    const req = gql.getContext<{ req: AuthorizedRequest }>().req;
    if (!req.user) throw AppError.unauthenticated();
    if (entry.kind === 'authenticated') return true;

    const args = gql.getArgs<Record<string, unknown>>();
    const field = entry.kind === 'tenant' ? entry.tenantIdArg : entry.idArg;
    const id = argAt(args, field);
    // The per-request argument check has refused malformed ids already; this stays as the guard's own lock.
    if (!isUuid(id)) throw AppError.badInput(field, 'must be a UUID');

    const grant = await this.access.requireAccess({
      req,
      userId: req.user.id,
      minRole: entry.minRole,
      mode: info.parentType.name === 'Mutation' ? 'write' : 'read',
      target: entry.kind === 'tenant' ? { kind: 'Tenant', tenantId: id, seenFiltered: entry.seenFiltered, field } : { kind: entry.objectKind, id, field },
    });
    // The tenant is known only now; charged once per request and tenant, after the caller proved access to it.
    await this.limits?.enforce(context, 'tenant', grant.tenantId);
    (req.grants ??= new Map()).set(grantKey(info), grant);
    req.grant = { tenantId: grant.tenantId };
    return true;
  }
}
