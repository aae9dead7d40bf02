/**
 * Payment Link as integrators receive it (../shared/picpay.md, "What PicPay's own files and other
 * integrators' code add", Payment Link; docs/picpay-contracts.md): a top-level `type` (`PAYMENT`,
 * `REFUND`) and `data.charge.paymentLinkId`, the id the merchant got when it created the link and
 * the only one it can find its order by [several unrelated integrators]. A link can be paid more
 * than once (`max_payment_quantity`) [PicPay]. Expected values written by hand from those.
 */
import { eventAttributes } from '../../lambda/domain/events.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { envelope } from '../picpay-examples.support.js';
import { memoryDeps } from './in-memory.support.js';

const LINK = 'c5f2a0d4-7a1e-4c1b-9f3e-2d8b6a4e1f00';
const PAY_1 = '11111111-1111-4111-8111-111111111111';
const PAY_2 = '22222222-2222-4222-8222-222222222222';
const REFUND_1 = '33333333-3333-4333-8333-333333333333';

function link(body: { type?: string; transaction: Record<string, unknown>; charge?: unknown }, requestId: string) {
  const { type, transaction, charge } = body;
  return envelope({
    flavour: 'checkout',
    eventType: 'TransactionPaymentMessage',
    requestId,
    body: JSON.stringify({ ...(type ? { type } : {}), data: { transaction, ...(charge === undefined || charge === null ? {} : { charge }) } }),
  });
}

const payment = (id: string, requestId = `pay-${id}`) =>
  link({ type: 'PAYMENT', transaction: { id, status: 'PAYED', amount: 10000, paymentType: 'PIX' }, charge: { paymentLinkId: LINK, amount: 10000 } }, requestId);

const refundWithoutPayment = (over: Record<string, unknown> = {}, charge: unknown = { paymentLinkId: LINK }) =>
  link({ type: 'REFUND', transaction: { id: REFUND_1, status: 'PARTREFUNDED', amount: 2500, ...over }, charge }, 'refund');

describe('every charge, history entry and event of a Payment Link carries its paymentLinkId', () => {
  test('a payment: the charge, its history entry, its event and the event’s SNS attributes name the link', async () => {
    const { deps, charges, publisher, links } = memoryDeps();
    expect(await processEnvelope(payment(PAY_1), deps)).toMatchObject({ kind: 'applied', chargeKey: `paymentLink#${PAY_1}` });
    const state = charges.items.get(`paymentLink#${PAY_1}`)!.state;
    expect(state.paymentLinkId).toBe(LINK);
    expect(state.history.map((h) => h.paymentLinkId)).toEqual([LINK]);
    const event = publisher.published[0]!;
    expect(event).toMatchObject({ flavour: 'paymentLink', chargeId: PAY_1, status: 'PAID', paymentLinkId: LINK });
    expect(eventAttributes(event)).toEqual({
      type: 'picpay.charge.status_changed',
      status: 'PAID',
      previousStatus: 'NONE',
      flavour: 'paymentLink',
      eventType: 'TransactionPaymentMessage',
      confirmed: 'false',
      paymentLinkId: LINK,
    });
    expect(await links.paymentsOf(LINK, 10)).toEqual([PAY_1]);
  });

  test('a link paid twice: two charges, one per payment, each with the link; both listed under the link', async () => {
    const { deps, charges, publisher, links } = memoryDeps();
    await processEnvelope(payment(PAY_1), deps);
    await processEnvelope(payment(PAY_2), deps);
    expect([...charges.items.keys()].sort()).toEqual([`paymentLink#${PAY_1}`, `paymentLink#${PAY_2}`]);
    expect(publisher.published.map((e) => [e.chargeId, e.paymentLinkId])).toEqual([
      [PAY_1, LINK],
      [PAY_2, LINK],
    ]);
    expect(await links.paymentsOf(LINK, 10)).toEqual([PAY_1, PAY_2]);
  });

  test('a refund that names its payment but not the link still carries the link the payment has', async () => {
    const { deps, publisher, charges } = memoryDeps();
    await processEnvelope(payment(PAY_1), deps);
    const refund = link({ type: 'REFUND', transaction: { id: REFUND_1, originalTransactionId: PAY_1, status: 'PARTREFUNDED', amount: 2500 } }, 'refund');
    expect(await processEnvelope(refund, deps)).toMatchObject({ kind: 'applied', chargeKey: `paymentLink#${PAY_1}` });
    expect(publisher.published.at(-1)).toMatchObject({ status: 'PARTIALLY_REFUNDED', paymentLinkId: LINK, amounts: { refundedAmount: 2500 } });
    expect(charges.items.get(`paymentLink#${PAY_1}`)!.state.history.map((h) => h.paymentLinkId)).toEqual([LINK, LINK]);
  });

  test('other flavours, and a Payment Link without data.charge, have paymentLinkId null and no such SNS attribute', async () => {
    const { deps, publisher } = memoryDeps();
    await processEnvelope(link({ transaction: { id: PAY_1, status: 'PAYED', amount: 10000 } }, 'bare'), deps);
    const event = publisher.published[0]!;
    expect(event.paymentLinkId).toBeNull();
    expect(Object.keys(eventAttributes(event))).not.toContain('paymentLinkId');
  });

  test.each([
    ['not an id: a path segment', { paymentLinkId: '..' }],
    ['not an id: an object', { paymentLinkId: { id: LINK } }],
    ['empty', { paymentLinkId: '  ' }],
    ['data.charge not an object', 'link'],
  ])('a paymentLinkId that is %s is left out; the payment is applied all the same', async (_, charge) => {
    const { deps, charges, links } = memoryDeps();
    expect(await processEnvelope(link({ transaction: { id: PAY_1, status: 'PAYED', amount: 10000 }, charge }, 'odd'), deps)).toMatchObject({ kind: 'applied' });
    expect(charges.items.get(`paymentLink#${PAY_1}`)!.state.paymentLinkId).toBeUndefined();
    expect(links.payments.size).toBe(0);
  });
});

describe('a refund that names no originalTransactionId is matched through its link', () => {
  test('the link has exactly one payment: the refund is applied to it', async () => {
    const { deps, charges, publisher } = memoryDeps();
    await processEnvelope(payment(PAY_1), deps);
    expect(await processEnvelope(refundWithoutPayment(), deps)).toMatchObject({ kind: 'applied', chargeKey: `paymentLink#${PAY_1}` });
    expect(charges.items.get(`paymentLink#${PAY_1}`)!.state).toMatchObject({ status: 'PARTIALLY_REFUNDED', amounts: { refundedAmount: 2500 } });
    expect(publisher.published.at(-1)).toMatchObject({ chargeId: PAY_1, paymentLinkId: LINK, previousStatus: 'PAID' });
    expect(charges.items.has(`paymentLink#${REFUND_1}`)).toBe(false);
  });

  test('the link has two payments: parked, with a reason that says so; nothing is applied', async () => {
    const { deps, charges, publisher } = memoryDeps();
    await processEnvelope(payment(PAY_1), deps);
    await processEnvelope(payment(PAY_2), deps);
    const before = publisher.published.length;
    expect(await processEnvelope(refundWithoutPayment(), deps)).toEqual({
      kind: 'parked',
      reason: 'unmatched_refund',
      message: `A Payment Link refund (transaction ${REFUND_1}) names no originalTransactionId; link ${LINK} has more than one payment`,
    });
    expect(publisher.published.length).toBe(before);
    expect(charges.items.get(`paymentLink#${PAY_1}`)!.state.status).toBe('PAID');
  });

  test('the link has no payment recorded yet (the refund overtook it): parked, to be replayed once it is', async () => {
    const { deps, charges } = memoryDeps();
    expect(await processEnvelope(refundWithoutPayment(), deps)).toEqual({
      kind: 'parked',
      reason: 'unmatched_refund',
      message: `A Payment Link refund (transaction ${REFUND_1}) names no originalTransactionId; link ${LINK} has no payment recorded yet (replay it once the payment is)`,
    });
    expect(charges.items.size).toBe(0);
    // Replayed after the payment arrived, it is applied.
    await processEnvelope(payment(PAY_1), deps);
    expect(await processEnvelope({ ...refundWithoutPayment(), requestId: 'replayed' }, deps)).toMatchObject({
      kind: 'applied',
      chargeKey: `paymentLink#${PAY_1}`,
    });
  });

  test('the refund names no link either: parked, never a charge of its own', async () => {
    const { deps, charges } = memoryDeps();
    expect(await processEnvelope(refundWithoutPayment({}, null), deps)).toEqual({
      kind: 'parked',
      reason: 'unmatched_refund',
      message: `A Payment Link refund (transaction ${REFUND_1}) names no originalTransactionId and no data.charge.paymentLinkId`,
    });
    expect(charges.items.size).toBe(0);
  });

  test('type REFUND makes it a refund whatever its status: a pending refund naming no payment is not a new charge', async () => {
    const { deps, charges } = memoryDeps();
    expect(await processEnvelope(refundWithoutPayment({ status: 'PENDING' }), deps)).toMatchObject({ kind: 'parked', reason: 'unmatched_refund' });
    expect(charges.items.size).toBe(0);
    // Without the type, a PENDING transaction naming no payment is a payment of its own.
    const pending = link({ transaction: { id: PAY_1, status: 'PENDING', amount: 10000 }, charge: { paymentLinkId: LINK } }, 'pending');
    expect(await processEnvelope(pending, deps)).toMatchObject({ kind: 'applied', chargeKey: `paymentLink#${PAY_1}` });
  });

  test('a refund status without a type is a refund too (PicPay’s page shows no type)', async () => {
    const { deps } = memoryDeps();
    const refund = link({ transaction: { id: REFUND_1, status: 'REFUNDED', amount: 10000 }, charge: { paymentLinkId: LINK } }, 'refund');
    expect(await processEnvelope(refund, deps)).toMatchObject({ kind: 'parked', reason: 'unmatched_refund' });
  });
});
