/**
 * Each source of a retryable failure counts on its own metric, so each raises its own alarm: a
 * DynamoDB outage must not page someone to check the PicPay token, and a PicPay outage must not
 * look like an AWS one. Expected metric names are written by hand from docs/operations.md.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent } from 'aws-lambda';
import { AwsServiceError, ConcurrentUpdateError, NotConfiguredError, PicPayAuthError, PicPayUnavailableError } from '../../lambda/domain/errors.js';
import { createProcessor } from '../../lambda/handlers/processor.js';
import { memoryDeps } from '../domain/in-memory.support.js';
import { envelope } from '../picpay-examples.support.js';
import { context, sqsEvent } from './lambda-events.support.js';

const legacy = JSON.stringify(envelope({ flavour: 'legacy', body: JSON.stringify({ referenceId: 'r-1' }) }));

/** Runs one legacy notification whose status lookup throws `error`; returns the metrics counted. */
async function metricsWhenLookupThrows(error: Error): Promise<string[]> {
  const counted: string[] = [];
  const metrics = { addMetric: (name: string) => void counted.push(name) } as unknown as Metrics;
  const { deps, picpay } = memoryDeps();
  picpay.fetchStatus = async () => {
    throw error;
  };
  const probes = { publishProbe: async () => 'sns-1', recordProbe: async () => undefined, now: Date.now };
  const process = createProcessor({
    ...deps,
    probes,
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics,
    maxReceiveCount: 36,
    visibility: { delay: async () => undefined },
    retry: { baseSeconds: 60, capSeconds: 3600, jitter: 0 },
    random: () => 0,
  });
  const result = await process(sqsEvent([{ id: 'm-1', body: legacy }]) as SQSEvent, context as Context);
  expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]); // retried, never dropped
  return counted.sort();
}

test.each([
  ['DynamoDB throttling', new AwsServiceError('dynamodb', 'throttled'), ['AwsServiceErrors', 'ProcessingFailures', 'RetryDelay']],
  ['SNS down', new AwsServiceError('sns', 'down'), ['AwsServiceErrors', 'ProcessingFailures', 'RetryDelay']],
  ['a write conflict that outlived its retries', new ConcurrentUpdateError('conflict'), ['AwsServiceErrors', 'ProcessingFailures', 'RetryDelay']],
  ['PicPay 503 on every attempt', new PicPayUnavailableError('503'), ['PicPayApiErrors', 'ProcessingFailures', 'RetryDelay']],
  ['PicPay 401: our token is wrong', new PicPayAuthError('401'), ['ConfigurationErrors', 'ProcessingFailures', 'RetryDelay']],
  ['the tokens secret unusable', new NotConfiguredError('no token'), ['ConfigurationErrors', 'ProcessingFailures', 'RetryDelay']],
  ['a bug', new TypeError('x is undefined'), ['ProcessingFailures', 'RetryDelay']],
])('%s counts on its own metric', async (_what, error, expected) => {
  expect(await metricsWhenLookupThrows(error)).toEqual(expected);
});
