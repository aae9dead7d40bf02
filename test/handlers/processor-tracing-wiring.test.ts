import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProcessorConfig } from '../../lambda/config.js';
import { makeProcessorHandler } from '../../lambda/handlers/processor.js';
import type { Tracing } from '../../lambda/handlers/tracing.js';
import { envelope, paymentEvent } from '../picpay-examples.support.js';
import { context, sqsEvent } from './lambda-events.support.js';

/**
 * The processor's runtime carries X-Ray only when tracing is on (lambda/handlers/tracing.ts).
 * With it, the handler segment middleware runs and each record gets its own subsegment; without
 * it, neither happens and the records are still processed.
 */
const ddb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const CONFIG: ProcessorConfig = {
  queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/notifications',
  tableName: 'charges',
  topicArn: 'arn:aws:sns:us-east-1:000000000000:events',
  credentialsSecretId: 'picpay-credentials',
  picpayBaseUrl: 'https://appws.picpay.com',
  picpayCheckoutBaseUrl: 'https://checkout-api.picpay.com/api/v1',
  picpayPaymentLinkBaseUrl: 'https://api.picpay.com/v1/paymentlink',
  picpayTimeoutMs: 500,
  secretMaxAgeSeconds: 60,
  maxReceiveCount: 3,
  maxProcessedBodyBytes: 65536,
  picpayCircuitCoolDownMs: 30000,
};

function run(tracing: Tracing | undefined) {
  const handler = makeProcessorHandler(CONFIG, {
    dynamodb: new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } }),
    sns: new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } }),
    sqs: new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } }),
    secrets: new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } }),
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'Test', serviceName: 'processor' }),
    ...(tracing ? { tracing } : {}),
    now: Date.now,
    random: () => 0,
  }) as unknown as (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>;
  const body = (id: string) =>
    JSON.stringify(
      envelope({
        flavour: 'checkout',
        eventType: 'TransactionUpdateMessage',
        body: JSON.stringify(paymentEvent({ status: 'AUTHORIZED', merchantChargeId: id })),
      }),
    );
  return handler(
    sqsEvent([
      { id: 'm-1', body: body('c-1') },
      { id: 'm-2', body: body('c-2') },
    ]) as SQSEvent,
    context as Context,
  );
}

beforeEach(() => {
  ddb.reset();
  sns.reset();
  ddb.on(GetCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
});

test('tracing on: the handler middleware runs and each record has its own subsegment', async () => {
  const seen: string[] = [];
  const tracing = {
    tracer: {
      isTracingEnabled: () => true,
      provider: {
        captureAsyncFunc: (name: string, fn: (s: undefined) => Promise<unknown>) => {
          seen.push(name);
          return fn(undefined);
        },
      },
      captureAWSv3Client: <T>(c: T) => c,
    },
    middleware: { before: async () => void seen.push('handler segment') },
  } as unknown as Tracing;
  const result = await run(tracing);
  expect(result.batchItemFailures).toEqual([]);
  expect(seen.sort()).toEqual(['### record m-1', '### record m-2', 'handler segment']);
});

test('tracing off: nothing traced, the records processed', async () => {
  const result = await run(undefined);
  expect(result.batchItemFailures).toEqual([]);
  expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
});
