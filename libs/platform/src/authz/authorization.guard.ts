import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { AppError } from '../errors/app-error';
import { isUuid } from '../validation/text';
import { AccessService } from './access.service';
import { accessFor } from './authorization-table';
import type { AccessGrant } from './decide';
import type { Membership } from './visibility';

export interface AuthorizedRequest {
  user?: { id: string; email: string };
  memberships?: Membership[];
  grant?: AccessGrant;
}

function argAt(args: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), args);
}

/**
 * Applies the authorization table to every GraphQL root operation through
 * AccessService.requireAccess. Runs after authentication (which sets `req.user`);
 * fails closed for operations missing from the table. Stores the grant on the request
 * for resolvers (`@Grant()`).
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(private readonly access: AccessService) {}

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

    req.grant = await this.access.requireAccess({
      req,
      userId: req.user.id,
      minRole: entry.minRole,
      mode: info.parentType.name === 'Mutation' ? 'write' : 'read',
      target: entry.kind === 'tenant' ? { kind: 'Tenant', tenantId: id, seenFiltered: entry.seenFiltered, field } : { kind: entry.objectKind, id, field },
    });
    return true;
  }
}
