import { type ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { GqlContextType } from '@nestjs/graphql';

/**
 * Nest logs every exception a resolver throws at error level with its stack, before
 * GraphQL sees it — the caller's mistakes included. For GraphQL this filter only passes
 * the exception on: the error formatter is the one place that logs GraphQL errors
 * (unexpected ones in full at error, the caller's mistakes at info). Other transports
 * keep Nest's default handling.
 */
@Catch()
export class GraphQLExceptionFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<GqlContextType>() === 'graphql') throw exception;
    return super.catch(exception, host);
  }
}
