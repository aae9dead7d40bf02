import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PicPayWebhooksStack } from '../../lib/stack.js';
import { PicPayEventsSubscriber, type PicPayEventsSubscriberProps } from '../../lib/subscriber.js';
import { ACCOUNT, evaluate, type PolicyDocument, type Principal, REGION, resolver } from './iam.support.js';

/**
 * The consumer kit's construct (picpay-webhooks/subscriber), subscribed to the receiver stack's
 * own topic from a consumer's stack in the same app. Expected values are written by hand from
 * docs/events.md ("Message attributes") and the AWS documentation of SNS-to-SQS delivery.
 */
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const env = { account: ACCOUNT, region: REGION };
const OPERATOR = `arn:aws:iam::${ACCOUNT}:role/ops/OrdersOperator`;

function build(props: Omit<PicPayEventsSubscriberProps, 'topic'> = {}, nag = false) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const receiver = new PicPayWebhooksStack(app, 'PicPayWebhooks', { env });
  const orders = new Stack(app, 'Orders', { env });
  const subscriber = new PicPayEventsSubscriber(orders, 'PaidOrders', { topic: receiver.webhooks.topic, ...props });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  const assembly = app.synth();
  const template = assembly.getStackByName('Orders').template as { Resources: Resources };
  // The topic's ARN, as AWS would see it, in place of the cross-stack import.
  const receiverTemplate = assembly.getStackByName('PicPayWebhooks').template as { Resources: Resources };
  const topicArn = resolver(receiverTemplate).arnOf(receiver.getLogicalId(receiver.webhooks.topic.node.defaultChild as never));
  const imported = JSON.parse(JSON.stringify(template).replace(/\{"Fn::ImportValue":"[^"]+"\}/g, JSON.stringify(topicArn))) as { Resources: Resources };
  const id = (c: { node: { defaultChild?: unknown } }) => orders.getLogicalId(c.node.defaultChild as never);
  return { app, orders, subscriber, template, imported, topicArn, id };
}

const ofType = (r: Resources, type: string) => Object.entries(r).filter(([, x]) => x.Type === type);
const onlySubscription = (r: Resources) => {
  const subs = ofType(r, 'AWS::SNS::Subscription');
  expect(subs).toHaveLength(1);
  return subs[0]![1];
};

describe('PicPayEventsSubscriber: the subscription', () => {
  const PAID = {
    filter: {
      type: ['picpay.charge.status_changed'],
      status: ['PAID', 'COMPLETED'],
      previousStatus: { anythingBut: ['PAID', 'COMPLETED'] },
      flavour: ['checkout', 'paymentLink'],
      confirmed: true,
    },
  } as const satisfies Omit<PicPayEventsSubscriberProps, 'topic'>;

  test('raw message delivery to the queue, with the filter policy written from the typed props', () => {
    const { template, id, subscriber } = build(PAID);
    const subs = ofType(template.Resources, 'AWS::SNS::Subscription');
    expect(subs).toHaveLength(1);
    const p = subs[0]![1].Properties;
    expect(p.Protocol).toBe('sqs');
    expect(p.RawMessageDelivery).toBe(true);
    expect(p.Endpoint).toEqual({ 'Fn::GetAtt': [id(subscriber.queue), 'Arn'] });
    expect(p.FilterPolicy).toEqual({
      type: ['picpay.charge.status_changed'],
      status: ['PAID', 'COMPLETED'],
      previousStatus: [{ 'anything-but': ['PAID', 'COMPLETED'] }],
      flavour: ['checkout', 'paymentLink'],
      confirmed: ['true'],
    });
    // What SNS cannot deliver goes to the DLQ too.
    expect(p.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [id(subscriber.deadLetterQueue), 'Arn'] } });
  });

  test('every Payment Link event except registrations; more than 5 attributes is refused (the SNS limit)', () => {
    const { template } = build({ filter: { paymentLinkId: 'any', eventType: { anythingBut: ['Registration'] } } });
    const sub = onlySubscription(template.Resources);
    expect(sub.Properties.FilterPolicy).toEqual({ eventType: [{ 'anything-but': ['Registration'] }], paymentLinkId: [{ exists: true }] });
    expect(() => build({ filter: { ...PAID.filter, paymentLinkId: 'any' } })).toThrow('maximum of 5 attribute names');
  });

  test('one Payment Link, unconfirmed only: the attribute values as the topic sends them', () => {
    const { template } = build({ filter: { paymentLinkId: ['PL-123'], confirmed: false } });
    const sub = onlySubscription(template.Resources);
    expect(sub.Properties.FilterPolicy).toEqual({ paymentLinkId: ['PL-123'], confirmed: ['false'] });
  });

  test('without a filter every event arrives (no FilterPolicy)', () => {
    const { template } = build();
    const sub = onlySubscription(template.Resources);
    expect(sub.Properties.FilterPolicy).toBeUndefined();
    expect(sub.Properties.RawMessageDelivery).toBe(true);
  });

  test('an attribute filter with no value is refused', () => {
    expect(() => build({ filter: { status: [] } })).toThrow('filter.status lists no value');
    expect(() => build({ filter: { paymentLinkId: [] } })).toThrow('filter.paymentLinkId lists no value');
  });
});

describe('PicPayEventsSubscriber: the queues', () => {
  test('queue and DLQ: SSE-SQS, TLS only, retention, redrive after 5 receives', () => {
    const { template, subscriber, id } = build();
    const q = template.Resources[id(subscriber.queue)]!.Properties;
    const dlq = template.Resources[id(subscriber.deadLetterQueue)]!.Properties;
    expect(q.SqsManagedSseEnabled).toBe(true);
    expect(dlq.SqsManagedSseEnabled).toBe(true);
    expect(q.KmsMasterKeyId).toBeUndefined();
    expect(q.MessageRetentionPeriod).toBe(4 * 86_400);
    expect(dlq.MessageRetentionPeriod).toBe(14 * 86_400);
    expect(q.VisibilityTimeout).toBe(60);
    expect(q.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [id(subscriber.deadLetterQueue), 'Arn'] }, maxReceiveCount: 5 });
  });

  test('a DLQ that keeps messages less long than the queue is refused', () => {
    expect(() => build({ retentionPeriod: Duration.days(7), deadLetterRetentionPeriod: Duration.days(4) })).toThrow('deadLetterRetentionPeriod');
    expect(() => build({ maxReceiveCount: 0 })).toThrow('maxReceiveCount');
  });

  test('an alarm when one message waits in the DLQ, to the actions given', () => {
    const { template, subscriber, id } = build({ alarmActions: [] });
    const alarms = ofType(template.Resources, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(1);
    const a = alarms[0]![1].Properties;
    expect(a).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(subscriber.deadLetterQueue), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const orders = new Stack(new App(), 'Orders2', { env });
    const alarmTopic = new sns.Topic(orders, 'Alarms');
    const withAction = new PicPayEventsSubscriber(orders, 'More', { topic: alarmTopic, alarmActions: [new SnsAction(alarmTopic)] });
    const t = Template.fromStack(orders).toJSON() as { Resources: Resources };
    expect(t.Resources[orders.getLogicalId(withAction.deadLetterAlarm.node.defaultChild as never)]!.Properties.AlarmActions).toEqual([
      { Ref: orders.getLogicalId(alarmTopic.node.defaultChild as never) },
    ]);
  });
});

describe('PicPayEventsSubscriber: who may send, read as IAM reads the queue policy', () => {
  function policiesOf(props: Omit<PicPayEventsSubscriberProps, 'topic'> = {}) {
    const { imported, subscriber, id, topicArn } = build(props);
    const { resolve, arnOf } = resolver(imported);
    const queueId = id(subscriber.queue);
    const docs = ofType(imported.Resources, 'AWS::SQS::QueuePolicy')
      .filter(([, p]) => JSON.stringify(p.Properties.Queues).includes(`"${queueId}"`))
      .map(([, p]) => resolve(p.Properties.PolicyDocument) as PolicyDocument);
    const queueArn = arnOf(queueId);
    const send = (principal: Principal, context: Record<string, string>, identity: PolicyDocument[] = []) =>
      evaluate(
        { principal, action: 'sqs:SendMessage', resource: queueArn, context: { 'aws:SecureTransport': 'true', ...context } },
        { resource: docs, identity },
      );
    return { send, topicArn, queueArn, docs };
  }
  const sns: Principal = { service: 'sns.amazonaws.com' };
  const role = (arn: string): Principal => ({ arn, account: ACCOUNT });
  const allowAll = (queueArn: string): PolicyDocument[] => [{ Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn }] }];

  test('the topic sends', () => {
    const { send, topicArn } = policiesOf();
    expect(send(sns, { 'aws:SourceArn': topicArn, 'aws:SourceAccount': ACCOUNT })).toBe('Allow');
  });

  test('nobody else: another topic, a role of the account that IAM allows, anonymous, or the topic without TLS', () => {
    const { send, topicArn, queueArn } = policiesOf();
    expect(send(sns, { 'aws:SourceArn': `arn:aws:sns:${REGION}:${ACCOUNT}:SomeOtherTopic` })).toBe('ExplicitDeny');
    expect(send(sns, { 'aws:SourceArn': `arn:aws:sns:${REGION}:999999999999:PicPayWebhooks` })).toBe('ExplicitDeny');
    expect(send(role(`arn:aws:iam::${ACCOUNT}:role/Admin`), {}, allowAll(queueArn))).toBe('ExplicitDeny');
    expect(send({ anonymous: true }, {})).toBe('ExplicitDeny');
    expect(send(sns, { 'aws:SourceArn': topicArn, 'aws:SecureTransport': 'false' })).toBe('ExplicitDeny');
  });

  test('a listed role may send (moving messages back from the DLQ), with its own IAM permission only', () => {
    const { send, queueArn } = policiesOf({ senderRoleArns: [OPERATOR] });
    expect(send(role(OPERATOR), {}, allowAll(queueArn))).toBe('Allow');
    expect(send(role(OPERATOR), {})).toBe('ImplicitDeny');
    expect(send(role(`arn:aws:iam::${ACCOUNT}:role/Admin`), {}, allowAll(queueArn))).toBe('ExplicitDeny');
  });
});

describe('PicPayEventsSubscriber: linted and checked', () => {
  test('AwsSolutions and Serverless packs: no unacknowledged finding', () => {
    expect(() => build({ filter: { status: ['PAID'] } }, true)).not.toThrow();
  });

  test('cfn-lint: no error or warning on the consumer stack', () => {
    const { template } = build({ filter: { status: ['PAID'], paymentLinkId: 'any' }, senderRoleArns: [OPERATOR] });
    const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-subscriber-'));
    try {
      const file = join(dir, 'orders.json');
      writeFileSync(file, JSON.stringify(template));
      const run = spawnSync('cfn-lint', ['--format', 'json', '--', file], { encoding: 'utf8' });
      if (run.error) throw run.error;
      const findings = JSON.parse(run.stdout || '[]') as Array<{ Rule: { Id: string }; Level: string; Message: string }>;
      expect(findings.filter((f) => f.Level === 'Error' || f.Level === 'Warning').map((f) => `${f.Rule.Id}: ${f.Message}`)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
