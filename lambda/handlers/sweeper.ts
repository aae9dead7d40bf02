import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { DynamoChargeStore, documentClient } from '../adapters/charge-store.js';
import { SnsEventPublisher, snsClient } from '../adapters/sns-publisher.js';
import { loadSweeperConfig, type SweeperConfig } from '../config.js';
import { type SweepDeps, type SweepResult, sweepOutbox } from '../domain/outbox.js';
import { METRICS, metricsNamespace, SERVICES } from '../metrics.js';

/** One scheduled run: publish the events whose writer could not, and clear them from the outbox. */
export function createSweeper(config: SweeperConfig, deps: SweepDeps, logger: Logger, metrics: Metrics) {
  return async function run(): Promise<SweepResult> {
    const result = await sweepOutbox({ maxPerRun: config.maxPerRun }, deps);
    metrics.addMetric(METRICS.sweeper.swept, MetricUnit.Count, result.published);
    metrics.addMetric(METRICS.sweeper.failures, MetricUnit.Count, result.failed);
    metrics.addMetric(METRICS.sweeper.oldestPendingAge, MetricUnit.Seconds, result.oldestPendingSeconds);
    const log = result.failed > 0 ? logger.warn.bind(logger) : logger.info.bind(logger);
    log('Outbox sweep', { ...result, maxPerRun: config.maxPerRun });
    return result;
  };
}

const config = loadSweeperConfig();
const logger = new Logger({ serviceName: 'picpay-webhooks-sweeper' });
const metrics = new Metrics({ namespace: metricsNamespace(), serviceName: SERVICES.sweeper });
const store = new DynamoChargeStore(documentClient, config.tableName);

/**
 * The sweep wired to this module's clients; the local runtime runs the same job on an interval
 * (and its chaos suite with a clock set ahead, to play the schedule after the leases end).
 */
export function buildSweeper(overrides: Partial<SweeperConfig> = {}, now: () => number = Date.now) {
  return createSweeper(
    { ...config, ...overrides },
    {
      findPending: (before, limit) => store.findPendingOutbox(before, limit),
      forgetEmpty: (chargeKey, version) => store.forgetEmptyOutbox(chargeKey, version),
      charges: store,
      publisher: new SnsEventPublisher(snsClient, config.topicArn),
      now,
    },
    logger,
    metrics,
  );
}

export const handler = middy(buildSweeper())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
