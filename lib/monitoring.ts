import { Duration, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SWEEP } from './pipeline-spec.js';

export interface PipelineMonitoringProps {
  readonly api: apigateway.RestApi;
  readonly authenticator: lambda.IFunction;
  readonly processor: lambda.IFunction;
  /** The outbox sweep: alarms when an event stays unpublished for an hour. */
  readonly sweeper?: lambda.IFunction;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** Encrypts the alarm topic; CloudWatch is allowed to use it. */
  readonly key: kms.IKey;
  /** Subscribed to the alarm topic when given (confirm the e-mail AWS sends). */
  readonly alarmEmail?: string;
}

/** Thresholds, in one place (docs/operations.md explains each alarm). */
export const ALARM_THRESHOLDS = {
  oldestMessageAgeSeconds: 900,
  unauthorizedPer5Min: 50,
  processingFailuresPer5Min: 5,
  picpayApiErrorsPer5Min: 5,
} as const;

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms on everything that means a notification is stuck, lost to a misconfiguration, or
 * under attack, all to one encrypted alarm topic; and a dashboard of the pipeline.
 */
export class PipelineMonitoring extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly alarms: Record<string, cloudwatch.Alarm> = {};
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { masterKey: props.key, enforceSSL: true });
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    if (props.alarmEmail) {
      const subscription = this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason: 'An e-mail subscription for alarms: an undelivered e-mail leaves the alarm in ALARM state, visible on the dashboard; there is nothing to redrive.',
      });
    }

    const custom = (service: 'authenticator' | 'processor' | 'sweeper', metricName: string) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, statistic: 'Sum', period: FIVE_MINUTES });

    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const a = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new SnsAction(this.alarmTopic));
      this.alarms[name] = a;
      return a;
    };

    alarm(
      'DeadLetterQueueNotEmpty',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) }),
      1,
      'Notifications failed processing 5 times and wait in the DLQ. Fix the cause (logs: "goes to the DLQ"), then redrive.',
    );
    alarm(
      'OldestMessageAge',
      props.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: Duration.minutes(1) }),
      ALARM_THRESHOLDS.oldestMessageAgeSeconds,
      'Notifications are waiting too long to be processed: the processor is failing or throttled.',
    );
    alarm(
      'Authenticator5xx',
      props.api.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES }),
      1,
      'The webhook answered 5xx: tokens not configured, secret unreadable, or SQS unavailable. PicPay is retrying; it gives up after 21 tries.',
    );
    alarm(
      'UnauthorizedBurst',
      custom('authenticator', 'NotificationsRejected'),
      ALARM_THRESHOLDS.unauthorizedPer5Min,
      'Many requests with a missing or wrong token: a token changed in PicPay but not in the secret, or someone is probing the endpoint.',
    );
    alarm(
      'ProcessorErrors',
      props.processor.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
      1,
      'The processor Lambda itself failed (crash, timeout): the whole batch returns to the queue.',
    );
    alarm(
      'ProcessingFailures',
      custom('processor', 'ProcessingFailures'),
      ALARM_THRESHOLDS.processingFailuresPer5Min,
      'Notifications failed processing and will be retried (DynamoDB, SNS or PicPay failing).',
    );
    alarm(
      'PicPayApiErrors',
      custom('processor', 'PicPayApiErrors'),
      ALARM_THRESHOLDS.picpayApiErrorsPer5Min,
      'PicPay status API failing or rejecting our x-picpay-token (check picpayToken in the secret).',
    );
    alarm(
      'ParkedNotifications',
      custom('processor', 'ParkedNotifications'),
      1,
      'Authenticated notifications that cannot be processed were parked in the table (pk = PARKED). Inspect and replay.',
    );
    alarm(
      'UnrecognizedStatuses',
      custom('processor', 'UnrecognizedStatuses'),
      1,
      'PicPay sent a status value nobody has documented. The charge state is unchanged; look at the history.',
    );

    if (props.sweeper) {
      alarm(
        'OutboxEventsStuck',
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'OutboxOldestPendingAge',
          dimensionsMap: { service: 'sweeper' },
          statistic: 'Maximum',
          period: FIVE_MINUTES,
        }),
        SWEEP.alarmAgeSeconds,
        'A charge event has waited an hour or more to be published: SNS (or its KMS key) keeps failing. The sweep retries every 5 minutes; nothing is lost.',
      );
      alarm(
        'SweeperErrors',
        props.sweeper.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
        1,
        'The outbox sweep Lambda failed (DynamoDB unavailable, timeout). It runs again in 5 minutes.',
      );
    }

    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(24) });
    this.dashboard.addWidgets(
      graph('Received / accepted / rejected', [
        custom('authenticator', 'NotificationsReceived'),
        custom('authenticator', 'NotificationsAccepted'),
        custom('authenticator', 'NotificationsRejected'),
        custom('authenticator', 'TokensNotConfigured'),
        custom('authenticator', 'EnqueueFailures'),
      ]),
      graph('Processed', [
        custom('processor', 'Transitions'),
        custom('processor', 'Duplicates'),
        custom('processor', 'IgnoredLateEvents'),
        custom('processor', 'ParkedNotifications'),
        custom('processor', 'ProcessingFailures'),
      ]),
      graph('Transitions published', [custom('processor', 'EventsPublished'), custom('processor', 'UnrecognizedStatuses')]),
    );
    this.dashboard.addWidgets(
      graph('API latency (ms)', [
        props.api.metricLatency({ statistic: 'p50', period: FIVE_MINUTES }),
        props.api.metricLatency({ statistic: 'p99', period: FIVE_MINUTES }),
      ]),
      graph('Lambda duration p99 (ms)', [
        props.authenticator.metricDuration({ statistic: 'p99', period: FIVE_MINUTES }),
        props.processor.metricDuration({ statistic: 'p99', period: FIVE_MINUTES }),
      ]),
      graph('Queue depth', [
        props.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) }),
        props.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: Duration.minutes(1) }),
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) }),
      ]),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24, height: 4 }),
    );
  }
}
