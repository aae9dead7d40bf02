/**
 * PicPay's word, not the body's, through the local pipeline (the `npm start` default: the
 * tokens secret holds the sandbox's API credentials). A token holder's forged PAID is parked
 * as contradicted and nothing is published; a PAID PicPay knows is applied as PicPay says it,
 * and its event says `confirmed: true`. Expected values are hand-written from
 * docs/state-model.md's table.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type TableStores, tableStores } from '../../lambda/adapters/table/stores.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { paymentEvent } from '../picpay-examples.support.js';

let pipeline: LocalPipeline;
let stores: TableStores;

beforeAll(async () => {
  pipeline = await startLocalPipeline({ port: 0, retryDelaySeconds: 0, logLevel: 'SILENT', reconcileEverySeconds: 0, sweepEverySeconds: 0 });
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: pipeline.endpoints.dynamodb, credentials }));
  stores = tableStores(ddb, pipeline.resources.tableName);
}, 60000);

afterAll(async () => {
  await pipeline?.stop();
});

async function send(body: unknown) {
  const res = await fetch(pipeline.urls.webhook, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: pipeline.tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' },
    body: JSON.stringify(body),
  });
  return res.status;
}

async function eventually<T>(check: () => Promise<T | false | undefined>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const parkedFor = async (chargeId: string) => (await stores.parked.list()).filter((p) => p.envelope.includes(chargeId));

test('a forged PAID for a charge PicPay does not know is parked as contradicted; nothing is stored or published', async () => {
  expect(await send(paymentEvent({ status: 'PAID', amount: 1, merchantChargeId: 'order-forged' }))).toBe(200);
  const parked = await eventually(async () => {
    const items = await parkedFor('order-forged');
    return items.length > 0 && items;
  });
  expect(parked.map((p) => [p.reason, p.message])).toEqual([['contradicted_by_picpay', 'the notification says PAID, PicPay does not know the charge']]);
  expect(await stores.charges.load('checkout#order-forged')).toBeNull();
  expect(pipeline.events.filter((e) => e.body.chargeKey === 'checkout#order-forged')).toEqual([]);
});

test('a one-centavo PAID for a charge PicPay knows as PAID of R$ 100: PicPay’s amount is applied and published, the claim parked', async () => {
  pipeline.sandbox.setCharge('order-cheap', { chargeStatus: 'PAID', amount: 10000, originalAmount: 10000, refundedAmount: 0 });
  expect(await send(paymentEvent({ status: 'PAID', amount: 1, merchantChargeId: 'order-cheap' }))).toBe(200);
  await pipeline.waitForEvents(() => pipeline.events.some((e) => e.body.chargeKey === 'checkout#order-cheap'));
  const [event] = pipeline.events.filter((e) => e.body.chargeKey === 'checkout#order-cheap');
  expect(event!.body).toMatchObject({ status: 'PAID', confirmed: true, amounts: { amount: 10000, paidAmount: 10000 } });
  const parked = await eventually(async () => {
    const items = await parkedFor('order-cheap');
    return items.length > 0 && items;
  });
  expect(parked.map((p) => [p.reason, p.message])).toEqual([['contradicted_by_picpay', 'the notification says PAID of 1 centavos, PicPay says PAID of 10000']]);
});

test('a genuine PAID is applied as PicPay says it, confirmed', async () => {
  pipeline.sandbox.setCharge('order-real', { chargeStatus: 'PAID', amount: 10000, originalAmount: 10000, refundedAmount: 0 });
  expect(await send(paymentEvent({ status: 'PAID', merchantChargeId: 'order-real' }))).toBe(200);
  await pipeline.waitForEvents(() => pipeline.events.some((e) => e.body.chargeKey === 'checkout#order-real'));
  const [event] = pipeline.events.filter((e) => e.body.chargeKey === 'checkout#order-real');
  expect(event!.body).toMatchObject({ status: 'PAID', confirmed: true, source: { eventType: 'TransactionUpdateMessage' } });
  expect(event!.attributes.confirmed).toBe('true');
  expect(await parkedFor('order-real')).toEqual([]);
});

describe('Payment Link, through find-transactions on the sandbox', () => {
  const LINK = 'c0ffee00-0000-4000-8000-000000000001';
  const PAY = 'c0ffee00-0000-4000-8000-0000000000a1';
  const link = (transaction: Record<string, unknown>) =>
    fetch(pipeline.urls.webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: pipeline.tokens.checkoutToken, event_type: 'TransactionPaymentMessage' },
      body: JSON.stringify({ type: 'PAYMENT', data: { transaction, charge: { paymentLinkId: LINK } } }),
    }).then((r) => r.status);

  test('a payment PicPay lists on the link is applied and published as confirmed; a forged one on the same link is parked', async () => {
    pipeline.sandbox.setLinkTransaction(LINK, { transactionId: PAY, status: 'PAYED', amount: 4990 });
    expect(await link({ id: PAY, status: 'PAYED', amount: 4990, paymentType: 'PIX' })).toBe(200);
    const event = await eventually(async () => pipeline.events.find((e) => e.body.chargeKey === `paymentLink#${PAY}`));
    expect(event.body).toMatchObject({ status: 'PAID', confirmed: true, paymentLinkId: LINK, amounts: { paidAmount: 4990 } });
    expect(event.attributes).toMatchObject({ paymentLinkId: LINK, confirmed: 'true' });

    const forged = 'c0ffee00-0000-4000-8000-0000000000f1';
    expect(await link({ id: forged, status: 'PAYED', amount: 1 })).toBe(200);
    const parked = await eventually(async () => {
      const items = await parkedFor(forged);
      return items.length > 0 && items;
    });
    expect(parked.map((p) => [p.reason, p.message])).toEqual([
      ['contradicted_by_picpay', `the notification says PAYED for transaction ${forged}, PicPay lists no such transaction on Payment Link ${LINK}`],
    ]);
    expect(await stores.charges.load(`paymentLink#${forged}`)).toBeNull();
  });
});

test('a Payment Link payment whose PAYED webhook was lost is recovered by reconciliation through find-transactions', async () => {
  const LINK = 'c0ffee00-0000-4000-8000-000000000002';
  const PAY = 'c0ffee00-0000-4000-8000-0000000000b1';
  pipeline.sandbox.setLinkTransaction(LINK, { transactionId: PAY, status: 'PENDING', amount: 2500 });
  const res = await fetch(pipeline.urls.webhook, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: pipeline.tokens.checkoutToken, event_type: 'TransactionPaymentMessage' },
    body: JSON.stringify({ type: 'PAYMENT', data: { transaction: { id: PAY, status: 'PENDING', amount: 2500 }, charge: { paymentLinkId: LINK } } }),
  });
  expect(res.status).toBe(200);
  await eventually(async () => (await stores.charges.load(`paymentLink#${PAY}`))?.state.status === 'CREATED');
  // PicPay takes the payment; its webhook never arrives.
  pipeline.sandbox.setLinkTransaction(LINK, { transactionId: PAY, status: 'PAYED', amount: 2500 });
  await pipeline.reconcileNow({ minAgeSeconds: 0 });
  const event = await eventually(async () => pipeline.events.find((e) => e.body.chargeKey === `paymentLink#${PAY}` && e.body.status === 'PAID'));
  expect(event.body).toMatchObject({ previousStatus: 'CREATED', confirmed: true, paymentLinkId: LINK, source: { eventType: 'Reconciliation' } });
});
