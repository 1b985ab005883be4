import { HttpException, Logger } from '@nestjs/common';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { defaultErrorFormatter } from 'mercurius';
import type { AppConfig } from '../config/config';
import { AppError, ErrorCode, HTTP_STATUS_OF } from '../errors/app-error';
import { GRAPHQL_VALIDATION_FAILED } from './graphql-limits';
import { graphqlObservationOf } from './graphql-observation';

const logger = new Logger('GraphQL');
const KNOWN_CODES = new Set<string>([...Object.values(ErrorCode), GRAPHQL_VALIDATION_FAILED]);
const STATUS_CODE: Record<number, ErrorCode> = {
  400: ErrorCode.BAD_USER_INPUT,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  409: ErrorCode.CONFLICT,
};
/** Fastify's and Mercurius's own request errors (bad JSON, batched request, body too large…): their messages describe the request. */
const FRAMEWORK_ERROR = /^(FST_|MER_ERR_)/;
/** graphql-js's ` Did you mean "…"?` tails, which spell out schema names introspection would otherwise hide. */
const SUGGESTION = / Did you mean [^?]*\?/g;

export interface GraphQLErrorFormatOptions {
  /** Drop "Did you mean …?" suggestions from messages (production). */
  hideSuggestions: boolean;
}

/** Same position in the response, new message and extensions, and nothing else (no originalError, no stack). */
function reshape(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  return { message, locations: error.locations, path: error.path, extensions } as unknown as GraphQLError;
}

/**
 * The one place errors become GraphQL errors. Expected errors keep their message
 * and code (+ the input field); anything else is masked — no stack, SQL or Prisma
 * text reaches a client — and logged in full with the request id.
 */
export function formatGraphQLError(
  error: GraphQLError,
  requestId?: string,
  options: GraphQLErrorFormatOptions = { hideSuggestions: true },
): GraphQLError {
  const original = error.originalError;
  if (original instanceof AppError) {
    return reshape(error, original.message, {
      ...(original.details ?? {}),
      code: original.code,
      ...(original.field ? { field: original.field } : {}),
    });
  }
  if (original instanceof HttpException && STATUS_CODE[original.getStatus()]) {
    return reshape(error, original.message, { code: STATUS_CODE[original.getStatus()] });
  }
  if (!original || original instanceof GraphQLError) {
    // Parse/validation/variable errors (no original error) and deliberate GraphQLErrors.
    const source = (original as GraphQLError | undefined) ?? error;
    const code = source.extensions?.code;
    const known = typeof code === 'string' && KNOWN_CODES.has(code);
    const message = options.hideSuggestions ? source.message.replace(SUGGESTION, '') : source.message;
    return reshape(error, message, { ...(known ? source.extensions : {}), code: known ? code : GRAPHQL_VALIDATION_FAILED });
  }
  const framework = original as Error & { code?: unknown; statusCode?: unknown };
  if (
    typeof framework.code === 'string' &&
    FRAMEWORK_ERROR.test(framework.code) &&
    typeof framework.statusCode === 'number' &&
    framework.statusCode >= 400 &&
    framework.statusCode < 500
  ) {
    return reshape(error, framework.message, { code: 'BAD_REQUEST' });
  }
  logger.error({ err: original, requestId, path: error.path }, `unexpected error in ${error.path?.join('.') ?? 'request'}`);
  return reshape(error, 'Internal server error', { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId ? { requestId } : {}) });
}

/**
 * Mercurius reports a refused document as one error whose original carries the
 * list of validation errors; each of them is a separate error for the client.
 */
function flatten(error: unknown): GraphQLError[] {
  const gql = error instanceof GraphQLError ? error : new GraphQLError(String(error));
  const inner = (gql.originalError as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(inner) && inner.length > 0 && inner.every((e) => e instanceof GraphQLError)) return inner as GraphQLError[];
  return [gql];
}

type MercuriusErrorFormatter = (
  execution: ExecutionResult & Required<Pick<ExecutionResult, 'errors'>>,
  context: Parameters<typeof defaultErrorFormatter>[1],
) => { statusCode: number; response: ExecutionResult };

/**
 * Mercurius `errorFormatter` for this configuration: Mercurius decides the HTTP
 * status; every error is reformatted (and masked) here. Suggestions are kept
 * outside production, where they help whoever writes the query.
 */
export function graphqlErrorFormatter(config: Pick<AppConfig, 'nodeEnv'>): MercuriusErrorFormatter {
  const options: GraphQLErrorFormatOptions = { hideSuggestions: config.nodeEnv === 'production' };
  return (execution, context) => {
    const { statusCode } = defaultErrorFormatter(execution, context);
    const request = (context as { reply?: { request?: { id?: string } } } | undefined)?.reply?.request;
    const requestId = request?.id;
    const errors = execution.errors.flatMap(flatten).map((e) => formatGraphQLError(e, requestId, options));
    const codes = errors.map((e) => String(e.extensions?.code));
    if (request) graphqlObservationOf(request).errorCodes.push(...codes);
    errors.forEach((e, i) => {
      // The caller's mistake (bad input, no access, conflict…) is routine: one line at info, no
      // stack, so error-level logs stay for what an operator must look at (logged in full above).
      if (codes[i] !== ErrorCode.INTERNAL_SERVER_ERROR) {
        const field = e.extensions?.field;
        logger.log({ requestId, code: codes[i], ...(field ? { field } : {}), ...(e.path ? { path: e.path } : {}) }, e.message);
      }
    });
    // A spent budget is a 429 (its Retry-After header is set where it was refused), as for REST routes.
    const limited = codes.includes(ErrorCode.RATE_LIMITED);
    return { statusCode: limited ? HTTP_STATUS_OF.RATE_LIMITED : statusCode, response: { data: execution.data ?? null, errors } };
  };
}
