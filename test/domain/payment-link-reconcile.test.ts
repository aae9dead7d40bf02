/**
 * Payment Link payments left waiting are re-read with PicPay's find-transactions (issue: "a lost
 * Payment Link webhook can be recovered like a checkout charge"). PicPay's reference lists a
 * link's transactions as `{transactionId, status, amount, createdAt, updatedAt}` and answers 404
 * for a link it does not know [PicPay]. Expected values written by hand.
 */
import type { Envelope } from '../../lambda/domain/envelope.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { isAwaiting, reconcile, reconciliationEnvelope } from '../../lambda/domain/reconcile.js';
import { envelope } from '../picpay-examples.support.js';
import { memoryDeps } from './in-memory.support.js';

const LINK = '66a2dc04-6fcc-3a66-b570-ea367d7df281';
const PAY = 'b00389d2-e532-3f0e-8935-f24bb855983f';
const settings = { minAgeMs: 30 * 60_000, maxAgeMs: 7 * 86_400_000, maxPerRun: 10 };

const pending = (charge: unknown = { paymentLinkId: LINK }) =>
  envelope({
    flavour: 'checkout',
    eventType: 'TransactionPaymentMessage',
    requestId: 'pending',
    body: JSON.stringify({ data: { transaction: { id: PAY, status: 'PENDING', amount: 4990 }, ...(charge === null ? {} : { charge }) } }),
  });

async function waitingPayment(picpay: Array<[string, string, number]> | null) {
  const setup = memoryDeps(Date.parse('2024-07-01T12:00:00Z'));
  await processEnvelope(pending(), setup.deps);
  if (picpay !== null) {
    setup.linkTransactions.enabled = true;
    setup.linkTransactions.links.set(
      LINK,
      picpay.map(([transactionId, status, amount]) => ({ transactionId, status, amount })),
    );
  }
  const sent: Envelope[] = [];
  const run = (at: string) => reconcile(settings, { ...setup.charges.reconcilePorts(), enqueue: async (e) => void sent.push(...e), now: () => Date.parse(at) });
  return { ...setup, sent, run };
}

describe('a Payment Link payment left waiting is asked about through its link', () => {
  test('a pending payment whose link is known waits in the index; one whose link is not cannot be asked about', async () => {
    const { charges } = await waitingPayment(null);
    expect(charges.awaiting.has(`paymentLink#${PAY}`)).toBe(true);
    const other = memoryDeps();
    await processEnvelope(pending(null), other.deps);
    expect(other.charges.awaiting.size).toBe(0);
  });

  test('its PAYED webhook was lost: the check reads PAYED from find-transactions, applies PAID and publishes it', async () => {
    const { deps, charges, publisher, sent, run } = await waitingPayment([[PAY, 'PAYED', 4990]]);
    expect(await run('2024-07-01T13:00:00Z')).toMatchObject({ enqueued: 1, byFlavour: { legacy: 0, checkout: 0, paymentLink: 1 } });
    expect(sent.map((e) => [e.flavour, e.eventType, JSON.parse(e.body)])).toEqual([['checkout', 'Reconciliation', { paymentId: PAY }]]);
    expect(await processEnvelope(sent[0]!, deps)).toMatchObject({ kind: 'applied', chargeKey: `paymentLink#${PAY}` });
    expect(publisher.published.at(-1)).toMatchObject({
      status: 'PAID',
      previousStatus: 'CREATED',
      confirmed: true,
      paymentLinkId: LINK,
      amounts: { paidAmount: 4990 },
      source: { eventType: 'Reconciliation' },
    });
    expect(charges.awaiting.has(`paymentLink#${PAY}`)).toBe(false);
  });

  test('still PENDING at PicPay: nothing published, asked again on a later run', async () => {
    const { deps, publisher, sent, run } = await waitingPayment([[PAY, 'PENDING', 4990]]);
    await run('2024-07-01T13:00:00Z');
    const before = publisher.published.length;
    expect(await processEnvelope(sent[0]!, deps)).toMatchObject({ kind: 'duplicate' });
    expect(publisher.published.length).toBe(before);
    await run('2024-07-01T13:31:00Z');
    expect(sent).toHaveLength(2);
  });

  test('PicPay does not list the payment on its link (other payments, or none): parked once, never asked again', async () => {
    for (const [picpay, reason, message] of [
      [[['someone-else', 'PAYED', 4990]], 'unknown_charge', `PicPay lists no transaction ${PAY} on Payment Link ${LINK}`],
      [[], 'unknown_charge', `PicPay lists no transaction ${PAY} on Payment Link ${LINK}`],
    ] as const) {
      const { deps, charges, sent, run } = await waitingPayment(picpay.map((t) => [...t]));
      await run('2024-07-01T13:00:00Z');
      expect(await processEnvelope(sent[0]!, deps)).toEqual({ kind: 'parked', reason, message });
      expect(charges.awaiting.has(`paymentLink#${PAY}`)).toBe(false);
      await run('2024-07-01T14:00:00Z');
      expect(sent).toHaveLength(1);
    }
  });

  test('a link PicPay does not know (404): parked as unknown_payment_link, out of the index', async () => {
    const { deps, charges, sent, run, linkTransactions } = await waitingPayment([]);
    linkTransactions.links.clear();
    await run('2024-07-01T13:00:00Z');
    expect(await processEnvelope(sent[0]!, deps)).toMatchObject({ kind: 'parked', reason: 'unknown_payment_link' });
    expect(charges.awaiting.has(`paymentLink#${PAY}`)).toBe(false);
  });

  test('without PicPay API credentials the check is skipped: nothing parked, stored or published', async () => {
    const { deps, charges, publisher, sent, run } = await waitingPayment(null);
    await run('2024-07-01T13:00:00Z');
    const before = publisher.published.length;
    expect(await processEnvelope(sent[0]!, deps)).toEqual({
      kind: 'skipped',
      reason: 'Payment Link reconciliation is off: no picpayClientId/picpayClientSecret in the PicPay credentials secret',
    });
    expect(charges.parked).toEqual([]);
    expect(publisher.published.length).toBe(before);
  });

  test('a public request naming the check is parked as internal_event_type; PicPay is never asked', async () => {
    const { deps, linkTransactions } = await waitingPayment([[PAY, 'PAYED', 4990]]);
    const forged = envelope({ flavour: 'checkout', eventType: 'Reconciliation', origin: 'picpay', body: JSON.stringify({ paymentId: PAY }) });
    expect(await processEnvelope(forged, deps)).toMatchObject({ kind: 'parked', reason: 'internal_event_type' });
    expect(linkTransactions.calls).toBe(0);
  });
});

describe('isAwaiting: which charges wait in the awaiting index', () => {
  test.each([
    // flavour, status, paymentLinkId, awaiting
    ['legacy', 'CREATED', undefined, true],
    ['checkout', 'AUTHORIZED', undefined, true],
    ['checkout', 'ANALYSIS', undefined, true],
    ['checkout', 'UNKNOWN', undefined, true],
    ['checkout', 'PAID', undefined, false],
    ['legacy', null, undefined, false],
    ['paymentLink', 'CREATED', LINK, true],
    ['paymentLink', 'CREATED', undefined, false],
    ['paymentLink', 'PAID', LINK, false],
  ] as const)('%s %s (link %s): %s', (flavour, status, paymentLinkId, awaiting) => {
    expect(isAwaiting({ flavour, status, ...(paymentLinkId === undefined ? {} : { paymentLinkId }) })).toBe(awaiting);
  });
});

describe('reconciliation checks the processor cannot act on', () => {
  test('a Payment Link check for a payment whose charge names no link is skipped, with the reason', async () => {
    const { deps, linkTransactions } = memoryDeps(Date.parse('2024-07-01T12:00:00Z'));
    linkTransactions.enabled = true;
    await processEnvelope(pending(null), deps);
    const check = { ...reconciliationEnvelope({ flavour: 'paymentLink', chargeId: PAY }, Date.parse('2024-07-01T13:00:00Z')) };
    expect(await processEnvelope(check, deps)).toEqual({ kind: 'skipped', reason: `Payment Link payment ${PAY} names no link to ask PicPay about` });
    expect(linkTransactions.calls).toBe(0);
  });

  test('a check whose body is not JSON is parked as a shape no check has', async () => {
    const { deps } = memoryDeps();
    const check = { ...reconciliationEnvelope({ flavour: 'checkout', chargeId: 'co-1' }, Date.parse('2024-07-01T13:00:00Z')), body: 'not json' };
    expect(await processEnvelope(check, deps)).toEqual({
      kind: 'parked',
      reason: 'unexpected_shape',
      message: 'Reconciliation check names no merchantChargeId',
    });
  });
});

test('a Payment Link check naming an empty paymentId is no Payment Link check: read as a checkout one, which names no charge', async () => {
  const { deps } = memoryDeps();
  const check = {
    ...reconciliationEnvelope({ flavour: 'paymentLink', chargeId: 'x' }, Date.parse('2024-07-01T13:00:00Z')),
    body: JSON.stringify({ paymentId: '' }),
  };
  expect(await processEnvelope(check, deps)).toEqual({ kind: 'parked', reason: 'unexpected_shape', message: 'Reconciliation check names no merchantChargeId' });
});
