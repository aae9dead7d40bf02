import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent } from 'aws-lambda';
import { PicPayCircuit } from '../../lambda/adapters/picpay-circuit.js';
import { AwsServiceError, NotConfiguredError, PicPayAuthError, PicPayUnavailableError } from '../../lambda/domain/errors.js';
import { metricsNamespace } from '../../lambda/metrics.js';
import { memoryDeps } from '../domain/in-memory.support.js';
import { CHECKOUT_TOKEN, envelope, paymentEvent, SELLER_TOKEN } from '../picpay-examples.support.js';
import { variants } from '../infra/variants.support.js';
import { apiEvent, context, sqsEvent } from './lambda-events.support.js';

/**
 * Every metric an alarm (or the dashboard) reads is one the code emits, under the namespace
 * and `service` dimension the alarm names. The emitted set is observed by running the
 * handlers through the situations each alarm is about, not read from a list.
 */
Object.assign(process.env, {
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/notifications',
  TABLE_NAME: 'charges',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:events',
  TOKENS_SECRET_ID: 'tokens',
  PICPAY_CREDENTIALS_SECRET_ID: 'picpay-credentials',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
});
const { createAuthenticator } = await import('../../lambda/handlers/authenticator.js');
const { createProcessor } = await import('../../lambda/handlers/processor.js');
const { createSweeper } = await import('../../lambda/handlers/sweeper.js');

const emitted = { authenticator: new Set<string>(), processor: new Set<string>(), sweeper: new Set<string>() };
const recorder = (into: Set<string>) => ({ addMetric: (name: string) => void into.add(name) }) as unknown as Metrics;
const logger = new Logger({ logLevel: 'SILENT' });

beforeAll(async () => {
  const tokens = { legacy: [SELLER_TOKEN], checkout: [CHECKOUT_TOKEN], picpay: 'p', checkoutClient: null };
  let queueDown = false;
  let configured = true;
  const authenticate = createAuthenticator({
    tokens: {
      get: async () => {
        if (!configured) throw new NotConfiguredError('not configured');
        return tokens;
      },
    },
    queue: {
      send: async () => {
        if (queueDown) throw new AwsServiceError('sqs', 'SQS down');
        return 'm-1';
      },
    },
    logger,
    metrics: recorder(emitted.authenticator),
    maxAcceptedBodyBytes: 1024,
    now: Date.now,
  });
  const webhook = (token: string, body = JSON.stringify(paymentEvent())) =>
    apiEvent('/webhook', { authorization: token, 'event-type': 'TransactionUpdateMessage' }, body);
  await authenticate(webhook(CHECKOUT_TOKEN)); // accepted
  await authenticate(webhook('wrong')); // rejected
  await authenticate(apiEvent('/webhook', {}, '{}')); // rejected, no token
  await authenticate(webhook(CHECKOUT_TOKEN, 'x'.repeat(2048))); // 413
  queueDown = true;
  await authenticate(webhook(CHECKOUT_TOKEN)); // enqueue failure
  configured = false;
  await authenticate(webhook(CHECKOUT_TOKEN)); // tokens not configured

  const { deps, publisher, picpay, findCharge } = memoryDeps();
  const probes = { publishProbe: async () => 'sns-1', recordProbe: async () => undefined, now: Date.now };
  let sqsDown = false;
  const visibility = {
    delay: async () => {
      if (sqsDown) throw new AwsServiceError('sqs', 'SQS did not change the message visibility');
    },
  };
  // A circuit that opens on the first failed request.
  const circuit = new PicPayCircuit({ name: 'PicPay status API', failuresToOpen: 1, coolDownMs: 60_000 });
  const retry = { baseSeconds: 60, capSeconds: 3600, jitter: 0.2 };
  const process = createProcessor({
    ...deps,
    probes,
    logger,
    metrics: recorder(emitted.processor),
    maxReceiveCount: 3,
    visibility,
    retry,
    random: () => 0,
    circuits: [circuit],
  });
  const run = (records: Array<{ id: string; body: string; receiveCount?: number }>) => process(sqsEvent(records) as SQSEvent, context as Context);
  const checkout = (status: string) =>
    JSON.stringify(envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: JSON.stringify(paymentEvent({ status })) }));
  await run([{ id: 'paid', body: checkout('PAID') }]); // transition, published
  const probe = JSON.stringify({ picpayWebhooksProbe: { id: 'probe-0001', sentAt: '2024-07-01T19:00:00.000Z' } });
  await run([{ id: 'probe', body: JSON.stringify(envelope({ flavour: 'checkout', eventType: 'PicPayWebhooksProbe', body: probe })) }]); // probe
  await run([{ id: 'again', body: checkout('PAID') }]); // duplicate
  await run([{ id: 'late', body: checkout('AUTHORIZED') }]); // ignored late event
  await run([{ id: 'new', body: checkout('SOMETHING_NEW') }]); // unrecognized status
  await run([{ id: 'park', body: JSON.stringify(envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: 'not json' })) }]); // parked
  findCharge.enabled = true;
  const forged = JSON.stringify(
    envelope({
      flavour: 'checkout',
      eventType: 'TransactionUpdateMessage',
      body: JSON.stringify(paymentEvent({ status: 'PAID', merchantChargeId: 'forged' })),
    }),
  );
  await run([{ id: 'forged', body: forged }]); // PicPay does not know the charge: contradicted
  const future = JSON.stringify(
    envelope({
      flavour: 'checkout',
      eventType: 'TransactionUpdateMessage',
      body: JSON.stringify(paymentEvent({ status: 'AUTHORIZED', eventDate: '2999-01-01T00:00:00Z', merchantChargeId: 'far-future' })),
    }),
  );
  await run([{ id: 'future', body: future }]); // dated after its receipt: ordered by the receipt
  findCharge.enabled = false;
  publisher.failNext = 1;
  await run([{ id: 'sns-down', body: checkout('REFUNDED') }]); // processing failure, held back (retry delay)
  const legacy = (id: string) => JSON.stringify(envelope({ flavour: 'legacy', body: JSON.stringify({ referenceId: id }) }));
  picpay.fetchStatus = async () => {
    throw new PicPayUnavailableError('PicPay status API failed after 3 attempts (http_503)');
  };
  sqsDown = true;
  await run([{ id: 'sqs-down-too', body: legacy('r-1') }]); // the retry delay could not be set
  sqsDown = false;
  picpay.fetchStatus = async () => {
    throw new PicPayAuthError('PicPay rejected the x-picpay-token (HTTP 401)');
  };
  await run([{ id: 'token-rejected', body: legacy('r-0') }]); // PicPay 401
  picpay.fetchStatus = async (referenceId) => {
    await circuit.request(async () => new Response(null, { status: 503 }));
    return { referenceId, status: 'paid' } as never;
  };
  await run([{ id: 'circuit-opens', body: legacy('r-2') }]); // a 503 opens the circuit
  await run([{ id: 'short-circuited', body: legacy('r-3') }]); // refused while it is open
  picpay.fetchStatus = async () => {
    throw new PicPayAuthError('PicPay rejected the x-picpay-token (HTTP 401)');
  };
  await run([{ id: 'picpay-401', body: JSON.stringify(envelope({ flavour: 'legacy', body: JSON.stringify({ referenceId: 'r-0' }) })) }]); // configuration error
  picpay.fetchStatus = async () => {
    throw new PicPayUnavailableError('PicPay status API failed');
  };
  // The outbox sweep, on an empty outbox: it still reports its run.
  const sweep = createSweeper({
    settings: { maxPerRun: 10 },
    findPending: async () => [],
    forgetEmpty: async () => undefined,
    charges: deps.charges,
    publisher,
    now: Date.now,
    logger,
    metrics: recorder(emitted.sweeper),
  });
  await sweep();
  await run([{ id: 'picpay-down', body: JSON.stringify(envelope({ flavour: 'legacy', body: JSON.stringify({ referenceId: 'r-1' }) })), receiveCount: 3 }]); // PicPay API error
});

type Alarm = { Namespace?: string; MetricName?: string; Dimensions?: Array<{ Name: string; Value: unknown }>; AlarmName?: string };

describe('alarms read only metrics the code emits', () => {
  const { stack, template } = variants()[0]!.stacks[0]!;
  const resources = Object.values(template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>);
  const custom = resources
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map((r) => r.Properties as Alarm)
    .filter((a) => !a.Namespace!.startsWith('AWS/'));
  const functionNamespaces = resources
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .map((r) => metricsNamespace((r.Properties.Environment as { Variables: Record<string, string> }).Variables));

  test("the functions emit to the namespace the alarms read: the stack's own", () => {
    expect(stack.stackName).toBe('PicPayWebhooks');
    expect(new Set(functionNamespaces)).toEqual(new Set(['PicPayWebhooks/PicPayWebhooks']));
    expect(new Set(custom.map((a) => a.Namespace))).toEqual(new Set(['PicPayWebhooks/PicPayWebhooks']));
  });

  const byFunction = custom.filter((a) => a.Dimensions?.some((d) => d.Name === 'service'));
  const byFilter = custom.filter((a) => !a.Dimensions?.some((d) => d.Name === 'service'));

  test('every custom metric an alarm reads was emitted by the function its service dimension names', () => {
    expect(byFunction.length).toBeGreaterThanOrEqual(7);
    for (const alarm of byFunction) {
      const service = alarm.Dimensions!.find((d) => d.Name === 'service')!.Value as keyof typeof emitted;
      expect([alarm.AlarmName, service, emitted[service].has(alarm.MetricName!)]).toEqual([alarm.AlarmName, service, true]);
    }
  });

  test('an alarm without a service dimension reads what a metric filter of the stack writes (the 429s of the access log)', () => {
    const filtered = resources
      .filter((r) => r.Type === 'AWS::Logs::MetricFilter')
      .flatMap((r) => r.Properties.MetricTransformations as Array<{ MetricName: string; MetricNamespace: string }>)
      .map((t) => `${t.MetricNamespace} ${t.MetricName}`);
    expect(byFilter.map((a) => `${a.Namespace} ${a.MetricName}`)).toEqual(['PicPayWebhooks/PicPayWebhooks ThrottledRequests']);
    for (const alarm of byFilter) expect(filtered).toContain(`${alarm.Namespace} ${alarm.MetricName}`);
  });

  test('every custom metric on the dashboard is emitted too', () => {
    const body = JSON.stringify(resources.find((r) => r.Type === 'AWS::CloudWatch::Dashboard')!.Properties.DashboardBody);
    const graphed = [...body.matchAll(/PicPayWebhooks\/PicPayWebhooks\\",\\"(\w+)\\",\\"service\\",\\"(\w+)\\"/g)].map((m) => [m[2]!, m[1]!] as const);
    expect(graphed.length).toBeGreaterThanOrEqual(10);
    for (const [service, name] of graphed) expect([service, name, emitted[service as 'processor'].has(name)]).toEqual([service, name, true]);
  });

  test('the situations behind each alarm were exercised (hand-written list of what was observed)', () => {
    expect([...emitted.authenticator].sort()).toEqual(
      ['EnqueueFailures', 'NotificationsAccepted', 'NotificationsReceived', 'NotificationsRejected', 'PayloadTooLarge', 'TokensNotConfigured'].sort(),
    );
    expect([...emitted.processor].sort()).toEqual(
      [
        'AwsServiceErrors',
        'ConfigurationErrors',
        'ContradictedNotifications',
        'Duplicates',
        'FutureDatedNotifications',
        'EventsPublished',
        'IgnoredLateEvents',
        'ParkedNotifications',
        'PicPayApiErrors',
        'PicPayCircuitOpened',
        'PicPayShortCircuited',
        'ProbesRecorded',
        'ProcessingFailures',
        'RetryDelay',
        'RetryDelayFailures',
        'Transitions',
        'UnrecognizedStatuses',
      ].sort(),
    );
    expect([...emitted.sweeper].sort()).toEqual(['OutboxOldestPendingAge', 'OutboxSweepFailures', 'OutboxSwept']);
  });
});
