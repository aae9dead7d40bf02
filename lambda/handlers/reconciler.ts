import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { DynamoChargeStore, documentClient } from '../adapters/charge-store.js';
import { SqsNotificationQueue, sqsClient } from '../adapters/sqs-queue.js';
import { loadReconcilerConfig, type ReconcilerConfig } from '../config.js';
import { type ReconcileDeps, type ReconcileResult, reconcile } from '../domain/reconcile.js';
import { METRICS, metricsNamespace, SERVICES } from '../metrics.js';

/** One scheduled run: enqueue a status check for each legacy and checkout charge PicPay left waiting. */
export function createReconciler(config: ReconcilerConfig, deps: ReconcileDeps, logger: Logger, metrics: Metrics) {
  return async function run(): Promise<ReconcileResult> {
    const result = await reconcile(
      {
        minAgeMs: config.minAgeMinutes * 60_000,
        maxAgeMs: config.maxAgeDays * 86_400_000,
        maxPerRun: config.maxPerRun,
      },
      deps,
    );
    metrics.addMetric(METRICS.reconciler.candidates, MetricUnit.Count, result.candidates);
    metrics.addMetric(METRICS.reconciler.enqueued, MetricUnit.Count, result.enqueued);
    metrics.addMetric(METRICS.reconciler.retired, MetricUnit.Count, result.retired);
    logger.info('Reconciliation run', { ...result, minAgeMinutes: config.minAgeMinutes, maxPerRun: config.maxPerRun });
    return result;
  };
}

const config = loadReconcilerConfig();
const logger = new Logger({ serviceName: 'picpay-webhooks-reconciler' });
const metrics = new Metrics({ namespace: metricsNamespace(), serviceName: SERVICES.reconciler });
const store = new DynamoChargeStore(documentClient, config.tableName);
const queue = new SqsNotificationQueue(sqsClient, config.queueUrl);

/**
 * The reconciliation job wired to this module's clients and configuration. The local runtime
 * runs the same job on an interval, overriding only what it must (a minimum age in seconds).
 */
export function buildReconciler(overrides: Partial<ReconcilerConfig> = {}) {
  return createReconciler(
    { ...config, ...overrides },
    {
      findAwaiting: (flavour, before, limit) => store.findAwaiting(flavour, before, limit),
      enqueue: (envelopes) => queue.sendAll(envelopes),
      markChecked: (ids, at) => store.markChecked(ids, at),
      retire: (ids) => store.retire(ids),
      now: Date.now,
    },
    logger,
    metrics,
  );
}

export const handler = middy(buildReconciler())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
