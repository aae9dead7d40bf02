import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, ListSubscriptionsByTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DEFAULTS, ENV, HANDLERS, QUEUE, REGISTRATION_ROUTE, TABLE } from '../lib/pipeline-spec.js';
import { close, listen } from './http.js';
import { type LocalApi, type ProxyHandler, startLocalApi } from './api-gateway.js';
import { type FaultSwitch, installFaults } from './faults.js';
import { lambdaContext } from './lambda-context.js';
import { type PicPaySandbox, startPicPaySandbox } from './picpay-sandbox.js';
import { startSecretsEmulator } from './secrets-emulator.js';
import { type SqsHandler, startPoller } from './sqs-poller.js';
import { installRetryClock, type RetryClock } from './visibility.js';
import type { Target } from './cli/target.js';

/** Development tokens: the ones in PicPay's own examples, so their curls work as printed. */
export const LOCAL_TOKENS = {
  sellerToken: '4ef4edbd-5cda-42da-860b-0e8d7b90c784',
  checkoutToken: 'a45c2dee-6435-1234-5678-b2a5f0ae7a8a',
  picpayToken: 'local-picpay-token',
  /** The checkout API's OAuth2 client (find-charge, for checkout reconciliation). */
  picpayClientId: 'local-checkout-client',
  picpayClientSecret: 'local-checkout-secret',
} as const;

export interface LocalPipelineOptions {
  /** Port for the webhook API; 0 picks a free one. */
  readonly port?: number;
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
    readonly secretId: string;
    readonly tapQueueUrl: string;
  };
  readonly tokens: typeof LOCAL_TOKENS;
  /** What the CLI needs to work against this pipeline (npm start writes it to .local-data/). */
  readonly target: Target;
  readonly sandbox: PicPaySandbox;
  /** Make the handlers' own AWS calls fail: the processor's SNS publishes, the authenticator's enqueues. */
  readonly faults: {
    readonly publish: FaultSwitch;
    readonly enqueue: FaultSwitch;
    /** The chance that a processor invocation dies half-way through its batch. */
    readonly processorCrash: { setRate(rate: number): void; readonly injected: number };
  };
  /** Every event published to the topic so far, as a subscriber received it. */
  readonly events: readonly TappedEvent[];
  /** The processor's retry delays, in queue seconds, and the time scale they run at here. */
  readonly retries: Pick<RetryClock, 'timeScale' | 'delays'>;
  /** Resolves when `predicate` holds for the received events, or rejects after `timeoutMs`. */
  waitForEvents(predicate: (events: readonly TappedEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Runs the reconciler once, as its schedule would (optionally with another minimum age or cap). */
  reconcileNow(run?: { minAgeSeconds?: number; maxPerRun?: number }): Promise<{ candidates: number; enqueued: number; retired: number; byFlavour?: { legacy: number; checkout: number } }>;
  /** Runs the outbox sweep once, as its schedule would; `asOfMs` plays it at a later time. */
  sweepNow(asOfMs?: number): Promise<{ charges: number; published: number; failed: number; oldestPendingSeconds: number }>;
  /** Replaces the tokens secret (as an operator's put-secret-value would). */
  setSecret(value: unknown): void;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';

export async function startLocalPipeline(options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
  const host = options.host ?? '127.0.0.1';
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  const timeScale = options.timeScale ?? 60;
  const maxReceiveCount = options.maxReceiveCount ?? QUEUE.maxReceiveCount;
  if (!(Number.isFinite(timeScale) && timeScale > 0)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
  try {
    // Emulators, each on a free loopback port.
    const dataDir = options.dataDir;
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const ddbServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dataDir ? { path: join(dataDir, 'dynamodb') } : {}) }) as Server;
    const ddbPort = await listen(ddbServer, 0, host);
    stops.push(() => close(ddbServer));
    if (dataDir) releaseHeldMessages(join(dataDir, 'queues'));
    const fauxqs = await startFauxqs({ port: 0, host, logger: false, ...(dataDir ? { dataDir: join(dataDir, 'queues') } : {}) });
    stops.push(() => fauxqs.stop());
    const secrets = await startSecretsEmulator(host);
    stops.push(() => secrets.stop());
    const sandbox = await startPicPaySandbox(LOCAL_TOKENS.picpayToken, host, 0, {
      clientId: LOCAL_TOKENS.picpayClientId,
      clientSecret: LOCAL_TOKENS.picpayClientSecret,
    });
    stops.push(() => sandbox.stop());

    const endpoints = {
      sqs: fauxqs.address,
      sns: fauxqs.address,
      dynamodb: `http://${host}:${ddbPort}`,
      secretsManager: secrets.endpoint,
    };
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const sqs = new SQSClient({ region: REGION, endpoint: endpoints.sqs, credentials, useQueueUrlAsEndpoint: false });
    const sns = new SNSClient({ region: REGION, endpoint: endpoints.sns, credentials });
    const ddb = new DynamoDBClient({ region: REGION, endpoint: endpoints.dynamodb, credentials });
    stops.push(async () => {
      sqs.destroy();
      sns.destroy();
      ddb.destroy();
    });

    // Resources, with the settings the CDK stack uses (lib/pipeline-spec.ts).
    const tableName = 'picpay-webhooks-charges';
    await createIfMissing(() => ddb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE.sortKey, AttributeType: 'S' },
          { AttributeName: TABLE.awaitingIndex.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE.awaitingIndex.sortKey, AttributeType: 'S' },
          { AttributeName: TABLE.outboxIndex.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE.outboxIndex.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: TABLE.awaitingIndex.name,
            KeySchema: [
              { AttributeName: TABLE.awaitingIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: TABLE.awaitingIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...TABLE.awaitingIndex.projection] },
          },
          {
            IndexName: TABLE.outboxIndex.name,
            KeySchema: [
              { AttributeName: TABLE.outboxIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: TABLE.outboxIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      }),
    ));
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'picpay-webhooks-dlq' }));
    const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
    const queue = await createOrUpdateQueue(sqs, 'picpay-webhooks-notifications', {
      VisibilityTimeout: String(QUEUE.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(QUEUE.retentionDays * 86400),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
    });
    const mainArn = await queueArn(sqs, queue.QueueUrl!);
    const topic = await sns.send(new CreateTopicCommand({ Name: 'picpay-webhooks-charge-events' }));
    const tap = await sqs.send(new CreateQueueCommand({ QueueName: 'picpay-webhooks-events-tap' }));
    const tapArn = await queueArn(sqs, tap.QueueUrl!);
    const subscribed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic.TopicArn! }));
    if (!subscribed.Subscriptions?.some((sub) => sub.Endpoint === tapArn)) await sns.send(
      new SubscribeCommand({
        TopicArn: topic.TopicArn!,
        Protocol: 'sqs',
        Endpoint: tapArn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    const secretId = 'picpay-webhooks/tokens';
    secrets.put(secretId, JSON.stringify(LOCAL_TOKENS));


    // The handlers read this at cold start, exactly as in Lambda (see lambda/config.ts).
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ENDPOINT_URL_SNS: endpoints.sns,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
      [ENV.queueUrl]: queue.QueueUrl!,
      [ENV.tableName]: tableName,
      [ENV.topicArn]: topic.TopicArn!,
      [ENV.secretId]: secretId,
      [ENV.picpayBaseUrl]: sandbox.baseUrl,
      [ENV.picpayCheckoutBaseUrl]: `${sandbox.baseUrl}/api/v1`,
      [ENV.picpayTimeoutMs]: String(options.picpayTimeoutMs ?? 5000),
      [ENV.secretMaxAgeSeconds]: '2',
      [ENV.maxReceiveCount]: String(maxReceiveCount),
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    delete process.env.AWS_PROFILE;
    const { handler: authenticator } = (await import('../lambda/handlers/authenticator.js')) as { handler: ProxyHandler };
    const { buildHandler: buildProcessor } = (await import('../lambda/handlers/processor.js')) as {
      buildHandler: (clock?: { picpayCircuitCoolDownMs?: number; sleep?: (ms: number) => Promise<void> }) => SqsHandler;
    };
    // The same reconciliation job as the scheduled Lambda, with a local minimum age in seconds.
    const { buildReconciler } = await import('../lambda/handlers/reconciler.js');
    const scheduledReconcile = buildReconciler({ minAgeMinutes: (options.reconcileMinAgeSeconds ?? 60) / 60 });
    const reconcileNow = (run: { minAgeSeconds?: number; maxPerRun?: number } = {}) =>
      run.minAgeSeconds === undefined && run.maxPerRun === undefined
        ? scheduledReconcile()
        : buildReconciler({
            minAgeMinutes: (run.minAgeSeconds ?? options.reconcileMinAgeSeconds ?? 60) / 60,
            ...(run.maxPerRun === undefined ? {} : { maxPerRun: run.maxPerRun }),
          })();
    const reconcileEvery = options.reconcileEverySeconds ?? 60;
    if (reconcileEvery > 0) {
      const timer = setInterval(() => void reconcileNow().catch((error: unknown) => options.onError?.(error)), reconcileEvery * 1000);
      stops.push(async () => clearInterval(timer));
    }
    // The same outbox sweep as the scheduled Lambda.
    const { buildSweeper } = await import('../lambda/handlers/sweeper.js');
    const scheduledSweep = buildSweeper();
    const sweepNow = (asOfMs?: number) => (asOfMs === undefined ? scheduledSweep() : buildSweeper({}, () => asOfMs)());
    const sweepEvery = options.sweepEverySeconds ?? 60;
    if (sweepEvery > 0) {
      const timer = setInterval(() => void scheduledSweep().catch((error: unknown) => options.onError?.(error)), sweepEvery * 1000);
      stops.push(async () => clearInterval(timer));
    }

    let crashRate = 0;
    let crashes = 0;
    const shouldCrash = () => crashRate > 0 && Math.random() < crashRate && ++crashes > 0;
    const faults = {
      processorCrash: {
        setRate: (rate: number) => void (crashRate = rate),
        get injected() {
          return crashes;
        },
      },
      publish: installFaults((await import('../lambda/adapters/sns-publisher.js')).snsClient, 'PublishCommand'),
      enqueue: installFaults((await import('../lambda/adapters/sqs-queue.js')).sqsClient, 'SendMessageCommand'),
    };
    stops.push(async () => {
      faults.publish.uninstall();
      faults.enqueue.uninstall();
    });
    // The processor's own SQS client (the retry delays it sets), on the local clock.
    const retryClock = installRetryClock((await import('../lambda/adapters/sqs-queue.js')).sqsClient, timeScale);
    stops.push(async () => retryClock.uninstall());

    const api: LocalApi = await startLocalApi(authenticator, options.port ?? 3000, host, {
      ...credentials,
      region: REGION,
      userArn: 'arn:aws:iam::000000000000:user/local-merchant-backend',
    });
    stops.push(() => api.stop());

    const concurrency = options.processorConcurrency ?? 2;
    for (let i = 0; i < concurrency; i++) {
      const poller = startPoller({
        client: sqs,
        queueUrl: queue.QueueUrl!,
        queueArn: mainArn,
        batchSize: QUEUE.batchSize,
        visibilityTimeoutSeconds: QUEUE.visibilityTimeoutSeconds,
        retryDelaySeconds: options.retryDelaySeconds ?? 1,
        heldBack: retryClock.heldBack,
        // One handler per poller: each poller is an execution environment of its own, with its
        // own PicPay circuits. Every wait the processor chooses runs on the local clock: the
        // circuits' cool-down and the pauses between PicPay attempts within an invocation.
        handler: buildProcessor({
          picpayCircuitCoolDownMs: DEFAULTS.picpayCircuitCoolDownMs / timeScale,
          sleep: (ms) => new Promise((r) => setTimeout(r, ms / timeScale)),
        }),
        context: () => lambdaContext('processor', HANDLERS.processor),
        onError: options.onError,
        shouldCrash,
      });
      stops.push(() => poller.stop());
    }

    // A subscriber on the topic: collects (and reports) every published event.
    const events: TappedEvent[] = [];
    const tapPoller = startPoller({
      client: sqs,
      queueUrl: tap.QueueUrl!,
      queueArn: tapArn,
      batchSize: 10,
      visibilityTimeoutSeconds: 30,
      retryDelaySeconds: 0,
      handler: async ({ Records }) => {
        for (const record of Records) {
          const event: TappedEvent = {
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
      urls: {
        api: api.baseUrl,
        callback: `${api.baseUrl}/callback`,
        webhook: `${api.baseUrl}/webhook`,
        registration: `${api.baseUrl}${REGISTRATION_ROUTE.path}`,
        picpay: sandbox.baseUrl,
      },
      endpoints,
      resources: {
        queueUrl: queue.QueueUrl!,
        deadLetterQueueUrl: dlq.QueueUrl!,
        tableName,
        topicArn: topic.TopicArn!,
        secretId,
        tapQueueUrl: tap.QueueUrl!,
      },
      tokens: LOCAL_TOKENS,
      target: {
        name: 'the local pipeline',
        callbackUrl: `${api.baseUrl}/callback`,
        webhookUrl: `${api.baseUrl}/webhook`,
        registrationUrl: `${api.baseUrl}${REGISTRATION_ROUTE.path}`,
        tableName,
        queueUrl: queue.QueueUrl!,
        deadLetterQueueUrl: dlq.QueueUrl!,
        secretId,
        tokens: { sellerToken: LOCAL_TOKENS.sellerToken, checkoutToken: LOCAL_TOKENS.checkoutToken },
        picpaySandboxUrl: sandbox.baseUrl,
        aws: {
          region: REGION,
          endpoints: { sqs: endpoints.sqs, dynamodb: endpoints.dynamodb, secretsManager: endpoints.secretsManager },
          credentials,
        },
      },
      sandbox,
      faults,
      events,
      retries: retryClock,
      async waitForEvents(predicate, timeoutMs = 15000) {
        const deadline = Date.now() + timeoutMs;
        while (!predicate(events)) {
          if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for events (have ${events.length})`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      reconcileNow,
      sweepNow,
      setSecret: (value) => secrets.put(secretId, typeof value === 'string' ? value : JSON.stringify(value)),
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
