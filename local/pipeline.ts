import { Logger } from '@aws-lambda-powertools/logger';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, ListSubscriptionsByTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createTableInput } from '../lambda/adapters/table/table.js';
import type { InboundTokensSecret, PicPayCredentialsSecret } from '../lambda/adapters/tokens-secret.js';
import type { ProcessorConfig } from '../lambda/config.js';
import { API_TYPES, type ApiType, DEFAULTS, ENV, HANDLERS, QUEUE, RECONCILE, REGISTRATION_ROUTE, SWEEP } from '../lambda/contract.js';
import { makeAuthenticatorHandler } from '../lambda/handlers/authenticator.js';
import { makeProcessorHandler } from '../lambda/handlers/processor.js';
import { makeReconcilerHandler } from '../lambda/handlers/reconciler.js';
import { makeSweeperHandler } from '../lambda/handlers/sweeper.js';
import { close, listen } from './http.js';
import { onHost } from './loopback.js';
import { type LocalApi, type ProxyHandler, startLocalApi } from './api-gateway.js';
import { type FaultSwitch, installFaults } from './faults.js';
import { lambdaContext } from './lambda-context.js';
import { LocalMetrics } from './metrics.js';
import { type PicPaySandbox, startPicPaySandbox } from './picpay-sandbox.js';
import { startSecretsEmulator } from './secrets-emulator.js';
import { type SqsHandler, startPoller } from './sqs-poller.js';
import { installRetryClock, type RetryClock } from './visibility.js';
import type { Target } from '../cli/target.js';

/** Development tokens (the tokens secret): the ones in PicPay's own examples, so their curls work as printed. */
export const LOCAL_INBOUND_TOKENS = {
  sellerToken: '4ef4edbd-5cda-42da-860b-0e8d7b90c784',
  checkoutToken: 'a45c2dee-6435-1234-5678-b2a5f0ae7a8a',
} as const satisfies InboundTokensSecret;

/** Development PicPay credentials (the credentials secret), which the local PicPay sandbox accepts. */
export const LOCAL_CREDENTIALS = {
  picpayToken: 'local-picpay-token',
  /** The checkout API's OAuth2 client (find-charge, for checkout confirmation and reconciliation). */
  picpayClientId: 'local-checkout-client',
  picpayClientSecret: 'local-checkout-secret',
} as const satisfies PicPayCredentialsSecret;

/** Both, as `npm start` prints them. */
export const LOCAL_TOKENS = { ...LOCAL_INBOUND_TOKENS, ...LOCAL_CREDENTIALS } as const;

export interface LocalPipelineOptions {
  /** Port for the webhook API; 0 picks a free one. */
  readonly port?: number;
  /**
   * Which API Gateway the webhook API emulates, as the stack's apiType (default `rest`): the
   * REST proxy event with every body as base64, or the HTTP API's payload format 1.0 event.
   */
  readonly apiType?: ApiType;
  readonly host?: string;
  /**
   * Seconds before a failed message is retried locally when the processor set no retry delay of
   * its own (a crashed invocation, the last receive); Lambda waits the visibility timeout.
   */
  readonly retryDelaySeconds?: number;
  /**
   * How much faster time runs for retries than in AWS: the processor's retry delays (1 min … 1 h),
   * its PicPay circuits' cool-down (30 s) and its pauses between PicPay attempts are divided by
   * it; requests and their timeouts take the time they take. Default 60: a minute of retry delay
   * is a second here. 3600 plays a six-hour outage's retries in six seconds.
   */
  readonly timeScale?: number;
  /**
   * Confirm money-moving checkout notifications with the PicPay sandbox's find-charge, as a
   * deployed stack with PicPay API credentials does (default true). false applies them as sent:
   * for running the decision tables and the chaos run's stories through the pipeline.
   */
  readonly confirmCheckout?: boolean;
  /** Receives before the DLQ (default 36, as deployed; the stack's dlqMaxReceiveCount). */
  readonly maxReceiveCount?: number;
  /** Concurrent processor pollers (Lambda would scale out). */
  readonly processorConcurrency?: number;
  /** How long the processor waits for the PicPay status API (default 5000 ms). */
  readonly picpayTimeoutMs?: number;
  /** Powertools log level for the handlers (default WARN; INFO shows every notification). */
  readonly logLevel?: string;
  readonly onEvent?: (event: TappedEvent) => void;
  /** Run the reconciler every this many seconds (0 = only on reconcileNow()). Default 60. */
  readonly reconcileEverySeconds?: number;
  /** Legacy charges waiting at least this long are reconciled. Default 60 s locally. */
  readonly reconcileMinAgeSeconds?: number;
  /** Run the outbox sweep every this many seconds (0 = only on sweepNow()). Default 60. */
  readonly sweepEverySeconds?: number;
  readonly onError?: (error: unknown) => void;
  /**
   * Keep the table and the queues in this directory (dynalite on LevelDB, fauxqs on SQLite),
   * so a restart, even after a crash, finds every charge and every queued notification.
   * Without it everything is in memory (the tests' default).
   */
  readonly dataDir?: string;
}

/** A message as a topic subscriber receives it. */
export interface TappedEvent {
  /** The message body as received, byte for byte. */
  readonly raw: string;
  readonly body: Record<string, unknown>;
  readonly attributes: Record<string, string>;
}

export interface LocalPipeline {
  readonly urls: { readonly api: string; readonly callback: string; readonly webhook: string; readonly registration: string; readonly picpay: string };
  readonly endpoints: { readonly sqs: string; readonly sns: string; readonly dynamodb: string; readonly secretsManager: string };
  readonly resources: {
    readonly queueUrl: string;
    readonly deadLetterQueueUrl: string;
    readonly tableName: string;
    readonly topicArn: string;
    /** The tokens secret (the authenticator's). */
    readonly secretId: string;
    /** The PicPay credentials secret (the processor's). */
    readonly credentialsSecretId: string;
    readonly tapQueueUrl: string;
  };
  /**
   * The environment the stack gives its functions, pointed at these emulators: for running a
   * bundled handler in a child process (the benchmark's cold starts). This process's own
   * environment is never changed.
   */
  readonly lambdaEnvironment: Readonly<Record<string, string>>;
  /** The functions' AWS clients (for tests and the benchmark: count or fail their calls). */
  readonly clients: LocalClients;
  readonly tokens: typeof LOCAL_TOKENS;
  /** What the CLI needs to work against this pipeline (npm start writes it to .local-data/). */
  readonly target: Target;
  readonly sandbox: PicPaySandbox;
  /** Make the handlers' own AWS calls fail: the processor's SNS publishes, the authenticator's enqueues. */
  readonly faults: {
    readonly publish: FaultSwitch;
    readonly enqueue: FaultSwitch;
    /** The chance that a processor invocation dies half-way through its batch. */
    readonly processorCrash: {
      setRate(rate: number): void;
      readonly injected: number;
      /**
       * The queue messages (bodies) a crashed invocation had finished before it died: each is
       * processed again, so whatever it counted is counted again (metrics are at least once).
       */
      readonly replayed: readonly string[];
    };
  };
  /** The custom metrics each function emitted so far, by name (lambda/metrics.ts), summed. */
  metricCounts(service: 'authenticator' | 'processor' | 'reconciler' | 'sweeper'): ReadonlyMap<string, number>;
  /** Every event published to the topic so far, as a subscriber received it. */
  readonly events: readonly TappedEvent[];
  /** The processor's retry delays, in queue seconds, and the time scale they run at here. */
  readonly retries: Pick<RetryClock, 'timeScale' | 'delays'>;
  /** Resolves when `predicate` holds for the received events, or rejects after `timeoutMs`. */
  waitForEvents(predicate: (events: readonly TappedEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Runs the reconciler once, as its schedule would (optionally with another minimum age or cap). */
  reconcileNow(run?: {
    minAgeSeconds?: number;
    maxPerRun?: number;
  }): Promise<{ candidates: number; enqueued: number; retired: number; byFlavour?: { legacy: number; checkout: number } }>;
  /** Runs the outbox sweep once, as its schedule would; `asOfMs` plays it at a later time. */
  sweepNow(asOfMs?: number): Promise<{ charges: number; published: number; failed: number; oldestPendingSeconds: number }>;
  /** Replaces the tokens secret (as an operator's put-secret-value would). */
  setSecret(value: unknown): void;
  /** Replaces the PicPay credentials secret. */
  setCredentialsSecret(value: unknown): void;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The local emulators of the AWS services and of PicPay, each on a free loopback port. */
interface Emulators {
  readonly endpoints: LocalPipeline['endpoints'];
  readonly secrets: Awaited<ReturnType<typeof startSecretsEmulator>>;
  readonly sandbox: PicPaySandbox;
}

async function startEmulators(host: string, dataDir: string | undefined, stops: Stops): Promise<Emulators> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const ddbServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dataDir ? { path: join(dataDir, 'dynamodb') } : {}) }) as Server;
  const ddbPort = await listen(ddbServer, 0, host);
  stops.push(() => close(ddbServer));
  if (dataDir) releaseHeldMessages(join(dataDir, 'queues'));
  // fauxqs binds 0.0.0.0 whatever `host` says (that is only the host in its queue URLs): loopback it.
  const fauxqs = await onHost(host, () => startFauxqs({ port: 0, host, logger: false, ...(dataDir ? { dataDir: join(dataDir, 'queues') } : {}) }));
  stops.push(() => fauxqs.stop());
  const secrets = await startSecretsEmulator(host);
  stops.push(() => secrets.stop());
  const sandbox = await startPicPaySandbox(LOCAL_TOKENS.picpayToken, host, 0, {
    clientId: LOCAL_TOKENS.picpayClientId,
    clientSecret: LOCAL_TOKENS.picpayClientSecret,
  });
  stops.push(() => sandbox.stop());
  return {
    endpoints: { sqs: fauxqs.address, sns: fauxqs.address, dynamodb: `http://${host}:${ddbPort}`, secretsManager: secrets.endpoint },
    secrets,
    sandbox,
  };
}

/** AWS SDK clients pointed at the emulators, with the local credentials (nothing read from the environment). */
export interface LocalClients {
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly dynamodb: DynamoDBClient;
  readonly secrets: SecretsManagerClient;
}

function localClients(endpoints: LocalPipeline['endpoints'], stops: Stops): LocalClients {
  const base = { region: REGION, credentials: CREDENTIALS };
  const clients = {
    sqs: new SQSClient({ ...base, endpoint: endpoints.sqs, useQueueUrlAsEndpoint: false }),
    sns: new SNSClient({ ...base, endpoint: endpoints.sns }),
    dynamodb: new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb }),
    secrets: new SecretsManagerClient({ ...base, endpoint: endpoints.secretsManager }),
  };
  stops.push(async () => {
    for (const client of Object.values(clients)) client.destroy();
  });
  return clients;
}

/** The stack's resources, created in the emulators with the settings the stack uses (lambda/contract.ts). */
interface Resources extends Omit<LocalPipeline['resources'], never> {
  readonly queueArn: string;
  readonly tapQueueArn: string;
}

async function createResources(clients: LocalClients, emulators: Emulators, maxReceiveCount: number): Promise<Resources> {
  const { sqs, sns, dynamodb } = clients;
  const tableName = 'picpay-webhooks-charges';
  await createIfMissing(() => dynamodb.send(new CreateTableCommand(createTableInput(tableName))));
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'picpay-webhooks-dlq' }));
  const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
  const queue = await createOrUpdateQueue(sqs, 'picpay-webhooks-notifications', {
    VisibilityTimeout: String(QUEUE.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(QUEUE.retentionDays * 86400),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
  });
  const topic = await sns.send(new CreateTopicCommand({ Name: 'picpay-webhooks-charge-events' }));
  const tap = await sqs.send(new CreateQueueCommand({ QueueName: 'picpay-webhooks-events-tap' }));
  const tapArn = await queueArn(sqs, tap.QueueUrl!);
  const subscribed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic.TopicArn! }));
  if (!subscribed.Subscriptions?.some((sub) => sub.Endpoint === tapArn)) {
    await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn!, Protocol: 'sqs', Endpoint: tapArn, Attributes: { RawMessageDelivery: 'true' } }));
  }
  const secretId = 'picpay-webhooks/tokens';
  emulators.secrets.put(secretId, JSON.stringify(LOCAL_INBOUND_TOKENS));
  const credentialsSecretId = 'picpay-webhooks/picpay-credentials';
  emulators.secrets.put(credentialsSecretId, JSON.stringify(LOCAL_CREDENTIALS));
  return {
    queueUrl: queue.QueueUrl!,
    queueArn: await queueArn(sqs, queue.QueueUrl!),
    deadLetterQueueUrl: dlq.QueueUrl!,
    tableName,
    topicArn: topic.TopicArn!,
    secretId,
    credentialsSecretId,
    tapQueueUrl: tap.QueueUrl!,
    tapQueueArn: tapArn,
  };
}

/**
 * The four functions, made by the same factories the Lambda entries use, with this pipeline's
 * configuration and clients: the API in front of the authenticator, processor pollers on the
 * queue, the reconciler and the sweep on their schedules, and a subscriber on the topic.
 */
async function startFunctions(
  options: LocalPipelineOptions,
  clock: { readonly timeScale: number; readonly maxReceiveCount: number },
  host: string,
  emulators: Emulators,
  resources: Resources,
  stops: Stops,
) {
  const { timeScale, maxReceiveCount } = clock;
  // The functions' own clients, apart from the ones that set up the resources, so faults
  // injected into them touch only what the functions do.
  const clients = localClients(emulators.endpoints, stops);
  const logLevel = (options.logLevel ?? process.env.LOG_LEVEL ?? 'WARN') as 'WARN';
  const metricsOf = new Map<string, LocalMetrics>();
  const observability = (name: string) => {
    const metrics = new LocalMetrics({ serviceName: name });
    metricsOf.set(name, metrics);
    return { logger: new Logger({ serviceName: `picpay-webhooks-${name}`, logLevel }), metrics };
  };
  const faults = {
    publish: installFaults(clients.sns, 'PublishCommand'),
    enqueue: installFaults(clients.sqs, 'SendMessageCommand'),
  };
  // The processor's retry delays (ChangeMessageVisibility on its SQS client), on the local clock.
  const retryClock = installRetryClock(clients.sqs, timeScale);

  const authenticator = makeAuthenticatorHandler(
    { queueUrl: resources.queueUrl, secretId: resources.secretId, secretMaxAgeSeconds: 2 },
    { sqs: clients.sqs, secrets: clients.secrets, ...observability('authenticator') },
  ) as unknown as ProxyHandler;
  const api: LocalApi = await startLocalApi(
    authenticator,
    options.port ?? 3000,
    host,
    { ...CREDENTIALS, region: REGION, userArn: 'arn:aws:iam::000000000000:user/local-merchant-backend' },
    { apiType: options.apiType },
  );
  stops.push(() => api.stop());

  const processorConfig: ProcessorConfig = {
    queueUrl: resources.queueUrl,
    tableName: resources.tableName,
    topicArn: resources.topicArn,
    credentialsSecretId: resources.credentialsSecretId,
    picpayBaseUrl: emulators.sandbox.baseUrl,
    picpayCheckoutBaseUrl: `${emulators.sandbox.baseUrl}/api/v1`,
    picpayPaymentLinkBaseUrl: `${emulators.sandbox.baseUrl}/v1/paymentlink`,
    picpayTimeoutMs: options.picpayTimeoutMs ?? 5000,
    secretMaxAgeSeconds: 2,
    maxReceiveCount,
    maxProcessedBodyBytes: DEFAULTS.maxProcessedBodyBytes,
    // Every wait the processor chooses runs on the local clock.
    picpayCircuitCoolDownMs: DEFAULTS.picpayCircuitCoolDownMs / timeScale,
  };
  let crashRate = 0;
  let crashes = 0;
  const shouldCrash = () => crashRate > 0 && Math.random() < crashRate && ++crashes > 0;
  const replayed: string[] = [];
  const onCrash = (finished: readonly { body: string }[]) => void replayed.push(...finished.map((r) => r.body));
  const processorObservability = observability('processor');
  for (let i = 0; i < (options.processorConcurrency ?? 2); i++) {
    const poller = startPoller({
      client: clients.sqs,
      queueUrl: resources.queueUrl,
      queueArn: resources.queueArn,
      batchSize: QUEUE.batchSize,
      visibilityTimeoutSeconds: QUEUE.visibilityTimeoutSeconds,
      retryDelaySeconds: options.retryDelaySeconds ?? 1,
      heldBack: retryClock.heldBack,
      // One handler per poller: each poller is an execution environment of its own, with its
      // own PicPay circuits. Its pauses between PicPay attempts run on the local clock too.
      handler: makeProcessorHandler(processorConfig, {
        dynamodb: clients.dynamodb,
        sns: clients.sns,
        sqs: clients.sqs,
        secrets: clients.secrets,
        ...processorObservability,
        now: Date.now,
        random: Math.random,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms / timeScale)),
        ...(options.confirmCheckout === false ? { confirmCheckout: false } : {}),
      }) as unknown as SqsHandler,
      context: () => lambdaContext('processor', HANDLERS.processor),
      onError: options.onError,
      shouldCrash,
      onCrash,
    });
    stops.push(() => poller.stop());
  }

  // The same reconciliation job as the scheduled Lambda, with a local minimum age in seconds.
  const reconcilerRuntime = { dynamodb: clients.dynamodb, sqs: clients.sqs, ...observability('reconciler'), now: Date.now };
  const reconcilerConfig = (run: { minAgeSeconds?: number; maxPerRun?: number } = {}) => ({
    tableName: resources.tableName,
    queueUrl: resources.queueUrl,
    minAgeMinutes: (run.minAgeSeconds ?? options.reconcileMinAgeSeconds ?? 60) / 60,
    maxAgeDays: RECONCILE.maxAgeDays,
    maxPerRun: run.maxPerRun ?? RECONCILE.maxPerRun,
  });
  const reconcileNow = (run: { minAgeSeconds?: number; maxPerRun?: number } = {}) =>
    makeReconcilerHandler(reconcilerConfig(run), reconcilerRuntime)({}, lambdaContext('reconciler', HANDLERS.reconciler));
  const reconcileEvery = options.reconcileEverySeconds ?? 60;
  if (reconcileEvery > 0) {
    const timer = setInterval(() => void reconcileNow().catch((error: unknown) => options.onError?.(error)), reconcileEvery * 1000);
    stops.push(async () => clearInterval(timer));
  }

  // The same outbox sweep as the scheduled Lambda.
  const sweeperConfig = { tableName: resources.tableName, topicArn: resources.topicArn, maxPerRun: SWEEP.maxPerRun };
  const sweeperObservability = observability('sweeper');
  const sweepNow = (asOfMs?: number) =>
    makeSweeperHandler(sweeperConfig, {
      dynamodb: clients.dynamodb,
      sns: clients.sns,
      ...sweeperObservability,
      now: asOfMs === undefined ? Date.now : () => asOfMs,
    })({}, lambdaContext('sweeper', HANDLERS.sweeper));
  const sweepEvery = options.sweepEverySeconds ?? 60;
  if (sweepEvery > 0) {
    const timer = setInterval(() => void sweepNow().catch((error: unknown) => options.onError?.(error)), sweepEvery * 1000);
    stops.push(async () => clearInterval(timer));
  }

  // A subscriber on the topic: collects (and reports) every published event.
  const events: TappedEvent[] = [];
  const tapPoller = startPoller({
    client: clients.sqs,
    queueUrl: resources.tapQueueUrl,
    queueArn: resources.tapQueueArn,
    batchSize: 10,
    visibilityTimeoutSeconds: 30,
    retryDelaySeconds: 0,
    handler: async ({ Records }) => {
      for (const record of Records) {
        const event: TappedEvent = {
          raw: record.body,
          body: JSON.parse(record.body) as Record<string, unknown>,
          attributes: Object.fromEntries(Object.entries(record.messageAttributes).map(([k, v]) => [k, v.stringValue ?? ''])),
        };
        events.push(event);
        options.onEvent?.(event);
      }
      return { batchItemFailures: [] };
    },
    context: () => lambdaContext('events-tap', HANDLERS.processor),
    onError: options.onError,
  });
  stops.push(() => tapPoller.stop());

  return {
    api,
    clients,
    events,
    retries: retryClock,
    reconcileNow,
    sweepNow,
    faults: {
      ...faults,
      processorCrash: {
        setRate: (rate: number) => void (crashRate = rate),
        get injected() {
          return crashes;
        },
        replayed,
      },
    },
    metricCounts: (service: string): ReadonlyMap<string, number> => metricsOf.get(service)?.counts ?? new Map(),
  };
}

type Stops = Array<() => Promise<void>>;

export async function startLocalPipeline(options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
  if (options.apiType !== undefined && !(API_TYPES as readonly string[]).includes(options.apiType)) {
    throw new Error(`apiType must be ${API_TYPES.map((t) => `"${t}"`).join(' or ')}, got ${JSON.stringify(options.apiType)}`);
  }
  const host = options.host ?? '127.0.0.1';
  const stops: Stops = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const emulators = await startEmulators(host, options.dataDir, stops);
    const timeScale = options.timeScale ?? 60;
    if (!(Number.isFinite(timeScale) && timeScale > 0)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
    const maxReceiveCount = options.maxReceiveCount ?? QUEUE.maxReceiveCount;
    const resources = await createResources(localClients(emulators.endpoints, stops), emulators, maxReceiveCount);
    const functions = await startFunctions(options, { timeScale, maxReceiveCount }, host, emulators, resources, stops);
    const { api, events } = functions;
    const { endpoints, sandbox, secrets } = emulators;
    const { queueArn: _q, tapQueueArn: _t, ...names } = resources;
    return {
      urls: {
        api: api.baseUrl,
        callback: `${api.baseUrl}/callback`,
        webhook: `${api.baseUrl}/webhook`,
        registration: `${api.baseUrl}${REGISTRATION_ROUTE.path}`,
        picpay: sandbox.baseUrl,
      },
      endpoints,
      resources: names,
      lambdaEnvironment: {
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_SQS: endpoints.sqs,
        AWS_ENDPOINT_URL_SNS: endpoints.sns,
        AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
        [ENV.queueUrl]: resources.queueUrl,
        [ENV.tableName]: resources.tableName,
        [ENV.topicArn]: resources.topicArn,
        [ENV.secretId]: resources.secretId,
        [ENV.credentialsSecretId]: resources.credentialsSecretId,
        [ENV.picpayBaseUrl]: sandbox.baseUrl,
        [ENV.picpayCheckoutBaseUrl]: `${sandbox.baseUrl}/api/v1`,
        [ENV.picpayPaymentLinkBaseUrl]: `${sandbox.baseUrl}/v1/paymentlink`,
        [ENV.secretMaxAgeSeconds]: '2',
        [ENV.maxReceiveCount]: String(maxReceiveCount),
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_TRACE_ENABLED: 'false',
      },
      clients: functions.clients,
      tokens: LOCAL_TOKENS,
      target: {
        name: 'the local pipeline',
        callbackUrl: `${api.baseUrl}/callback`,
        webhookUrl: `${api.baseUrl}/webhook`,
        registrationUrl: `${api.baseUrl}${REGISTRATION_ROUTE.path}`,
        tableName: resources.tableName,
        queueUrl: resources.queueUrl,
        deadLetterQueueUrl: resources.deadLetterQueueUrl,
        topicArn: resources.topicArn,
        secretId: resources.secretId,
        credentialsSecretId: resources.credentialsSecretId,
        tokens: { sellerToken: LOCAL_TOKENS.sellerToken, checkoutToken: LOCAL_TOKENS.checkoutToken },
        picpaySandboxUrl: sandbox.baseUrl,
        aws: {
          region: REGION,
          endpoints: { sqs: endpoints.sqs, sns: endpoints.sns, dynamodb: endpoints.dynamodb, secretsManager: endpoints.secretsManager },
          credentials: CREDENTIALS,
        },
      },
      sandbox,
      faults: functions.faults,
      events,
      retries: functions.retries,
      async waitForEvents(predicate, timeoutMs = 15000) {
        const deadline = Date.now() + timeoutMs;
        while (!predicate(events)) {
          if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for events (have ${events.length})`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      metricCounts: functions.metricCounts,
      reconcileNow: functions.reconcileNow,
      sweepNow: functions.sweepNow,
      setSecret: (value) => secrets.put(resources.secretId, typeof value === 'string' ? value : JSON.stringify(value)),
      setCredentialsSecret: (value) => secrets.put(resources.credentialsSecretId, typeof value === 'string' ? value : JSON.stringify(value)),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Messages a previous process had received but not finished (it crashed, or was stopped
 * mid-batch) would stay invisible until their visibility timeout, 180 s. Nobody holds them
 * any more, so they are made ready before the queues are loaded, as if every processor
 * invocation had died together, which is what happened. fauxqs keeps its state in
 * `<dir>/fauxqs.db` (SQLite); an in-flight message is one with a receipt handle.
 */
function releaseHeldMessages(dir: string): void {
  const file = join(dir, 'fauxqs.db');
  if (!existsSync(file)) return;
  const db = new DatabaseSync(file);
  try {
    db.exec('UPDATE sqs_messages SET receipt_handle = NULL, visibility_deadline = NULL WHERE receipt_handle IS NOT NULL');
  } finally {
    db.close();
  }
}

/** Creating what a persistent pipeline already has is not an error. */
async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

/**
 * Creates the queue, or, when a kept one (.local-data) has other settings (an older receive
 * limit), brings it to these settings, as a deploy would, keeping the messages it holds.
 */
async function createOrUpdateQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<{ QueueUrl?: string }> {
  try {
    return await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  } catch (error) {
    if (!String((error as { name?: string }).name).endsWith('QueueNameExists')) throw error;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    return { QueueUrl };
  }
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return out.Attributes!.QueueArn!;
}
