import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsNotificationQueue } from '../adapters/sqs-queue.js';
import { tableStores } from '../adapters/table/stores.js';
import { documentClientFor } from '../adapters/table/table.js';
import { loadReconcilerConfig, type ReconcilerConfig } from '../config.js';
import { type ReconcileDeps, type ReconcileResult, type ReconcileSettings, reconcile } from '../domain/reconcile.js';
import { METRICS, metricsNamespace, SERVICES } from '../metrics.js';
import { lambdaEntry, scheduledHandler } from './entry.js';

/** What one reconciliation run needs: its limits, the index and the queue, logs and metrics. */
export interface ReconcilerDeps extends ReconcileDeps {
  readonly settings: ReconcileSettings;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** One scheduled run: enqueue a status check for each legacy, checkout and Payment Link charge PicPay left waiting. */
export function createReconciler(deps: ReconcilerDeps) {
  const { settings, logger, metrics } = deps;
  return async function run(): Promise<ReconcileResult> {
    const result = await reconcile(settings, deps);
    metrics.addMetric(METRICS.reconciler.candidates, MetricUnit.Count, result.candidates);
    metrics.addMetric(METRICS.reconciler.enqueued, MetricUnit.Count, result.enqueued);
    metrics.addMetric(METRICS.reconciler.retired, MetricUnit.Count, result.retired);
    logger.info('Reconciliation run', { ...result, minAgeMinutes: settings.minAgeMs / 60_000, maxPerRun: settings.maxPerRun });
    return result;
  };
}

/** What the reconciler needs from its environment. */
export interface ReconcilerRuntime {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => number;
}

/**
 * The Lambda handler, from its configuration and runtime. The local runtime runs the same
 * handler on an interval, with its own configuration (a minimum age in seconds).
 */
export function makeReconcilerHandler(config: ReconcilerConfig, runtime: ReconcilerRuntime) {
  const { reconcile: index } = tableStores(documentClientFor(runtime.dynamodb), config.tableName);
  const queue = new SqsNotificationQueue(runtime.sqs, config.queueUrl);
  const run = createReconciler({
    settings: { minAgeMs: config.minAgeMinutes * 60_000, maxAgeMs: config.maxAgeDays * 86_400_000, maxPerRun: config.maxPerRun },
    findAwaiting: (flavour, before, limit) => index.findAwaiting(flavour, before, limit),
    enqueue: (envelopes) => queue.sendAll(envelopes),
    markChecked: (ids, at) => index.markChecked(ids, at),
    retire: (ids) => index.retire(ids),
    now: runtime.now,
    logger: runtime.logger,
    metrics: runtime.metrics,
  });
  return scheduledHandler(run, runtime);
}

export const handler = lambdaEntry(() => {
  const logger = new Logger({ serviceName: 'picpay-webhooks-reconciler' });
  const metrics = new Metrics({ namespace: metricsNamespace(process.env), serviceName: SERVICES.reconciler });
  return makeReconcilerHandler(loadReconcilerConfig(process.env), {
    dynamodb: new DynamoDBClient({}),
    sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
    logger,
    metrics,
    now: Date.now,
  });
});
