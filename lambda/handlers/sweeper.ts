import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { LoggedEventPublisher, SnsEventPublisher } from '../adapters/sns-publisher.js';
import { tableStores } from '../adapters/table/stores.js';
import { documentClientFor } from '../adapters/table/table.js';
import { loadSweeperConfig, type SweeperConfig } from '../config.js';
import { type SweepDeps, type SweepResult, type SweepSettings, sweepOutbox } from '../domain/outbox.js';
import { METRICS, metricsNamespace, SERVICES } from '../metrics.js';
import { lambdaEntry, scheduledHandler } from './entry.js';

/** What one sweep needs: its limit, the outbox index, the charges and the topic, logs and metrics. */
export interface SweeperDeps extends SweepDeps {
  readonly settings: SweepSettings;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** One scheduled run: publish the events whose writer could not, and clear them from the outbox. */
export function createSweeper(deps: SweeperDeps) {
  const { settings, logger, metrics } = deps;
  return async function run(): Promise<SweepResult> {
    const result = await sweepOutbox(settings, deps);
    metrics.addMetric(METRICS.sweeper.swept, MetricUnit.Count, result.published);
    metrics.addMetric(METRICS.sweeper.failures, MetricUnit.Count, result.failed);
    metrics.addMetric(METRICS.sweeper.oldestPendingAge, MetricUnit.Seconds, result.oldestPendingSeconds);
    const log = result.failed > 0 ? logger.warn.bind(logger) : logger.info.bind(logger);
    log('Outbox sweep', { ...result, maxPerRun: settings.maxPerRun });
    return result;
  };
}

/** What the sweep needs from its environment. */
export interface SweeperRuntime {
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => number;
}

/**
 * The Lambda handler, from its configuration and runtime; the local runtime runs the same
 * handler on an interval (and its chaos suite with a clock set ahead, to play the schedule after
 * the leases end).
 */
export function makeSweeperHandler(config: SweeperConfig, runtime: SweeperRuntime) {
  const stores = tableStores(documentClientFor(runtime.dynamodb), config.tableName, { retentionDays: config.retentionDays });
  const run = createSweeper({
    settings: { maxPerRun: config.maxPerRun },
    findPending: (before, limit) => stores.outbox.findPending(before, limit),
    forgetEmpty: (chargeKey, version) => stores.outbox.forgetEmpty(chargeKey, version),
    charges: stores.charges,
    // Logged just before it is published, as the processor does.
    publisher: new LoggedEventPublisher(stores.eventLog, new SnsEventPublisher(runtime.sns, config.topicArn)),
    now: runtime.now,
    logger: runtime.logger,
    metrics: runtime.metrics,
  });
  return scheduledHandler(run, runtime);
}

export const handler = lambdaEntry(() => {
  const logger = new Logger({ serviceName: 'picpay-webhooks-sweeper' });
  const metrics = new Metrics({ namespace: metricsNamespace(process.env), serviceName: SERVICES.sweeper });
  return makeSweeperHandler(loadSweeperConfig(process.env), { dynamodb: new DynamoDBClient({}), sns: new SNSClient({}), logger, metrics, now: Date.now });
});
