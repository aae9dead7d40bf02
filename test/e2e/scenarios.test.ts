/**
 * The decision-table scenarios (test/spec/scenarios.md), sent as PicPay sends them to the local
 * pipeline that `npm start` runs: over HTTP, through the authenticator, the queue, the
 * processor, DynamoDB and SNS. Expected values come from the tables only.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { DLQ_PATH } from './dlq-path.support.js';
import { signForExecuteApi } from '../../cli/sigv4-sign.js';
import { THREE_DS_EVENT } from '../picpay-examples.support.js';
import { tablePaymentBody, written } from '../spec/notifications.support.js';
import { type Scenario, type ScenarioStep, scenarios } from '../spec/tables.support.js';

const savedEnv = { ...process.env };
let pipeline: LocalPipeline;
let ddb: DynamoDBDocumentClient;
let sqs: SQSClient;
const EVENT_TYPE: Record<string, string> = {
  status_changed: 'picpay.charge.status_changed',
  unrecognized_status: 'picpay.charge.unrecognized_status',
  three_ds_updated: 'picpay.charge.three_ds_updated',
};

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    port: 0,
    confirmCheckout: false,
    retryDelaySeconds: 0,
    ...DLQ_PATH,
    logLevel: 'SILENT',
    reconcileEverySeconds: 0,
    sweepEverySeconds: 0,
  });
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: pipeline.endpoints.dynamodb, credentials }));
  sqs = new SQSClient({ region: 'us-east-1', endpoint: pipeline.endpoints.sqs, credentials, useQueueUrlAsEndpoint: false });
}, 60_000);

afterAll(async () => {
  ddb?.destroy();
  sqs?.destroy();
  await pipeline?.stop();
  process.env = savedEnv;
});

interface Stored {
  status: string | null;
  amounts: { amount: number | null; refundedAmount: number | null } | null;
  threeDs: { status: string } | null;
  outbox: Record<string, unknown>;
}
const charge = async (key: string) =>
  (await ddb.send(new GetCommand({ TableName: pipeline.resources.tableName, Key: { pk: `CHARGE#${key}`, sk: 'STATE' }, ConsistentRead: true }))).Item as
    | Stored
    | undefined;

async function queuesIdle(): Promise<void> {
  const deadline = Date.now() + 15_000;
  let quiet = 0;
  while (Date.now() < deadline) {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: pipeline.resources.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const idle = out.Attributes?.ApproximateNumberOfMessages === '0' && out.Attributes?.ApproximateNumberOfMessagesNotVisible === '0';
    quiet = idle ? quiet + 1 : 0;
    if (quiet >= 3) return;
    await new Promise((r) => setTimeout(r, 60));
  }
  throw new Error('the queue did not drain');
}

/** Sends one step the way PicPay (or the merchant's backend, for REGISTER) would. */
async function send(step: ScenarioStep, id: string): Promise<number> {
  const [kind, value] = step.send.split(' ') as [string, string | undefined];
  if (kind === 'PAYMENT') {
    const body = tablePaymentBody(value!, step.eventDate, step.amount, step.refunded, id);
    // The header in another letter case than PicPay's examples: it must not matter.
    return post(pipeline.urls.webhook, { authorization: pipeline.tokens.checkoutToken, 'event-type': 'transactionUpdateMessage' }, JSON.stringify(body));
  }
  if (kind === '3DS') {
    const body = { ...THREE_DS_EVENT, data: { ...THREE_DS_EVENT.data, status: value, merchantChargeId: id } };
    return post(pipeline.urls.webhook, { authorization: pipeline.tokens.checkoutToken, event_type: 'Challenge3dsUpdateMessage' }, JSON.stringify(body));
  }
  if (kind === 'legacy') {
    const summary =
      step.amount === null
        ? null
        : { authorized: written(step.amount), paid: written(step.amount), refunded: step.refunded === null ? 0 : written(step.refunded) };
    pipeline.sandbox.setPayment(id, { status: value!, ...(summary ? { summary: summary as { authorized: number; paid: number; refunded: number } } : {}) });
    return post(pipeline.urls.callback, { 'x-seller-token': pipeline.tokens.sellerToken }, JSON.stringify({ referenceId: id }));
  }
  const body = JSON.stringify({ referenceId: id });
  const headers = await signForExecuteApi(pipeline.urls.registration, 'POST', body, { accessKeyId: 'local', secretAccessKey: 'local' }, 'us-east-1');
  return (await fetch(pipeline.urls.registration, { method: 'POST', headers, body })).status;
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'axios/1.4.0', ...headers }, body });
  await res.arrayBuffer();
  return res.status;
}

/** Scenarios whose order depends on receive times the test cannot set (an older 3DS result arriving last). */
const receivedInOrder = (s: Scenario) => s.steps.every((step, i) => i === 0 || Date.parse(step.received) >= Date.parse(s.steps[i - 1]!.received));

describe('decision-table scenarios through the local pipeline', () => {
  const runnable = scenarios().filter(receivedInOrder);

  test('covers the scenarios (all but those that need an older receive time)', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(17);
  });

  test.each(runnable.map((s, i) => [s.name, s, i] as const))('%s', async (_name, scenario, i) => {
    const legacy = scenario.steps.some((s) => s.send.startsWith('legacy') || s.send === 'REGISTER');
    const id = `e2e-scenario-${i}`;
    const key = `${legacy ? 'legacy' : 'checkout'}#${id}`;
    for (const step of scenario.steps) {
      const before = pipeline.events.filter((e) => e.body.chargeKey === key).length;
      expect({ step: step.n, status: await send(step, id) }).toEqual({ step: step.n, status: step.send === 'REGISTER' ? 202 : 200 });
      await queuesIdle();
      const item = await charge(key);
      const published = pipeline.events.filter((e) => e.body.chargeKey === key).slice(before);
      expect({
        step: step.n,
        status: item?.status ?? null,
        amount: item?.amounts?.amount ?? null,
        refunded: item?.amounts?.refundedAmount ?? null,
        threeDs: item?.threeDs?.status ?? null,
        events: published.map((e) => [e.body.type, e.body.reason]),
      }).toEqual({
        step: step.n,
        status: step.expect.status,
        amount: step.expect.amount,
        refunded: step.expect.refunded,
        threeDs: step.expect.threeDs,
        events: step.expect.event === null ? [] : [[EVENT_TYPE[step.expect.event], step.expect.reason]],
      });
    }
    const item = await charge(key);
    expect({
      status: item?.status ?? null,
      amount: item?.amounts?.amount ?? null,
      refunded: item?.amounts?.refundedAmount ?? null,
      threeDs: item?.threeDs?.status ?? null,
    }).toEqual(scenario.final);
  });
});

describe('no event left behind', () => {
  test('SNS failing on every receive leaves the event in the outbox; the sweep publishes it once the lease has ended', async () => {
    const id = 'e2e-sns-down';
    pipeline.faults.publish.setRate(1);
    try {
      expect(
        await send(
          {
            n: 1,
            send: 'PAYMENT PAID',
            eventDate: '2024-07-01T16:00:00-03:00',
            received: '',
            amount: '10000',
            refunded: '0',
            expect: {} as ScenarioStep['expect'],
          },
          id,
        ),
      ).toBe(200);
      await queuesIdle(); // five receives, then the DLQ
    } finally {
      pipeline.faults.publish.setRate(0);
    }
    const key = `checkout#${id}`;
    expect((await charge(key))!.status).toBe('PAID');
    expect(Object.keys((await charge(key))!.outbox)).toHaveLength(1);
    expect(pipeline.events.filter((e) => e.body.chargeKey === key)).toHaveLength(0);

    // The schedule, before the lease has ended: the writer may still publish it, so nothing yet.
    expect((await pipeline.sweepNow()).published).toBe(0);
    // Ten minutes later (the lease is two processor timeouts, one minute).
    const swept = await pipeline.sweepNow(Date.now() + 10 * 60_000);
    expect(swept.published).toBe(1);
    await pipeline.waitForEvents((events) => events.some((e) => e.body.chargeKey === key));
    expect(pipeline.events.filter((e) => e.body.chargeKey === key).map((e) => e.body.status)).toEqual(['PAID']);
    expect((await charge(key))!.outbox).toEqual({});
    // A second sweep finds nothing to do.
    expect((await pipeline.sweepNow(Date.now() + 20 * 60_000)).published).toBe(0);
  });
});
