import type { ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { AuthenticatedUser } from './authenticated-user';

/** The Fastify request as the auth guard sees it; `user` is set once a token is accepted. */
export interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthenticatedUser;
}

/**
 * The HTTP request behind a REST route or a GraphQL operation. For GraphQL the
 * Mercurius context is expected to carry it as `req`; Mercurius always puts the
 * reply in its context too, so `reply.request` covers a context built without `req`.
 */
export function requestOf(context: ExecutionContext): AuthRequest | undefined {
  const type = context.getType<GqlContextType>();
  if (type === 'http') return context.switchToHttp().getRequest<AuthRequest>();
  if (type === 'graphql') {
    const gql = GqlExecutionContext.create(context).getContext<{ req?: AuthRequest; reply?: { request?: AuthRequest } }>();
    return gql?.req ?? gql?.reply?.request;
  }
  return undefined;
}
