import { CloseCode, type CloseCodeValue } from './protocol/close-codes';

/**
 * One error type for the whole domain. Routes and rooms translate it through
 * the single table below; nothing else decides a status code.
 */
export const ErrorCodes = {
  bad_request: { status: 400, close: CloseCode.MALFORMED },
  unauthorized: { status: 401, close: CloseCode.UNAUTHORIZED },
  forbidden: { status: 403, close: CloseCode.REVOKED },
  not_found: { status: 404, close: CloseCode.NOT_FOUND },
  method_not_allowed: { status: 405, close: CloseCode.MALFORMED },
  conflict: { status: 409, close: CloseCode.MALFORMED },
  gone: { status: 410, close: CloseCode.NOT_FOUND },
  precondition_failed: { status: 412, close: CloseCode.MALFORMED },
  payload_too_large: { status: 413, close: CloseCode.TOO_LARGE },
  unsupported_media_type: { status: 415, close: CloseCode.MALFORMED },
  disallowed_update: { status: 422, close: CloseCode.DISALLOWED_UPDATE },
  rate_limited: { status: 429, close: CloseCode.RATE_LIMITED },
  too_many_sockets: { status: 429, close: CloseCode.TOO_MANY_SOCKETS },
  internal: { status: 500, close: CloseCode.STORAGE_FAILED },
  unavailable: { status: 503, close: CloseCode.SHUTTING_DOWN },
  /** The database cannot be reached (PostgreSQL down or cut off): nothing was written; retrying later works. */
  storage_unavailable: { status: 503, close: CloseCode.STORAGE_FAILED },
} as const satisfies Record<string, { status: number; close: CloseCodeValue }>;

export type ErrorCode = keyof typeof ErrorCodes;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** Extra response headers, e.g. Retry-After or the current ETag on 412. */
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }

  get status(): number {
    return ErrorCodes[this.code].status;
  }

  get closeCode(): CloseCodeValue {
    return ErrorCodes[this.code].close;
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** The 404 used for both "does not exist" and "not yours": the two must be indistinguishable. */
export function artifactNotFound(): AppError {
  return new AppError('not_found', 'No artifact with that id.');
}

/** What every call answers while the database cannot be reached. */
export function storageUnavailable(cause?: unknown): AppError {
  return new AppError('storage_unavailable', 'The database is unavailable; try again shortly.', { cause, headers: { 'retry-after': '2' } });
}
