/**
 * The runtime contract: the one definition of the pipeline that the handlers, the CDK stack
 * (lib/), the local runtime (local/) and the operator CLI (cli/) all read, so they cannot drift:
 * routes, handler entry points, timeouts, queue settings, table layout and environment variable
 * names. It lives with the runtime; nothing here imports from lib/, local/ or cli/.
 *
 * Keep this file free of aws-cdk-lib and AWS SDK imports: the local runtime loads it without CDK.
 */

import type { Flavour } from './domain/flavour.js';

export type { Flavour } from './domain/flavour.js';

export interface RouteSpec {
  readonly method: 'POST';
  /** Path without the stage prefix. */
  readonly path: string;
  readonly flavour: Flavour;
}

/** Public webhook routes, authenticated by the authenticator with PicPay's tokens. */
export const ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/callback', flavour: 'legacy' },
  { method: 'POST', path: '/webhook', flavour: 'checkout' },
];

/**
 * The header each PicPay route's token arrives in (`x-seller-token` for the legacy callback,
 * `authorization` for checkout): the authenticator reads it, and the optional WAF rule blocks a
 * route's requests that carry none (docs/security.md, "Floods").
 */
// From a module without node:zlib: the construct loads this file in the embedding app's Node.
export { TOKEN_HEADER } from './domain/headers.js';

/**
 * The merchant's own systems register a legacy payment they created, so reconciliation follows
 * it even if every callback is lost. Authorized by API Gateway with AWS IAM (SigV4), never with
 * the PicPay tokens; proxied to the authenticator, which validates the body and enqueues it.
 */
export const REGISTRATION_ROUTE = { method: 'POST', path: '/charges' } as const;

/**
 * The API Gateway profile in front of the authenticator: a REST API, or an HTTP API whose Lambda
 * integration uses payload format 1.0 (the REST event's shape). The stack builds either; the
 * local runtime emulates either.
 */
export const API_TYPES = ['rest', 'http'] as const;
export type ApiType = (typeof API_TYPES)[number];

export interface HandlerSpec {
  /** Source file, relative to the repository root. */
  readonly entry: string;
  readonly exportName: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

export const HANDLERS = {
  authenticator: {
    entry: 'lambda/handlers/authenticator.ts',
    exportName: 'handler',
    memoryMb: 256,
    timeoutSeconds: 10,
  },
  processor: {
    entry: 'lambda/handlers/processor.ts',
    exportName: 'handler',
    memoryMb: 512,
    timeoutSeconds: 30,
  },
  reconciler: {
    entry: 'lambda/handlers/reconciler.ts',
    exportName: 'handler',
    memoryMb: 256,
    timeoutSeconds: 60,
  },
  sweeper: {
    entry: 'lambda/handlers/sweeper.ts',
    exportName: 'handler',
    memoryMb: 256,
    timeoutSeconds: 60,
  },
} as const satisfies Record<string, HandlerSpec>;

/** esbuild settings for every function; the CDK construct and `npm run bench` both use them. */
export const BUNDLING = {
  format: 'esm',
  target: 'node24',
  minify: true,
  /** Minified, yet errors still log their real class name ("name":"AwsServiceError", not "P"). */
  keepNames: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  /**
   * None: the AWS SDK is bundled into each function rather than taken from the nodejs24.x
   * runtime. One minified file loads faster than the runtime's SDK, hundreds of modules resolved
   * one by one (docs/benchmarks.md, "The levers"), and the functions run the SDK version the tests
   * ran, not whichever one the runtime ships that day.
   */
  externals: [] as readonly string[],
  // Some CommonJS dependencies call require(); give the ES module bundle one.
  banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
} as const;

export const QUEUE = {
  /**
   * Receives before a message moves to the dead-letter queue: with RETRY's delays, a message
   * that fails on every receive is retried for at least 24 hours first (docs/architecture.md,
   * "Retries": 35 delays, 24 h 2 min with the most jitter, 30 h 3 min with none).
   */
  maxReceiveCount: 36,
  /** AWS guidance: at least six times the consumer's timeout. */
  visibilityTimeoutSeconds: 6 * HANDLERS.processor.timeoutSeconds,
  /** SQS's maximum: far beyond the retry window, so no message expires while it is retried. */
  retentionDays: 14,
  dlqRetentionDays: 14,
  batchSize: 10,
  maxBatchingWindowSeconds: 1,
} as const;

/**
 * How long a failed notification waits before its next receive (lambda/domain/backoff.ts): the
 * processor sets the message's visibility to base × 2^(receive − 1), at most the cap, less up to
 * `jitter` of it at random. 1, 2, 4, 8, 16, 32 minutes, then every hour.
 */
export const RETRY = {
  baseSeconds: 60,
  capSeconds: 3600,
  jitter: 0.2,
} as const;

/** A sparse global secondary index of the table: its keys and what it projects. */
export interface IndexSpec {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** `KEYS_ONLY`, or `INCLUDE` with the non-key attributes its reader needs. */
  readonly projection: { readonly type: 'KEYS_ONLY' } | { readonly type: 'INCLUDE'; readonly attributes: readonly string[] };
}

/**
 * The table's layout: its keys and its indexes. The stack and the local runtime create the
 * table from this; the item shapes are in lambda/adapters/table/ (one store per item family), the only code that
 * reads or writes items (the CLI goes through it).
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Partitions of a Payment Link's payments (`LINK#<paymentLinkId>`): the only ones the processor may query. */
  linkPartitionPrefix: 'LINK#',
  /**
   * Partitions of the event log (`EVENTS#<hour of recordedAt>`, e.g. `EVENTS#2026-12-04T15`):
   * every event exactly as published, written just before each publish; the only partitions
   * the outbox sweep may put items in.
   */
  eventLogPartitionPrefix: 'EVENTS#',
  /**
   * DynamoDB's time-to-live attribute (epoch seconds): set only with `retentionDays`, on
   * charges in a final state and on event-log items; never on parked items.
   */
  ttlAttribute: 'purgeAt',
  /**
   * Sparse index of legacy and checkout charges awaiting PicPay (partition `legacy` or
   * `checkout`), least recently checked first (see lambda/domain/reconcile.ts); it projects the
   * attributes reconciliation reads.
   */
  awaitingIndex: {
    name: 'awaiting',
    partitionKey: 'awaitingKey',
    sortKey: 'lastCheckedAt',
    projection: { type: 'INCLUDE', attributes: ['chargeId', 'createdAt', 'expiresAt'] },
  },
  /** Sparse index of charges with unpublished events, by when the oldest one's lease ends (keys only). */
  outboxIndex: { name: 'outbox', partitionKey: 'outboxKey', sortKey: 'outboxLeaseEnds', projection: { type: 'KEYS_ONLY' } },
} as const satisfies {
  partitionKey: string;
  sortKey: string;
  linkPartitionPrefix: string;
  eventLogPartitionPrefix: string;
  ttlAttribute: string;
  awaitingIndex: IndexSpec;
  outboxIndex: IndexSpec;
};

/** Every index of the table, for code that creates it. */
export const TABLE_INDEXES: readonly IndexSpec[] = [TABLE.awaitingIndex, TABLE.outboxIndex];

/** Reconciliation defaults (context keys reconcileEveryMinutes, reconcileMinAgeMinutes). */
export const RECONCILE = {
  everyMinutes: 15,
  minAgeMinutes: 30,
  maxAgeDays: 7,
  /** 200 checks a run: about 200 status calls to PicPay and 200 small writes, a few seconds. */
  maxPerRun: 200,
} as const;

/** Outbox sweep defaults: how often it runs and how many charges one run visits. */
export const SWEEP = {
  everyMinutes: 5,
  maxPerRun: 100,
  /** The alarm: an event still unpublished this long after its transition was recorded. */
  alarmAgeSeconds: 3600,
} as const;

/** The outbox lease (lambda/domain/outbox.ts): twice the processor's timeout, checked by a test. */
export { OUTBOX_LEASE_MS } from './domain/outbox.js';

/** Environment variables the handlers read at cold start (see lambda/config.ts). */
export const ENV = {
  queueUrl: 'QUEUE_URL',
  tableName: 'TABLE_NAME',
  topicArn: 'TOPIC_ARN',
  /** The tokens secret (sellerToken, checkoutToken): the authenticator's only secret. */
  secretId: 'TOKENS_SECRET_ID',
  /** The PicPay credentials secret (picpayToken, picpayClientId/Secret): the processor's only secret. */
  credentialsSecretId: 'PICPAY_CREDENTIALS_SECRET_ID',
  picpayBaseUrl: 'PICPAY_BASE_URL',
  picpayTimeoutMs: 'PICPAY_TIMEOUT_MS',
  /** Checkout API base for find-charge (`{base}/charge/{id}`) and its token endpoint (origin + `/oauth2/token`). */
  picpayCheckoutBaseUrl: 'PICPAY_CHECKOUT_BASE_URL',
  /** Payment Link API base for find-transactions (`{base}/{paymentLinkId}/transactions`); same OAuth client and token endpoint as checkout. */
  picpayPaymentLinkBaseUrl: 'PICPAY_PAYMENT_LINK_BASE_URL',
  maxProcessedBodyBytes: 'MAX_PROCESSED_BODY_BYTES',
  secretMaxAgeSeconds: 'SECRET_MAX_AGE_SECONDS',
  maxReceiveCount: 'MAX_RECEIVE_COUNT',
  /** How long an open PicPay circuit refuses requests before one probe (milliseconds). */
  picpayCircuitCoolDownMs: 'PICPAY_CIRCUIT_COOLDOWN_MS',
  reconcileMinAgeMinutes: 'RECONCILE_MIN_AGE_MINUTES',
  reconcileMaxAgeDays: 'RECONCILE_MAX_AGE_DAYS',
  reconcileMaxPerRun: 'RECONCILE_MAX_PER_RUN',
  sweepMaxPerRun: 'SWEEP_MAX_PER_RUN',
  /** Days a final charge and a logged event are kept after their last change (unset: forever). */
  retentionDays: 'RETENTION_DAYS',
} as const;

/**
 * Largest body the authenticator accepts at all (413 above it). Anything up to this, once
 * authenticated, is kept: processed, or parked when over MAX_PROCESSED_BODY_BYTES. It leaves room for the
 * envelope within SQS's 256 KiB message and DynamoDB's 400 KB item.
 */
export const MAX_ACCEPTED_BODY_BYTES = 200 * 1024;

export const DEFAULTS = {
  picpayBaseUrl: 'https://appws.picpay.com',
  picpayCheckoutBaseUrl: 'https://checkout-api.picpay.com/api/v1',
  /** As several unrelated integrators call it (PicPay's reference gives the paths only). */
  picpayPaymentLinkBaseUrl: 'https://api.picpay.com/v1/paymentlink',
  picpayTimeoutMs: 5000,
  /** Bodies over this are not processed: parked for an operator. */
  maxProcessedBodyBytes: 64 * 1024,
  secretMaxAgeSeconds: 60,
  /** Failed PicPay requests in a row (429, 5xx, timeouts, network errors) that open its circuit. */
  picpayCircuitFailures: 5,
  /** An open circuit refuses requests this long, then lets one probe through. */
  picpayCircuitCoolDownMs: 30_000,
} as const;
