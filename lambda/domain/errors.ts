/**
 * The two families of errors a notification can meet on its way, and nothing else:
 *
 * - `RetryableError`: something outside the notification failed and a later attempt may
 *   succeed. It says where it came from (`source`), so metrics and alarms tell a PicPay outage
 *   from a DynamoDB one and from a configuration mistake. The processor reports the record as a
 *   batch item failure (the queue retries it, then dead-letters it); the authenticator answers
 *   503, so PicPay retries.
 * - `ParkError`: the notification itself can never be processed as it is. The processor parks
 *   it for an operator with its `reason`, one of `ParkReason`.
 *
 * `ConfigError` is neither: a missing or invalid setting at cold start fails the function's
 * init with the setting's name. Only the authenticator maps errors to HTTP statuses.
 */

/** Where a retryable failure came from; each source has its own metric and alarm. */
export type ErrorSource = 'picpay' | 'aws' | 'configuration';

/** The AWS service behind an `aws` failure, for the log line and the dead-letter note. */
export type AwsService = 'dynamodb' | 'sns' | 'sqs' | 'secretsmanager';

export abstract class RetryableError extends Error {
  abstract readonly source: ErrorSource;
  /** Stable, machine-readable: logged, and written in the dead-letter note. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** PicPay answered 429, 5xx, timed out or could not be reached, on every attempt. */
export class PicPayUnavailableError extends RetryableError {
  readonly source = 'picpay';
  readonly code: string = 'picpay_unavailable';
}

/**
 * PicPay failed on a run of recent requests, so calls to it are held off for a short while (its
 * circuit is open): the notification waits in the queue and is retried later.
 */
export class PicPayCircuitOpenError extends PicPayUnavailableError {
  override readonly code = 'picpay_circuit_open';
}

/**
 * PicPay refused our `x-picpay-token` or the checkout OAuth client (401/403): a configuration
 * mistake on our side, alarmed at once; the notification is retried, so it is applied as soon as
 * the secret is fixed.
 */
export class PicPayAuthError extends RetryableError {
  readonly source = 'configuration';
  readonly code = 'picpay_unauthorized';
}

/** The tokens are not configured yet, or the secret cannot be used: fail closed, retry later. */
export class NotConfiguredError extends RetryableError {
  readonly source = 'configuration';
  readonly code = 'not_configured';
}

/** An AWS service (DynamoDB, SNS, SQS, Secrets Manager) failed in a way a retry may fix. */
export class AwsServiceError extends RetryableError {
  readonly source = 'aws';
  readonly code: string;
  constructor(
    readonly service: AwsService,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = `${service}_unavailable`;
  }
}

/** Optimistic-concurrency conflict on a charge item: reload and decide again. */
export class ConcurrentUpdateError extends RetryableError {
  readonly source = 'aws';
  readonly code = 'concurrent_update';
}

/** The charge's outbox is full of unpublished events: wait for the sweep to publish them. */
export class OutboxFullError extends RetryableError {
  readonly source = 'aws';
  readonly code = 'outbox_full';
}

/** Why a notification was parked: the one list of them (docs/ingest.md explains each). */
export type ParkReason =
  | 'unknown_reference'
  | 'unknown_charge'
  /** PicPay's find-transactions does not know the Payment Link a notification names. */
  | 'unknown_payment_link'
  | 'body_too_large'
  | 'undecodable_body'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'unexpected_shape'
  | 'unknown_event_type'
  /** A request on a PicPay route named one of our internal event types (`Reconciliation`). */
  | 'internal_event_type'
  /** PicPay's API contradicts a checkout notification (lambda/domain/confirm.ts): it does not know the charge. */
  | 'contradicted_by_picpay'
  /** A body nested deeper than MAX_JSON_DEPTH: kept without its bytes (they were never searched for personal data). */
  | 'too_deep'
  /** A Payment Link payment already keeps MAX_REFUNDS refund transactions: this one is not recorded. */
  | 'too_many_refunds'
  /** A Payment Link refund names no payment, and its link does not have exactly one (lambda/domain/process.ts). */
  | 'unmatched_refund'
  /** A queue message that is not an envelope at all: nothing to park, it goes to the DLQ. */
  | 'not_an_envelope';

/** The notification can never be processed as it is: park it for an operator. */
export class ParkError extends Error {
  constructor(
    readonly reason: ParkReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ParkError';
  }
}

/** Missing or invalid configuration at cold start: fails the init with the setting's name. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The code a log line or a dead-letter note gives any error. */
export function errorCode(error: unknown): string {
  if (error instanceof RetryableError) return error.code;
  if (error instanceof ParkError) return error.reason;
  return 'internal_error';
}
