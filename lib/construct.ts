import {
  Aspects,
  Aws,
  CfnOutput,
  type CfnOutputProps,
  CfnRule,
  DefaultStackSynthesizer,
  Duration,
  Fn,
  RemovalPolicy,
  SecretValue,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { PicPayFunction } from './function.js';
import { denyGrantsButForAwsServices, InvokePermissionsNameTheAccount, logsKey } from './governance.js';
import { METRICS_NAMESPACE_ENV, metricsNamespaceFor } from '../lambda/metrics.js';
import { type ApiMetricSource, PipelineMonitoring } from './monitoring.js';
import { PLACEHOLDER_CREDENTIALS_SECRET, PLACEHOLDER_TOKENS_SECRET } from '../lambda/adapters/tokens-secret.js';
import {
  type ApiType,
  DEFAULTS,
  ENV,
  HANDLERS,
  QUEUE,
  RECONCILE,
  REGISTRATION_ROUTE,
  ROUTES,
  SWEEP,
  TABLE,
  TABLE_INDEXES,
  TOKEN_HEADER,
} from '../lambda/contract.js';
import { propOf, SETTING_RULES, SETTINGS, type SettingKey, settingProblem } from '../lambda/settings.js';

/**
 * Each setting is defined once in lambda/settings.ts, with its context key, default and allowed
 * values (docs/settings.md); the props are checked against it, and a bad value stops the synth
 * with an error naming the prop.
 */
export interface PicPayWebhooksProps {
  /**
   * Names this receiver's API, metric namespace (`PicPayWebhooks/<name>`), alarms and dashboard:
   * unique in the account and region. A letter then letters, digits or hyphens (at most 100).
   * Default: the stack's name for the construct with id `Default` (the standalone app's), else
   * `<stack name>-<id>`.
   */
  readonly name?: string;
  /** API stage name, the last path segment before the routes. Default `live`. */
  readonly stageName?: string;
  /** Steady-state requests per second on each PicPay route (each has its own limit). Default 50. */
  readonly throttlingRateLimit?: number;
  /** API burst capacity. Default 100. */
  readonly throttlingBurstLimit?: number;
  /** Steady-state requests per second on POST /charges, a limit of its own. Default 10. */
  readonly registrationRateLimit?: number;
  /** Burst capacity of POST /charges. Default 20. */
  readonly registrationBurstLimit?: number;
  /** Retention of the function, API access and API execution logs. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Encrypt those log groups with a customer managed key of the stack (`logKey`). Default off:
   * CloudWatch Logs encrypts them with its own keys. Control Tower's CT.CLOUDWATCH.PR.3 asks for it
   * (docs/governance.md).
   */
  readonly encryptLogs?: boolean;
  /**
   * Receives before a notification moves to the DLQ. Default 36: with the retry delays (1 min
   * doubling to 1 h) a notification is retried for at least 24 h first (docs/architecture.md).
   */
  readonly dlqMaxReceiveCount?: number;
  /** E-mail address subscribed to the alarm topic. */
  readonly alarmEmail?: string;
  /** Alarm when no notification has been accepted for this many hours (1..168). Default: no such alarm. */
  readonly quietAlarmHours?: number;
  /**
   * Put an AWS WAF web ACL in front of the REST API: a per-IP rate-based rule, and a rule that
   * blocks a PicPay route's requests carrying no token header. Default off (docs/security.md, "Floods").
   */
  readonly enableWaf?: boolean;
  /** Requests per 5 minutes per source IP before WAF blocks it. Default 2000. */
  readonly wafRateLimit?: number;
  /** `RETAIN` (default) keeps the table and the secrets when the stack is deleted. */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /** PicPay API base URL for the legacy status lookup. */
  readonly picpayBaseUrl?: string;
  /** Upper bound on concurrent processor invocations fed by the queue (2..1000). Default 5. */
  readonly processorMaxConcurrency?: number;
  /** How often the reconciler asks PicPay about legacy charges left waiting (minutes). Default 15. */
  readonly reconcileEveryMinutes?: number;
  /** A legacy charge must have waited this long before it is reconciled (minutes). Default 30. */
  readonly reconcileMinAgeMinutes?: number;
  /** Serve the API on your own domain (regional ACM certificate in the stack's region). */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
  /**
   * Create the account-level API Gateway CloudWatch Logs role (`AWS::ApiGateway::Account`) that
   * stage logging needs. Default on: a new account has none, and the first deploy would fail.
   * Account-wide and regional; kept when the stack is deleted. Turn off when the account
   * already has one (`aws apigateway get-account` shows a `cloudwatchRoleArn`).
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /**
   * `rest` (default): an API Gateway REST API; every body reaches the authenticator as base64 of
   * the bytes sent, and WAF can be put in front. `http`: an HTTP API (payload format 1.0), cheaper
   * per request, without WAF or X-Ray; bodies with a text content type arrive as text. README,
   * "Which API should I pick?". The account-level logging role (apiGatewayCloudWatchRole) is
   * REST's: HTTP API access logs do not use it.
   */
  readonly apiType?: ApiType;
  /**
   * X-Ray tracing of the functions and of the REST API stage. Default on. Off: no tracing
   * configuration, no X-Ray permissions, and POWERTOOLS_TRACE_ENABLED=false in the functions.
   */
  readonly tracing?: boolean;
  /**
   * IAM role ARNs (with their path, no wildcard) of the operators: they may send to the
   * notification queue besides the authenticator and the reconciler (DLQ and parked replays),
   * and read both secrets (doctor, simulate). Default none: the queue's and the secrets'
   * policies deny everyone else (docs/security.md, "Only the front door writes" and "Who reads
   * which secret").
   */
  readonly operatorRoleArns?: readonly string[];
  /**
   * Days a charge in a final state, and a logged event, are kept after their last change
   * (DynamoDB TTL on the table's `purgeAt`); default none: everything is kept (docs/privacy.md).
   */
  readonly retentionDays?: number;
}

/**
 * The id that keeps a construct out of its children's logical ids (CDK hides `Default`): the
 * standalone stack's receiver has it, so its resources keep the logical ids they had when the
 * stack held them itself, and an upgrade replaces nothing.
 */
export const DEFAULT_ID = 'Default';

/** The id, at the stack's root, of the one `AWS::ApiGateway::Account` its REST receivers share. */
const API_GATEWAY_ACCOUNT_ID = 'ApiGatewayAccount';

/** The stack's shared API Gateway account setting, once a receiver has created it. */
function sharedApiGatewayAccount(stack: Stack): apigateway.CfnAccount | undefined {
  const found = stack.node.tryFindChild(API_GATEWAY_ACCOUNT_ID);
  return found instanceof apigateway.CfnAccount ? found : undefined;
}

/** The receivers built in a stack so far. */
function receiversOf(stack: Stack): PicPayWebhooks[] {
  return stack.node.findAll().filter((c): c is PicPayWebhooks => c instanceof PicPayWebhooks);
}

/** The key of every output a receiver writes, after its output prefix (docs/construct.md). */
const OUTPUT_KEYS = [
  'CustomDomainTarget',
  'CallbackUrl',
  'WebhookUrl',
  'RegistrationUrl',
  'RegistrationInvokeArn',
  'TopicArn',
  'TableName',
  'SecretName',
  'CredentialsSecretName',
  'QueueUrl',
  'DeadLetterQueueUrl',
  'DeadLetterQueueArn',
  'MetricsNamespace',
  'PicPayBaseUrl',
  'AlarmTopicArn',
  'DashboardName',
] as const;

/** Every route with its own limit: each PicPay route the webhook limit, POST /charges its own. */
function routeLimits(o: Pick<ApiOptions, 'rate' | 'burst' | 'registration'>): Array<{ method: string; path: string; limit: RouteLimit }> {
  return [
    ...ROUTES.map((r) => ({ method: r.method, path: r.path, limit: { rate: o.rate, burst: o.burst } })),
    { method: REGISTRATION_ROUTE.method, path: REGISTRATION_ROUTE.path, limit: o.registration },
  ];
}

/** A prop's rule: broken, the synth stops with an error naming the receiver (its construct path) and the prop. */
function check(ok: boolean, where: Construct, prop: string, message: string): void {
  if (!ok) throw new Error(`PicPayWebhooks ${where.node.path}: ${prop} ${message}`);
}

/**
 * The props checked against the settings' rules (lambda/settings.ts), as the context keys are:
 * a bad value stops the synth naming its prop. A custom domain given as tokens is left to
 * CloudFormation.
 */
function checkProps(where: Construct, props: PicPayWebhooksProps): void {
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const prop = propOf(key);
    if (prop === null) continue;
    const [name, member] = prop.split('.');
    const outer = (props as Record<string, unknown>)[name!];
    const value = member === undefined ? outer : (outer as Record<string, unknown> | undefined)?.[member];
    if (value === undefined || (member !== undefined && Token.isUnresolved(value))) continue;
    // A list prop (its context key comma-separated): each member on its own; tokens are left to CloudFormation.
    if (Array.isArray(value)) {
      for (const member of value) {
        if (Token.isUnresolved(member)) continue;
        const problem = String(member).includes(',') ? `must be ${SETTINGS[key].expected}` : settingProblem(SETTINGS[key], member);
        check(problem === undefined, where, prop, `${problem}, got ${JSON.stringify(member)}`);
      }
      continue;
    }
    const problem = settingProblem(SETTINGS[key], value);
    check(problem === undefined, where, prop, `${problem}, got ${JSON.stringify(value)}`);
  }
  check(
    !SETTING_RULES.wafNeedsRest.broken(props),
    where,
    'enableWaf',
    `cannot be used with apiType "http": ${SETTING_RULES.wafNeedsRest.why}. Use apiType "rest" for WAF, or turn enableWaf off`,
  );
}

const PICPAY_CANNOT_SIGN =
  'PicPay authenticates with a static token in a header (x-seller-token or authorization); it cannot sign requests or obtain Cognito/JWT tokens. The authenticator verifies the token in constant time before anything is stored.';
const MERCHANT_BACKEND_SIGNS = "Called by the merchant's own backend with AWS IAM (SigV4) authorization, not by end users: no Cognito user pool is involved.";

/** The HTTP API's access log line: JSON (cdk-nag Serverless-APIGWStructuredLogging), HTTP API variables only. */
const HTTP_API_ACCESS_LOG = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  caller: '$context.identity.userArn',
};

/** A route's own throttle: requests per second and burst. */
interface RouteLimit {
  readonly rate: number;
  readonly burst: number;
}

/** What the two API builders share. */
interface ApiOptions {
  readonly stageName: string;
  /** Each PicPay route's limit (and the stage default). */
  readonly rate: number;
  readonly burst: number;
  /** POST /charges' own limit. */
  readonly registration: RouteLimit;
  readonly accessLogs: logs.ILogGroup;
  readonly customDomain?: PicPayWebhooksProps['customDomain'];
}

/** The REST stage's execution log group: the other logs' retention and key. */
interface ExecutionLogOptions {
  readonly logRetention: logs.RetentionDays;
  readonly logEncryptionKey?: kms.IKey;
}

/** What the rest of the stack needs from the API, whichever its type. */
interface ApiFront {
  readonly restApi?: apigateway.RestApi;
  readonly webAcl?: wafv2.CfnWebACL;
  readonly apiGatewayAccount?: apigateway.CfnAccount;
  readonly httpApi?: apigwv2.HttpApi;
  readonly httpStage?: apigwv2.HttpStage;
  /** The custom domain's regional hostname, for DNS. */
  readonly domainTarget?: string;
  readonly metrics: ApiMetricSource;
  urlForPath(path: string): string;
  arnForExecuteApi(method: string, path: string, stage: string): string;
}

/**
 * The whole receiver: the API (REST or HTTP) and its authenticator, the notification queue and
 * its dead-letter queue, the processor, the charges table, the events topic, the reconciler and
 * the outbox sweeper, their alarms, dashboard and outputs. Several fit in one stack: each has its
 * own `name` and output prefix (docs/construct.md).
 */
export class PicPayWebhooks extends Construct {
  /** Names the API, the metric namespace, the alarms and the dashboard. */
  readonly name: string;
  /**
   * Starts the logical id of each output: none for the construct with id `Default` (`CallbackUrl`),
   * else the id's letters and digits (`ShopACallbackUrl`); the CLI's `--receiver` takes it.
   */
  readonly outputPrefix: string;
  /** Legacy e-commerce: the `callbackUrl` of each payment you create (the CallbackUrl output). */
  readonly callbackUrl: string;
  /** Checkout and Payment Link: the notification URL for Painel Lojista (the WebhookUrl output). */
  readonly webhookUrl: string;
  /** POST /charges, SigV4-signed by your backend (the RegistrationUrl output). */
  readonly registrationUrl: string;
  readonly apiType: ApiType;
  /** The REST API (apiType `rest`). */
  readonly api?: apigateway.RestApi;
  /** The HTTP API and its stage (apiType `http`). */
  readonly httpApi?: apigwv2.HttpApi;
  readonly httpStage?: apigwv2.HttpStage;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly table: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  /** The log groups' key (encryptLogs). */
  readonly logKey?: kms.Key;
  /** The tokens secret (sellerToken, checkoutToken): read by the authenticator only. */
  readonly tokensSecret: secretsmanager.Secret;
  /** The PicPay credentials secret (picpayToken, picpayClientId/Secret): read by the processor only. */
  readonly credentialsSecret: secretsmanager.Secret;
  readonly authenticator: PicPayFunction;
  readonly processor: PicPayFunction;
  readonly reconciler: PicPayFunction;
  readonly sweeper: PicPayFunction;
  readonly monitoring: PipelineMonitoring;
  readonly webAcl?: wafv2.CfnWebACL;
  /** The account-level API Gateway logging role, when this stack creates it. */
  readonly apiGatewayAccount?: apigateway.CfnAccount;

  constructor(scope: Construct, id: string, props: PicPayWebhooksProps = {}) {
    super(scope, id);
    checkProps(this, props);
    const stack = Stack.of(this);
    this.name = props.name ?? (id === DEFAULT_ID ? stack.stackName : `${stack.stackName}-${id}`);
    check(
      settingProblem(SETTINGS.stackName, this.name) === undefined,
      this,
      'name',
      `must be ${SETTINGS.stackName.expected}, got ${JSON.stringify(this.name)}${props.name === undefined ? ` (from the stack's name and the construct's id: pass name)` : ''}`,
    );
    this.outputPrefix = id === DEFAULT_ID ? '' : id.replace(/[^A-Za-z0-9]/g, '');
    // Two receivers of one stack must not meet in a name or an output:
    // - a shared name would give them one metric namespace and one dashboard name (the deploy
    //   fails); a name that is another's plus `-…` would let the other's alarm topic and key accept
    //   its alarms (they admit alarms named `<name>-*`);
    // - an output id is the prefix and the key, and keys end in other keys (`Shop` +
    //   `AlarmTopicArn` is `ShopAlarm` + `TopicArn`): no id of one may be an id of the other.
    for (const other of receiversOf(stack)) {
      if (other === this) continue;
      check(
        other.name !== this.name,
        this,
        'name',
        `"${this.name}" is the name of the receiver at ${other.node.path} too: give each receiver of a stack its own name`,
      );
      const [shorter, longer] = this.name.length < other.name.length ? [this.name, other.name] : [other.name, this.name];
      check(
        !longer.startsWith(`${shorter}-`),
        this,
        'name',
        `"${this.name}" and "${other.name}" (the receiver at ${other.node.path}) would share alarms named "${longer}-…": give one a name that does not start with the other's and a hyphen`,
      );
      const theirs = new Set(OUTPUT_KEYS.map((key) => `${other.outputPrefix}${key}`));
      const shared = OUTPUT_KEYS.map((key) => `${this.outputPrefix}${key}`).find((output) => theirs.has(output));
      check(
        shared === undefined,
        this,
        'id',
        `"${id}" gives an output the id "${shared}", as the receiver at ${other.node.path} does: give one of them another id`,
      );
    }
    const stageName = props.stageName ?? SETTINGS.stageName.default;
    const rate = props.throttlingRateLimit ?? SETTINGS.throttlingRateLimit.default;
    const burst = props.throttlingBurstLimit ?? SETTINGS.throttlingBurstLimit.default;
    const registration = {
      rate: props.registrationRateLimit ?? SETTINGS.registrationRateLimit.default,
      burst: props.registrationBurstLimit ?? SETTINGS.registrationBurstLimit.default,
    };
    const maxReceiveCount = props.dlqMaxReceiveCount ?? SETTINGS.dlqMaxReceiveCount.default;
    const maxConcurrency = props.processorMaxConcurrency ?? SETTINGS.processorMaxConcurrency.default;
    const wafRateLimit = props.wafRateLimit ?? SETTINGS.wafRateLimit.default;
    const apiType = props.apiType ?? SETTINGS.apiType.default;
    const tracing = props.tracing ?? SETTINGS.tracing.default;
    this.apiType = apiType;
    const reconcileEvery = props.reconcileEveryMinutes ?? SETTINGS.reconcileEveryMinutes.default;
    const reconcileMinAge = props.reconcileMinAgeMinutes ?? SETTINGS.reconcileMinAgeMinutes.default;
    const logRetention = props.logRetention ?? (SETTINGS.logRetentionDays.default as logs.RetentionDays);
    this.logKey = (props.encryptLogs ?? SETTINGS.encryptLogs.default) ? logsKey(this, 'LogKey') : undefined;
    const logEncryptionKey = this.logKey;
    const dataRemovalPolicy = props.dataRemovalPolicy ?? (SETTINGS.removalPolicy.default === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);

    // One customer managed key for the SNS topics: SNS-to-subscriber delivery and CloudWatch
    // alarms need a key whose policy can name those services, which AWS managed keys cannot.
    this.key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the PicPay charge events and alarm topics',
      enableKeyRotation: true,
      // It encrypts messages in flight on the topics only, nothing at rest: it goes with the
      // stack (deletion scheduled after 7 days) instead of lingering at a monthly cost.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    denyGrantsButForAwsServices(this.key);
    // Every AWS service invoking a function is pinned to this account (CT.LAMBDA.PR.2).
    Aspects.of(this).add(new InvokePermissionsNameTheAccount());

    // Two secrets, split by reader: what PicPay sends us (the tokens secret, the authenticator's)
    // and what we send PicPay (the credentials secret, the processor's). The internet-facing
    // authenticator never holds a credential that can call PicPay, which can refund.
    // `Tokens` keeps the logical id and every property of the one secret of earlier versions,
    // its description and placeholder text included: an existing stack's deploy leaves the
    // secret and the tokens in it untouched (CloudFormation rewrites the value when the text
    // changes, and no update of the secret at all is the safe side). docs/operations.md,
    // "Upgrading from one secret".
    this.tokensSecret = new secretsmanager.Secret(this, 'Tokens', {
      description: 'PicPay tokens: sellerToken (x-seller-token), checkoutToken (webhook authorization), picpayToken (x-picpay-token)',
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(PLACEHOLDER_TOKENS_SECRET)),
      removalPolicy: dataRemovalPolicy,
    });
    this.credentialsSecret = new secretsmanager.Secret(this, 'PicPayCredentials', {
      description: 'PicPay API credentials, read by the processor only: picpayToken (x-picpay-token), picpayClientId/picpayClientSecret (checkout API)',
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(PLACEHOLDER_CREDENTIALS_SECRET)),
      removalPolicy: dataRemovalPolicy,
    });
    for (const secret of [this.tokensSecret, this.credentialsSecret]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The tokens and credentials are issued by PicPay (Painel Lojista, integration keys); no Lambda can rotate them. Operators rotate by listing old and new token side by side (docs/operations.md).',
      });
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // SQS counts retention from a message's first enqueue, in the DLQ too: a message here
      // expires 14 days after PicPay first delivered it (alarm DeadLetterQueueMessagesExpiring).
      retentionPeriod: Duration.days(QUEUE.dlqRetentionDays),
      // Says what it is (CT.SQS.PR.1 reads a queue with a redrive-allow policy as a DLQ): allowAll
      // is SQS's default, so nothing changes. byQueue naming the notification queue would be
      // tighter, but its ARN would make the two queues refer to each other.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
      // Like the table: `cdk destroy` must not delete notifications that were never processed.
      removalPolicy: dataRemovalPolicy,
    });
    Validations.of(this.deadLetterQueue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue.' });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: 'This queue is the dead-letter queue; messages are redriven from it by an operator.',
    });
    this.queue = new sqs.Queue(this, 'NotificationQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(QUEUE.retentionDays),
      visibilityTimeout: Duration.seconds(QUEUE.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      removalPolicy: dataRemovalPolicy,
    });

    this.table = new dynamodb.Table(this, 'Charges', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: dataRemovalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: dataRemovalPolicy,
      // Written only with retentionDays: final charges and logged events (docs/privacy.md).
      timeToLiveAttribute: TABLE.ttlAttribute,
    });
    // Days kept, for the functions that write charges and logged events; unset: kept forever.
    const retentionEnv: Record<string, string> = props.retentionDays === undefined ? {} : { [ENV.retentionDays]: String(props.retentionDays) };
    for (const index of TABLE_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        ...(index.projection.type === 'INCLUDE'
          ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...index.projection.attributes] }
          : { projectionType: dynamodb.ProjectionType.KEYS_ONLY }),
      });
    }

    this.topic = new sns.Topic(this, 'ChargeEvents', { masterKey: this.key, enforceSSL: true });

    // Every function emits to this stack's own namespace (lambda/metrics.ts).
    const metricsEnv = { [METRICS_NAMESPACE_ENV]: metricsNamespaceFor(this.name) };

    this.authenticator = new PicPayFunction(this, 'Authenticator', {
      spec: HANDLERS.authenticator,
      logRetention,
      logEncryptionKey,
      tracing,
      environment: {
        [ENV.queueUrl]: this.queue.queueUrl,
        [ENV.secretId]: this.tokensSecret.secretArn,
        [ENV.secretMaxAgeSeconds]: String(DEFAULTS.secretMaxAgeSeconds),
        ...metricsEnv,
      },
      noDeadLetterQueueReason: 'Invoked synchronously by API Gateway; a failure is answered to PicPay (5xx), which retries. An async DLQ never applies.',
    });
    // Least privilege, written out: enqueue, read the tokens. Nothing else.
    this.authenticator.allow(['sqs:SendMessage'], [this.queue.queueArn]);
    this.authenticator.allow(['secretsmanager:GetSecretValue'], [this.tokensSecret.secretArn]);

    this.processor = new PicPayFunction(this, 'Processor', {
      spec: HANDLERS.processor,
      logRetention,
      logEncryptionKey,
      tracing,
      environment: {
        [ENV.queueUrl]: this.queue.queueUrl,
        [ENV.tableName]: this.table.tableName,
        [ENV.topicArn]: this.topic.topicArn,
        [ENV.credentialsSecretId]: this.credentialsSecret.secretArn,
        [ENV.picpayBaseUrl]: props.picpayBaseUrl ?? DEFAULTS.picpayBaseUrl,
        [ENV.picpayTimeoutMs]: String(DEFAULTS.picpayTimeoutMs),
        [ENV.secretMaxAgeSeconds]: String(DEFAULTS.secretMaxAgeSeconds),
        [ENV.maxReceiveCount]: String(maxReceiveCount),
        [ENV.maxProcessedBodyBytes]: String(DEFAULTS.maxProcessedBodyBytes),
        ...retentionEnv,
        ...metricsEnv,
      },
      noDeadLetterQueueReason: 'Invoked by the SQS event source mapping; failed messages return to the queue and move to its DLQ after the receive limit.',
    });
    const eventSource = new SqsEventSource(this.queue, {
      batchSize: QUEUE.batchSize,
      maxBatchingWindow: Duration.seconds(QUEUE.maxBatchingWindowSeconds),
      reportBatchItemFailures: true,
      maxConcurrency,
    });
    this.processor.function.addEventSource(eventSource);
    Validations.of(this.processor.function).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: 'SQS event source mappings do not support on-failure destinations; the queue redrive policy sends failed messages to the DLQ.',
    });
    // The event source mapping grants the queue consumption it needs (receive, delete, change
    // visibility, attributes) on this queue only. sqs:ChangeMessageVisibility is also what the
    // processor itself calls to hold a failed message back for its retry delay: no other grant
    // is needed, and none on the DLQ. The rest is written out:
    this.processor.allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [this.table.tableArn]);
    // A Payment Link's payments (a refund naming no payment is matched through its link): a
    // query of the LINK# partitions only.
    this.processor.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${TABLE.linkPartitionPrefix}*`] } },
      }),
    );
    this.processor.allow(['sns:Publish'], [this.topic.topicArn]);
    this.processor.allow(['kms:GenerateDataKey', 'kms:Decrypt'], [this.key.keyArn]);
    this.processor.allow(['secretsmanager:GetSecretValue'], [this.credentialsSecret.secretArn]);
    // Each secret is read by its function and the operators only, whatever else the account's
    // IAM policies allow (docs/security.md, "Who reads which secret").
    this.onlyTheseRead(this.tokensSecret, 'OnlyTheAuthenticatorReadsTheTokens', [this.authenticator.role.roleArn, ...(props.operatorRoleArns ?? [])]);
    this.onlyTheseRead(this.credentialsSecret, 'OnlyTheProcessorReadsThePicPayCredentials', [this.processor.role.roleArn, ...(props.operatorRoleArns ?? [])]);

    this.reconciler = new PicPayFunction(this, 'Reconciler', {
      spec: HANDLERS.reconciler,
      logRetention,
      logEncryptionKey,
      tracing,
      environment: {
        [ENV.tableName]: this.table.tableName,
        [ENV.queueUrl]: this.queue.queueUrl,
        [ENV.reconcileMinAgeMinutes]: String(reconcileMinAge),
        [ENV.reconcileMaxAgeDays]: String(RECONCILE.maxAgeDays),
        [ENV.reconcileMaxPerRun]: String(RECONCILE.maxPerRun),
        ...metricsEnv,
      },
      noDeadLetterQueueReason: 'Invoked by an EventBridge schedule; a failed run changes nothing and the next run repeats it.',
    });
    this.reconciler.allow(['dynamodb:Query'], [`${this.table.tableArn}/index/${TABLE.awaitingIndex.name}`]);
    this.reconciler.allow(['sqs:SendMessage'], [this.queue.queueArn]);
    // Only the front door writes: a notification enters the queue through the authenticator
    // (its token checked) or the reconciler (PicPay's own answer), never from another principal
    // of the account, whatever its IAM policies allow; operators who replay the DLQ or parked
    // items are listed by operatorRoleArns (docs/security.md).
    this.onlyThesePrincipals(this.queue, 'OnlyTheFrontDoorEnqueues', 'sqs:SendMessage', [
      this.authenticator.role.roleArn,
      this.reconciler.role.roleArn,
      ...(props.operatorRoleArns ?? []),
    ]);
    // Advancing lastCheckedAt and leaving the index: updates that may touch only the keys and the
    // index attributes, and return nothing.
    this.reconciler.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': [TABLE.partitionKey, TABLE.sortKey, TABLE.awaitingIndex.partitionKey, TABLE.awaitingIndex.sortKey],
          },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      }),
    );
    const schedule = new events.Rule(this, 'ReconcileSchedule', {
      description: 'Asks PicPay about legacy charges whose callback has not arrived',
      schedule: events.Schedule.rate(Duration.minutes(reconcileEvery)),
      targets: [new targets.LambdaFunction(this.reconciler.function, { retryAttempts: 0 })],
    });
    Validations.of(schedule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason: 'A scheduled, idempotent job: an invocation that fails is simply repeated by the next scheduled run; there is no event to keep.',
    });

    this.sweeper = new PicPayFunction(this, 'OutboxSweeper', {
      spec: HANDLERS.sweeper,
      logRetention,
      logEncryptionKey,
      tracing,
      environment: {
        [ENV.tableName]: this.table.tableName,
        [ENV.topicArn]: this.topic.topicArn,
        [ENV.sweepMaxPerRun]: String(SWEEP.maxPerRun),
        ...retentionEnv,
        ...metricsEnv,
      },
      noDeadLetterQueueReason: 'Invoked by an EventBridge schedule; a failed run publishes nothing and the next run repeats it.',
    });
    this.sweeper.allow(['dynamodb:Query'], [`${this.table.tableArn}/index/${TABLE.outboxIndex.name}`]);
    this.sweeper.allow(['dynamodb:GetItem', 'dynamodb:UpdateItem'], [this.table.tableArn]);
    // The event log (every event, written just before it is published): puts in the EVENTS#
    // partitions only. The processor's PutItem on the table already covers it.
    this.sweeper.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${TABLE.eventLogPartitionPrefix}*`] } },
      }),
    );
    this.sweeper.allow(['sns:Publish'], [this.topic.topicArn]);
    this.sweeper.allow(['kms:GenerateDataKey', 'kms:Decrypt'], [this.key.keyArn]);
    // Only the processor and the sweeper publish charge events: nobody else in the account can
    // send the merchant's systems a charge that did not happen. The operators (operatorRoleArns)
    // may, to replay logged events to every subscriber (`events replay --to-topic`).
    this.onlyThesePrincipals(this.topic, 'OnlyTheProcessorAndTheSweeperPublish', 'sns:Publish', [
      this.processor.role.roleArn,
      this.sweeper.role.roleArn,
      ...(props.operatorRoleArns ?? []),
    ]);
    const sweepSchedule = new events.Rule(this, 'OutboxSweepSchedule', {
      description: 'Publishes charge events whose first publish failed on every try',
      schedule: events.Schedule.rate(Duration.minutes(SWEEP.everyMinutes)),
      targets: [new targets.LambdaFunction(this.sweeper.function, { retryAttempts: 0 })],
    });
    Validations.of(sweepSchedule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason: 'A scheduled, idempotent job: an invocation that fails is simply repeated by the next scheduled run; there is no event to keep.',
    });

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logRetention,
      encryptionKey: logEncryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const front =
      apiType === 'http'
        ? this.buildHttpApi({ stageName, rate, burst, registration, accessLogs, customDomain: props.customDomain })
        : this.buildRestApi({ ...props, stageName, rate, burst, registration, accessLogs, tracing, wafRateLimit, logRetention, logEncryptionKey });
    this.api = front.restApi;
    this.webAcl = front.webAcl;
    this.apiGatewayAccount = front.apiGatewayAccount;
    this.httpApi = front.httpApi;
    this.httpStage = front.httpStage;

    if (props.customDomain) {
      this.output('CustomDomainTarget', {
        value: front.domainTarget!,
        description: `Point ${props.customDomain.domainName} here (CNAME or Route 53 alias)`,
      });
    }

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      api: front.metrics,
      accessLogs,
      authenticator: this.authenticator.function,
      processor: this.processor.function,
      reconciler: this.reconciler.function,
      sweeper: this.sweeper.function,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      key: this.key,
      alarmEmail: props.alarmEmail,
      quietAlarmHours: props.quietAlarmHours,
      name: this.name,
    });

    const base = props.customDomain ? `https://${props.customDomain.domainName}` : undefined;
    const url = (path: string) => (base ? `${base}${path}` : front.urlForPath(path));
    this.callbackUrl = url('/callback');
    this.webhookUrl = url('/webhook');
    this.registrationUrl = url(REGISTRATION_ROUTE.path);
    this.output('CallbackUrl', {
      value: this.callbackUrl,
      description: 'Legacy e-commerce: pass as callbackUrl when creating a payment',
    });
    this.output('WebhookUrl', {
      value: this.webhookUrl,
      description: 'Checkout: paste into Painel Lojista > Configurações > Meu checkout > URL de notificação',
    });
    this.output('RegistrationUrl', {
      value: this.registrationUrl,
      description: 'Your backend registers each legacy payment it creates here (SigV4-signed POST, see README)',
    });
    this.output('RegistrationInvokeArn', {
      value: front.arnForExecuteApi(REGISTRATION_ROUTE.method, REGISTRATION_ROUTE.path, stageName),
      description: 'Grant execute-api:Invoke on this ARN to the role of the backend that registers payments',
    });
    this.output('TopicArn', { value: this.topic.topicArn, description: 'Subscribe consumers here' });
    this.output('TableName', { value: this.table.tableName });
    this.output('SecretName', {
      value: this.tokensSecret.secretName,
      description: 'Put the webhook tokens here: sellerToken, checkoutToken (read by the authenticator only)',
    });
    this.output('CredentialsSecretName', {
      value: this.credentialsSecret.secretName,
      description: 'Put the PicPay API credentials here: picpayToken, picpayClientId, picpayClientSecret (read by the processor only)',
    });
    this.output('QueueUrl', { value: this.queue.queueUrl });
    this.output('DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    this.output('DeadLetterQueueArn', { value: this.deadLetterQueue.queueArn, description: 'For aws sqs start-message-move-task --source-arn' });
    this.output('MetricsNamespace', { value: this.monitoring.namespace });
    this.output('PicPayBaseUrl', {
      value: props.picpayBaseUrl ?? DEFAULTS.picpayBaseUrl,
      description: 'PicPay API the processor calls (picpay-webhooks doctor checks the token against it)',
    });
    this.output('AlarmTopicArn', { value: this.monitoring.alarmTopic.topicArn });
    this.output('DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }

  /** An output whose logical id is the output prefix and its key: the CLI finds it by that. */
  private output(key: (typeof OUTPUT_KEYS)[number], props: CfnOutputProps): CfnOutput {
    const output = new CfnOutput(this, key, props);
    output.overrideLogicalId(`${this.outputPrefix}${key}`);
    return output;
  }

  /**
   * Denies `action` on the queue or topic to every principal but these roles (aws:PrincipalArn
   * is a role's own ARN, for any of its sessions): an identity policy elsewhere in the account,
   * even `sqs:*` or `sns:*` on `*`, cannot open it. Requests without a principal ARN (anonymous,
   * or a service acting as itself) are denied too.
   */
  private onlyThesePrincipals(target: sqs.Queue | sns.Topic, sid: string, action: string, roleArns: readonly string[]): void {
    target.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [action],
        resources: [target instanceof sqs.Queue ? target.queueArn : target.topicArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...roleArns] } },
      }),
    );
  }

  /**
   * Denies secretsmanager:GetSecretValue on the secret to every principal but these roles and
   * the role CloudFormation deploys with (aws:PrincipalArn, as for the queue and the topic).
   *
   * - Only reading is denied. Managing the secret (put-secret-value, update, delete, and
   *   putting or deleting this very policy) stays with whoever the account's IAM allows, so
   *   nobody is locked out: an administrator who must read a value adds her role to
   *   operatorRoleArns, or removes the policy, both on the record in CloudTrail. A Secrets
   *   Manager policy is only a resource policy: an explicit Deny in it wins over any Allow in an
   *   identity policy of the account ("Policy evaluation logic"), the root user's included.
   * - BatchGetSecretValue needs secretsmanager:GetSecretValue on each secret it returns, so it
   *   is denied by the same statement.
   * - CloudFormation's execution role (the default synthesizer's bootstrap role) is let through:
   *   its resource handler may read the value while it updates the secret, and a role that can
   *   rewrite this policy gains nothing from being denied; denying it could only fail deploys.
   *   With another synthesizer, CloudFormation acts as the deploying principal: list that role
   *   in operatorRoleArns.
   */
  private onlyTheseRead(secret: secretsmanager.Secret, sid: string, roleArns: readonly string[]): void {
    const synthesizer = Stack.of(this).synthesizer;
    const deployer = synthesizer instanceof DefaultStackSynthesizer ? [Fn.sub(synthesizer.cloudFormationExecutionRoleArn)] : [];
    secret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...roleArns, ...deployer] } },
      }),
    );
  }

  /** A regional API Gateway domain needs a certificate in the stack's own region: checked at synth, or by CloudFormation. */
  private checkCertificateRegion(certificateArn: string): void {
    if (Token.isUnresolved(certificateArn)) return;
    const certificateRegion = certificateArn.split(':')[3] ?? '';
    check(/^[a-z]{2}(-[a-z]+)+-\d+$/.test(certificateRegion), this, 'customDomain.certificateArn', 'must be an ACM certificate ARN');
    const region = Stack.of(this).region;
    if (!Token.isUnresolved(region)) {
      check(
        certificateRegion === region,
        this,
        'customDomain.certificateArn',
        `is in ${certificateRegion}, but the stack deploys to ${region}: a regional API needs a certificate in its own region`,
      );
    }
    // Environment-agnostic synth: CloudFormation checks it before creating anything.
    new CfnRule(this, 'CertificateInStackRegion', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, certificateRegion),
          assertDescription: `The certificate (customDomain.certificateArn) is in ${certificateRegion}; deploy the stack to ${certificateRegion} or issue a certificate in this region.`,
        },
      ],
    });
  }

  /** apiType `rest`: a regional REST API, every body as base64 of its bytes, optional WAF. */
  private buildRestApi(o: ApiOptions & PicPayWebhooksProps & { tracing: boolean; wafRateLimit: number } & ExecutionLogOptions): ApiFront {
    const api = this.createRestApi(o);
    // Stage logging needs the account's API Gateway CloudWatch role; a new account has none,
    // and creating the stage fails without it ("CloudWatch Logs role ARN must be set").
    // The stack's one account setting, whichever receiver created it: this stage waits for it.
    const setsRole = o.apiGatewayCloudWatchRole ?? SETTINGS.apiGatewayCloudWatchRole.default;
    const shared = setsRole ? this.addApiGatewayAccount() : sharedApiGatewayAccount(Stack.of(this));
    if (shared) api.deploymentStage.node.addDependency(shared);
    const apiGatewayAccount = setsRole ? shared : undefined;
    // A deployment is a snapshot: a change that only takes effect on redeploy (the execute-api
    // endpoint switched off when a custom domain is added) must change its logical id.
    api.latestDeployment?.addToLogicalId({
      customDomain: o.customDomain?.domainName ?? null,
      disableExecuteApiEndpoint: o.customDomain !== undefined,
    });
    this.addRestRoutes(api);
    const webAcl = this.protectWithWaf(api, o.enableWaf === true, o.wafRateLimit);
    const domainTarget = o.customDomain ? this.addRestCustomDomain(api, o.customDomain) : undefined;
    return {
      restApi: api,
      webAcl,
      apiGatewayAccount,
      domainTarget,
      metrics: api,
      urlForPath: (path) => api.urlForPath(path),
      arnForExecuteApi: (method, path, stage) => api.arnForExecuteApi(method, path, stage),
    };
  }

  /** The REST API and its stage: throttling, access logs, execution logs of errors, metrics, tracing when on. */
  private createRestApi(o: ApiOptions & { tracing: boolean } & ExecutionLogOptions): apigateway.RestApi {
    const api = new apigateway.RestApi(this, 'Api', {
      // The name is the ApiName dimension of its metrics: each stack's own.
      restApiName: this.name,
      description: 'Receives PicPay payment notifications',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      // With a custom domain, the default execute-api hostname is switched off: one way in.
      disableExecuteApiEndpoint: o.customDomain !== undefined,
      // Every body reaches the authenticator as base64 of the bytes sent (isBase64Encoded), so
      // gzip, Latin-1 or any other bytes are kept exactly instead of decoded as UTF-8 on the way.
      binaryMediaTypes: ['*/*'],
      deployOptions: {
        stageName: o.stageName,
        // The stage default: API Gateway applies it to each method on its own.
        throttlingRateLimit: o.rate,
        throttlingBurstLimit: o.burst,
        // Written out per method as well, so no route's limit depends on how the default is read:
        // each PicPay route and POST /charges throttle apart, and a flood of one route (or of
        // the registration route) cannot take another's share (docs/security.md, "Floods").
        methodOptions: Object.fromEntries(
          routeLimits(o).map(({ method, path, limit }) => [`${path}/${method}`, { throttlingRateLimit: limit.rate, throttlingBurstLimit: limit.burst }]),
        ),
        tracingEnabled: o.tracing,
        metricsEnabled: true,
        // Execution logs of errors only (CT.APIGATEWAY.PR.1): why API Gateway failed a request
        // (the authenticator unreachable, a bad integration answer). Data tracing stays off: it
        // would log whole requests, headers with PicPay's tokens and bodies included.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new apigateway.LogGroupLogDestination(o.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Requests are validated by the authenticator, which must see every request to answer 401, park what it cannot process and log it; an API Gateway validator would answer 400 first.',
    });
    // API Gateway writes execution logs to this group, and would create it itself (never expiring,
    // kept after the stack): created here first, it has the logs' retention and key, and goes
    // with the stack.
    const executionLogs = new logs.LogGroup(this, 'ApiExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${api.restApiId}/${o.stageName}`,
      retention: o.logRetention,
      encryptionKey: o.logEncryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    api.deploymentStage.node.addDependency(executionLogs);
    if (!o.tracing) {
      Validations.of(api.deploymentStage).acknowledge({
        id: 'Serverless-APIGWXrayEnabled',
        reason: 'Tracing is turned off for this receiver (setting tracing=false): access logs and metrics remain; no X-Ray cost.',
      });
    }
    return api;
  }

  /** The account-level API Gateway logging role (account-wide, kept when the stack is deleted). */
  private addApiGatewayAccount(): apigateway.CfnAccount {
    // One per stack, however many receivers it holds: it is the account's setting, and two
    // resources writing it would race. It lives at the stack's root, where the standalone
    // stack always had it.
    const stack = Stack.of(this);
    const existing = sharedApiGatewayAccount(stack);
    if (existing) return existing;
    const role = new iam.Role(stack, 'ApiGatewayCloudWatchRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Account-wide (this region): lets API Gateway write its logs to CloudWatch Logs',
      inlinePolicies: {
        PushLogs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
              resources: [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`],
            }),
          ],
        }),
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]',
      reason:
        'The account-level API Gateway logging role serves every API of the account in this region, whose log groups API Gateway names itself (API-Gateway-Execution-Logs_<api id>/<stage>).',
    });
    const apiGatewayAccount = new apigateway.CfnAccount(stack, API_GATEWAY_ACCOUNT_ID, { cloudWatchRoleArn: role.roleArn });
    // The REST receivers built before this one without the role wait for it as well.
    for (const other of receiversOf(stack)) other.api?.deploymentStage.node.addDependency(apiGatewayAccount);
    // Other APIs in the account may come to rely on it: deleting the stack must not break them.
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    apiGatewayAccount.applyRemovalPolicy(RemovalPolicy.RETAIN);
    return apiGatewayAccount;
  }

  /** The PicPay webhook routes (their tokens checked by the authenticator) and the IAM-authorized registration route. */
  private addRestRoutes(api: apigateway.RestApi): void {
    const integration = new apigateway.LambdaIntegration(this.authenticator.function);
    for (const route of ROUTES) {
      const method = api.root.addResource(route.path.replace(/^\//, '')).addMethod(route.method, integration);
      Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason: PICPAY_CANNOT_SIGN });
      Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason: PICPAY_CANNOT_SIGN });
    }
    // The merchant's own systems register the legacy payments they create: AWS IAM (SigV4), so
    // only principals the merchant grants execute-api:Invoke on this route can call it.
    const registration = api.root
      .addResource(REGISTRATION_ROUTE.path.replace(/^\//, ''))
      .addMethod(REGISTRATION_ROUTE.method, integration, { authorizationType: apigateway.AuthorizationType.IAM });
    Validations.of(registration).acknowledge({ id: 'AwsSolutions-COG4', reason: MERCHANT_BACKEND_SIGNS });
  }

  /**
   * With enableWaf, a web ACL on the stage: a per-IP rate-based rule, and a rule that blocks a
   * PicPay route's requests carrying no token header, the cheapest rejection there is (no API
   * Gateway request, no Lambda call). Otherwise the finding acknowledged.
   */
  private protectWithWaf(api: apigateway.RestApi, enableWaf: boolean, wafRateLimit: number): wafv2.CfnWebACL | undefined {
    if (!enableWaf) {
      Validations.of(api.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'WAF is optional (setting enableWaf); stage throttling and the token check bound abuse without its per-request cost.',
      });
      return undefined;
    }
    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `${this.name}-webacl`, sampledRequestsEnabled: true },
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: wafRateLimit, aggregateKeyType: 'IP' } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `${this.name}-rate-limit`, sampledRequestsEnabled: true },
        },
        {
          // A request to /callback without x-seller-token, or to /webhook without authorization,
          // is one the authenticator would answer 401 whatever its body: blocked here instead.
          // The path ends with the route (execute-api URLs start with the stage, a custom domain's do not).
          name: 'TokenHeaderRequired',
          priority: 1,
          action: { block: {} },
          statement: {
            orStatement: {
              statements: ROUTES.map((route) => ({
                andStatement: {
                  statements: [
                    {
                      byteMatchStatement: {
                        fieldToMatch: { uriPath: {} },
                        positionalConstraint: 'ENDS_WITH',
                        searchString: route.path,
                        textTransformations: [{ priority: 0, type: 'NONE' }],
                      },
                    },
                    {
                      notStatement: {
                        statement: {
                          sizeConstraintStatement: {
                            fieldToMatch: { singleHeader: { Name: TOKEN_HEADER[route.flavour] } },
                            comparisonOperator: 'GT',
                            size: 0,
                            textTransformations: [{ priority: 0, type: 'NONE' }],
                          },
                        },
                      },
                    },
                  ],
                },
              })),
            },
          },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `${this.name}-token-header`, sampledRequestsEnabled: true },
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: api.deploymentStage.stageArn,
      webAclArn: webAcl.attrArn,
    });
    return webAcl;
  }

  /** The custom domain, its certificate checked to be in the stack's region; returns its regional hostname. */
  private addRestCustomDomain(api: apigateway.RestApi, customDomain: NonNullable<PicPayWebhooksProps['customDomain']>): string {
    this.checkCertificateRegion(customDomain.certificateArn);
    const domain = api.addDomainName('CustomDomain', {
      domainName: customDomain.domainName,
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', customDomain.certificateArn),
      endpointType: apigateway.EndpointType.REGIONAL,
      securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
    });
    return domain.domainNameAliasDomainName;
  }

  /**
   * apiType `http`: an HTTP API whose Lambda integration uses payload format 1.0, the REST
   * proxy event's shape, so the same authenticator serves it. No WAF (AWS WAF cannot be
   * associated with an HTTP API) and no X-Ray (HTTP APIs do not trace); bodies arrive as text
   * for text content types and as base64 otherwise (docs/architecture.md, "API profiles").
   */
  private buildHttpApi(o: ApiOptions): ApiFront {
    const api = new apigwv2.HttpApi(this, 'HttpApi', {
      // The name shows in the console; the metrics' dimensions are the API id and the stage.
      apiName: this.name,
      description: 'Receives PicPay payment notifications',
      createDefaultStage: false,
      // With a custom domain, the default execute-api hostname is switched off: one way in.
      disableExecuteApiEndpoint: o.customDomain !== undefined,
    });
    // A named stage, as for REST: the execute-api URLs end in /<stageName>/<route>.
    const stage = api.addStage('Stage', {
      stageName: o.stageName,
      autoDeploy: true,
      // The default for each route; every route also gets its own below.
      throttle: { rateLimit: o.rate, burstLimit: o.burst },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(o.accessLogs),
        // JSON, with variables HTTP APIs define (http-api-logging-variables); requestId is required.
        format: apigateway.AccessLogFormat.custom(JSON.stringify(HTTP_API_ACCESS_LOG)),
      },
    });
    const integration = new HttpLambdaIntegration('Authenticator', this.authenticator.function, {
      // 1.0: the event the authenticator reads on REST too (resource, httpMethod, headers, body,
      // isBase64Encoded, requestContext.identity); 2.0 would move every one of them.
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_1_0,
    });
    const webhookRoutes = ROUTES.flatMap((route) => api.addRoutes({ path: route.path, methods: [apigwv2.HttpMethod[route.method]], integration }));
    for (const r of webhookRoutes) Validations.of(r).acknowledge({ id: 'AwsSolutions-APIG4', reason: PICPAY_CANNOT_SIGN });
    // The merchant's backend signs with SigV4: only principals granted execute-api:Invoke on the route get through.
    const registrationRoutes = api.addRoutes({
      path: REGISTRATION_ROUTE.path,
      methods: [apigwv2.HttpMethod[REGISTRATION_ROUTE.method]],
      integration,
      authorizer: new HttpIamAuthorizer(),
    });
    // Each route its own limit (HTTP API route settings), as on REST (docs/security.md, "Floods").
    // A route setting names its route key, which must exist when the stage is updated.
    const cfnStage = stage.node.defaultChild as apigwv2.CfnStage;
    // An untyped property: written as CloudFormation spells it.
    cfnStage.routeSettings = Object.fromEntries(
      routeLimits(o).map(({ method, path, limit }) => [`${method} ${path}`, { ThrottlingRateLimit: limit.rate, ThrottlingBurstLimit: limit.burst }]),
    );
    for (const route of [...webhookRoutes, ...registrationRoutes]) stage.node.addDependency(route);

    let domainTarget: string | undefined;
    if (o.customDomain) {
      this.checkCertificateRegion(o.customDomain.certificateArn);
      const domain = new apigwv2.DomainName(this, 'CustomDomain', {
        domainName: o.customDomain.domainName,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', o.customDomain.certificateArn),
        endpointType: apigwv2.EndpointType.REGIONAL,
        securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
      });
      // The domain's root maps to the stage: https://<domain>/callback, no stage segment.
      new apigwv2.ApiMapping(this, 'CustomDomainMapping', { api, domainName: domain, stage });
      domainTarget = domain.regionalDomainName;
    }
    return {
      httpApi: api,
      httpStage: stage,
      domainTarget,
      // The stage's metrics: AWS/ApiGateway with dimensions ApiId and Stage.
      metrics: stage,
      urlForPath: (path) => `${stage.url}${path}`,
      arnForExecuteApi: (method, path, stageName) => api.arnForExecuteApi(method, path, stageName),
    };
  }
}
