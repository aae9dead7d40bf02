import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CanonicalStatus, ChargeEventType, Flavour } from '../lambda/consumer/events.js';

/**
 * A merchant's system subscribed to the charge events (docs/events.md, "A complete consumer"),
 * importable as `picpay-webhooks/subscriber`: an SQS queue with its dead-letter queue, the
 * subscription with raw message delivery and a filter policy built from typed props, a queue
 * policy that lets only this topic send, and an alarm on the dead-letter queue.
 *
 * Encryption: both queues use SSE-SQS (keys owned by SQS). SNS can deliver to such a queue with
 * no key grant, and the consumer's function reads it with no kms permission. The topic's own KMS
 * key is not needed here: SNS decrypts the topic's messages itself before it delivers them. (A
 * customer-managed key on the queue would need a key policy letting sns.amazonaws.com use it for
 * this topic only; the AWS managed aws/sqs key cannot be used with SNS at all.)
 */

/**
 * Which events reach the queue: each attribute given must match (docs/events.md, "Message
 * attributes"). SNS takes at most 5 attribute names in one filter policy.
 */
export interface EventFilter {
  readonly type?: AttributeFilter<ChargeEventType>;
  readonly status?: AttributeFilter<CanonicalStatus | 'NONE'>;
  readonly previousStatus?: AttributeFilter<CanonicalStatus | 'NONE'>;
  readonly flavour?: AttributeFilter<Flavour>;
  readonly eventType?: AttributeFilter<SourceEventType>;
  /** `true`: only what PicPay's API confirmed. */
  readonly confirmed?: boolean;
  /** Events of these Payment Links, or `'any'`: every event that names a link. */
  readonly paymentLinkId?: readonly string[] | 'any';
}

/** Any of these values, or `{ anythingBut }`: any value but these. */
export type AttributeFilter<T extends string> = readonly T[] | { readonly anythingBut: readonly T[] };

export type SourceEventType =
  | 'TransactionUpdateMessage'
  | 'Challenge3dsUpdateMessage'
  | 'TransactionPaymentMessage'
  | 'LegacyCallback'
  | 'Registration'
  | 'Reconciliation';

export interface PicPayEventsSubscriberProps {
  /** The pipeline's topic (the stack's `TopicArn` output; `sns.Topic.fromTopicArn` from another app). */
  readonly topic: sns.ITopic;
  /** Without one, every event arrives, probes included (the parser lets you skip them). */
  readonly filter?: EventFilter;
  /** Longer than the consumer's function timeout (AWS advises six times it). Default 1 minute. */
  readonly visibilityTimeout?: Duration;
  /** How long an event waits to be consumed. Default 4 days. */
  readonly retentionPeriod?: Duration;
  /** How long a failed event is kept in the dead-letter queue; at least retentionPeriod. Default 14 days (the most SQS keeps). */
  readonly deadLetterRetentionPeriod?: Duration;
  /** Receives before a message goes to the dead-letter queue. Default 5. */
  readonly maxReceiveCount?: number;
  /** Where the dead-letter alarm goes (e.g. an `SnsAction` on your alarm topic). */
  readonly alarmActions?: readonly cloudwatch.IAlarmAction[];
  /**
   * Roles that may send to the queue besides the topic, by ARN: whoever moves messages back
   * from the dead-letter queue (`aws sqs start-message-move-task`) sends to it. Default none.
   */
  readonly senderRoleArns?: readonly string[];
}

export class PicPayEventsSubscriber extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: PicPayEventsSubscriberProps) {
    super(scope, id);
    const retention = props.retentionPeriod ?? Duration.days(4);
    const dlqRetention = props.deadLetterRetentionPeriod ?? Duration.days(14);
    // SQS keeps a message's first enqueue time when it dead-letters it: a shorter DLQ retention loses it sooner.
    if (dlqRetention.toSeconds() < retention.toSeconds()) throw new Error('PicPayEventsSubscriber: deadLetterRetentionPeriod must be at least retentionPeriod');
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000)
      throw new Error('PicPayEventsSubscriber: maxReceiveCount must be an integer from 1 to 1000');

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: dlqRetention,
    });
    Validations.of(this.deadLetterQueue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason: 'This queue is the dead-letter queue.' });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: retention,
      visibilityTimeout: props.visibilityTimeout ?? Duration.minutes(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    // The subscription adds the Allow for sns.amazonaws.com with aws:SourceArn = the topic.
    props.topic.addSubscription(
      new subscriptions.SqsSubscription(this.queue, {
        rawMessageDelivery: true,
        // What SNS cannot deliver (the queue deleted, its policy broken) lands in the same DLQ, under the same alarm.
        deadLetterQueue: this.deadLetterQueue,
        ...(props.filter ? { filterPolicy: filterPolicy(props.filter) } : {}),
      }),
    );
    // And nobody else sends: not another topic, not a role of this account whatever its IAM
    // policies allow (a negated condition holds on a key the request does not carry: a role's
    // request has no aws:SourceArn), except the roles listed to move messages back.
    const senders = props.senderRoleArns ?? [];
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheTopicSends',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: {
          ArnNotEquals: { 'aws:SourceArn': props.topic.topicArn, ...(senders.length > 0 ? { 'aws:PrincipalArn': [...senders] } : {}) },
        },
      }),
    );

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `PicPay events failed in ${Stack.of(this).stackName}/${this.node.path}: they wait in the dead-letter queue (docs/events.md, "A complete consumer")`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const action of props.alarmActions ?? []) this.deadLetterAlarm.addAlarmAction(action);
  }
}

function strings<T extends string>(f: AttributeFilter<T>): sns.SubscriptionFilter {
  return 'anythingBut' in f
    ? sns.SubscriptionFilter.stringFilter({ denylist: [...f.anythingBut] })
    : sns.SubscriptionFilter.stringFilter({ allowlist: [...f] });
}

/** The SNS filter policy for `filter`: one entry per attribute given. */
export function filterPolicy(filter: EventFilter): Record<string, sns.SubscriptionFilter> {
  const policy: Record<string, sns.SubscriptionFilter> = {};
  for (const name of ['type', 'status', 'previousStatus', 'flavour', 'eventType'] as const) {
    const f = filter[name] as AttributeFilter<string> | undefined;
    if (f === undefined) continue;
    if (('anythingBut' in f ? f.anythingBut : f).length === 0) throw new Error(`PicPayEventsSubscriber: filter.${name} lists no value`);
    policy[name] = strings(f);
  }
  if (filter.confirmed !== undefined) policy.confirmed = sns.SubscriptionFilter.stringFilter({ allowlist: [String(filter.confirmed)] });
  if (filter.paymentLinkId !== undefined) {
    if (filter.paymentLinkId !== 'any' && filter.paymentLinkId.length === 0) throw new Error('PicPayEventsSubscriber: filter.paymentLinkId lists no value');
    policy.paymentLinkId =
      filter.paymentLinkId === 'any' ? sns.SubscriptionFilter.existsFilter() : sns.SubscriptionFilter.stringFilter({ allowlist: [...filter.paymentLinkId] });
  }
  return policy;
}
