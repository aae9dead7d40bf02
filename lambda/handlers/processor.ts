import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { tableStores } from '../adapters/table/stores.js';
import { documentClientFor } from '../adapters/table/table.js';
import { PicPayCheckoutClient, PicPayStatusClient } from '../adapters/picpay-client.js';
import { PicPayCircuit } from '../adapters/picpay-circuit.js';
import { LoggedEventPublisher, SnsEventPublisher } from '../adapters/sns-publisher.js';
import { type MessageVisibility, SqsMessageVisibility } from '../adapters/sqs-queue.js';
import { SecretCredentialsStore } from '../adapters/token-store.js';
import { loadProcessorConfig, type ProcessorConfig } from '../config.js';
import { DEFAULTS, OUTBOX_LEASE_MS, RETRY } from '../contract.js';
import { type BackoffPolicy, retryDelaySeconds } from '../domain/backoff.js';
import { parseEnvelope } from '../domain/envelope-schema.js';
import { type ErrorSource, errorCode, ParkError, PicPayCircuitOpenError, RetryableError } from '../domain/errors.js';
import type { Envelope } from '../domain/envelope.js';
import { type ProcessDeps, type ProcessOutcome, processEnvelope } from '../domain/process.js';
import { handleProbe, parseProbe, type ProbeDeps } from '../domain/probe.js';
import { METRICS, metricsNamespace, SERVICES } from '../metrics.js';
import { lambdaEntry } from './entry.js';
import { loadTracing, type Tracing, tracingEnabled } from './tracing.js';

/**
 * How often an execution environment notes, per flavour, when PicPay's last notification arrived
 * (pk `SEEN`, read by `picpay-webhooks doctor`): what doctor shows is at most a minute older than
 * the newest, and a steady stream costs a write a minute per environment, not one per
 * notification on one hot item.
 */
export const NOTE_SEEN_EVERY_MS = 60_000;

/** The metric each source of a retryable failure counts on (each has its own alarm). */
const FAILURE_METRIC: Readonly<Record<ErrorSource, string>> = {
  picpay: METRICS.processor.picpayApiErrors,
  aws: METRICS.processor.awsServiceErrors,
  configuration: METRICS.processor.configurationErrors,
};

/** What a failed record needs: how long to hold it back, and a note when it goes to the DLQ. */
export interface RetryDeps {
  readonly maxReceiveCount: number;
  /** Holds a failed message back in the queue for its retry delay. */
  readonly visibility: MessageVisibility;
  /** The retry delays (lambda/domain/backoff.ts). */
  readonly retry: BackoffPolicy;
  /** In [0, 1), like Math.random: the jitter of the retry delays. */
  readonly random: () => number;
  /** Records why a message is being dead-lettered (best effort). */
  readonly noteDeadLetter?: (note: { messageId: string; requestId?: string; code: string; message: string; receiveCount: number; at: string }) => Promise<void>;
}

/** Logs, metrics and traces. */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * Runs one record in its own X-Ray subsegment. Records of a batch are processed in parallel,
   * so without it their AWS and PicPay calls all hang off whichever segment is current.
   */
  readonly traceRecord?: <T>(messageId: string, fn: () => Promise<T>) => Promise<T>;
  /** The PicPay circuits: their opening is logged and counted. */
  readonly circuits?: ReadonlyArray<Pick<PicPayCircuit, 'name' | 'onChange'>>;
}

/** The processor's dependencies: the use case's ports, the retry path, observability and probes. */
export interface ProcessorDeps extends ProcessDeps, RetryDeps, Observability {
  /** Probes from `picpay-webhooks doctor`: published and recorded, never processed as charges. */
  readonly probes: ProbeDeps;
  /**
   * Notes when PicPay's newest notification of each flavour arrived, for `picpay-webhooks
   * doctor` (best effort: a failure is logged, never fails the record).
   */
  readonly lastSeen?: { note(flavour: Envelope['flavour'], seen: { receivedAt: string; requestId: string }): Promise<void> };
}

/**
 * SQS batch handler: each record is processed on its own and reported back as a partial
 * batch failure when a retry may help, so one bad message never holds up the others.
 *
 * A record that failed in a way a retry may fix is held back in the queue before it is reported:
 * its visibility is set to a delay that grows with its receive count (1 min, 2, 4 … 1 h), so a
 * long PicPay, DynamoDB or SNS outage is ridden out for a day or more before the DLQ. If that
 * call fails, the record still fails: it returns after the queue's visibility timeout.
 */
export function createProcessor(deps: ProcessorDeps) {
  const { logger, metrics } = deps;
  /** When this execution environment last noted a notification of each flavour (noteSeen). */
  const notedAt = new Map<Envelope['flavour'], number>();
  const count = (name: string, n = 1) => metrics.addMetric(name, MetricUnit.Count, n);
  const batch = new BatchProcessor(EventType.SQS);
  for (const circuit of deps.circuits ?? []) {
    circuit.onChange((event) => {
      if (event === 'opened') {
        count(METRICS.processor.circuitOpened);
        logger.warn('PicPay circuit opened: requests to it fail at once until a probe after the cool-down; records back off', { circuit: circuit.name });
      } else if (event === 'half_open') logger.info('PicPay circuit half-open: one probe request goes through', { circuit: circuit.name });
      else logger.info('PicPay circuit closed: PicPay answers again', { circuit: circuit.name });
    });
  }

  /** Sets the record's retry delay; the seconds set, or undefined if SQS refused. */
  async function holdBack(record: SQSRecord, receiveCount: number): Promise<number | undefined> {
    const seconds = retryDelaySeconds(receiveCount, deps.retry, deps.random);
    try {
      await deps.visibility.delay(record.receiptHandle, seconds);
    } catch (error) {
      count(METRICS.processor.retryDelayFailures);
      logger.warn("Could not set the retry delay; the message returns after the queue's visibility timeout", {
        messageId: record.messageId,
        receiveCount,
        retryInSeconds: seconds,
        error: error as Error,
      });
      return undefined;
    }
    metrics.addMetric(METRICS.processor.retryDelay, MetricUnit.Seconds, seconds);
    return seconds;
  }

  async function processRecord(record: SQSRecord): Promise<void> {
    return deps.traceRecord ? deps.traceRecord(record.messageId, () => processOne(record)) : processOne(record);
  }

  async function processOne(record: SQSRecord): Promise<void> {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1');
    let requestId: string | undefined;
    try {
      const envelope = envelopeOf(record.body);
      requestId = envelope.requestId;
      const probe = parseProbe(envelope);
      if (probe) {
        const recorded = await handleProbe(probe, envelope, deps.probes);
        count(METRICS.processor.probes);
        logger.info('Probe recorded and published', { messageId: recorded.messageId, requestId, probeId: probe.id, flavour: envelope.flavour });
        return;
      }
      // When it arrived is noted beside the processing, not after it: whatever becomes of the
      // notification, and without a write on its path.
      const seen = noteSeen(envelope);
      const outcome = await processEnvelope(envelope, deps).finally(() => seen);
      reportOutcome(outcome, { messageId: record.messageId, requestId, flavour: envelope.flavour, receiveCount });
    } catch (error) {
      await reportFailure(record, error, receiveCount, requestId);
      throw error;
    }
  }

  /**
   * A notification PicPay sent (not a merchant's registration, not the reconciler's own check;
   * probes return earlier), noted at most once per flavour every NOTE_SEEN_EVERY_MS by this
   * execution environment. Never throws.
   */
  async function noteSeen(envelope: Envelope): Promise<void> {
    if (!deps.lastSeen || (envelope.origin !== undefined && envelope.origin !== 'picpay')) return;
    const now = deps.now();
    const last = notedAt.get(envelope.flavour);
    if (last !== undefined && now - last < NOTE_SEEN_EVERY_MS) return;
    notedAt.set(envelope.flavour, now);
    try {
      await deps.lastSeen.note(envelope.flavour, { receivedAt: envelope.receivedAt, requestId: envelope.requestId });
    } catch (error) {
      logger.warn('Could not note when the last notification arrived (picpay-webhooks doctor reads it)', {
        requestId: envelope.requestId,
        error: error as Error,
      });
    }
  }

  /** One metric and one log line per outcome; a contradiction by PicPay is counted apart. */
  function reportOutcome(outcome: ProcessOutcome, context: Record<string, unknown>): void {
    switch (outcome.kind) {
      case 'applied':
        count(METRICS.processor.transitions);
        logger.info('Transition recorded', { ...context, chargeKey: outcome.chargeKey, published: outcome.published });
        break;
      case 'noted':
        count(METRICS.processor.unrecognizedStatuses);
        logger.warn('Unrecognized PicPay status recorded and published; charge status unchanged', {
          ...context,
          chargeKey: outcome.chargeKey,
          reason: outcome.reason,
        });
        break;
      case 'ignored':
        count(METRICS.processor.ignoredLateEvents);
        logger.info('Late notification recorded as ignored', { ...context, chargeKey: outcome.chargeKey, reason: outcome.reason });
        break;
      case 'registered':
        count(METRICS.processor.registrations);
        logger.info('Legacy payment registered by the merchant', { ...context, chargeKey: outcome.chargeKey });
        break;
      case 'duplicate':
        count(METRICS.processor.duplicates);
        logger.info('Duplicate notification', { ...context, chargeKey: outcome.chargeKey, republished: outcome.published });
        break;
      case 'skipped':
        logger.info('Reconciliation check skipped', { ...context, reason: outcome.reason });
        break;
      case 'parked':
        count(METRICS.processor.parked);
        logger.warn('Notification parked for an operator', { ...context, reason: outcome.reason, detail: outcome.message });
        break;
    }
    const contradicted = (detail: string) => {
      // A notification PicPay's API contradicts: forged with a leaked token, or PicPay lagging.
      count(METRICS.processor.contradicted);
      logger.warn('PicPay contradicts the notification; what PicPay says was applied', { ...context, detail });
    };
    if (outcome.kind === 'parked') {
      if (outcome.reason === 'contradicted_by_picpay') contradicted(outcome.message);
      return;
    }
    if (outcome.kind === 'skipped') return;
    if (outcome.published > 0) count(METRICS.processor.eventsPublished, outcome.published);
    if (outcome.futureDated) {
      count(METRICS.processor.futureDated);
      logger.warn("A notification dated later than its receipt: ordered by when it was received, not by PicPay's date", context);
    }
    if (outcome.contradiction !== undefined) contradicted(outcome.contradiction);
  }

  /** Counts the failure by its source, holds the record back for its retry delay, and says so. */
  async function reportFailure(record: SQSRecord, error: unknown, receiveCount: number, requestId: string | undefined): Promise<void> {
    const code = errorCode(error);
    const source = error instanceof RetryableError ? error.source : 'internal';
    // A bug may be fixed by a deploy within the retry window: only a ParkError stops retries.
    const retryable = !(error instanceof ParkError);
    count(METRICS.processor.processingFailures);
    // Each source its own metric and alarm: a DynamoDB outage must not page about PicPay.
    if (source !== 'internal') count(FAILURE_METRIC[source]);
    if (error instanceof PicPayCircuitOpenError) count(METRICS.processor.shortCircuited);
    const deadLetter = receiveCount >= deps.maxReceiveCount;
    // The last receive sets no delay: the message goes to the DLQ after the visibility timeout.
    const retryInSeconds = !deadLetter && retryable ? await holdBack(record, receiveCount) : undefined;
    logger.error(deadLetter ? 'Processing failed; the message goes to the DLQ' : 'Processing failed; the message will be retried', {
      messageId: record.messageId,
      requestId,
      receiveCount,
      maxReceiveCount: deps.maxReceiveCount,
      code,
      source,
      retryable,
      ...(retryInSeconds === undefined ? {} : { retryInSeconds }),
      error: error as Error,
    });
    if (deadLetter && deps.noteDeadLetter) {
      await deps
        .noteDeadLetter({
          messageId: record.messageId,
          requestId,
          code,
          message: error instanceof RetryableError || error instanceof ParkError ? error.message : 'internal error',
          receiveCount,
          at: new Date(deps.now()).toISOString(),
        })
        .catch(() => undefined);
    }
  }

  return async function processBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    return processPartialResponse(event, processRecord, batch, { context, throwOnFullBatchFailure: false });
  };
}

/**
 * A queue message that is not an envelope was not written by the authenticator or the
 * reconciler: no retry can make it one. It still fails (no delay set), so it reaches the DLQ.
 */
function envelopeOf(body: string): Envelope {
  try {
    return parseEnvelope(body);
  } catch (error) {
    throw new ParkError('not_an_envelope', 'The queue message is not a notification envelope', { cause: error });
  }
}

/**
 * One subsegment per record (`### record <messageId>`), each the parent of that record's calls:
 * the X-Ray SDK runs the function in a context of its own, so parallel records cannot nest
 * under each other.
 */
export function recordTracer(tracer: Tracing['tracer']) {
  return async <T>(messageId: string, fn: () => Promise<T>): Promise<T> => {
    if (!tracer.isTracingEnabled()) return fn();
    return (await tracer.provider.captureAsyncFunc(`### record ${messageId}`, async (subsegment) => {
      try {
        const value = await fn();
        subsegment?.close();
        return value;
      } catch (error) {
        subsegment?.addError(error as Error);
        subsegment?.close();
        throw error;
      }
    })) as T;
  };
}

/** What the processor needs from its environment: its AWS clients and its observability. */
export interface ProcessorRuntime {
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  /** For the retry delays: ChangeMessageVisibility on the processing queue. */
  readonly sqs: SQSClient;
  readonly secrets: SecretsManagerClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** X-Ray, when tracing is on (tracing.ts); absent, nothing of it is loaded. */
  readonly tracing?: Tracing;
  readonly now: () => number;
  /** In [0, 1), like Math.random: the jitter of the retry delays. */
  readonly random: () => number;
  /** The waits between PicPay attempts within an invocation (the local runtime scales time). */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * `false`: money-moving checkout notifications are applied as sent even when the PicPay
   * credentials secret holds the checkout API client (lambda/domain/confirm.ts). Only the local runtime sets
   * it, to run the decision tables and the chaos run's stories as sent; Lambda always confirms.
   */
  readonly confirmCheckout?: boolean;
}

/**
 * The Lambda handler, from its configuration and runtime. Lambda runs one invocation at a time
 * per execution environment, and Powertools' BatchProcessor keeps per-batch state on its
 * instance; the local runtime, which runs several pollers in one process, makes one handler per
 * poller for the same reason. Each handler has its own PicPay circuits, shared by every record
 * it processes while warm.
 */
export function makeProcessorHandler(config: ProcessorConfig, runtime: ProcessorRuntime) {
  const { logger, metrics, tracing, sleep } = runtime;
  const stores = tableStores(documentClientFor(runtime.dynamodb), config.tableName, { retentionDays: config.retentionDays });
  const credentials = new SecretCredentialsStore(runtime.secrets, config.credentialsSecretId, config.secretMaxAgeSeconds);
  const sns = new SnsEventPublisher(runtime.sns, config.topicArn);
  // Every charge event is logged just before it is published (events replay reads the log).
  const publisher = new LoggedEventPublisher(stores.eventLog, sns);
  const circuit = (name: string) => new PicPayCircuit({ name, failuresToOpen: DEFAULTS.picpayCircuitFailures, coolDownMs: config.picpayCircuitCoolDownMs });
  const statusCircuit = circuit('PicPay status API');
  const checkoutCircuit = circuit('PicPay checkout API');
  // One find-charge client: checkout reconciliation, and confirming money-moving notifications.
  const checkoutClient = new PicPayCheckoutClient({
    baseUrl: config.picpayCheckoutBaseUrl,
    paymentLinkBaseUrl: config.picpayPaymentLinkBaseUrl,
    tokenUrl: new URL('/oauth2/token', config.picpayCheckoutBaseUrl).toString(),
    timeoutMs: config.picpayTimeoutMs,
    credentials: async () => (await credentials.get()).checkoutClient,
    onAttemptFailed: ({ attempt, reason, httpStatus }) => logger.warn('PicPay find-charge attempt failed', { attempt, reason, httpStatus }),
    circuit: checkoutCircuit,
    ...(sleep ? { sleep } : {}),
  });
  const processor = middy(
    createProcessor({
      charges: stores.charges,
      parking: stores.parked,
      awaiting: stores.reconcile,
      links: stores.links,
      lastSeen: stores.lastSeen,
      publisher,
      probes: { publishProbe: (e) => sns.publishProbe(e), recordProbe: (r) => stores.probes.recordProbe(r), now: runtime.now },
      legacyStatus: new PicPayStatusClient({
        baseUrl: config.picpayBaseUrl,
        timeoutMs: config.picpayTimeoutMs,
        token: async () => (await credentials.get()).picpay,
        onAttemptFailed: ({ attempt, reason, httpStatus }) => logger.warn('PicPay status API attempt failed', { attempt, reason, httpStatus }),
        circuit: statusCircuit,
        ...(sleep ? { sleep } : {}),
      }),
      checkoutCharges: checkoutClient,
      ...(runtime.confirmCheckout === false ? {} : { confirmations: checkoutClient, linkTransactions: checkoutClient }),
      now: runtime.now,
      logger,
      metrics,
      maxReceiveCount: config.maxReceiveCount,
      ...(tracing ? { traceRecord: recordTracer(tracing.tracer) } : {}),
      maxProcessedBodyBytes: config.maxProcessedBodyBytes,
      outboxLeaseMs: OUTBOX_LEASE_MS,
      noteDeadLetter: (note) => stores.deadLetters.note(note),
      visibility: new SqsMessageVisibility(runtime.sqs, config.queueUrl),
      retry: RETRY,
      random: runtime.random,
      circuits: [statusCircuit, checkoutCircuit],
    }),
  );
  if (tracing) processor.use(tracing.middleware);
  return processor.use(injectLambdaContext(logger, { resetKeys: true })).use(logMetrics(metrics, { captureColdStartMetric: true }));
}

export const handler = lambdaEntry(async () => {
  const config = loadProcessorConfig(process.env);
  const tracing = tracingEnabled(process.env) ? await loadTracing('picpay-webhooks-processor') : undefined;
  const capture = <T>(client: T): T => (tracing ? tracing.tracer.captureAWSv3Client(client) : client);
  return makeProcessorHandler(config, {
    dynamodb: capture(new DynamoDBClient({})),
    sns: capture(new SNSClient({})),
    sqs: capture(new SQSClient({ useQueueUrlAsEndpoint: false })),
    secrets: capture(new SecretsManagerClient({})),
    logger: new Logger({ serviceName: 'picpay-webhooks-processor' }),
    metrics: new Metrics({ namespace: metricsNamespace(process.env), serviceName: SERVICES.processor }),
    ...(tracing ? { tracing } : {}),
    now: Date.now,
    random: Math.random,
  });
});
