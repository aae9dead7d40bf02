import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadProcessorConfig } from '../../lambda/config.js';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { startPicPaySandbox } from '../../local/picpay-sandbox.js';
import { CHARGE_ID, envelope, LEGACY_CALLBACK, paymentEvent, PICPAY_TOKEN } from '../picpay-examples.support.js';
import { context, sqsEvent } from './lambda-events.support.js';
import { captureOutput } from './log-capture.support.js';

const ddb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/notifications';
const sandbox = await startPicPaySandbox(PICPAY_TOKEN);
afterAll(() => sandbox.stop());

Object.assign(process.env, {
  QUEUE_URL,
  TABLE_NAME: 'charges',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:events',
  TOKENS_SECRET_ID: 'tokens',
  PICPAY_CREDENTIALS_SECRET_ID: 'picpay-credentials',
  PICPAY_BASE_URL: sandbox.baseUrl,
  PICPAY_TIMEOUT_MS: '500',
  MAX_RECEIVE_COUNT: '3',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
});
const { makeProcessorHandler } = await import('../../lambda/handlers/processor.js');
type Handler = (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>;

/** A fresh handler (an empty secret cache, its PicPay circuits closed), made by the factory from this environment, as the Lambda entry makes it. */
const build = (now: () => number = Date.now): Handler =>
  makeProcessorHandler(loadProcessorConfig(process.env), {
    dynamodb: new DynamoDBClient({}),
    sns: new SNSClient({}),
    sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
    secrets: new SecretsManagerClient({}),
    logger: new Logger({ serviceName: 'picpay-webhooks-processor' }),
    metrics: new Metrics({ namespace: 'PicPayWebhooks', serviceName: 'processor' }),
    now,
    random: Math.random,
  }) as unknown as Handler;
let handler: Handler;

let logs: ReturnType<typeof captureOutput>;
beforeEach(() => {
  ddb.reset();
  sns.reset();
  secrets.reset();
  sqs.reset();
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  handler = build();
  // Only its own secret answers: the processor never reads the tokens secret (docs/security.md).
  secrets.on(GetSecretValueCommand).rejects(new Error('AccessDenied'));
  secrets.on(GetSecretValueCommand, { SecretId: 'picpay-credentials' }).resolves({ SecretString: JSON.stringify({ picpayToken: PICPAY_TOKEN }) });
  ddb.on(GetCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
  sandbox.injectFaults(0, 0);
  logs = captureOutput();
  handler = build();
});
afterEach(() => logs.restore());

/** Updates of charges: not the note of when PicPay's last notification arrived (pk SEEN). */
const chargeUpdates = () => ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.Key?.pk !== 'SEEN');

const checkoutMessage = (status = 'PAID') =>
  JSON.stringify(envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: JSON.stringify(paymentEvent({ status })) }));
const legacyMessage = (referenceId = LEGACY_CALLBACK.referenceId) =>
  JSON.stringify(envelope({ flavour: 'legacy', body: JSON.stringify({ ...LEGACY_CALLBACK, referenceId }) }));
const failures = (r: SQSBatchResponse) => r.batchItemFailures.map((f) => f.itemIdentifier);
const visibilityChanges = () => sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input);

describe('processor handler', () => {
  test('processes a batch and reports only the broken record as failed', async () => {
    const result = await handler(
      sqsEvent([
        { id: 'ok-checkout', body: checkoutMessage() },
        { id: 'broken', body: 'not an envelope' },
        { id: 'ok-legacy', body: legacyMessage() },
      ]),
      context,
    );
    expect(failures(result)).toEqual(['broken']);
    // Not an envelope: no retry can fix it, so no delay is set.
    expect(visibilityChanges()).toEqual([]);
    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item!);
    expect(puts.map((i) => [i.pk, i.status])).toEqual(
      expect.arrayContaining([
        [`CHARGE#checkout#${CHARGE_ID}`, 'PAID'],
        ['CHARGE#legacy#102030', 'PAID'],
      ]),
    );
    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(2);
    expect(published[0]!.MessageAttributes).toMatchObject({
      status: { DataType: 'String', StringValue: 'PAID' },
      previousStatus: { StringValue: 'NONE' },
      flavour: { StringValue: 'checkout' },
      eventType: { StringValue: 'TransactionUpdateMessage' },
    });
  });

  test('a doctor probe is published as a probe event and recorded under PROBE; no charge is read or written', async () => {
    const probe = JSON.stringify(
      envelope({
        flavour: 'checkout',
        eventType: 'PicPayWebhooksProbe',
        body: '{"picpayWebhooksProbe":{"id":"doctor-0a1b2c3d","sentAt":"2026-11-23T10:00:00.000Z"}}',
      }),
    );
    const result = await handler(sqsEvent([{ id: 'probe', body: probe }]), context);
    expect(failures(result)).toEqual([]);
    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(1);
    expect(published[0]!.MessageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'picpay.webhooks.probe' },
      flavour: { DataType: 'String', StringValue: 'checkout' },
    });
    expect(JSON.parse(published[0]!.Message!)).toMatchObject({ type: 'picpay.webhooks.probe', probeId: 'doctor-0a1b2c3d' });
    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item!);
    expect(puts.map((i) => [i.pk, i.sk, i.messageId])).toEqual([['PROBE', 'doctor-0a1b2c3d', 'sns-1']]);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  test('writes the charge with a condition, then clears the outbox after publishing', async () => {
    await handler(sqsEvent([{ id: 'a', body: checkoutMessage() }]), context);
    const put = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put.ConditionExpression).toBe('attribute_not_exists(#pk)');
    const transitionId = Object.keys(put.Item!.outbox as object)[0]!;
    const update = chargeUpdates()[0]!.args[0].input;
    // The outbox is now empty, so the charge also leaves the sweep's index, if nobody wrote since.
    expect(update.UpdateExpression).toBe('REMOVE #o.#t0, #ok, #ol ADD #v :one');
    expect(update.ConditionExpression).toBe('#v = :version');
    expect(update.ExpressionAttributeNames).toMatchObject({ '#t0': transitionId, '#ok': 'outboxKey', '#ol': 'outboxLeaseEnds' });
    expect(update.ExpressionAttributeValues).toMatchObject({ ':version': 1 });
    expect(put.Item).toMatchObject({ outboxKey: 'pending', version: 1 });
  });

  test('an SNS failure fails the record, leaving the event in the outbox for the retry', async () => {
    sns.on(PublishCommand).rejects(new Error('SNS down'));
    const result = await handler(sqsEvent([{ id: 'a', body: checkoutMessage() }]), context);
    expect(failures(result)).toEqual(['a']);
    // The charge with its outbox, then the event logged just before the publish that failed.
    expect(ddb.commandCalls(PutCommand).map((c) => String(c.args[0].input.Item!.pk).split('#')[0])).toEqual(['CHARGE', 'EVENTS']);
    expect(chargeUpdates()).toHaveLength(0);
  });

  test('a conditional-write conflict is retried against the fresh item', async () => {
    ddb
      .on(PutCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'conflict', $metadata: {} }))
      .resolves({});
    const result = await handler(sqsEvent([{ id: 'a', body: checkoutMessage() }]), context);
    expect(failures(result)).toEqual([]);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(2);
  });

  test('an unprocessable notification is parked, not failed', async () => {
    const body = JSON.stringify(envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: '{nope' }));
    const result = await handler(sqsEvent([{ id: 'p', body }]), context);
    expect(failures(result)).toEqual([]);
    const item = ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    expect(item).toMatchObject({ pk: 'PARKED', reason: 'invalid_json' });
    expect(JSON.parse(item.envelope as string)).toEqual(JSON.parse(body));
    expect(logs.entries().some((e) => e.message === 'Notification parked for an operator' && e.reason === 'invalid_json')).toBe(true);
  });

  test('a referenceId PicPay does not know is parked', async () => {
    const result = await handler(sqsEvent([{ id: 'u', body: legacyMessage('does-not-exist') }]), context);
    expect(failures(result)).toEqual([]);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ pk: 'PARKED', reason: 'unknown_reference' });
  });

  test('PicPay 5xx is retried with backoff inside the invocation', async () => {
    const before = sandbox.lookups;
    sandbox.injectFaults(503, 2);
    const result = await handler(sqsEvent([{ id: 'l', body: legacyMessage() }]), context);
    expect(failures(result)).toEqual([]);
    expect(sandbox.lookups - before).toBe(3);
  });

  test('PicPay down for longer fails the record for a later retry, held back in the queue for 48 to 60 s', async () => {
    sandbox.injectFaults(500, 10);
    const result = await handler(sqsEvent([{ id: 'l', body: legacyMessage() }]), context);
    expect(failures(result)).toEqual(['l']);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0); // not the last attempt: no dead-letter note
    const [change, ...more] = visibilityChanges();
    expect(more).toEqual([]);
    expect(change).toMatchObject({ QueueUrl: QUEUE_URL, ReceiptHandle: 'rh-l' });
    expect(change!.VisibilityTimeout).toBeGreaterThanOrEqual(48);
    expect(change!.VisibilityTimeout).toBeLessThanOrEqual(60);
  });

  test('on the second receive, 96 to 120 s; on the last, none (the DLQ is next)', async () => {
    sandbox.injectFaults(500, 20);
    await handler(sqsEvent([{ id: 'third', body: legacyMessage(), receiveCount: 2 }]), context);
    const seconds = visibilityChanges()[0]!.VisibilityTimeout!;
    expect(seconds).toBeGreaterThanOrEqual(96);
    expect(seconds).toBeLessThanOrEqual(120);
    sqs.resetHistory();
    await handler(sqsEvent([{ id: 'last', body: legacyMessage(), receiveCount: 3 }]), context);
    expect(visibilityChanges()).toEqual([]);
  });

  test('SQS refusing the delay does not lose the record: it is still reported failed', async () => {
    sqs.on(ChangeMessageVisibilityCommand).rejects(new Error('SQS throttled'));
    sandbox.injectFaults(500, 10);
    const result = await handler(sqsEvent([{ id: 'l', body: legacyMessage() }]), context);
    expect(failures(result)).toEqual(['l']);
    expect(logs.entries().some((e) => e.message === "Could not set the retry delay; the message returns after the queue's visibility timeout")).toBe(true);
  });

  test('PicPay failing on a run of requests opens the circuit: the records after it fail at once, asking PicPay nothing', async () => {
    sandbox.injectFaults(503, 100);
    const before = sandbox.lookups;
    expect(failures(await handler(sqsEvent([{ id: 'a', body: legacyMessage() }]), context))).toEqual(['a']);
    expect(sandbox.lookups - before).toBe(3);
    // Two more failed requests make five in a row: the third attempt is refused.
    expect(failures(await handler(sqsEvent([{ id: 'b', body: legacyMessage() }]), context))).toEqual(['b']);
    expect(sandbox.lookups - before).toBe(5);
    // A whole batch while it is open: every record fails at once, and is held back.
    const result = await handler(
      sqsEvent([
        { id: 'c', body: legacyMessage() },
        { id: 'd', body: legacyMessage('other') },
        { id: 'e', body: checkoutMessage() },
      ]),
      context,
    );
    expect(failures(result).sort()).toEqual(['c', 'd']);
    expect(sandbox.lookups - before).toBe(5);
    expect(
      visibilityChanges()
        .map((v) => v.ReceiptHandle)
        .sort(),
    ).toEqual(['rh-a', 'rh-b', 'rh-c', 'rh-d']);
    expect(
      logs.entries().filter((e) => e.message === 'PicPay circuit opened: requests to it fail at once until a probe after the cool-down; records back off'),
    ).toHaveLength(1);
    const refused = logs.entries().find((e) => e.messageId === 'c')!;
    expect(refused).toMatchObject({ code: 'picpay_circuit_open', source: 'picpay', error: expect.objectContaining({ name: 'PicPayCircuitOpenError' }) });
  });

  test('a failing dead-letter note does not change the outcome', async () => {
    sandbox.injectFaults(500, 10);
    ddb.on(PutCommand).rejects(new Error('DynamoDB down too'));
    const result = await handler(sqsEvent([{ id: 'l', body: legacyMessage(), receiveCount: 3 }]), context);
    expect(failures(result)).toEqual(['l']);
  });

  test('a wrong x-picpay-token is a configuration error: failed, logged, not parked', async () => {
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ picpayToken: 'wrong' }) });
    handler = build(); // a cold start: the wrong token is read afresh
    const result = await handler(sqsEvent([{ id: 'l', body: legacyMessage(), receiveCount: 3 }]), context);
    expect(failures(result)).toEqual(['l']);
    // Nothing parked, no charge written: only the note saying why it goes to the DLQ.
    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item!);
    expect(puts).toEqual([
      expect.objectContaining({
        pk: 'DEADLETTER',
        sk: 'l',
        code: 'picpay_unauthorized',
        receiveCount: 3,
        message: 'PicPay rejected the x-picpay-token (HTTP 401)',
      }),
    ]);
    const entry = logs.entries().find((e) => e.code === 'picpay_unauthorized');
    expect(entry).toMatchObject({ message: 'Processing failed; the message goes to the DLQ', receiveCount: 3, maxReceiveCount: 3 });
    expect(logs.text()).not.toContain('wrong"');
  });
});

describe('when the last notification from PicPay arrived (pk SEEN, read by doctor)', () => {
  const seenWrites = () => ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.Key?.pk === 'SEEN');
  const at = (clock: { ms: number }): Handler => build(() => clock.ms);
  const picpaySent = (requestId: string) =>
    JSON.stringify(envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', requestId, body: JSON.stringify(paymentEvent({ status: 'PAID' })) }));

  test('noted once a minute per flavour by one execution environment, not once per notification', async () => {
    const clock = { ms: Date.parse('2026-12-04T15:00:00Z') };
    const h = at(clock);
    await h(sqsEvent([{ id: 'm-1', body: picpaySent('r-1') }]), context);
    clock.ms += 59_999;
    await h(
      sqsEvent([
        { id: 'm-2', body: picpaySent('r-2') },
        { id: 'm-3', body: picpaySent('r-3') },
      ]),
      context,
    );
    expect(seenWrites().map((c) => c.args[0].input.ExpressionAttributeValues?.[':id'])).toEqual(['r-1']);
    clock.ms += 1;
    await h(sqsEvent([{ id: 'm-4', body: picpaySent('r-4') }]), context);
    expect(seenWrites().map((c) => c.args[0].input.ExpressionAttributeValues?.[':id'])).toEqual(['r-1', 'r-4']);
    // Each flavour on its own: a legacy callback in the same minute is noted.
    await h(sqsEvent([{ id: 'm-5', body: legacyMessage() }]), context);
    expect(seenWrites().map((c) => c.args[0].input.Key?.sk)).toEqual(['checkout', 'checkout', 'legacy']);
  });

  test('noted when it arrived, whatever became of it: a notification whose processing fails is noted too', async () => {
    ddb.on(GetCommand).rejects(new Error('DynamoDB is down'));
    const out = await at({ ms: Date.parse('2026-12-04T15:00:00Z') })(sqsEvent([{ id: 'm-6', body: picpaySent('r-failing') }]), context);
    expect(out.batchItemFailures).toHaveLength(1);
    expect(seenWrites().map((c) => c.args[0].input.ExpressionAttributeValues?.[':id'])).toEqual(['r-failing']);
  });
});
