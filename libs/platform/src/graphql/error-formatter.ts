import { Logger } from '@nestjs/common';
import { HttpException } from '@nestjs/common';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { defaultErrorFormatter } from 'mercurius';
import { AppError, ErrorCode } from '../errors/app-error';

const logger = new Logger('GraphQL');
const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));
const STATUS_CODE: Record<number, ErrorCode> = {
  400: ErrorCode.BAD_USER_INPUT,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  409: ErrorCode.CONFLICT,
};

/** Same position in the response, new message and extensions, and nothing else (no originalError, no stack). */
function reshape(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  return { message, locations: error.locations, path: error.path, extensions } as unknown as GraphQLError;
}

/**
 * The one place errors become GraphQL errors. Expected errors keep their message
 * and code (+ the input field); anything else is masked — no stack, SQL or Prisma
 * text reaches a client — and logged in full with the request id.
 */
export function formatGraphQLError(error: GraphQLError, requestId?: string): GraphQLError {
  const original = error.originalError;
  if (original instanceof AppError) {
    return reshape(error, original.message, { code: original.code, ...(original.field ? { field: original.field } : {}) });
  }
  if (original instanceof HttpException && STATUS_CODE[original.getStatus()]) {
    return reshape(error, original.message, { code: STATUS_CODE[original.getStatus()] });
  }
  if (!original || original instanceof GraphQLError) {
    // Parse/validation errors (no original error) and deliberate GraphQLErrors.
    const source = (original as GraphQLError | undefined) ?? error;
    const code = source.extensions?.code;
    const known = typeof code === 'string' && KNOWN_CODES.has(code);
    return reshape(error, source.message, { ...(known ? source.extensions : {}), code: known ? code : 'GRAPHQL_VALIDATION_FAILED' });
  }
  logger.error({ err: original, requestId, path: error.path }, `unexpected error in ${error.path?.join('.') ?? 'request'}`);
  return reshape(error, 'Internal server error', { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId ? { requestId } : {}) });
}

/** Mercurius `errorFormatter`: Mercurius decides the HTTP status; every error is reformatted (and masked) here. */
export function mercuriusErrorFormatter(
  execution: ExecutionResult & Required<Pick<ExecutionResult, 'errors'>>,
  context: Parameters<typeof defaultErrorFormatter>[1],
): { statusCode: number; response: ExecutionResult } {
  const { statusCode } = defaultErrorFormatter(execution, context);
  const requestId = (context as { reply?: { request?: { id?: string } } } | undefined)?.reply?.request?.id;
  const errors = execution.errors.map((e) => formatGraphQLError(e instanceof GraphQLError ? e : new GraphQLError(String(e)), requestId));
  return { statusCode, response: { data: execution.data ?? null, errors } };
}
