import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { AppError } from '../errors/app-error';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { AccessService, type Membership } from './access.service';
import { accessFor } from './authorization-table';
import { decideAccess, type AccessGrant } from './decide';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AuthorizedRequest {
  user?: { id: string; email: string };
  memberships?: Membership[];
  grant?: AccessGrant;
}

function argAt(args: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), args);
}

/**
 * Applies the authorization table to every GraphQL root operation. Runs after
 * authentication (which sets `req.user`); fails closed for operations missing
 * from the table. Stores the grant on the request for resolvers (`@Grant()`).
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
    const path = entry.kind === 'tenant' ? entry.tenantIdArg : entry.idArg;
    const id = argAt(args, path);
    if (typeof id !== 'string' || !UUID.test(id)) throw AppError.badInput(path, 'must be a UUID');

    const target =
      entry.kind === 'tenant'
        ? { tenantId: id, cloudScopeId: null, isObject: false }
        : await this.access.locate(entry.objectKind, id).then((found) => {
            if (!found) throw AppError.notFound(entry.objectKind);
            return { ...found, isObject: true };
          });
    // Root fields are authorized concurrently: the per-request loader reads the memberships once for all of them.
    req.memberships ??= await this.access.requestMemberships(req, req.user.id);
    const grant = decideAccess(req.memberships, target, entry.minRole);
    // The tenant is known only now; charged once per request and tenant, after the caller proved access to it.
    await this.limits?.enforce(context, 'tenant', grant.tenantId);
    req.grant = grant;
    return true;
  }
}
