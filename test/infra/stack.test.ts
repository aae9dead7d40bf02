import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { HANDLERS, QUEUE } from '../../lambda/contract.js';
import { PicPayWebhooksStack, type PicPayWebhooksStackProps } from '../../lib/stack.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }>;

function synth(props: PicPayWebhooksStackProps = {}, id = 'Test') {
  const app = new App();
  const stack = new PicPayWebhooksStack(app, id, props);
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Resources;
  const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
  return { app, stack, template, resources, logicalId };
}

// The default stack, synthesized once (with real esbuild bundling) for most assertions.
const defaultSynth = synth();
const { stack, template, resources, logicalId } = defaultSynth;
const app = () => defaultSynth.app;
const ofType = (type: string, from: Resources = resources) => Object.entries(from).filter(([, r]) => r.Type === type);

describe('PicPayWebhooksStack: resources', () => {
  test('has every resource of the pipeline', () => {
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::SNS::Topic', 2); // events + alarms
    template.resourceCountIs('AWS::SecretsManager::Secret', 2); // the tokens, the PicPay credentials
    template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 2);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(ofType('AWS::Lambda::Function')).toHaveLength(4); // authenticator, processor, reconciler, outbox sweep
  });

  test('the API is regional and routes each webhook path to the authenticator with POST, nothing else public', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    expect(ofType('AWS::ApiGateway::Resource').map(([, r]) => r.Properties.PathPart)).toEqual(['callback', 'webhook', 'charges']);
    const methods = ofType('AWS::ApiGateway::Method').map(([, m]) => m);
    expect(methods.map((m) => m.Properties.HttpMethod)).toEqual(['POST', 'POST', 'POST']);
    for (const method of methods) expect(JSON.stringify(method.Properties.Integration)).toContain(logicalId(stack.webhooks.authenticator.function));
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'live',
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })]),
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      TracingEnabled: true,
    });
    // Only API Gateway may invoke the authenticator, only the schedules the reconciler and sweep; the
    // processor is fed by its queue's event source mapping.
    for (const [, permission] of ofType('AWS::Lambda::Permission')) {
      const target = JSON.stringify(permission.Properties.FunctionName);
      if (permission.Properties.Principal === 'events.amazonaws.com') {
        expect([logicalId(stack.webhooks.reconciler.function), logicalId(stack.webhooks.sweeper.function)].some((fn) => target.includes(fn))).toBe(true);
      } else {
        expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
        expect(target).toContain(logicalId(stack.webhooks.authenticator.function));
      }
    }
  });

  test('the API hands every body to the authenticator as base64 of its exact bytes', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['*/*'] });
  });

  test('functions: Node.js 24 on arm64, traced, timeouts and memory from the spec, logs with retention', () => {
    for (const [fn, spec] of [
      [stack.webhooks.authenticator, HANDLERS.authenticator],
      [stack.webhooks.processor, HANDLERS.processor],
    ] as const) {
      expect(resources[logicalId(fn.function)]!.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Timeout: spec.timeoutSeconds,
        MemorySize: spec.memoryMb,
        Handler: `index.${spec.exportName}`,
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: logicalId(fn.logGroup) } },
      });
      expect(resources[logicalId(fn.logGroup)]!.Properties.RetentionInDays).toBe(30);
    }
  });

  test('queue: encrypted, TLS-only, dead-letters after 36 receives, visibility at least 6x the processor timeout', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: QUEUE.visibilityTimeoutSeconds,
      RedrivePolicy: { maxReceiveCount: 36, deadLetterTargetArn: Match.anyValue() },
    });
    expect(QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * HANDLERS.processor.timeoutSeconds);
    for (const [, queue] of ofType('AWS::SQS::Queue')) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = ofType('AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(2);
    for (const [, p] of policies) expect(JSON.stringify(p.Properties)).toContain('"aws:SecureTransport":"false"');
  });

  test('the queue keeps a message 14 days, far longer than it is retried before the DLQ', () => {
    // 36 receives: 35 retry delays of at most 1+2+4+8+16+32 min and 29 h (108180 s, docs/architecture.md),
    // plus the last receive's 180 s visibility timeout, plus processing: about 30 h.
    const [, queue] = ofType('AWS::SQS::Queue').find(([id]) => id === logicalId(stack.webhooks.queue))!;
    expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 86_400);
    expect(queue.Properties.MessageRetentionPeriod as number).toBeGreaterThan(108_180 + 180 + 36 * 30);
  });

  test('the processor reads the queue in batches, reports partial failures, and is capped in concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: QUEUE.batchSize,
      MaximumBatchingWindowInSeconds: QUEUE.maxBatchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  test('the table: on demand, pk/sk, point-in-time recovery, deletion protection, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
      }),
      DeletionPolicy: 'Retain',
    });
  });

  test('both topics are encrypted with the rotating key and refuse plain HTTP', () => {
    const keyRef = { 'Fn::GetAtt': [logicalId(stack.webhooks.key), 'Arn'] };
    for (const [, topic] of ofType('AWS::SNS::Topic')) expect(topic.Properties.KmsMasterKeyId).toEqual(keyRef);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const [, p] of ofType('AWS::SNS::TopicPolicy')) expect(JSON.stringify(p.Properties)).toContain('"aws:SecureTransport":"false"');
    expect(ofType('AWS::SNS::TopicPolicy')).toHaveLength(2);
  });

  test('the two secrets start as placeholders and are retained', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({ SecretString: JSON.stringify({ picpayToken: 'REPLACE_ME' }) }),
      DeletionPolicy: 'Retain',
    });
    expect(ofType('AWS::SecretsManager::Secret').map(([, r]) => (r as { DeletionPolicy?: string }).DeletionPolicy)).toEqual(['Retain', 'Retain']);
  });

  test('upgrade from one secret: the tokens secret keeps its logical id and every property, so CloudFormation neither replaces nor updates it', () => {
    // The logical id and the properties of the one secret before the split: a change would
    // replace the secret, or update it (a new placeholder text overwrites the operator's tokens).
    const tokens = resources.Tokens1180AAEA!;
    expect(tokens.Type).toBe('AWS::SecretsManager::Secret');
    expect(tokens.Properties).toEqual({
      SecretString: '{"sellerToken":"REPLACE_ME","checkoutToken":"REPLACE_ME","picpayToken":"REPLACE_ME"}',
      Description: 'PicPay tokens: sellerToken (x-seller-token), checkoutToken (webhook authorization), picpayToken (x-picpay-token)',
    });
    expect(logicalId(stack.webhooks.tokensSecret)).toBe('Tokens1180AAEA');
    expect(logicalId(stack.webhooks.credentialsSecret)).not.toBe('Tokens1180AAEA');
  });

  test('handlers get their resources by reference; no hard-coded physical names anywhere', () => {
    const env = (fn: typeof stack.webhooks.authenticator) =>
      (resources[logicalId(fn.function)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env(stack.webhooks.authenticator)).toMatchObject({
      QUEUE_URL: { Ref: logicalId(stack.webhooks.queue) },
      TOKENS_SECRET_ID: { Ref: logicalId(stack.webhooks.tokensSecret) },
    });
    expect(env(stack.webhooks.processor)).toMatchObject({
      QUEUE_URL: { Ref: logicalId(stack.webhooks.queue) },
      TABLE_NAME: { Ref: logicalId(stack.webhooks.table) },
      TOPIC_ARN: { Ref: logicalId(stack.webhooks.topic) },
      PICPAY_CREDENTIALS_SECRET_ID: { Ref: logicalId(stack.webhooks.credentialsSecret) },
      MAX_RECEIVE_COUNT: '36',
    });
    // Each function's environment names only its own secret.
    expect(Object.keys(env(stack.webhooks.authenticator))).not.toContain('PICPAY_CREDENTIALS_SECRET_ID');
    expect(Object.keys(env(stack.webhooks.processor))).not.toContain('TOKENS_SECRET_ID');
    for (const fn of [stack.webhooks.reconciler, stack.webhooks.sweeper]) expect(JSON.stringify(env(fn))).not.toMatch(/SECRET_ID|Tokens|PicPayCredentials/);
    // The only physical names are the ones that must be unique per stack and carry its name.
    const named: Record<string, string> = {
      'AWS::ApiGateway::RestApi': 'Name',
      'AWS::CloudWatch::Alarm': 'AlarmName',
      'AWS::CloudWatch::Dashboard': 'DashboardName',
    };
    const names = ['QueueName', 'TopicName', 'TableName', 'Name', 'FunctionName', 'RoleName', 'LogGroupName', 'DashboardName', 'AlarmName'];
    // The REST stage's execution log group has the name API Gateway writes to: its API's id and the stage.
    const executionLogs = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Logs::LogGroup' && r.Properties.LogGroupName !== undefined);
    expect(executionLogs.map(([, r]) => r.Properties.LogGroupName)).toEqual([
      { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: logicalId(stack.webhooks.api!) }, '/live']] },
    ]);
    for (const [id, r] of Object.entries(resources)) {
      if (r.Type === 'AWS::Lambda::Permission' || r.Type === 'AWS::Lambda::EventSourceMapping') continue;
      if (id === executionLogs[0]![0]) continue;
      for (const name of names) {
        // The 429 metric filter names the access log group by reference (the Ref of the stack's own group).
        if (r.Type === 'AWS::Logs::MetricFilter' && name === 'LogGroupName') {
          expect([id, JSON.stringify(r.Properties[name])]).toEqual([id, expect.stringMatching(/^\{"Ref":"ApiAccessLogs[A-Z0-9]+"\}$/)]);
          continue;
        }
        if (named[r.Type] === name) expect([id, JSON.stringify(r.Properties[name])]).toEqual([id, expect.stringContaining('Test')]);
        else expect([id, r.Properties?.[name]]).toEqual([id, undefined]);
      }
    }
  });

  test('two stacks side by side in one app synthesize without clashing', () => {
    const app = new App();
    const a = new PicPayWebhooksStack(app, 'ShopA');
    const b = new PicPayWebhooksStack(app, 'ShopB');
    expect(() => app.synth()).not.toThrow();
    expect(a.stackName).not.toBe(b.stackName);
  });

  test('outputs the two webhook URLs, the topic, the table, the secret, the alarm topic and the dashboard', () => {
    const outputs = Object.keys(template.toJSON().Outputs as object);
    expect(outputs).toEqual(
      expect.arrayContaining(['CallbackUrl', 'WebhookUrl', 'TopicArn', 'TableName', 'SecretName', 'CredentialsSecretName', 'AlarmTopicArn', 'DashboardName']),
    );
    expect(JSON.stringify(template.findOutputs('CallbackUrl'))).toContain('/callback');
    expect(JSON.stringify(template.findOutputs('WebhookUrl'))).toContain('/webhook');
  });
});

describe('PicPayWebhooksStack: least privilege', () => {
  /** Every (action, resource) pair a role's policies allow, with resources by logical id. */
  function grants(fn: typeof stack.webhooks.authenticator): string[] {
    const roleId = logicalId(fn.role);
    const pairs: string[] = [];
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      if (!JSON.stringify(policy.Properties.Roles).includes(roleId)) continue;
      for (const s of (policy.Properties.PolicyDocument as { Statement: Array<{ Effect: string; Action: string | string[]; Resource: unknown }> }).Statement) {
        expect(s.Effect).toBe('Allow');
        const resource = s.Resource === '*' ? '*' : JSON.stringify(s.Resource).match(/"(?:Ref|Fn::GetAtt)":\[?"([A-Za-z0-9]+)"/)![1]!;
        for (const action of [s.Action].flat()) pairs.push(`${action} on ${resource}`);
      }
    }
    return pairs.sort();
  }
  const id = (c: { node: { defaultChild?: unknown } }) => logicalId(c);

  test('the authenticator may write its logs, trace, send to its queue and read the tokens secret: nothing else', () => {
    expect(grants(stack.webhooks.authenticator)).toEqual(
      [
        `logs:CreateLogStream on ${id(stack.webhooks.authenticator.logGroup)}`,
        `logs:PutLogEvents on ${id(stack.webhooks.authenticator.logGroup)}`,
        `secretsmanager:GetSecretValue on ${id(stack.webhooks.tokensSecret)}`,
        `sqs:SendMessage on ${id(stack.webhooks.queue)}`,
        'xray:PutTelemetryRecords on *',
        'xray:PutTraceSegments on *',
      ].sort(),
    );
  });

  test('the processor may consume its queue, use its table, publish to its topic, read the PicPay credentials secret: nothing else', () => {
    expect(grants(stack.webhooks.processor)).toEqual(
      [
        `logs:CreateLogStream on ${id(stack.webhooks.processor.logGroup)}`,
        `logs:PutLogEvents on ${id(stack.webhooks.processor.logGroup)}`,
        ...['ReceiveMessage', 'ChangeMessageVisibility', 'GetQueueUrl', 'DeleteMessage', 'GetQueueAttributes'].map(
          (a) => `sqs:${a} on ${id(stack.webhooks.queue)}`,
        ),
        ...['GetItem', 'PutItem', 'UpdateItem', 'Query'].map((a) => `dynamodb:${a} on ${id(stack.webhooks.table)}`),
        `sns:Publish on ${id(stack.webhooks.topic)}`,
        `kms:GenerateDataKey on ${id(stack.webhooks.key)}`,
        `kms:Decrypt on ${id(stack.webhooks.key)}`,
        `secretsmanager:GetSecretValue on ${id(stack.webhooks.credentialsSecret)}`,
        'xray:PutTelemetryRecords on *',
        'xray:PutTraceSegments on *',
      ].sort(),
    );
  });

  test('the processor queries only the partitions of Payment Link payments (LINK#…)', () => {
    const query = ofType('AWS::IAM::Policy')
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Condition?: unknown }> }).Statement)
      .filter((st) => st.Action === 'dynamodb:Query' && st.Condition !== undefined);
    expect(query.map((st) => st.Condition)).toEqual([{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LINK#*'] } }]);
  });

  test('the reconciler may query the awaiting index, send to the queue, and update only the index attributes: nothing else', () => {
    const pairs = grants(stack.webhooks.reconciler);
    expect(pairs.filter((p) => !p.startsWith('logs:') && !p.startsWith('xray:'))).toEqual([
      `dynamodb:Query on ${id(stack.webhooks.table)}`,
      `dynamodb:UpdateItem on ${id(stack.webhooks.table)}`,
      `sqs:SendMessage on ${id(stack.webhooks.queue)}`,
    ]);
    const query = JSON.stringify(ofType('AWS::IAM::Policy').map(([, p]) => p.Properties.PolicyDocument));
    expect(query).toContain('/index/awaiting');
    const update = ofType('AWS::IAM::Policy')
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Condition?: unknown }> }).Statement)
      .find((st) => st.Action === 'dynamodb:UpdateItem' && st.Condition !== undefined);
    expect(update!.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'awaitingKey', 'lastCheckedAt'] },
      StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
    });
  });

  test('the outbox sweep may query the outbox index, read and update charges, log events, and publish: nothing else', () => {
    expect(grants(stack.webhooks.sweeper).filter((p) => !p.startsWith('logs:') && !p.startsWith('xray:'))).toEqual(
      [
        `dynamodb:Query on ${id(stack.webhooks.table)}`,
        `dynamodb:GetItem on ${id(stack.webhooks.table)}`,
        `dynamodb:UpdateItem on ${id(stack.webhooks.table)}`,
        `dynamodb:PutItem on ${id(stack.webhooks.table)}`,
        `sns:Publish on ${id(stack.webhooks.topic)}`,
        `kms:GenerateDataKey on ${id(stack.webhooks.key)}`,
        `kms:Decrypt on ${id(stack.webhooks.key)}`,
      ].sort(),
    );
    expect(JSON.stringify(ofType('AWS::IAM::Policy').map(([, p]) => p.Properties.PolicyDocument))).toContain('/index/outbox');
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    // Its puts reach the event log's partitions only (the processor's PutItem covers charges too).
    const put = ofType('AWS::IAM::Policy')
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Condition?: unknown }> }).Statement)
      .filter((st) => st.Action === 'dynamodb:PutItem' && st.Condition !== undefined);
    expect(put.map((st) => st.Condition)).toEqual([{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EVENTS#*'] } }]);
  });

  test('retention: the table expires items by purgeAt; RETENTION_DAYS reaches the processor and the sweep only when retentionDays is set', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'purgeAt', Enabled: true } });
    const env = (fn: typeof stack.webhooks.authenticator) =>
      (resources[logicalId(fn.function)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const fn of [stack.webhooks.processor, stack.webhooks.sweeper]) expect(env(fn)).not.toHaveProperty('RETENTION_DAYS');
    const kept = synth({ retentionDays: 400 }, 'Retention');
    const envOf = (f: typeof stack.webhooks.processor) =>
      (kept.resources[kept.logicalId(f.function)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(envOf(kept.stack.webhooks.processor).RETENTION_DAYS).toBe('400');
    expect(envOf(kept.stack.webhooks.sweeper).RETENTION_DAYS).toBe('400');
    for (const fn of [kept.stack.webhooks.authenticator, kept.stack.webhooks.reconciler]) expect(envOf(fn)).not.toHaveProperty('RETENTION_DAYS');
  });

  test('POST /charges is authorized with AWS IAM; the PicPay routes are not', () => {
    const methods = ofType('AWS::ApiGateway::Method').map(([, m]) => m.Properties as { HttpMethod: string; AuthorizationType: string; ResourceId: unknown });
    const byPath = Object.fromEntries(ofType('AWS::ApiGateway::Resource').map(([logical, r]) => [logical, (r.Properties as { PathPart: string }).PathPart]));
    const auth = Object.fromEntries(methods.map((m) => [byPath[JSON.stringify(m.ResourceId).match(/"Ref":"([A-Za-z0-9]+)"/)![1]!], m.AuthorizationType]));
    expect(auth).toEqual({ callback: 'NONE', webhook: 'NONE', charges: 'AWS_IAM' });
    expect(Object.keys(template.toJSON().Outputs as object)).toEqual(expect.arrayContaining(['RegistrationUrl', 'RegistrationInvokeArn']));
  });

  test('the only wildcard resource is X-Ray, and no action is a wildcard', () => {
    for (const fn of [stack.webhooks.authenticator, stack.webhooks.processor, stack.webhooks.reconciler, stack.webhooks.sweeper]) {
      for (const pair of grants(fn)) {
        if (pair.endsWith(' on *')) expect(pair).toMatch(/^xray:/);
        expect(pair.split(' on ')[0]).not.toContain('*');
      }
    }
  });

  test('no role uses an AWS managed policy', () => {
    for (const [, role] of ofType('AWS::IAM::Role')) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('PicPayWebhooksStack: alarms and dashboard', () => {
  const alarmIds = Object.keys(stack.webhooks.monitoring.alarms).sort();

  test('alarms on the DLQ, queue age, 5xx, 401 bursts, processor errors, PicPay, AWS and configuration errors apart, notifications PicPay contradicts, and parked notifications', () => {
    expect(alarmIds).toEqual(
      [
        'Authenticator5xx',
        'AwsServiceErrors',
        'ClientErrorFlood',
        'RequestsThrottled',
        'ConfigurationErrors',
        'ContradictedNotifications',
        'DeadLetterQueueNotEmpty',
        'OldestMessageAge',
        'OutboxEventsStuck',
        'ParkedNotifications',
        'PicPayApiErrors',
        'ProcessingFailures',
        'ProcessorErrors',
        'SweeperErrors',
        'UnauthorizedBurst',
        'UnrecognizedStatuses',
        'PayloadTooLarge',
        'ReconcilerErrors',
        'DeadLetterQueueMessagesExpiring',
      ].sort(),
    );
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms).toHaveLength(alarmIds.length);
    const topicRef = { Ref: logicalId(stack.webhooks.monitoring.alarmTopic) };
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([topicRef]);
      expect(a.TreatMissingData).toBe('notBreaching');
      expect(typeof a.AlarmDescription).toBe('string');
    }
    const byMetric = (name: string) => alarms.find((a) => a.MetricName === name);
    const dlq = [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.webhooks.deadLetterQueue), 'QueueName'] } }];
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toMatchObject({ Threshold: 1, Dimensions: dlq });
    expect(byMetric('5XXError')).toMatchObject({ Namespace: 'AWS/ApiGateway', Threshold: 1, Dimensions: [{ Name: 'ApiName', Value: 'Test' }] });
    expect(byMetric('NotificationsRejected')).toMatchObject({ Namespace: 'PicPayWebhooks/Test', Dimensions: [{ Name: 'service', Value: 'authenticator' }] });
    expect(byMetric('PicPayApiErrors')).toMatchObject({ Namespace: 'PicPayWebhooks/Test', Dimensions: [{ Name: 'service', Value: 'processor' }] });
    // A rejected PicPay token is a configuration error: the first one in 5 minutes alarms, however slowly records retry.
    expect(byMetric('ConfigurationErrors')).toMatchObject({
      Namespace: 'PicPayWebhooks/Test',
      Threshold: 1,
      Period: 300,
      Statistic: 'Sum',
      Dimensions: [{ Name: 'service', Value: 'processor' }],
    });
    // A 413 is a notification lost for good: one is enough.
    expect(byMetric('PayloadTooLarge')).toMatchObject({
      Namespace: 'PicPayWebhooks/Test',
      Threshold: 1,
      Dimensions: [{ Name: 'service', Value: 'authenticator' }],
    });
    // SQS deletes a DLQ message 14 days after its first enqueue: the alarm leaves 4 days to replay it.
    const expiring = alarms.filter((a) => a.MetricName === 'ApproximateAgeOfOldestMessage').find((a) => JSON.stringify(a.Dimensions) === JSON.stringify(dlq));
    expect(expiring).toMatchObject({ Threshold: 10 * 24 * 3600, Statistic: 'Maximum' });
    const errors = alarms.filter((a) => a.MetricName === 'Errors').map((a) => JSON.stringify(a.Dimensions));
    expect(errors.sort()).toEqual(
      [stack.webhooks.processor, stack.webhooks.reconciler, stack.webhooks.sweeper]
        .map((f) => JSON.stringify([{ Name: 'FunctionName', Value: { Ref: logicalId(f.function) } }]))
        .sort(),
    );
  });

  test('CloudWatch may use the key to publish alarms to the encrypted alarm topic', () => {
    const key = resources[logicalId(stack.webhooks.key)]!.Properties.KeyPolicy as { Statement: Array<{ Principal?: { Service?: string }; Action: string[] }> };
    expect(key.Statement.some((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com' && s.Action.includes('kms:GenerateDataKey'))).toBe(true);
  });

  test('no e-mail subscription unless one is configured; one when it is', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    synth({ alarmEmail: 'ops@loja.com.br' }).template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@loja.com.br' });
  });

  test('the dashboard shows received, rejected, processed, transitions, latency, queue depth, retry delays and PicPay circuits', () => {
    const body = JSON.stringify(ofType('AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody);
    expect(body).toMatch(/RetryDelay\\",\\"service\\",\\"processor\\",\{\\"stat\\":\\"Maximum\\"/);
    for (const metric of [
      'NotificationsReceived',
      'NotificationsRejected',
      'Transitions',
      'EventsPublished',
      'Latency',
      'Duration',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateAgeOfOldestMessage',
      'PicPayCircuitOpened',
      'PicPayShortCircuited',
      // The REST API's own metrics (dimension ApiName): requests, client and server errors, integration latency.
      '\\"AWS/ApiGateway\\",\\"Count\\",\\"ApiName\\",\\"Test\\"',
      '\\"AWS/ApiGateway\\",\\"4XXError\\",\\"ApiName\\",\\"Test\\"',
      '\\"AWS/ApiGateway\\",\\"5XXError\\",\\"ApiName\\",\\"Test\\"',
      '\\"AWS/ApiGateway\\",\\"IntegrationLatency\\",\\"ApiName\\",\\"Test\\"',
    ]) {
      expect(body).toContain(metric);
    }
  });
});

describe('PicPayWebhooksStack: floods (docs/security.md, "Floods")', () => {
  /** Synth without bundling the functions: these tests read the template only. */
  const lean = (props: PicPayWebhooksStackProps) => {
    const a = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const t = Template.fromStack(new PicPayWebhooksStack(a, 'Test', props));
    return { template: t, resources: t.toJSON().Resources as Resources };
  };
  const methodSettings = (r: Resources) =>
    (ofType('AWS::ApiGateway::Stage', r)[0]![1].Properties.MethodSettings as Array<Record<string, unknown>>).map(
      ({ ResourcePath, HttpMethod, ThrottlingRateLimit, ThrottlingBurstLimit }) => ({ ResourcePath, HttpMethod, ThrottlingRateLimit, ThrottlingBurstLimit }),
    );

  test('each route throttles on its own: /callback and /webhook 50/s (burst 100) each, /charges 10/s (burst 20), the stage default 50/100', () => {
    expect(methodSettings(resources)).toEqual([
      { ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      { ResourcePath: '/~1callback', HttpMethod: 'POST', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      { ResourcePath: '/~1webhook', HttpMethod: 'POST', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      { ResourcePath: '/~1charges', HttpMethod: 'POST', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    ]);
  });

  test('the route limits come from their settings', () => {
    const { resources: r } = lean({ throttlingRateLimit: 5, throttlingBurstLimit: 10, registrationRateLimit: 2.5, registrationBurstLimit: 3 });
    expect(methodSettings(r)).toEqual([
      { ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      { ResourcePath: '/~1callback', HttpMethod: 'POST', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      { ResourcePath: '/~1webhook', HttpMethod: 'POST', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      { ResourcePath: '/~1charges', HttpMethod: 'POST', ThrottlingRateLimit: 2.5, ThrottlingBurstLimit: 3 },
    ]);
  });

  test('WAF on: a request to a PicPay route without its token header is blocked before API Gateway and Lambda', () => {
    const { template: t } = lean({ enableWaf: true });
    const [, acl] = Object.entries(t.toJSON().Resources as Resources).find(([, x]) => x.Type === 'AWS::WAFv2::WebACL')!;
    const rule = (acl.Properties.Rules as Array<Record<string, unknown>>).find((x) => x.Name === 'TokenHeaderRequired');
    const none = [{ Priority: 0, Type: 'NONE' }];
    const routeWithout = (path: string, header: string) => ({
      AndStatement: {
        Statements: [
          { ByteMatchStatement: { FieldToMatch: { UriPath: {} }, PositionalConstraint: 'ENDS_WITH', SearchString: path, TextTransformations: none } },
          {
            NotStatement: {
              Statement: {
                SizeConstraintStatement: { FieldToMatch: { SingleHeader: { Name: header } }, ComparisonOperator: 'GT', Size: 0, TextTransformations: none },
              },
            },
          },
        ],
      },
    });
    expect(rule).toEqual({
      Name: 'TokenHeaderRequired',
      Priority: 1,
      Action: { Block: {} },
      Statement: { OrStatement: { Statements: [routeWithout('/callback', 'x-seller-token'), routeWithout('/webhook', 'authorization')] } },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, MetricName: 'Test-token-header', SampledRequestsEnabled: true },
    });
  });

  test('alarms: a flood of 4xx (500 in 5 minutes), and the first 429, counted from the access log', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms.find((a) => a.AlarmName === 'Test-ClientErrorFlood')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '4XXError',
      Dimensions: [{ Name: 'ApiName', Value: 'Test' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 500,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarms.find((a) => a.AlarmName === 'Test-RequestsThrottled')).toMatchObject({
      Namespace: 'PicPayWebhooks/Test',
      MetricName: 'ThrottledRequests',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const filters = ofType('AWS::Logs::MetricFilter');
    expect(filters).toHaveLength(1);
    const accessLogs = (ofType('AWS::ApiGateway::Stage')[0]![1].Properties.AccessLogSetting as { DestinationArn: { 'Fn::GetAtt': [string, string] } })
      .DestinationArn['Fn::GetAtt'][0];
    expect(filters[0]![1].Properties).toEqual({
      LogGroupName: { Ref: accessLogs },
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [{ MetricName: 'ThrottledRequests', MetricNamespace: 'PicPayWebhooks/Test', MetricValue: '1' }],
    });
  });
});

describe('PicPayWebhooksStack: reconciliation', () => {
  test('a sparse awaiting index (least recently checked first) and a sparse outbox index on the table', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'awaiting',
          KeySchema: [
            { AttributeName: 'awaitingKey', KeyType: 'HASH' },
            { AttributeName: 'lastCheckedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['chargeId', 'createdAt', 'expiresAt'] },
        }),
        Match.objectLike({
          IndexName: 'outbox',
          KeySchema: [
            { AttributeName: 'outboxKey', KeyType: 'HASH' },
            { AttributeName: 'outboxLeaseEnds', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        }),
      ],
    });
  });

  test('the reconciler runs on a schedule, every 15 minutes by default, configurable', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.webhooks.reconciler.function), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    const { template: t, stack: s } = synth({ reconcileEveryMinutes: 5, reconcileMinAgeMinutes: 60 });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    const env = t.toJSON().Resources[s.getLogicalId(s.webhooks.reconciler.function.node.defaultChild as never)].Properties.Environment.Variables;
    expect(env).toMatchObject({ RECONCILE_MIN_AGE_MINUTES: '60', QUEUE_URL: { Ref: s.getLogicalId(s.webhooks.queue.node.defaultChild as never) } });
  });
});

describe('PicPayWebhooksStack: options', () => {
  test('WAF on: a regional web ACL with a per-IP rate rule, associated with the stage', () => {
    const { template: t, stack: s } = synth({ enableWaf: true, wafRateLimit: 500 });
    t.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({ Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 500, AggregateKeyType: 'IP' } } }),
        Match.objectLike({ Name: 'TokenHeaderRequired' }),
      ],
    });
    t.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: { 'Fn::GetAtt': [s.getLogicalId(s.webhooks.webAcl!), 'Arn'] } });
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  test('custom domain: TLS 1.2 regional domain, URLs on it, and the DNS target as an output', () => {
    const { template: t } = synth({
      customDomain: { domainName: 'webhooks.loja.com.br', certificateArn: 'arn:aws:acm:sa-east-1:123456789012:certificate/abc' },
    });
    t.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'webhooks.loja.com.br',
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      RegionalCertificateArn: 'arn:aws:acm:sa-east-1:123456789012:certificate/abc',
    });
    expect(t.findOutputs('WebhookUrl').WebhookUrl!.Value).toBe('https://webhooks.loja.com.br/webhook');
    expect(t.findOutputs('CallbackUrl').CallbackUrl!.Value).toBe('https://webhooks.loja.com.br/callback');
    expect(Object.keys(t.findOutputs('CustomDomainTarget'))).toEqual(['CustomDomainTarget']);
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: false });
  });

  test('the operator can opt out of retaining data', () => {
    const { template: t } = synth({ dataRemovalPolicy: RemovalPolicy.DESTROY });
    t.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
    t.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
  });

  test('stage, throttling, retention, receive count and concurrency come from props', () => {
    const { template: t, stack: s } = synth({
      stageName: 'prod',
      throttlingRateLimit: 5,
      throttlingBurstLimit: 10,
      logRetention: 90,
      dlqMaxReceiveCount: 8,
      processorMaxConcurrency: 3,
    });
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 })]),
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    t.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 8 }) });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 3 } });
    const env = t.toJSON().Resources[s.getLogicalId(s.webhooks.processor.function.node.defaultChild as never)].Properties.Environment.Variables as Record<
      string,
      string
    >;
    expect(env.MAX_RECEIVE_COUNT).toBe('8');
  });

  test.each([
    [{ stageName: 'a b' }, 'stageName'],
    [{ dlqMaxReceiveCount: 0 }, 'dlqMaxReceiveCount'],
    [{ processorMaxConcurrency: 1 }, 'processorMaxConcurrency'],
    [{ wafRateLimit: 1 }, 'wafRateLimit'],
  ])('invalid props are refused, naming the prop: %p', (props, name) => {
    expect(() => new PicPayWebhooksStack(new App(), 'Bad', props)).toThrow(name);
  });
});

describe('cdk-nag', () => {
  function nag(props: PicPayWebhooksStackProps) {
    const app = new App();
    new PicPayWebhooksStack(app, 'Nag', props);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    return () => app.synth();
  }

  test.each([
    ['defaults', {}],
    [
      'every option on',
      {
        enableWaf: true,
        alarmEmail: 'ops@loja.com.br',
        customDomain: { domainName: 'w.loja.com.br', certificateArn: 'arn:aws:acm:sa-east-1:123456789012:certificate/abc' },
        retentionDays: 400,
      },
    ],
  ])('AwsSolutions and Serverless packs: no unacknowledged finding (%s)', (_name, props) => {
    expect(nag(props)).not.toThrow();
  });

  test('the packs do fail a synth with a finding (the check above can fail)', () => {
    const app = new App();
    const s = new PicPayWebhooksStack(app, 'NagBroken');
    // An unencrypted, non-TLS queue added to the stack must be reported.
    new sqs.Queue(s, 'Careless', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS2[\s\S]*AwsSolutions-SQS4/);
  });
});

describe('PicPayWebhooksStack: first deploy, identity and lifecycle', () => {
  /** Synth without bundling the functions: these tests read the template only. */
  function quick(props: PicPayWebhooksStackProps = {}, id = 'Quick') {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const s = new PicPayWebhooksStack(app, id, props);
    const t = Template.fromStack(s);
    return {
      stack: s,
      template: t,
      resources: t.toJSON().Resources as Resources,
      id: (c: { node: { defaultChild?: unknown } }) => s.getLogicalId(c.node.defaultChild as never),
    };
  }

  test('a fresh account gets the API Gateway logging role before the stage is created, and keeps it after a delete', () => {
    const { resources: r } = quick();
    const accounts = ofType('AWS::ApiGateway::Account', r);
    expect(accounts).toHaveLength(1);
    const [accountId, account] = accounts[0]!;
    expect(account.DeletionPolicy).toBe('Retain');
    const roleId = (account.Properties.CloudWatchRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = r[roleId] as Resources[string] & { UpdateReplacePolicy?: string };
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.DeletionPolicy).toBe('Retain');
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('"Service":"apigateway.amazonaws.com"');
    expect(JSON.stringify(role.Properties.Policies)).toContain('logs:PutLogEvents');
    const [, stage] = ofType('AWS::ApiGateway::Stage', r)[0]! as [string, { DependsOn?: string[] }];
    expect(stage.DependsOn).toContain(accountId);
  });

  test('apiGatewayCloudWatchRole=false: no account-level resource at all', () => {
    const { resources: r } = quick({ apiGatewayCloudWatchRole: false });
    expect(ofType('AWS::ApiGateway::Account', r)).toHaveLength(0);
    expect(ofType('AWS::IAM::Role', r).filter(([, role]) => JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('apigateway'))).toHaveLength(0);
  });

  test('adding a custom domain redeploys the stage, so the execute-api endpoint really closes', () => {
    const deploymentId = (props: PicPayWebhooksStackProps) => ofType('AWS::ApiGateway::Deployment', quick(props).resources).map(([id]) => id);
    const without = deploymentId({});
    const withDomain = deploymentId({
      customDomain: { domainName: 'webhooks.loja.com.br', certificateArn: 'arn:aws:acm:sa-east-1:123456789012:certificate/abc' },
    });
    expect(without).toHaveLength(1);
    expect(withDomain).toHaveLength(1);
    expect(withDomain[0]).not.toBe(without[0]);
  });

  test('a certificate from another region is refused at synth, and checked by CloudFormation when the region is unknown', () => {
    const domain = { domainName: 'webhooks.loja.com.br', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' };
    expect(() => quick({ customDomain: domain, env: { account: '123456789012', region: 'sa-east-1' } })).toThrow(/certificateArn.*us-east-1.*sa-east-1/);
    expect(() => quick({ customDomain: domain, env: { account: '123456789012', region: 'us-east-1' } })).not.toThrow();
    const rules = quick({ customDomain: domain }).template.toJSON().Rules as Record<string, { Assertions: Array<{ Assert: unknown }> }>;
    delete rules.CheckBootstrapVersion; // CDK's own
    expect(Object.values(rules).map((rule) => rule.Assertions[0]!.Assert)).toEqual([{ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }]);
  });

  test('cdk destroy keeps the queues (their notifications) with the data, and removes the key, which holds nothing at rest', () => {
    const { resources: r } = quick();
    expect(ofType('AWS::SQS::Queue', r).map(([, q]) => q.DeletionPolicy)).toEqual(['Retain', 'Retain']);
    const [, key] = ofType('AWS::KMS::Key', r)[0]!;
    expect(key.DeletionPolicy).toBe('Delete');
    expect(key.Properties.PendingWindowInDays).toBe(7);
    const destroy = quick({ dataRemovalPolicy: RemovalPolicy.DESTROY }).resources;
    expect(ofType('AWS::SQS::Queue', destroy).map(([, q]) => q.DeletionPolicy)).toEqual(['Delete', 'Delete']);
  });

  test('two stacks in one account: API name, metric namespace, alarm names and dashboard name are each their own', () => {
    const identity = (stackName: string) => {
      const { resources: r } = quick({}, stackName);
      const alarms = ofType('AWS::CloudWatch::Alarm', r).map(([, a]) => a.Properties);
      const env = ofType('AWS::Lambda::Function', r).map(
        ([, f]) => (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_METRICS_NAMESPACE,
      );
      return {
        apiName: ofType('AWS::ApiGateway::RestApi', r)[0]![1].Properties.Name,
        namespaces: [...new Set([...alarms.map((a) => a.Namespace).filter((n) => !String(n).startsWith('AWS/')), ...env])],
        apiDimension: alarms.filter((a) => a.Namespace === 'AWS/ApiGateway').map((a) => a.Dimensions),
        alarmNames: alarms.map((a) => a.AlarmName as string),
        dashboard: JSON.stringify(ofType('AWS::CloudWatch::Dashboard', r)[0]![1].Properties.DashboardName),
      };
    };
    const prod = identity('ShopProd');
    const staging = identity('ShopStaging');
    expect(prod.apiName).toBe('ShopProd');
    expect(staging.apiName).toBe('ShopStaging');
    expect(prod.namespaces).toEqual(['PicPayWebhooks/ShopProd']);
    expect(staging.namespaces).toEqual(['PicPayWebhooks/ShopStaging']);
    // The 5xx and the 4xx alarms.
    expect(staging.apiDimension).toEqual([[{ Name: 'ApiName', Value: 'ShopStaging' }], [{ Name: 'ApiName', Value: 'ShopStaging' }]]);
    expect(prod.alarmNames).toHaveLength(19);
    for (const name of prod.alarmNames) expect(name).toMatch(/^ShopProd-[A-Za-z0-9]+$/);
    for (const name of staging.alarmNames) expect(name).toMatch(/^ShopStaging-[A-Za-z0-9]+$/);
    expect(prod.dashboard).toContain('ShopProd-');
    expect(staging.dashboard).toContain('ShopStaging-');
  });

  test('bundles keep class names, so a minified error still logs as "AwsServiceError", not "P"', () => {
    const assembly = app().synth();
    const code = resources[logicalId(stack.webhooks.processor.function)]!.Properties.Code as { S3Key: string };
    const hash = code.S3Key.replace(/\.zip$/, '');
    const bundle = readFileSync(join(assembly.directory, `asset.${hash}`, 'index.mjs'), 'utf8');
    expect(bundle).toContain('"AwsServiceError"');
    expect(bundle).toContain('"ParkError"');
  });
});
