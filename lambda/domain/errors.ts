/**
 * Typed errors. `statusCode` is the HTTP status an ingest error maps to; only errors below 500
 * expose their message to the caller (see `publicMessage`). Processing errors say whether a
 * retry can help (`retryable`), which decides between "retry, then dead-letter" and "park".
 */
export abstract class AppError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: string;
  readonly retryable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Missing required configuration at cold start: fails the init with the variable's name. */
export class ConfigError extends AppError {
  readonly statusCode = 500;
  readonly code = 'config_error';
}

export class UnauthorizedError extends AppError {
  readonly statusCode = 401;
  readonly code = 'unauthorized';
}

export class PayloadTooLargeError extends AppError {
  readonly statusCode = 413;
  readonly code = 'payload_too_large';
}

/** Tokens not configured yet, or the secret cannot be read: fail closed, PicPay retries. */
export class NotConfiguredError extends AppError {
  readonly statusCode = 503;
  readonly code = 'not_configured';
  override readonly retryable = true;
}

/** A dependency (SQS, DynamoDB, SNS, PicPay) failed in a way a retry may fix. */
export class DependencyError extends AppError {
  readonly statusCode = 503;
  readonly code = 'dependency_unavailable';
  override readonly retryable = true;
}

/**
 * PicPay failed on a run of recent requests, so the processor has stopped calling it for a
 * short while (its circuit is open): the notification waits in the queue and is retried later.
 */
export class PicPayCircuitOpenError extends DependencyError {}

/** The notification can never be processed as it is: park it for an operator. */
export class UnprocessableNotificationError extends AppError {
  readonly statusCode = 422;
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Optimistic-concurrency conflict on a charge item: reload and decide again. */
export class ConcurrentUpdateError extends AppError {
  readonly statusCode = 409;
  readonly code = 'concurrent_update';
  override readonly retryable = true;
}

export function publicMessage(error: AppError): string {
  return error.statusCode < 500 ? error.message : 'Service temporarily unavailable';
}

/** PicPay rejected our `x-picpay-token`: a configuration problem; retried, then dead-lettered. */
export class UpstreamAuthError extends AppError {
  readonly statusCode = 502;
  readonly code = 'picpay_unauthorized';
  override readonly retryable = true;
}
