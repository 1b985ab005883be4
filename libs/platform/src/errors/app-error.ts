// The error codes of the public contract (API.md), raised by services and mapped to
// GraphQL `extensions.code` (and HTTP statuses) in exactly one place.

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONFLICT: 'CONFLICT',
  DEFAULT_POLICY_IMMUTABLE: 'DEFAULT_POLICY_IMMUTABLE',
  UNSUPPORTED_CLOUD: 'UNSUPPORTED_CLOUD',
  /** Every evaluation thread is busy and its queue is full: retry shortly. */
  OVERLOADED: 'OVERLOADED',
  /** Work over the tenant's stored data (a bundle, an explanation) ran past its time budget. */
  TIME_BUDGET_EXCEEDED: 'TIME_BUDGET_EXCEEDED',
  RATE_LIMITED: 'RATE_LIMITED',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  DEFAULT_POLICY_IMMUTABLE: 409,
  UNSUPPORTED_CLOUD: 400,
  OVERLOADED: 503,
  TIME_BUDGET_EXCEEDED: 422,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 403,
  INTERNAL_SERVER_ERROR: 500,
};

/** An expected failure whose message is safe to show to the caller. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The input field at fault, as a path from the operation's arguments, e.g. `input.principalEmail`. */
    readonly field?: string,
    /** Further machine-readable facts for the client (e.g. line and column of a parse error). */
    readonly details?: Record<string, string | number | boolean>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  static notFound(what: string): AppError {
    return new AppError(ErrorCode.NOT_FOUND, `${what} not found`);
  }
  static forbidden(message = 'Your role does not allow this operation'): AppError {
    return new AppError(ErrorCode.FORBIDDEN, message);
  }
  static unauthenticated(message = 'Authentication required'): AppError {
    return new AppError(ErrorCode.UNAUTHENTICATED, message);
  }
  static badInput(field: string, message: string, details?: Record<string, string | number | boolean>): AppError {
    return new AppError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, field, details);
  }
  static conflict(message: string, field?: string): AppError {
    return new AppError(ErrorCode.CONFLICT, message, field);
  }
}
