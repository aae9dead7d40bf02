/**
 * The one definition of the pipeline that both the CDK stack (lib/) and the local runtime
 * (local/) read, so the two cannot drift: routes, handler entry points, timeouts, queue
 * settings, table keys and environment variable names.
 *
 * Keep this file free of aws-cdk-lib imports: the local runtime loads it without CDK.
 */

export type Flavour = 'legacy' | 'checkout';

export interface RouteSpec {
  readonly method: 'POST';
  /** Path without the stage prefix. */
  readonly path: string;
  readonly flavour: Flavour;
}

/** Public webhook routes. Both are proxied to the authenticator. */
export const ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/callback', flavour: 'legacy' },
  { method: 'POST', path: '/webhook', flavour: 'checkout' },
];

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
} as const satisfies Record<string, HandlerSpec>;

/** esbuild settings for every function; the CDK construct and `npm run bench` both use them. */
export const BUNDLING = {
  format: 'esm',
  target: 'node24',
  minify: true,
  /** Minified, yet errors still log their real class name ("name":"DependencyError", not "P"). */
  keepNames: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  /** Left to the nodejs24.x runtime, which ships the AWS SDK v3. */
  externals: ['@aws-sdk/*'],
  // Some CommonJS dependencies call require(); give the ES module bundle one.
  banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
} as const;

export const QUEUE = {
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: 5,
  /** AWS guidance: at least six times the consumer's timeout. */
  visibilityTimeoutSeconds: 6 * HANDLERS.processor.timeoutSeconds,
  retentionDays: 14,
  dlqRetentionDays: 14,
  batchSize: 10,
  maxBatchingWindowSeconds: 1,
} as const;

export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Sparse index of legacy charges awaiting PicPay (see lambda/domain/reconcile.ts). */
  awaitingIndex: { name: 'awaiting', partitionKey: 'awaitingKey', sortKey: 'awaitingSince' },
} as const;

/** Reconciliation defaults (context keys reconcileEveryMinutes, reconcileMinAgeMinutes). */
export const RECONCILE = {
  everyMinutes: 15,
  minAgeMinutes: 30,
  maxAgeDays: 7,
  maxPerRun: 200,
} as const;

/** Environment variables the handlers read at cold start (see lambda/config.ts). */
export const ENV = {
  queueUrl: 'QUEUE_URL',
  tableName: 'TABLE_NAME',
  topicArn: 'TOPIC_ARN',
  secretId: 'TOKENS_SECRET_ID',
  picpayBaseUrl: 'PICPAY_BASE_URL',
  picpayTimeoutMs: 'PICPAY_TIMEOUT_MS',
  maxBodyBytes: 'MAX_BODY_BYTES',
  secretMaxAgeSeconds: 'SECRET_MAX_AGE_SECONDS',
  maxReceiveCount: 'MAX_RECEIVE_COUNT',
  reconcileMinAgeMinutes: 'RECONCILE_MIN_AGE_MINUTES',
  reconcileMaxAgeDays: 'RECONCILE_MAX_AGE_DAYS',
  reconcileMaxPerRun: 'RECONCILE_MAX_PER_RUN',
} as const;

/**
 * Largest body the authenticator accepts at all (413 above it). Anything up to this, once
 * authenticated, is kept: processed, or parked when over MAX_BODY_BYTES. It leaves room for the
 * envelope within SQS's 256 KiB message and DynamoDB's 400 KB item.
 */
export const MAX_ACCEPTED_BODY_BYTES = 200 * 1024;

export const DEFAULTS = {
  picpayBaseUrl: 'https://appws.picpay.com',
  picpayTimeoutMs: 5000,
  /** Bodies over this are not processed: parked for an operator. */
  maxBodyBytes: 64 * 1024,
  secretMaxAgeSeconds: 60,
} as const;

