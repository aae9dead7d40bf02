import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { DLQ_PATH } from './dlq-path.support.js';
import { CHARGE_ID, LEGACY_CALLBACK, paymentEvent, THREE_DS_EVENT } from '../picpay-examples.support.js';

const savedEnv = { ...process.env };
let pipeline: LocalPipeline;
let ddb: DynamoDBDocumentClient;
let sqs: SQSClient;
const errors: unknown[] = [];

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    port: 0,
    // PicPay's examples as sent; confirmation with PicPay has its own test (confirm-with-picpay.test.ts).
    confirmCheckout: false,
    retryDelaySeconds: 0,
    ...DLQ_PATH,
    logLevel: 'SILENT',
    reconcileEverySeconds: 0,
    reconcileMinAgeSeconds: 1,
    onError: (e) => errors.push(e),
  });
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: pipeline.endpoints.dynamodb, credentials }));
  sqs = new SQSClient({ region: 'us-east-1', endpoint: pipeline.endpoints.sqs, credentials, useQueueUrlAsEndpoint: false });
}, 60000);

afterAll(async () => {
  ddb?.destroy();
  sqs?.destroy();
  await pipeline?.stop();
  process.env = savedEnv;
});

async function post(url: string, headers: Record<string, string>, body: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'axios/1.4.0', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const charge = async (key: string) =>
  (await ddb.send(new GetCommand({ TableName: pipeline.resources.tableName, Key: { pk: `CHARGE#${key}`, sk: 'STATE' } }))).Item;

const eventsFor = (key: string) => pipeline.events.filter((e) => e.body.chargeKey === key);

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('local pipeline, end to end', () => {
  test("PicPay's three examples and a wrong token", async () => {
    const { urls, tokens } = pipeline;
    const responses = await Promise.all([
      post(urls.callback, { 'x-seller-token': tokens.sellerToken }, LEGACY_CALLBACK),
      post(urls.webhook, { authorization: tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' }, paymentEvent()),
      post(urls.webhook, { authorization: tokens.checkoutToken, 'event-type': 'Challenge3dsUpdateMessage' }, THREE_DS_EVENT),
      post(urls.webhook, { authorization: 'not-the-token', 'event-type': 'TransactionUpdateMessage' }, paymentEvent({ merchantChargeId: 'forged' })),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 401]);
    expect(responses[3]!.body).toEqual({ message: 'Unauthorized' });

    await pipeline.waitForEvents((events) => events.length >= 3);
    const legacy = eventsFor('legacy#102030');
    expect(legacy).toHaveLength(1);
    expect(legacy[0]!.body).toMatchObject({
      specVersion: '1.4',
      type: 'picpay.charge.status_changed',
      flavour: 'legacy',
      chargeId: '102030',
      previousStatus: null,
      status: 'PAID',
      rawStatus: 'paid',
      authorizationId: LEGACY_CALLBACK.authorizationId,
      // The legacy status is always read from PicPay.
      confirmed: true,
      source: { eventType: 'LegacyCallback' },
    });
    expect(legacy[0]!.attributes).toEqual({
      type: 'picpay.charge.status_changed',
      status: 'PAID',
      previousStatus: 'NONE',
      flavour: 'legacy',
      eventType: 'LegacyCallback',
      confirmed: 'true',
    });

    const checkout = eventsFor(`checkout#${CHARGE_ID}`);
    expect(checkout.map((e) => e.body.type).sort()).toEqual(['picpay.charge.status_changed', 'picpay.charge.three_ds_updated']);
    const status = checkout.find((e) => e.body.type === 'picpay.charge.status_changed')!;
    expect(status.body).toMatchObject({
      status: 'AUTHORIZED',
      rawStatus: 'AUTHORIZED',
      occurredAt: '2024-07-01T19:00:00.000Z',
      amounts: { currency: 'BRL', amount: 10000, originalAmount: 10000, refundedAmount: 0 },
    });
    // No customer data leaves the pipeline.
    expect(JSON.stringify(pipeline.events)).not.toMatch(/pessoa|Pessoa/);

    await eventually(
      async () =>
        ((await charge(`checkout#${CHARGE_ID}`))?.outbox as object | undefined) !== undefined &&
        Object.keys((await charge(`checkout#${CHARGE_ID}`))!.outbox).length === 0,
    );
    const stored = (await charge(`checkout#${CHARGE_ID}`))!;
    expect(stored).toMatchObject({
      status: 'AUTHORIZED',
      threeDs: { status: 'Approved', paresStatus: 'Y', eci: '05', picpayChargeId: 'bac0ffd7-e4cb-48c7-9f3e-a05ff7eb40a1' },
    });
    expect(stored.history).toHaveLength(2);
    expect((await charge('legacy#102030'))!.status).toBe('PAID');
    expect(await charge('checkout#forged')).toBeUndefined();
  });

  test('duplicates publish nothing; a new legacy status publishes one transition', async () => {
    const { urls, tokens } = pipeline;
    const before = pipeline.events.length;
    const dupes = await Promise.all([
      post(urls.webhook, { authorization: tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' }, paymentEvent()),
      post(urls.callback, { 'x-seller-token': tokens.sellerToken }, LEGACY_CALLBACK),
      post(urls.callback, { 'x-seller-token': tokens.sellerToken }, LEGACY_CALLBACK),
    ]);
    expect(dupes.map((r) => r.status)).toEqual([200, 200, 200]);

    pipeline.sandbox.setPayment('102030', { status: 'refunded', authorizationId: LEGACY_CALLBACK.authorizationId });
    expect((await post(urls.callback, { 'x-seller-token': tokens.sellerToken }, LEGACY_CALLBACK)).status).toBe(200);
    await pipeline.waitForEvents((events) => events.some((e) => e.body.status === 'REFUNDED'));
    await new Promise((r) => setTimeout(r, 1500)); // let any stray duplicate surface
    const added = pipeline.events.slice(before);
    expect(added.map((e) => [e.body.chargeKey, e.body.previousStatus, e.body.status])).toEqual([['legacy#102030', 'PAID', 'REFUNDED']]);
    expect((await charge('legacy#102030'))!.status).toBe('REFUNDED');
  });

  test('an authenticated notification that cannot be processed is answered 200 and parked', async () => {
    const { urls, tokens } = pipeline;
    const res = await post(urls.webhook, { authorization: tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' }, '{"type":"PAYMENT",');
    expect(res.status).toBe(200);
    let parked: Record<string, unknown>[] = [];
    await eventually(async () => {
      const out = await ddb.send(
        new QueryCommand({
          TableName: pipeline.resources.tableName,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': { S: 'PARKED' } },
        }),
      );
      parked = (out.Items ?? []) as Record<string, unknown>[];
      return parked.length === 1;
    });
    expect(JSON.stringify(parked[0])).toContain('invalid_json');
    expect(JSON.stringify(parked[0])).toContain(String(res.body.requestId));
  });

  test('an authenticated body nested 10,000 levels deep is answered 200 and parked as too_deep, without its bytes', async () => {
    const { urls, tokens } = pipeline;
    const deep = `${'{"customer":'.repeat(10_000)}"Pessoa"${'}'.repeat(10_000)}`;
    const res = await post(urls.webhook, { authorization: tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' }, deep);
    expect(res.status).toBe(200);
    let item: Record<string, unknown> | undefined;
    await eventually(async () => {
      const out = await ddb.send(
        new QueryCommand({
          TableName: pipeline.resources.tableName,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': { S: 'PARKED' } },
        }),
      );
      item = (out.Items ?? []).find((i) => JSON.stringify(i).includes(String(res.body.requestId)));
      return item !== undefined;
    });
    expect(JSON.stringify(item)).toContain('too_deep');
    expect(JSON.stringify(item)).not.toContain('Pessoa');
  });

  test('a notification that keeps failing lands in the DLQ after the receive limit', async () => {
    const { urls, tokens } = pipeline;
    pipeline.sandbox.setPayment('dlq-1', { status: 'paid' });
    pipeline.sandbox.injectFaults(500, 10_000);
    try {
      expect((await post(urls.callback, { 'x-seller-token': tokens.sellerToken }, { referenceId: 'dlq-1' })).status).toBe(200);
      await eventually(async () => {
        const out = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: pipeline.resources.deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
        );
        return out.Attributes?.ApproximateNumberOfMessages === '1';
      }, 30000);
    } finally {
      pipeline.sandbox.injectFaults(0, 0);
    }
    expect(await charge('legacy#dlq-1')).toBeUndefined();
  }, 40000);

  test('a publish that fails once still yields exactly one event, after redelivery', async () => {
    const { urls, tokens } = pipeline;
    const before = pipeline.faults.publish.injected;
    pipeline.faults.publish.failNext(1);
    const body = paymentEvent({ status: 'PAID', merchantChargeId: 'publish-fault' });
    expect((await post(urls.webhook, { authorization: tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' }, body)).status).toBe(200);
    await pipeline.waitForEvents(() => eventsFor('checkout#publish-fault').length > 0);
    await new Promise((r) => setTimeout(r, 1500)); // a second copy would surface by now
    expect(pipeline.faults.publish.injected - before).toBe(1);
    const events = eventsFor('checkout#publish-fault');
    expect(events).toHaveLength(1);
    const stored = (await charge('checkout#publish-fault'))!;
    expect(events[0]!.body.transitionId).toBe((stored.history as Array<{ transitionId: string }>)[0]!.transitionId);
    expect(stored.outbox).toEqual({});
  });

  test('an enqueue failure answers 503 so PicPay retries, and the retry is accepted', async () => {
    const { urls, tokens } = pipeline;
    pipeline.faults.enqueue.failNext(1);
    const body = paymentEvent({ status: 'PAID', merchantChargeId: 'enqueue-fault' });
    const headers = { authorization: tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' };
    expect((await post(urls.webhook, headers, body)).status).toBe(503);
    expect((await post(urls.webhook, headers, body)).status).toBe(200);
    await pipeline.waitForEvents(() => eventsFor('checkout#enqueue-fault').length === 1);
  });

  test('reconciliation: a charge whose "paid" callback never arrived still ends PAID', async () => {
    const { urls, tokens } = pipeline;
    pipeline.sandbox.setPayment('lost-1', { status: 'created' });
    expect((await post(urls.callback, { 'x-seller-token': tokens.sellerToken }, { referenceId: 'lost-1' })).status).toBe(200);
    await pipeline.waitForEvents(() => eventsFor('legacy#lost-1').length === 1);
    pipeline.sandbox.setPayment('lost-1', { status: 'paid', authorizationId: 'auth-lost-1' }); // the callback is lost
    await new Promise((r) => setTimeout(r, 1100)); // older than the minimum age
    const run = await pipeline.reconcileNow();
    expect(run.enqueued).toBeGreaterThanOrEqual(1);
    await pipeline.waitForEvents(() => eventsFor('legacy#lost-1').length === 2);
    expect(eventsFor('legacy#lost-1')[1]!.body).toMatchObject({ previousStatus: 'CREATED', status: 'PAID', source: { eventType: 'Reconciliation' } });
    expect((await charge('legacy#lost-1'))!.status).toBe('PAID');
    // PAID is no longer awaiting: the next run leaves it alone.
    await new Promise((r) => setTimeout(r, 1100));
    const legacyChecks = (await pipeline.reconcileNow()).byFlavour?.legacy;
    const again = eventsFor('legacy#lost-1').length;
    expect(again).toBe(2);
    expect(legacyChecks).toBe(0);
  });

  test('a Payment Link payment and its partial refund, in either header spelling and letter case, end as one charge with events', async () => {
    const { urls, tokens } = pipeline;
    const pay = 'a3b5c7d9-1111-4222-8333-944455556666';
    const paid = { data: { transaction: { id: pay, originalTransactionId: null, status: 'PAYED', amount: 10000, paymentType: 'CREDIT' } } };
    const refund = {
      data: {
        transaction: { id: 'a3b5c7d9-2222-4222-8333-944455556666', originalTransactionId: pay, status: 'PARTREFUNDED', amount: 2500, paymentType: 'CREDIT' },
      },
    };
    expect((await post(urls.webhook, { authorization: tokens.checkoutToken, event_type: 'TransactionPaymentMessage' }, paid)).status).toBe(200);
    expect((await post(urls.webhook, { authorization: `Bearer ${tokens.checkoutToken}`, 'event-type': 'transactionpaymentmessage' }, refund)).status).toBe(200);
    await pipeline.waitForEvents(() => eventsFor(`paymentLink#${pay}`).length === 2);
    const events = eventsFor(`paymentLink#${pay}`);
    expect(events.map((e) => [e.body.previousStatus, e.body.status])).toEqual([
      [null, 'PAID'],
      ['PAID', 'PARTIALLY_REFUNDED'],
    ]);
    expect(events[1]!.body).toMatchObject({
      flavour: 'paymentLink',
      rawStatus: 'PARTREFUNDED',
      paymentType: 'CREDIT',
      amounts: { amount: 10000, refundedAmount: 2500 },
      source: { eventType: 'TransactionPaymentMessage' },
    });
    expect(events[1]!.attributes).toMatchObject({ flavour: 'paymentLink', status: 'PARTIALLY_REFUNDED', eventType: 'TransactionPaymentMessage' });
    expect((await charge(`paymentLink#${pay}`))!.status).toBe('PARTIALLY_REFUNDED');
  });

  test('a Pix QR code that expires unpaid ends EXPIRED with an event', async () => {
    const { urls, tokens } = pipeline;
    const pix = (status: string, eventDate: string) => {
      const body = paymentEvent({ merchantChargeId: 'pix-exp-1', status }) as { eventDate: string; data: Record<string, unknown> };
      body.eventDate = eventDate;
      body.data.transactions = [{ paymentType: 'PIX', transactionId: 'tx-pix-1', status, amount: 10000, pix: { qrCode: 'x', expiresAt: eventDate } }];
      return body;
    };
    for (const [status, at] of [
      ['PENDING', '2024-07-01T16:00:00-03:00'],
      ['EXPIRED', '2024-07-01T16:30:00-03:00'],
    ] as const) {
      expect((await post(urls.webhook, { authorization: tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' }, pix(status, at))).status).toBe(200);
    }
    await pipeline.waitForEvents(() => eventsFor('checkout#pix-exp-1').length === 2);
    expect(eventsFor('checkout#pix-exp-1').at(-1)!.body).toMatchObject({ status: 'EXPIRED', previousStatus: 'CREATED', paymentType: 'PIX' });
  });

  test('checkout reconciliation: a charge whose final webhook never arrived ends in the status find-charge reports', async () => {
    const { urls, tokens } = pipeline;
    const authorized = paymentEvent({ merchantChargeId: 'co-lost-1', status: 'AUTHORIZED' });
    expect((await post(urls.webhook, { authorization: tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' }, authorized)).status).toBe(200);
    await pipeline.waitForEvents(() => eventsFor('checkout#co-lost-1').length === 1);
    pipeline.sandbox.setCharge('co-lost-1', { chargeStatus: 'PAID', amount: 10000, originalAmount: 10000, refundedAmount: 0 }); // the PAID webhook is lost
    await new Promise((r) => setTimeout(r, 1100)); // older than the minimum age
    const issued = pipeline.sandbox.tokensIssued;
    const run = await pipeline.reconcileNow();
    expect(run.byFlavour?.checkout).toBeGreaterThanOrEqual(1);
    await pipeline.waitForEvents(() => eventsFor('checkout#co-lost-1').length === 2);
    expect(eventsFor('checkout#co-lost-1')[1]!.body).toMatchObject({
      previousStatus: 'AUTHORIZED',
      status: 'PAID',
      rawStatus: 'PAID',
      source: { eventType: 'Reconciliation' },
    });
    expect((await charge('checkout#co-lost-1'))!.status).toBe('PAID');
    // One OAuth token served every check of the run.
    expect(pipeline.sandbox.tokensIssued - issued).toBeLessThanOrEqual(1);
  });

  test('unknown routes get what API Gateway answers', async () => {
    const res = await post(`${pipeline.urls.api}/other`, {}, {});
    expect(res).toEqual({ status: 403, body: { message: 'Missing Authentication Token' } });
  });

  test('the pollers reported no errors', () => {
    expect(errors).toEqual([]);
  });
});
