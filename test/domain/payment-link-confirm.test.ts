/**
 * PicPay's word, not the body's, for Payment Link (issue: "a checkout, Pix or Payment Link
 * notification that moves money … is confirmed with PicPay (find-charge, find-transactions)").
 * PicPay's reference for find-transactions (`GET /paymentlink/{payment_link_id}/transactions`)
 * lists every transaction of a link, payments and refunds alike, each `{transactionId, status,
 * amount, createdAt, updatedAt}`, and answers 404 for a link it does not know [PicPay]. The
 * expected values below are written by hand from that page and docs/state-model.md.
 */
import { ParkError, PicPayUnavailableError } from '../../lambda/domain/errors.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { envelope } from '../picpay-examples.support.js';
import { memoryDeps } from './in-memory.support.js';

const LINK = '66a2dc04-6fcc-3a66-b570-ea367d7df281';
const PAY = 'b00389d2-e532-3f0e-8935-f24bb855983f';
const REFUND = 'afd2901c-db02-3fda-bba4-30023baeb2a2';

function notification(transaction: Record<string, unknown>, requestId: string, charge: unknown = { paymentLinkId: LINK }) {
  return envelope({
    flavour: 'checkout',
    eventType: 'TransactionPaymentMessage',
    requestId,
    body: JSON.stringify({ data: { transaction, ...(charge === null ? {} : { charge }) } }),
  });
}
const payed = (amount = 1000, charge?: unknown) => notification({ id: PAY, status: 'PAYED', amount, paymentType: 'PIX' }, 'pay', charge);
const refunded = (status: string, amount: number, charge?: unknown) =>
  notification({ id: REFUND, originalTransactionId: PAY, status, amount }, 'refund', charge);

/** PicPay's truth: the link's transactions as find-transactions lists them. */
function picpaySays(...transactions: Array<[string, string, number]>) {
  const setup = memoryDeps();
  setup.linkTransactions.enabled = true;
  setup.linkTransactions.links.set(
    LINK,
    transactions.map(([transactionId, status, amount]) => ({
      transactionId,
      status,
      amount,
      createdAt: '2025-04-15 09:44:10',
      updatedAt: '2025-04-15 09:44:10',
    })),
  );
  return setup;
}

describe('a Payment Link payment is applied as PicPay lists it', () => {
  test('PicPay lists the payment PAYED for the same amount: applied, the event says confirmed', async () => {
    const { deps, publisher, charges, linkTransactions } = picpaySays([PAY, 'PAYED', 1000]);
    expect(await processEnvelope(payed(), deps)).toMatchObject({ kind: 'applied', chargeKey: `paymentLink#${PAY}` });
    expect(linkTransactions.calls).toBe(1);
    expect(publisher.published.at(-1)).toMatchObject({ status: 'PAID', confirmed: true, paymentLinkId: LINK, amounts: { paidAmount: 1000 } });
    expect(charges.parked).toEqual([]);
  });

  test('PicPay lists the payment still PENDING: PicPay’s answer is applied, the claim parked as contradicted', async () => {
    const { deps, publisher, charges } = picpaySays([PAY, 'PENDING', 1000]);
    const outcome = await processEnvelope(payed(), deps);
    expect(outcome).toMatchObject({ kind: 'applied', contradiction: `the notification says PAYED, PicPay says PENDING` });
    expect(charges.items.get(`paymentLink#${PAY}`)!.state.status).toBe('CREATED');
    expect(publisher.published.map((e) => e.status)).toEqual(['CREATED']);
    expect(charges.parked.map((p) => [p.reason, p.message])).toEqual([['contradicted_by_picpay', 'the notification says PAYED, PicPay says PENDING']]);
  });

  test('PicPay lists another amount: contradicted, PicPay’s amount applied', async () => {
    const { deps, charges } = picpaySays([PAY, 'PAYED', 1000]);
    const outcome = await processEnvelope(payed(1), deps);
    expect(outcome).toMatchObject({ contradiction: 'the notification says PAYED of 1 centavos, PicPay says PAYED of 1000' });
    expect(charges.items.get(`paymentLink#${PAY}`)!.state.amounts).toMatchObject({ amount: 1000, paidAmount: 1000 });
  });

  test('PicPay lists no such transaction on the link: parked as contradicted, no charge, nothing published', async () => {
    const { deps, charges, publisher, links } = picpaySays(['another-payment', 'PAYED', 1000]);
    expect(await processEnvelope(payed(), deps)).toEqual({
      kind: 'parked',
      reason: 'contradicted_by_picpay',
      message: `the notification says PAYED for transaction ${PAY}, PicPay lists no such transaction on Payment Link ${LINK}`,
    });
    expect(charges.items.size).toBe(0);
    expect(publisher.published).toEqual([]);
    // Nor is it listed as a payment of the link: a later refund naming no payment is not misled by it.
    expect(links.payments.size).toBe(0);
  });

  test('PicPay does not know the link (404): parked as contradicted', async () => {
    const { deps } = picpaySays();
    const other = '11111111-2222-4333-8444-555555555555';
    expect(await processEnvelope(payed(1000, { paymentLinkId: other }), deps)).toEqual({
      kind: 'parked',
      reason: 'contradicted_by_picpay',
      message: `the notification says PAYED for transaction ${PAY}, PicPay does not know Payment Link ${other}`,
    });
  });

  test('the same notification delivered again is a duplicate (one PicPay answer, one record)', async () => {
    const { deps, publisher } = picpaySays([PAY, 'PAYED', 1000]);
    await processEnvelope(payed(), deps);
    expect(await processEnvelope(payed(), deps)).toMatchObject({ kind: 'duplicate' });
    expect(publisher.published).toHaveLength(1);
  });
});

describe('a Payment Link refund is applied only as PicPay lists it', () => {
  test('PicPay lists the refund transaction for the same amount: applied to the payment, confirmed', async () => {
    const { deps, charges, publisher } = picpaySays([PAY, 'PAYED', 1000], [REFUND, 'PARTREFUNDED', 250]);
    await processEnvelope(payed(), deps);
    expect(await processEnvelope(refunded('PARTREFUNDED', 250), deps)).toMatchObject({ kind: 'applied', chargeKey: `paymentLink#${PAY}` });
    expect(charges.items.get(`paymentLink#${PAY}`)!.state).toMatchObject({ status: 'PARTIALLY_REFUNDED', amounts: { refundedAmount: 250 } });
    expect(publisher.published.at(-1)).toMatchObject({ status: 'PARTIALLY_REFUNDED', confirmed: true });
  });

  test('a refund of another amount, or one PicPay has not done, changes nothing: parked as contradicted', async () => {
    const { deps, charges, publisher } = picpaySays([PAY, 'PAYED', 1000], [REFUND, 'PARTREFUNDED', 250]);
    await processEnvelope(payed(), deps);
    expect(await processEnvelope(refunded('PARTREFUNDED', 900), deps)).toEqual({
      kind: 'parked',
      reason: 'contradicted_by_picpay',
      message: 'the notification says PARTREFUNDED of 900 centavos, PicPay says PARTREFUNDED of 250',
    });
    expect(await processEnvelope({ ...refunded('REFUNDED', 250), requestId: 'full' }, deps)).toEqual({
      kind: 'parked',
      reason: 'contradicted_by_picpay',
      message: 'the notification says REFUNDED, PicPay says PARTREFUNDED',
    });
    expect(charges.items.get(`paymentLink#${PAY}`)!.state).toMatchObject({ status: 'PAID', amounts: { refundedAmount: null } });
    expect(publisher.published.map((e) => e.status)).toEqual(['PAID']);
  });

  test('a refund naming no link is asked about through the link its payment already has', async () => {
    const { deps, linkTransactions, publisher } = picpaySays([PAY, 'PAYED', 1000], [REFUND, 'REFUNDED', 1000]);
    await processEnvelope(payed(), deps);
    expect(await processEnvelope(refunded('REFUNDED', 1000, null), deps)).toMatchObject({ kind: 'applied' });
    expect(linkTransactions.calls).toBe(2);
    expect(publisher.published.at(-1)).toMatchObject({ status: 'REFUNDED', confirmed: true, paymentLinkId: LINK });
  });
});

describe('a refund amount left out, by the notification or by PicPay, is nothing to compare', () => {
  // Both sides read amounts leniently (payloads.ts): a missing amount is unknown, not zero.
  test('the notification names no amount; PicPay lists the refund: applied as PicPay lists it', async () => {
    const { deps, charges } = picpaySays([PAY, 'PAYED', 1000], [REFUND, 'PARTREFUNDED', 250]);
    await processEnvelope(payed(), deps);
    const noAmount = notification({ id: REFUND, originalTransactionId: PAY, status: 'PARTREFUNDED' }, 'refund-no-amount');
    expect(await processEnvelope(noAmount, deps)).toEqual({ kind: 'applied', chargeKey: `paymentLink#${PAY}`, published: 1 });
    expect(charges.items.get(`paymentLink#${PAY}`)!.state).toMatchObject({ status: 'PARTIALLY_REFUNDED', amounts: { refundedAmount: 250 } });
    expect(charges.parked).toEqual([]);
  });

  test('PicPay lists the refund without an amount: applied, not parked', async () => {
    const { deps, charges, linkTransactions } = picpaySays([PAY, 'PAYED', 1000]);
    linkTransactions.links
      .get(LINK)!
      .push({ transactionId: REFUND, status: 'PARTREFUNDED', createdAt: '2025-04-15 09:50:00', updatedAt: '2025-04-15 09:50:00' });
    await processEnvelope(payed(), deps);
    expect(await processEnvelope(refunded('PARTREFUNDED', 250), deps)).toEqual({ kind: 'applied', chargeKey: `paymentLink#${PAY}`, published: 1 });
    expect(charges.items.get(`paymentLink#${PAY}`)!.state.status).toBe('PARTIALLY_REFUNDED');
    expect(charges.parked).toEqual([]);
  });
});

describe('what is applied as sent (confirmed: false)', () => {
  test('without PicPay API credentials', async () => {
    const { deps, publisher, linkTransactions } = memoryDeps();
    await processEnvelope(payed(), deps);
    expect(linkTransactions.calls).toBe(0);
    expect(publisher.published.at(-1)).toMatchObject({ status: 'PAID', confirmed: false });
  });

  test('when neither the body nor the charge names the link (PicPay cannot be asked without it)', async () => {
    const { deps, publisher, linkTransactions } = picpaySays([PAY, 'PAYED', 1000]);
    await processEnvelope(payed(1000, null), deps);
    expect(linkTransactions.calls).toBe(0);
    expect(publisher.published.at(-1)).toMatchObject({ status: 'PAID', confirmed: false, paymentLinkId: null });
  });

  test.each([['PENDING'], ['AUTHORIZED'], ['DENIED']])('%s moves no money: applied as sent, PicPay not asked', async (status) => {
    const { deps, linkTransactions, publisher } = picpaySays([PAY, 'PAYED', 1000]);
    await processEnvelope(notification({ id: PAY, status, amount: 1000 }, 'attempt'), deps);
    expect(linkTransactions.calls).toBe(0);
    expect(publisher.published.at(-1)).toMatchObject({ confirmed: false });
  });

  test('PicPay unavailable: the error propagates (the notification is retried), nothing parked or applied', async () => {
    const { deps, charges, linkTransactions } = picpaySays([PAY, 'PAYED', 1000]);
    linkTransactions.findLinkTransactions = async () => {
      throw new PicPayUnavailableError('PicPay find-transactions failed after 3 attempts (http_503)');
    };
    await expect(processEnvelope(payed(), deps)).rejects.toThrow(PicPayUnavailableError);
    expect(charges.parked).toEqual([]);
    expect(charges.items.size).toBe(0);
  });
});

describe('a refund naming no payment is matched through PicPay’s own listing of the link, when PicPay can be asked', () => {
  const PAY_B = 'c1a2b3c4-0000-4000-8000-0000000000b2';
  const unnamed = (status = 'REFUNDED', amount = 1000) => notification({ id: REFUND, status, amount }, 'unnamed-refund', { paymentLinkId: LINK });

  test('PicPay lists two paid payments, only one of them received yet: parked unmatched_refund, never matched to the first', async () => {
    // Reproduces an order the chaos run found: payment A, then the refund, then payment B.
    const { deps, charges, publisher } = picpaySays([PAY, 'PAYED', 1000], [PAY_B, 'PAYED', 1000], [REFUND, 'REFUNDED', 1000]);
    await processEnvelope(payed(), deps);
    expect(await processEnvelope(unnamed(), deps)).toEqual({
      kind: 'parked',
      reason: 'unmatched_refund',
      message: `A Payment Link refund (transaction ${REFUND}) names no originalTransactionId; PicPay lists 2 paid payments on link ${LINK}`,
    });
    expect(charges.items.get(`paymentLink#${PAY}`)!.state.status).toBe('PAID');
    expect(publisher.published.map((e) => e.status)).toEqual(['PAID']);
  });

  test('PicPay lists one paid payment (and refunds and attempts beside it): the refund is matched to it, even before its webhook', async () => {
    const { deps, charges, linkTransactions, publisher } = picpaySays(
      ['attempt-1', 'DENIED', 1000],
      [PAY, 'PAYED', 1000],
      [REFUND, 'REFUNDED', 1000],
      ['old-refund', 'PARTREFUNDED', 100],
    );
    expect(await processEnvelope(unnamed(), deps)).toMatchObject({ kind: 'applied', chargeKey: `paymentLink#${PAY}` });
    // One listing matched the refund and confirmed it: PicPay asked once, the event confirmed.
    expect(linkTransactions.calls).toBe(1);
    expect(publisher.published.at(-1)).toMatchObject({ status: 'REFUNDED', confirmed: true });
    expect(charges.items.get(`paymentLink#${PAY}`)!.state).toMatchObject({ status: 'REFUNDED', amounts: { refundedAmount: 1000 } });
  });

  test('PicPay lists no paid payment, or does not know the link: parked, nothing applied', async () => {
    const none = picpaySays(['attempt-1', 'PENDING', 1000], [REFUND, 'REFUNDED', 1000]);
    expect(await processEnvelope(unnamed(), none.deps)).toMatchObject({
      kind: 'parked',
      reason: 'unmatched_refund',
      message: `A Payment Link refund (transaction ${REFUND}) names no originalTransactionId; PicPay lists 0 paid payments on link ${LINK}`,
    });
    const unknown = picpaySays();
    unknown.linkTransactions.links.clear();
    expect(await processEnvelope(unnamed(), unknown.deps)).toEqual({
      kind: 'parked',
      reason: 'contradicted_by_picpay',
      message: `A Payment Link refund (transaction ${REFUND}) names no originalTransactionId, PicPay does not know Payment Link ${LINK}`,
    });
    expect(unknown.charges.items.size).toBe(0);
  });
});

describe('an unnamed refund when PicPay cannot answer about its link', () => {
  const unnamed = () => notification({ id: REFUND, status: 'REFUNDED', amount: 1000 }, 'unnamed-refund', { paymentLinkId: LINK });

  test('PicPay unavailable: the error propagates (retried), nothing parked', async () => {
    const { deps, charges, linkTransactions } = picpaySays([PAY, 'PAYED', 1000]);
    linkTransactions.findLinkTransactions = async () => {
      throw new PicPayUnavailableError('PicPay find-transactions failed after 3 attempts (http_503)');
    };
    await expect(processEnvelope(unnamed(), deps)).rejects.toThrow(PicPayUnavailableError);
    expect(charges.parked).toEqual([]);
  });

  test('another reason PicPay’s client refuses (an id it will not put in a path) is parked as that reason, not as a contradiction', async () => {
    const { deps, linkTransactions } = picpaySays([PAY, 'PAYED', 1000]);
    linkTransactions.findLinkTransactions = async () => {
      throw new ParkError('unexpected_shape', 'paymentLinkId cannot be a URL path segment');
    };
    expect(await processEnvelope(unnamed(), deps)).toEqual({
      kind: 'parked',
      reason: 'unexpected_shape',
      message: 'paymentLinkId cannot be a URL path segment',
    });
  });
});
