import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedUser } from './authenticated-user';
import { requestOf } from './request-of';

/**
 * The authenticated caller, in a resolver or a controller. Undefined only on
 * `@Public()` handlers, which the guard lets through without looking at a token.
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser | undefined => requestOf(context)?.user,
);
