import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, GetEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { stackAccountFacts } from '../../cli/doctor.js';
import { resolveTarget } from '../../cli/main.js';
import { targetFromOutputs } from '../../cli/target.js';

/**
 * The CLI finds a deployed receiver by its stack's outputs (docs/construct.md, "Outputs"): the
 * standalone stack's keys as they are, a receiver of a stack holding several by its id's prefix.
 * The outputs are written by hand, as CloudFormation lists them.
 */
const receiverOutputs = (prefix: string, host: string) => ({
  [`${prefix}CallbackUrl`]: `https://${host}/live/callback`,
  [`${prefix}WebhookUrl`]: `https://${host}/live/webhook`,
  [`${prefix}RegistrationUrl`]: `https://${host}/live/charges`,
  [`${prefix}TableName`]: `${prefix || 'Standalone'}-Charges`,
  [`${prefix}QueueUrl`]: `https://sqs.sa-east-1.amazonaws.com/123456789012/${prefix}Queue`,
  [`${prefix}DeadLetterQueueUrl`]: `https://sqs.sa-east-1.amazonaws.com/123456789012/${prefix}Dlq`,
  [`${prefix}SecretName`]: `${prefix}TokensSecret`,
  [`${prefix}AlarmTopicArn`]: `arn:aws:sns:sa-east-1:123456789012:${prefix}Alarms`,
});
const STANDALONE = { ...receiverOutputs('', 'abc.execute-api.sa-east-1.amazonaws.com'), ApiEndpoint4F160690: 'https://abc/live/' };
const TWO = {
  ...receiverOutputs('Loja', 'loja.execute-api.sa-east-1.amazonaws.com'),
  ...receiverOutputs('ShopA', 'shopa.execute-api.sa-east-1.amazonaws.com'),
  LojaApiEndpointF9A0DD97: 'https://loja/live/',
};

test('the standalone stack: its outputs by their keys', () => {
  const target = targetFromOutputs('PicPayWebhooks', STANDALONE, { region: 'sa-east-1' });
  expect(target).toMatchObject({
    name: 'stack PicPayWebhooks',
    callbackUrl: 'https://abc.execute-api.sa-east-1.amazonaws.com/live/callback',
    tableName: 'Standalone-Charges',
    secretId: 'TokensSecret',
    stackName: 'PicPayWebhooks',
    aws: { region: 'sa-east-1' },
  });
});

test('a receiver of a stack holding several, by its id', () => {
  const loja = targetFromOutputs('Payments', TWO, { receiver: 'Loja' });
  expect(loja).toMatchObject({
    name: 'stack Payments, receiver Loja',
    callbackUrl: 'https://loja.execute-api.sa-east-1.amazonaws.com/live/callback',
    webhookUrl: 'https://loja.execute-api.sa-east-1.amazonaws.com/live/webhook',
    tableName: 'Loja-Charges',
    queueUrl: 'https://sqs.sa-east-1.amazonaws.com/123456789012/LojaQueue',
    secretId: 'LojaTokensSecret',
    alarmTopicArn: 'arn:aws:sns:sa-east-1:123456789012:LojaAlarms',
    stackName: 'Payments',
  });
  // An id with a hyphen: its outputs start with its letters and digits.
  expect(targetFromOutputs('Payments', TWO, { receiver: 'Shop-A' }).tableName).toBe('ShopA-Charges');
});

test('which receiver is meant, when it is not clear', () => {
  expect(() => targetFromOutputs('Payments', TWO)).toThrow('Stack Payments holds 2 receivers (Loja, ShopA): pick one with --receiver ID');
  expect(() => targetFromOutputs('Payments', TWO, { receiver: 'Marketplace' })).toThrow('Stack Payments has no receiver Marketplace (it holds Loja, ShopA)');
  expect(() => targetFromOutputs('PicPayWebhooks', STANDALONE, { receiver: 'Loja' })).toThrow(
    'Stack PicPayWebhooks has no receiver Loja (it holds one receiver: drop --receiver)',
  );
  expect(() => targetFromOutputs('Other', { BucketName: 'x' })).toThrow('Stack Other has no output CallbackUrl: is it a picpay-webhooks stack?');
  const withoutQueue: Record<string, string> = { ...TWO };
  delete withoutQueue.LojaQueueUrl;
  expect(() => targetFromOutputs('Payments', withoutQueue, { receiver: 'Loja' })).toThrow('Stack Payments has no output LojaQueueUrl');
});

test('a stack holding the Default receiver beside named ones: none is picked without --receiver; Default names the unprefixed one', () => {
  const mixed = { ...STANDALONE, ...receiverOutputs('Loja', 'loja.execute-api.sa-east-1.amazonaws.com') };
  expect(() => targetFromOutputs('Payments', mixed)).toThrow('Stack Payments holds 2 receivers (Default, Loja): pick one with --receiver ID');
  expect(targetFromOutputs('Payments', mixed, { receiver: 'Default' }).tableName).toBe('Standalone-Charges');
  expect(targetFromOutputs('Payments', mixed, { receiver: 'Loja' }).tableName).toBe('Loja-Charges');
  expect(() => targetFromOutputs('Payments', mixed, { receiver: 'Shop' })).toThrow('Stack Payments has no receiver Shop (it holds Default, Loja)');
});

test('an id with no letter or digit is no construct id; a stray output ending in CallbackUrl is no receiver', () => {
  expect(() => targetFromOutputs('Payments', TWO, { receiver: '-' })).toThrow('--receiver - is not a construct id');
  const stray = { ...STANDALONE, LegacyCallbackUrl: 'https://elsewhere.example/callback' };
  expect(targetFromOutputs('PicPayWebhooks', stray).callbackUrl).toBe('https://abc.execute-api.sa-east-1.amazonaws.com/live/callback');
  const one = receiverOutputs('Loja', 'loja.execute-api.sa-east-1.amazonaws.com');
  expect(() => targetFromOutputs('Payments', one)).toThrow('Stack Payments holds 1 receiver (Loja): pick it with --receiver Loja');
});

test('--receiver without --stack is refused before anything is read', async () => {
  await expect(resolveTarget({ receiver: 'Loja' })).rejects.toThrow('--receiver picks a receiver of a deployed stack: pass --stack NAME too');
});

describe("doctor's account facts of a stack holding several receivers", () => {
  const cfn = mockClient(CloudFormationClient);
  const lambda = mockClient(LambdaClient);
  afterAll(() => {
    cfn.restore();
    lambda.restore();
  });
  const mappings = (caps: Array<number | undefined>) => {
    cfn.reset();
    lambda.reset();
    cfn.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        ...caps.map((_, i) => ({
          ResourceType: 'AWS::Lambda::EventSourceMapping',
          PhysicalResourceId: `uuid-${i}`,
          // As CDK names a receiver's mapping (the construct's id first).
          LogicalResourceId: `Shop${i}ProcessorFunctionSqsEventSourcePaymentsShop${i}NotificationQueue8CC1B3AE481BF196`,
          ResourceStatus: 'CREATE_COMPLETE' as const,
          LastUpdatedTimestamp: new Date(0),
        })),
        // A team's own consumer in the same stack, uncapped: not a receiver's processor.
        {
          ResourceType: 'AWS::Lambda::EventSourceMapping',
          PhysicalResourceId: 'uuid-orders',
          LogicalResourceId: 'OrdersHandlerSqsEventSourcePaymentsPaidOrdersQueue0A1B2C3D',
          ResourceStatus: 'CREATE_COMPLETE' as const,
          LastUpdatedTimestamp: new Date(0),
        },
      ],
    });
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { UnreservedConcurrentExecutions: 50 } });
    for (const [i, cap] of caps.entries()) {
      lambda.on(GetEventSourceMappingCommand, { UUID: `uuid-${i}` }).resolves(cap === undefined ? {} : { ScalingConfig: { MaximumConcurrency: cap } });
    }
  };

  test('the processors of every receiver count against the account: their caps summed', async () => {
    mappings([5, 8]);
    await expect(stackAccountFacts('Payments', 'arn:aws:sns:sa-east-1:123456789012:a', 'sa-east-1').lambdaConcurrency()).resolves.toEqual({
      unreserved: 50,
      processorMax: 13,
      receivers: 2,
    });
  });

  test('one uncapped processor: no cap at all', async () => {
    mappings([5, undefined]);
    await expect(stackAccountFacts('Payments', 'arn:aws:sns:sa-east-1:123456789012:a', 'sa-east-1').lambdaConcurrency()).resolves.toMatchObject({
      processorMax: null,
      receivers: 2,
    });
  });
});
