import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PicPayFunction } from './function.js';
import { DEFAULTS, ENV, HANDLERS, QUEUE, ROUTES, TABLE } from './pipeline-spec.js';

export interface PicPayWebhooksStackProps extends StackProps {
  /** API stage name; also the last path segment before the routes. */
  readonly stageName?: string;
  /** Steady-state requests per second across the API. */
  readonly throttlingRateLimit?: number;
  readonly throttlingBurstLimit?: number;
  readonly logRetention?: logs.RetentionDays;
  /** PicPay API base URL for the legacy status lookup. */
  readonly picpayBaseUrl?: string;
  /** Upper bound on concurrent processor invocations fed by the queue. */
  readonly processorMaxConcurrency?: number;
  /** RETAIN (default) keeps the table and the secret when the stack is deleted. */
  readonly dataRemovalPolicy?: RemovalPolicy;
}

/** The placeholder secret value; the operator replaces it after deploy (see README). */
export const TOKENS_PLACEHOLDER = {
  sellerToken: 'REPLACE_ME',
  checkoutToken: 'REPLACE_ME',
  picpayToken: 'REPLACE_ME',
};

export class PicPayWebhooksStack extends Stack {
  readonly api: apigateway.RestApi;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly table: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly secret: secretsmanager.Secret;
  readonly authenticator: PicPayFunction;
  readonly processor: PicPayFunction;

  constructor(scope: Construct, id: string, props: PicPayWebhooksStackProps = {}) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const dataRemovalPolicy = props.dataRemovalPolicy ?? RemovalPolicy.RETAIN;

    const topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the PicPay charge events topic',
      enableKeyRotation: true,
    });

    this.secret = new secretsmanager.Secret(this, 'Tokens', {
      description: 'PicPay tokens: sellerToken (x-seller-token), checkoutToken (webhook authorization), picpayToken (x-picpay-token)',
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(TOKENS_PLACEHOLDER)),
      removalPolicy: dataRemovalPolicy,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(QUEUE.dlqRetentionDays),
    });
    this.queue = new sqs.Queue(this, 'NotificationQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(QUEUE.retentionDays),
      visibilityTimeout: Duration.seconds(QUEUE.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: QUEUE.maxReceiveCount },
    });

    this.table = new dynamodb.Table(this, 'Charges', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: dataRemovalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: dataRemovalPolicy,
    });

    this.topic = new sns.Topic(this, 'ChargeEvents', {
      masterKey: topicKey,
      enforceSSL: true,
    });

    this.authenticator = new PicPayFunction(this, 'Authenticator', {
      spec: HANDLERS.authenticator,
      logRetention,
      environment: {
        [ENV.queueUrl]: this.queue.queueUrl,
        [ENV.secretId]: this.secret.secretArn,
        [ENV.secretMaxAgeSeconds]: String(DEFAULTS.secretMaxAgeSeconds),
      },
    });
    this.queue.grantSendMessages(this.authenticator.function);
    this.secret.grantRead(this.authenticator.function);

    this.processor = new PicPayFunction(this, 'Processor', {
      spec: HANDLERS.processor,
      logRetention,
      environment: {
        [ENV.tableName]: this.table.tableName,
        [ENV.topicArn]: this.topic.topicArn,
        [ENV.secretId]: this.secret.secretArn,
        [ENV.picpayBaseUrl]: props.picpayBaseUrl ?? DEFAULTS.picpayBaseUrl,
        [ENV.picpayTimeoutMs]: String(DEFAULTS.picpayTimeoutMs),
        [ENV.secretMaxAgeSeconds]: String(DEFAULTS.secretMaxAgeSeconds),
        [ENV.maxReceiveCount]: String(QUEUE.maxReceiveCount),
        [ENV.maxBodyBytes]: String(DEFAULTS.maxBodyBytes),
      },
    });
    this.processor.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: QUEUE.batchSize,
        maxBatchingWindow: Duration.seconds(QUEUE.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: props.processorMaxConcurrency ?? 10,
      }),
    );
    this.table.grantReadWriteData(this.processor.function);
    this.topic.grantPublish(this.processor.function);
    this.secret.grantRead(this.processor.function);

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'Receives PicPay payment notifications',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      deployOptions: {
        stageName: props.stageName ?? 'live',
        throttlingRateLimit: props.throttlingRateLimit ?? 50,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 100,
        tracingEnabled: true,
        metricsEnabled: true,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    const integration = new apigateway.LambdaIntegration(this.authenticator.function);
    for (const route of ROUTES) {
      this.api.root.addResource(route.path.replace(/^\//, '')).addMethod(route.method, integration);
    }

    new CfnOutput(this, 'CallbackUrl', {
      value: this.api.urlForPath('/callback'),
      description: 'Legacy e-commerce: pass as callbackUrl when creating a payment',
    });
    new CfnOutput(this, 'WebhookUrl', {
      value: this.api.urlForPath('/webhook'),
      description: 'Checkout: paste into Painel Lojista > Configurações > Meu checkout > URL de notificação',
    });
    new CfnOutput(this, 'TopicArn', { value: this.topic.topicArn, description: 'Subscribe consumers here' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'SecretName', { value: this.secret.secretName, description: 'Put the PicPay tokens here' });
    new CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
  }
}
