/**
 * Bounded by design (issue: "no input sequence can grow one item past DynamoDB's limit";
 * docs/security.md, "What a token holder can make you store"). Expected values written by hand:
 * a Payment Link payment keeps at most 50 refund transactions; a charge PicPay does not know is
 * parked once by reconciliation, not once per run.
 */
import type { ChargeState } from '../../lambda/domain/charge.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { reconcile, reconciliationEnvelope } from '../../lambda/domain/reconcile.js';
import type { Envelope } from '../../lambda/domain/envelope.js';
import { envelope } from '../picpay-examples.support.js';
import { memoryDeps } from './in-memory.support.js';

const PAYMENT = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';

/** A Payment Link notification as PicPay's webhook page shows it (`data.transaction`). */
function linkNotification(transaction: Record<string, unknown>, requestId: string): Envelope {
  return envelope({
    flavour: 'checkout',
    eventType: 'TransactionPaymentMessage',
    requestId,
    body: JSON.stringify({ type: transaction.originalTransactionId ? 'REFUND' : 'PAYMENT', data: { transaction } }),
  });
}

const paid = () => linkNotification({ id: PAYMENT, status: 'PAYED', amount: 1_000_000, paymentType: 'PIX' }, 'pay');
/** The n-th partial refund of 1 centavo, its transaction id as long as an id may be (200 characters). */
const refund = (n: number) =>
  linkNotification({ id: `r${String(n).padStart(199, '0')}`, originalTransactionId: PAYMENT, status: 'PART_REFUNDED', amount: 1 }, `refund-${n}`);

describe('a Payment Link payment keeps at most 50 refund transactions', () => {
  test('the 51st refund is parked with the reason, never recorded; a known refund delivered again is still a duplicate', async () => {
    const { deps, charges, publisher } = memoryDeps();
    await processEnvelope(paid(), deps);
    for (let n = 1; n <= 50; n++) expect(await processEnvelope(refund(n), deps)).toMatchObject({ kind: 'applied' });
    const stored = (): ChargeState => charges.items.get(`paymentLink#${PAYMENT}`)!.state;
    expect(stored().amounts!.refundedAmount).toBe(50);
    const published = publisher.published.length;
    const writes = charges.writes;

    expect(await processEnvelope(refund(51), deps)).toEqual({
      kind: 'parked',
      reason: 'too_many_refunds',
      message: `paymentLink#${PAYMENT} already has 50 refund transactions, the most one payment keeps`,
    });
    expect(charges.parked.map((p) => [p.reason, p.envelope.requestId])).toEqual([['too_many_refunds', 'refund-51']]);
    expect(stored().amounts!.refundedAmount).toBe(50);
    expect(Object.keys(stored().refunds!)).toHaveLength(50);
    expect(publisher.published.length).toBe(published);
    expect(charges.writes).toBe(writes);

    // One of the 50 delivered again is what it always was: a duplicate, not an overflow.
    expect(await processEnvelope({ ...refund(7), requestId: 'refund-7-again' }, deps)).toMatchObject({ kind: 'duplicate' });
  });

  test('at the cap, with every id at its longest, the item is far under DynamoDB’s 400 KB', async () => {
    const { deps, charges } = memoryDeps();
    await processEnvelope(paid(), deps);
    for (let n = 1; n <= 60; n++) await processEnvelope(refund(n), deps);
    const item = charges.items.get(`paymentLink#${PAYMENT}`)!.state;
    // 50 refunds of ~230 bytes each, 51 history entries: about 40 KB.
    expect(Buffer.byteLength(JSON.stringify(item.refunds))).toBeLessThan(50 * 240);
    expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(100 * 1024);
  });
});

describe('a charge PicPay does not know is parked once by reconciliation, then left alone', () => {
  const settings = { minAgeMs: 30 * 60_000, maxAgeMs: 7 * 86_400_000, maxPerRun: 10 };
  const run = async (charges: ReturnType<typeof memoryDeps>['charges'], at: string) => {
    const sent: Envelope[] = [];
    await reconcile(settings, { ...charges.reconcilePorts(), enqueue: async (e) => void sent.push(...e), now: () => Date.parse(at) });
    return sent;
  };

  test('checkout: find-charge answers 404, the charge leaves the awaiting index, the next runs do not ask again', async () => {
    const { deps, charges, findCharge } = memoryDeps(Date.parse('2024-07-01T12:00:00Z'));
    const created = envelope({
      flavour: 'checkout',
      eventType: 'TransactionUpdateMessage',
      body: JSON.stringify({
        type: 'PAYMENT',
        eventDate: '2024-07-01T09:00:00-03:00',
        data: { status: 'PENDING', amount: 5000, merchantChargeId: 'forged-1' },
      }),
    });
    await processEnvelope(created, deps);
    findCharge.enabled = true;
    const first = await run(charges, '2024-07-01T13:00:00Z');
    expect(first.map((e) => JSON.parse(e.body))).toEqual([{ merchantChargeId: 'forged-1' }]);
    expect(await processEnvelope(first[0]!, deps)).toMatchObject({ kind: 'parked', reason: 'unknown_charge' });
    expect(charges.awaiting.has('checkout#forged-1')).toBe(false);
    expect(await run(charges, '2024-07-01T14:00:00Z')).toEqual([]);
    expect(await run(charges, '2024-07-05T14:00:00Z')).toEqual([]);
    expect(charges.parked.map((p) => p.reason)).toEqual(['unknown_charge']);
    // The charge itself is kept as it was, for the operator to look at.
    expect(charges.items.get('checkout#forged-1')!.state.status).toBe('CREATED');
  });

  test('legacy: the status API answers 404 for a registered payment, it is checked once, parked once', async () => {
    const { deps, charges } = memoryDeps(Date.parse('2024-07-01T12:00:00Z'));
    const registration = envelope({
      flavour: 'legacy',
      eventType: 'Registration',
      origin: 'merchant',
      body: JSON.stringify({ referenceId: 'order-404', expiresAt: '2024-07-03T12:00:00Z' }),
    });
    expect(await processEnvelope(registration, deps)).toMatchObject({ kind: 'registered' });
    const first = await run(charges, '2024-07-01T13:00:00Z');
    expect(first.map((e) => JSON.parse(e.body))).toEqual([{ referenceId: 'order-404' }]);
    expect(await processEnvelope(first[0]!, deps)).toMatchObject({ kind: 'parked', reason: 'unknown_reference' });
    expect(await run(charges, '2024-07-01T14:00:00Z')).toEqual([]);
    expect(charges.parked).toHaveLength(1);
  });

  test('only reconciliation’s own checks retire: a PicPay callback for an unknown reference leaves a waiting charge waiting', async () => {
    const { deps, charges, picpay } = memoryDeps(Date.parse('2024-07-01T12:00:00Z'));
    picpay.statuses.set('order-1', { referenceId: 'order-1', status: 'created' });
    await processEnvelope(envelope({ flavour: 'legacy', body: JSON.stringify({ referenceId: 'order-1' }) }), deps);
    expect(charges.awaiting.has('legacy#order-1')).toBe(true);
    picpay.statuses.delete('order-1');
    const callback = envelope({ flavour: 'legacy', origin: 'picpay', body: JSON.stringify({ referenceId: 'order-1' }) });
    expect(await processEnvelope(callback, deps)).toMatchObject({ kind: 'parked', reason: 'unknown_reference' });
    expect(charges.awaiting.has('legacy#order-1')).toBe(true);
    // The reconciler's check of the same charge does retire it.
    expect(await processEnvelope(reconciliationEnvelope({ flavour: 'legacy', chargeId: 'order-1' }, Date.parse('2024-07-01T13:00:00Z')), deps)).toMatchObject({
      kind: 'parked',
    });
    expect(charges.awaiting.has('legacy#order-1')).toBe(false);
  });
});
