import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PicPayWebhooksStack } from '../../lib/stack.js';
import { HANDLERS, QUEUE, ROUTES } from '../../lib/pipeline-spec.js';

// One synth (with real esbuild bundling) shared by all assertions.
const app = new App();
const stack = new PicPayWebhooksStack(app, 'Test');
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

describe('PicPayWebhooksStack', () => {
  test('has every resource of the pipeline', () => {
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(2);
  });

  test('the API is regional and routes each webhook path to the authenticator with POST', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    for (const route of ROUTES) {
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: route.path.slice(1) });
    }
    const methods = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Method');
    expect(methods.map((m) => m.Properties.HttpMethod)).toEqual(['POST', 'POST']);
    for (const method of methods) {
      expect(method.Properties.AuthorizationType).toBe('NONE');
      expect(JSON.stringify(method.Properties.Integration)).toContain(logicalId(stack.authenticator.function));
    }
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })]),
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      TracingEnabled: true,
    });
  });

  test('functions: Node.js 24 on arm64, traced, timeouts and memory from the spec', () => {
    for (const [fn, spec] of [
      [stack.authenticator, HANDLERS.authenticator],
      [stack.processor, HANDLERS.processor],
    ] as const) {
      const props = resources[logicalId(fn.function)]!.Properties;
      expect(props).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Timeout: spec.timeoutSeconds,
        MemorySize: spec.memoryMb,
        Handler: `index.${spec.exportName}`,
      });
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('the queue is encrypted, TLS-only, dead-letters after the spec receive count, and outlasts the processor 6x', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: QUEUE.visibilityTimeoutSeconds,
      RedrivePolicy: { maxReceiveCount: QUEUE.maxReceiveCount, deadLetterTargetArn: Match.anyValue() },
    });
    expect(QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * HANDLERS.processor.timeoutSeconds);
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(JSON.stringify(p.Properties)).toContain('"aws:SecureTransport":"false"');
    }
  });

  test('the processor reads the queue in batches and reports partial failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: QUEUE.batchSize,
      MaximumBatchingWindowInSeconds: QUEUE.maxBatchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  test('the table is on-demand, keyed pk/sk, with point-in-time recovery and retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
    });
  });

  test('the topic is encrypted with a rotating KMS key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('the secret starts as a placeholder and is retained', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({
        SecretString: JSON.stringify({ sellerToken: 'REPLACE_ME', checkoutToken: 'REPLACE_ME', picpayToken: 'REPLACE_ME' }),
      }),
      DeletionPolicy: 'Retain',
    });
  });

  test('the handlers get their resources by reference, not by hard-coded names', () => {
    const env = (fn: typeof stack.authenticator) =>
      (resources[logicalId(fn.function)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env(stack.authenticator)).toMatchObject({
      QUEUE_URL: { Ref: logicalId(stack.queue) },
      TOKENS_SECRET_ID: { Ref: logicalId(stack.secret) },
    });
    expect(env(stack.processor)).toMatchObject({
      TABLE_NAME: { Ref: logicalId(stack.table) },
      TOPIC_ARN: { Ref: logicalId(stack.topic) },
      TOKENS_SECRET_ID: { Ref: logicalId(stack.secret) },
      PICPAY_BASE_URL: 'https://appws.picpay.com',
    });
    for (const type of ['AWS::SQS::Queue', 'AWS::SNS::Topic', 'AWS::DynamoDB::Table', 'AWS::SecretsManager::Secret', 'AWS::Lambda::Function']) {
      for (const r of Object.values(resources).filter((x) => x.Type === type)) {
        expect(r.Properties).not.toHaveProperty('QueueName');
        expect(r.Properties).not.toHaveProperty('TopicName');
        expect(r.Properties).not.toHaveProperty('TableName');
        expect(r.Properties).not.toHaveProperty('Name');
        expect(r.Properties).not.toHaveProperty('FunctionName');
      }
    }
  });

  test('the authenticator may send to the queue and read the secret; the processor may use table, topic, secret', () => {
    const policyOf = (fn: typeof stack.authenticator) =>
      JSON.stringify(
        Object.values(resources).filter(
          (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(stack.getLogicalId(fn.function.role!.node.defaultChild as never)),
        ),
      );
    const auth = policyOf(stack.authenticator);
    expect(auth).toContain('sqs:SendMessage');
    expect(auth).toContain('secretsmanager:GetSecretValue');
    expect(auth).not.toContain('dynamodb:');
    expect(auth).not.toContain('sns:Publish');
    const proc = policyOf(stack.processor);
    for (const action of ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'sns:Publish', 'secretsmanager:GetSecretValue', 'sqs:DeleteMessage']) {
      expect(proc).toContain(action);
    }
  });

  test('outputs the two webhook URLs, the topic, the table and the secret', () => {
    const outputs = Object.keys(template.toJSON().Outputs as object);
    expect(outputs).toEqual(expect.arrayContaining(['CallbackUrl', 'WebhookUrl', 'TopicArn', 'TableName', 'SecretName']));
    const callback = JSON.stringify(template.findOutputs('CallbackUrl'));
    expect(callback).toContain('/callback');
    expect(JSON.stringify(template.findOutputs('WebhookUrl'))).toContain('/webhook');
  });
});
