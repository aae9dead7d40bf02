import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ACCESS_LOG_METRICS, METRICS, metricsNamespaceFor, SERVICES, type Service } from '../lambda/metrics.js';
import { SWEEP } from '../lambda/contract.js';

/**
 * The API's own metrics in AWS/ApiGateway. A REST API (5XXError, 4XXError, Count, Latency,
 * IntegrationLatency; dimension ApiName) and an HTTP API stage (5xx, 4xx, Count, Latency,
 * IntegrationLatency; dimensions ApiId and Stage) both provide them under these names.
 */
export interface ApiMetricSource {
  metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricClientError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricIntegrationLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

export interface PipelineMonitoringProps {
  /** The REST API, or the HTTP API's stage. */
  readonly api: ApiMetricSource;
  /** The API's access log (JSON with a `status` field): the 429s are counted from it. */
  readonly accessLogs?: logs.ILogGroup;
  readonly authenticator: lambda.IFunction;
  readonly processor: lambda.IFunction;
  readonly reconciler: lambda.IFunction;
  /** The outbox sweep: alarms when an event stays unpublished for an hour. */
  readonly sweeper?: lambda.IFunction;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** Encrypts the alarm topic; CloudWatch is allowed to use it. */
  readonly key: kms.IKey;
  /** Subscribed to the alarm topic when given (confirm the e-mail AWS sends). */
  readonly alarmEmail?: string;
  /** Alarm `PicPayQuiet` when no notification has been accepted for this many hours; none when absent. */
  readonly quietAlarmHours?: number;
  /** Names the metric namespace, the alarms and the dashboard: the receiver's own name. Default: the stack's name. */
  readonly name?: string;
}

/** Thresholds, in one place (docs/operations.md explains each alarm). */
export const ALARM_THRESHOLDS = {
  oldestMessageAgeSeconds: 900,
  unauthorizedPer5Min: 50,
  /** Every 4xx the API answered (401, 403, 404, 429, whoever answered it): a flood, not a probe. */
  clientErrorsPer5Min: 500,
  processingFailuresPer5Min: 5,
  picpayApiErrorsPer5Min: 5,
  awsServiceErrorsPer5Min: 5,
  /** SQS keeps a message 14 days from its first enqueue, in the DLQ too: warn 4 days before. */
  deadLetterAgeSeconds: 10 * 86_400,
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
  /** `PicPayWebhooks/<name>`: where this receiver's functions emit their metrics. */
  readonly namespace: string;
  readonly alarmNamePrefix: string;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);
    /** Names carry the receiver's name: two receivers in one account never share a metric or an alarm. */
    const name = props.name ?? stack.stackName;
    this.namespace = metricsNamespaceFor(name);
    this.alarmNamePrefix = `${name}-`;

    this.alarmTopic = this.createAlarmTopic(props);
    this.addPipelineAlarms(props);
    if (props.sweeper) this.addOutboxAlarms(props.sweeper);
    if (props.quietAlarmHours !== undefined) this.addQuietAlarm(props.quietAlarmHours);
    this.dashboard = this.createDashboard(name, props);
  }

  /** The encrypted topic every alarm notifies, open to this stack's alarms only; the e-mail subscription. */
  private createAlarmTopic(props: PipelineMonitoringProps): sns.Topic {
    const topic = new sns.Topic(this, 'AlarmTopic', { masterKey: props.key, enforceSSL: true });
    // enforceSSL replaces SNS's default topic policy with a TLS-only Deny, so CloudWatch (a
    // service principal) needs its own Allow, limited to this account's alarms of this stack.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisStacksAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${this.alarmNamePrefix}*` },
        },
      }),
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        // CloudWatch sends the alarm's account and ARN with its KMS requests as with its publish:
        // the key serves this stack's alarms only, not any alarm of any account (confused deputy).
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${this.alarmNamePrefix}*` },
        },
      }),
    );
    if (props.alarmEmail) {
      const subscription = topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'An e-mail subscription for alarms: an undelivered e-mail leaves the alarm in ALARM state, visible on the dashboard; there is nothing to redrive.',
      });
    }
    return topic;
  }

  /** A metric this stack's functions emit (lambda/metrics.ts), summed over five minutes. */
  private custom(service: Service, metricName: string): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: this.namespace, metricName, dimensionsMap: { service }, statistic: 'Sum', period: FIVE_MINUTES });
  }

  private auth(name: string): cloudwatch.Metric {
    return this.custom(SERVICES.authenticator, name);
  }

  private proc(name: string): cloudwatch.Metric {
    return this.custom(SERVICES.processor, name);
  }

  /** An alarm on the alarm topic, named with the stack's prefix. */
  private addAlarm(name: string, metric: cloudwatch.IMetric, threshold: number, description: string): cloudwatch.Alarm {
    const a = new cloudwatch.Alarm(this, name, {
      alarmName: `${this.alarmNamePrefix}${name}`,
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
  }

  /**
   * PicPay went quiet: no notification accepted (a right token, enqueued) in each of the last
   * `hours` hours. An hour without one emits no data point at all, so missing data breaches.
   * One-hour periods, each of which must breach: CloudWatch evaluates at most 7 days of periods
   * of an hour or more (lambda/settings.ts bounds the hours to 168).
   */
  private addQuietAlarm(hours: number): void {
    const a = new cloudwatch.Alarm(this, 'PicPayQuiet', {
      alarmName: `${this.alarmNamePrefix}PicPayQuiet`,
      metric: this.auth(METRICS.authenticator.accepted).with({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: hours,
      datapointsToAlarm: hours,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: `No PicPay notification accepted for ${hours} h: a firewall or WAF in front, a token changed in Painel Lojista but not in the tokens secret, or a wrong URL registered with PicPay. Run picpay-webhooks doctor (docs/operations.md, "PicPay went quiet").`,
    });
    a.addAlarmAction(new SnsAction(this.alarmTopic));
    this.alarms.PicPayQuiet = a;
  }

  /** The queue, the API and the processor: a notification stuck, lost to a misconfiguration, or under attack. */
  private addPipelineAlarms(props: PipelineMonitoringProps): void {
    this.addAlarm(
      'DeadLetterQueueNotEmpty',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) }),
      1,
      'Notifications failed on every receive, retried with growing delays for a day or more (36 receives by default), and wait in the DLQ. Fix the cause (logs: "goes to the DLQ"), then redrive.',
    );
    this.addAlarm(
      'OldestMessageAge',
      props.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: Duration.minutes(1) }),
      ALARM_THRESHOLDS.oldestMessageAgeSeconds,
      'Notifications are waiting too long to be processed: the processor is failing or throttled.',
    );
    this.addAlarm(
      'Authenticator5xx',
      props.api.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES }),
      1,
      'The webhook answered 5xx: tokens not configured, secret unreadable, or SQS unavailable. PicPay is retrying; it gives up after 21 tries.',
    );
    this.addAlarm(
      'UnauthorizedBurst',
      this.auth(METRICS.authenticator.rejected),
      ALARM_THRESHOLDS.unauthorizedPer5Min,
      'Many requests with a missing or wrong token: a token changed in PicPay but not in the secret, or someone is probing the endpoint.',
    );
    this.addAlarm(
      'ClientErrorFlood',
      props.api.metricClientError({ statistic: 'Sum', period: FIVE_MINUTES }),
      ALARM_THRESHOLDS.clientErrorsPer5Min,
      'A flood of 4xx answers (401 wrong or missing token, 403 from WAF or IAM, 429 over a route limit), whoever answered them: someone is hammering the endpoint. See docs/operations.md, "Floods": find the routes and sources in the access log, turn WAF on (REST).',
    );
    if (props.accessLogs) this.addThrottledAlarm(props.accessLogs);
    this.addAlarm(
      'ProcessorErrors',
      props.processor.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
      1,
      'The processor Lambda itself failed (crash, timeout): the whole batch returns to the queue.',
    );
    this.addAlarm(
      'ProcessingFailures',
      this.proc(METRICS.processor.processingFailures),
      ALARM_THRESHOLDS.processingFailuresPer5Min,
      'Notifications failed processing and will be retried, 1 min, 2, 4 … then every hour, for a day or more (DynamoDB, SNS or PicPay failing). Nothing to do while the cause is outside; they are applied once it passes.',
    );
    this.addAlarm(
      'PicPayApiErrors',
      this.proc(METRICS.processor.picpayApiErrors),
      ALARM_THRESHOLDS.picpayApiErrorsPer5Min,
      'PicPay APIs failing (429, 5xx, timeouts): nothing to fix on our side; notifications are retried and applied when PicPay is back.',
    );
    this.addAlarm(
      'ConfigurationErrors',
      this.proc(METRICS.processor.configurationErrors),
      1,
      'PicPay refused our x-picpay-token or OAuth client, or the tokens secret is unusable: fix the secret (picpay-webhooks doctor). Notifications are retried meanwhile.',
    );
    this.addAlarm(
      'AwsServiceErrors',
      this.proc(METRICS.processor.awsServiceErrors),
      ALARM_THRESHOLDS.awsServiceErrorsPer5Min,
      'DynamoDB, SNS or SQS failing or throttling (logs: code dynamodb_unavailable, sns_unavailable, sqs_unavailable): notifications are retried.',
    );
    this.addAlarm(
      'ContradictedNotifications',
      this.proc(METRICS.processor.contradicted),
      1,
      "PicPay's API contradicted a checkout notification (PicPay's answer was applied, the notification parked as contradicted_by_picpay): a leaked checkout token being used, or PicPay lagging. Inspect the parked items; rotate the checkout token in Painel Lojista if they are not PicPay's (docs/operations.md).",
    );
    this.addAlarm(
      'ParkedNotifications',
      this.proc(METRICS.processor.parked),
      1,
      'Authenticated notifications that cannot be processed were parked in the table (pk = PARKED). Inspect and replay.',
    );
    this.addAlarm(
      'UnrecognizedStatuses',
      this.proc(METRICS.processor.unrecognizedStatuses),
      1,
      'PicPay sent a status value nobody has documented. The charge state is unchanged; look at the history.',
    );
    this.addAlarm(
      'PayloadTooLarge',
      this.auth(METRICS.authenticator.tooLarge),
      1,
      'An authenticated notification was over 200 KiB and answered 413: it is lost for good (PicPay retries in vain). Ask PicPay what it sent (authenticator logs: requestId, bytes).',
    );
    this.addAlarm(
      'ReconcilerErrors',
      props.reconciler.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
      1,
      'The reconciler Lambda failed: legacy charges whose callback was lost are not being re-checked with PicPay.',
    );
    this.addAlarm(
      'DeadLetterQueueMessagesExpiring',
      props.deadLetterQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: Duration.minutes(5) }),
      ALARM_THRESHOLDS.deadLetterAgeSeconds,
      'A dead-lettered notification was first received 10 days ago; SQS deletes it 14 days after that first receipt. Replay it now (picpay-webhooks dlq replay).',
    );
  }

  /**
   * A request refused with 429 (over its route's limit), counted from the access log: neither
   * API profile publishes 429s apart from other 4xx. The first one alarms: PicPay's own
   * deliveries may be among those refused (PicPay retries them).
   */
  private addThrottledAlarm(accessLogs: logs.ILogGroup): void {
    const filter = new logs.MetricFilter(this, 'ThrottledRequestsFilter', {
      logGroup: accessLogs,
      // Both access log formats write the status as a string.
      filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: this.namespace,
      metricName: ACCESS_LOG_METRICS.throttled,
      metricValue: '1',
    });
    this.addAlarm(
      'RequestsThrottled',
      filter.metric({ statistic: 'Sum', period: FIVE_MINUTES }),
      1,
      'API Gateway answered 429: a route is over its limit (throttlingRateLimit for each PicPay route, registrationRateLimit for /charges). A flood, or real traffic beyond the limit: PicPay\'s deliveries may have been refused and will be retried. See docs/operations.md, "Floods".',
    );
  }

  /** The outbox sweep: an event left unpublished, or the sweep itself failing. */
  private addOutboxAlarms(sweeper: lambda.IFunction): void {
    this.addAlarm(
      'OutboxEventsStuck',
      new cloudwatch.Metric({
        namespace: this.namespace,
        metricName: METRICS.sweeper.oldestPendingAge,
        dimensionsMap: { service: SERVICES.sweeper },
        statistic: 'Maximum',
        period: FIVE_MINUTES,
      }),
      SWEEP.alarmAgeSeconds,
      'A charge event has waited an hour or more to be published: SNS (or its KMS key) keeps failing. The sweep retries every 5 minutes; nothing is lost.',
    );
    this.addAlarm(
      'SweeperErrors',
      sweeper.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
      1,
      'The outbox sweep Lambda failed (DynamoDB unavailable, timeout). It runs again in 5 minutes.',
    );
  }

  /** The pipeline's dashboard, with every alarm's state at the bottom. */
  private createDashboard(name: string, props: PipelineMonitoringProps): cloudwatch.Dashboard {
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) => new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    // Dashboard names are global to the account: the receiver's name and the region make it unique.
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${name}-${Aws.REGION}`,
      defaultInterval: Duration.hours(24),
    });
    dashboard.addWidgets(
      graph('Received / accepted / rejected', [
        this.auth(METRICS.authenticator.received),
        this.auth(METRICS.authenticator.accepted),
        this.auth(METRICS.authenticator.rejected),
        this.auth(METRICS.authenticator.tooLarge),
        this.auth(METRICS.authenticator.tokensNotConfigured),
        this.auth(METRICS.authenticator.enqueueFailures),
      ]),
      graph('Processed', [
        this.proc(METRICS.processor.transitions),
        this.proc(METRICS.processor.duplicates),
        this.proc(METRICS.processor.ignoredLateEvents),
        this.proc(METRICS.processor.parked),
        this.proc(METRICS.processor.processingFailures),
      ]),
      graph('Transitions published', [this.proc(METRICS.processor.eventsPublished), this.proc(METRICS.processor.unrecognizedStatuses)]),
    );
    dashboard.addWidgets(
      graph(
        'Retries: delay set (s, max)',
        [
          new cloudwatch.Metric({
            namespace: this.namespace,
            metricName: METRICS.processor.retryDelay,
            dimensionsMap: { service: SERVICES.processor },
            statistic: 'Maximum',
            period: FIVE_MINUTES,
          }),
        ],
        12,
      ),
      graph(
        'PicPay circuits and retries',
        [
          this.proc(METRICS.processor.circuitOpened),
          this.proc(METRICS.processor.shortCircuited),
          this.proc(METRICS.processor.picpayApiErrors),
          this.proc(METRICS.processor.configurationErrors),
          this.proc(METRICS.processor.awsServiceErrors),
          this.proc(METRICS.processor.retryDelayFailures),
        ],
        12,
      ),
    );
    dashboard.addWidgets(
      graph('API latency (ms)', [
        props.api.metricLatency({ statistic: 'p50', period: FIVE_MINUTES }),
        props.api.metricLatency({ statistic: 'p99', period: FIVE_MINUTES }),
        props.api.metricIntegrationLatency({ statistic: 'p99', period: FIVE_MINUTES }),
      ]),
      graph('Lambda duration p99 (ms)', [
        props.authenticator.metricDuration({ statistic: 'p99', period: FIVE_MINUTES }),
        props.processor.metricDuration({ statistic: 'p99', period: FIVE_MINUTES }),
      ]),
      graph('Queue depth', [
        props.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) }),
        // In flight: being processed, or held back for their retry delay (an outage shows here).
        props.queue.metricApproximateNumberOfMessagesNotVisible({ statistic: 'Maximum', period: Duration.minutes(1) }),
        props.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: Duration.minutes(1) }),
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) }),
      ]),
    );
    dashboard.addWidgets(
      graph(
        'API requests and errors',
        [
          props.api.metricCount({ statistic: 'Sum', period: FIVE_MINUTES }),
          props.api.metricClientError({ statistic: 'Sum', period: FIVE_MINUTES }),
          props.api.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES }),
        ],
        24,
      ),
    );
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24, height: 4 }));
    return dashboard;
  }
}
