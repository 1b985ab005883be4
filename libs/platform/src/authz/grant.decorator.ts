import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { AppError } from '../errors/app-error';
import { type AuthorizedRequest, grantKey } from './authorization.guard';
import type { AccessGrant } from './decide';

/** The grant the authorization guard computed for this root field: its tenant comes from here, never from input. */
export const Grant = createParamDecorator((_data: unknown, context: ExecutionContext): AccessGrant => {
  const gql = GqlExecutionContext.create(context);
  const grant = gql.getContext<{ req: AuthorizedRequest }>().req.grants?.get(grantKey(gql.getInfo<GraphQLResolveInfo>()));
  if (!grant) throw AppError.forbidden('No grant for this operation');
  return grant;
});
