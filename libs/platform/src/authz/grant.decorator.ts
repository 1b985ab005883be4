import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { AppError } from '../errors/app-error';
import type { AuthorizedRequest } from './authorization.guard';
import type { AccessGrant } from './decide';

/** The grant the authorization guard computed for this operation: its tenant comes from here, never from input. */
export const Grant = createParamDecorator((_data: unknown, context: ExecutionContext): AccessGrant => {
  const req = GqlExecutionContext.create(context).getContext<{ req: AuthorizedRequest }>().req;
  if (!req.grant) throw AppError.forbidden('No grant for this operation');
  return req.grant;
});
