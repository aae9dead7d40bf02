/**
 * PicPay's word, not the body's (issue 25): with PicPay API credentials, a checkout or Pix
 * notification that moves money or closes a charge is confirmed with find-charge, and what
 * PicPay answers is applied. Every expected value here is written by hand from the rule in
 * lambda/domain/confirm.ts's comment: PicPay behind the claim (an earlier lifecycle step, the
 * same status with another amount or less refunded, or no such charge) is a contradiction.
 */
import { ParkError, PicPayUnavailableError } from '../../lambda/domain/errors.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { CHARGE_ID, envelope, paymentEvent, THREE_DS_EVENT } from '../picpay-examples.support.js';
import { memoryDeps } from './in-memory.support.js';

const KEY = `checkout#${CHARGE_ID}`;

function webhook(status: string, extra: { amount?: number; refundedAmount?: number; eventDate?: string } = {}) {
  return envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: JSON.stringify(paymentEvent({ status, ...extra })) });
}

function verifying(picpay: { chargeStatus: string; amount?: number; refundedAmount?: number } | null) {
  const memory = memoryDeps();
  memory.findCharge.enabled = true;
  if (picpay) memory.findCharge.charges.set(CHARGE_ID, { originalAmount: 10000, amount: 10000, refundedAmount: 0, ...picpay });
  return memory;
}

describe('a money-moving checkout notification is confirmed with PicPay', () => {
  test.each([
    // claimed, PicPay says, status applied, contradiction (null: none)
    ['PAID', 'PAID', 'PAID', null],
    ['PAID', 'REFUNDED', 'REFUNDED', null], // PicPay has moved on since: its word, no contradiction
    ['CANCELED', 'PAID', 'PAID', null], // money moved after all: PicPay is ahead, not behind
    ['CHARGEBACK', 'CHARGEBACK', 'CHARGEBACK', null],
    ['EXPIRED', 'EXPIRED', 'EXPIRED', null],
    ['PAID', 'PRE_AUTHORIZED', 'AUTHORIZED', 'the notification says PAID, PicPay says PRE_AUTHORIZED'],
    ['PAID', 'CREATED', 'CREATED', 'the notification says PAID, PicPay says CREATED'],
    ['REFUNDED', 'PARTIAL', 'PARTIALLY_REFUNDED', 'the notification says REFUNDED, PicPay says PARTIAL'],
    ['CHARGEBACK', 'PAID', 'PAID', null], // the dispute won since (chargeback reversed): PicPay's word, no alarm
    ['CHARGEBACK', 'PARTIAL', 'PARTIALLY_REFUNDED', null], // the same: money moved after the chargeback
    ['CHARGEBACK', 'CANCELED', 'CANCELED', 'the notification says CHARGEBACK, PicPay says CANCELED'], // no money ever moved
    ['CANCELED', 'EXPIRED', 'EXPIRED', 'the notification says CANCELED, PicPay says EXPIRED'],
  ])('claimed %s, PicPay says %s: %s is applied (contradiction: %s)', async (claimed, says, applied, contradiction) => {
    const { deps, charges, publisher, findCharge } = verifying({ chargeStatus: says });
    const outcome = await processEnvelope(webhook(claimed), deps);
    expect(findCharge.calls).toBe(1);
    expect(outcome).toMatchObject({ kind: 'applied', chargeKey: KEY });
    expect(outcome.kind !== 'parked' && outcome.kind !== 'skipped' && (outcome.contradiction ?? null)).toBe(contradiction);
    expect(charges.items.get(KEY)!.state.status).toBe(applied);
    // The claim lends its payment type (WALLET in the body) only when PicPay does not contradict it.
    const paymentType = contradiction === null ? 'WALLET' : null;
    expect(publisher.published.map((e) => [e.status, e.rawStatus, e.confirmed, e.source.eventType, e.paymentType])).toEqual([
      [applied, says, true, 'TransactionUpdateMessage', paymentType],
    ]);
    // The claim PicPay contradicts is kept for an operator; a confirmed one is not.
    expect(charges.parked.map((p) => [p.reason, p.message])).toEqual(contradiction === null ? [] : [['contradicted_by_picpay', contradiction]]);
  });

  test('the one-centavo PAID forged with a leaked token: PicPay’s amount is applied, the claim is parked', async () => {
    const { deps, charges, publisher } = verifying({ chargeStatus: 'PAID', amount: 10000 });
    const outcome = await processEnvelope(webhook('PAID', { amount: 1 }), deps);
    expect(outcome).toMatchObject({ kind: 'applied', contradiction: 'the notification says PAID of 1 centavos, PicPay says PAID of 10000' });
    expect(charges.items.get(KEY)!.state.amounts).toEqual({ amount: 10000, originalAmount: 10000, paidAmount: 10000, refundedAmount: 0 });
    expect(publisher.published[0]!.amounts).toEqual({ currency: 'BRL', amount: 10000, originalAmount: 10000, paidAmount: 10000, refundedAmount: 0 });
    expect(charges.parked.map((p) => p.reason)).toEqual(['contradicted_by_picpay']);
  });

  test('PicPay ahead of the claim: amounts are of a later step and not compared', async () => {
    const { deps } = verifying({ chargeStatus: 'PAID', amount: 9000 });
    const outcome = await processEnvelope(webhook('CANCELED', { amount: 10000 }), deps);
    expect(outcome.kind === 'applied' && outcome.contradiction).toBeUndefined();
  });

  test('an amount only one side gives is not a contradiction', async () => {
    const noClaimAmount = verifying({ chargeStatus: 'PAID', amount: 10000 });
    const body = paymentEvent({ status: 'PAID' });
    const { amount: _, ...data } = body.data;
    const bare = envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: JSON.stringify({ ...body, data }) });
    const first = await processEnvelope(bare, noClaimAmount.deps);
    expect(first.kind === 'applied' && first.contradiction).toBeUndefined();
    const noPicPayAmount = verifying({ chargeStatus: 'PAID', amount: undefined });
    const second = await processEnvelope(webhook('PAID', { amount: 1 }), noPicPayAmount.deps);
    expect(second.kind === 'applied' && second.contradiction).toBeUndefined();
  });

  test('a refund larger than PicPay knows of is a contradiction; a smaller one is PicPay having moved on', async () => {
    const larger = verifying({ chargeStatus: 'PARTIAL', refundedAmount: 2500 });
    await expect(processEnvelope(webhook('PARTIAL', { refundedAmount: 5000 }), larger.deps)).resolves.toMatchObject({
      contradiction: 'the notification says PARTIAL with 5000 centavos refunded, PicPay says 2500',
    });
    expect(larger.charges.items.get(KEY)!.state.amounts!.refundedAmount).toBe(2500);
    const smaller = verifying({ chargeStatus: 'PARTIAL', refundedAmount: 5000 });
    const outcome = await processEnvelope(webhook('PARTIAL', { refundedAmount: 2500 }), smaller.deps);
    expect(outcome.kind !== 'parked' && outcome.kind !== 'skipped' && outcome.contradiction).toBeUndefined();
    expect(smaller.charges.items.get(KEY)!.state.amounts!.refundedAmount).toBe(5000);
  });

  test('a charge PicPay does not know is parked as contradicted: nothing stored, nothing published', async () => {
    const { deps, charges, publisher, findCharge } = verifying(null);
    await expect(processEnvelope(webhook('PAID'), deps)).resolves.toEqual({
      kind: 'parked',
      reason: 'contradicted_by_picpay',
      message: 'the notification says PAID, PicPay does not know the charge',
    });
    expect(findCharge.calls).toBe(1);
    expect(charges.items.size).toBe(0);
    expect(publisher.published).toEqual([]);
  });

  test('find-charge refusing the id for another reason is parked for that reason, not as a contradiction', async () => {
    const { deps, findCharge } = verifying({ chargeStatus: 'PAID' });
    findCharge.findCharge = async () => {
      throw new ParkError('unexpected_shape', 'merchantChargeId cannot be a URL path segment');
    };
    await expect(processEnvelope(webhook('PAID'), deps)).resolves.toEqual({
      kind: 'parked',
      reason: 'unexpected_shape',
      message: 'merchantChargeId cannot be a URL path segment',
    });
  });

  test('PicPay unavailable: the notification is retried (the error propagates), nothing is stored', async () => {
    const { deps, charges, findCharge } = verifying({ chargeStatus: 'PAID' });
    findCharge.findCharge = async () => {
      throw new PicPayUnavailableError('find-charge answered 503');
    };
    await expect(processEnvelope(webhook('PAID'), deps)).rejects.toThrow('find-charge answered 503');
    expect(charges.items.size).toBe(0);
    expect(charges.parked).toEqual([]);
  });

  test('a date in the far future cannot pin a confirmed charge: PicPay’s later answer still applies', async () => {
    const { deps, charges, findCharge } = verifying({ chargeStatus: 'PAID' });
    await processEnvelope(webhook('PAID', { eventDate: '2999-01-01T00:00:00-03:00' }), deps);
    findCharge.charges.set(CHARGE_ID, { chargeStatus: 'CHARGEBACK', amount: 10000, originalAmount: 10000, refundedAmount: 0 });
    await expect(processEnvelope(webhook('CHARGEBACK'), deps)).resolves.toMatchObject({ kind: 'applied' });
    expect(charges.items.get(KEY)!.state.status).toBe('CHARGEBACK');
  });

  test('another notification that reads the same answer is recorded as no change, not dropped', async () => {
    const { deps, charges, publisher } = verifying({ chargeStatus: 'REFUNDED' });
    await processEnvelope(webhook('REFUNDED', { refundedAmount: 0 }), deps);
    await expect(processEnvelope(webhook('PAID'), deps)).resolves.toMatchObject({ kind: 'ignored', reason: 'no change (still REFUNDED)' });
    expect(charges.items.get(KEY)!.state.history.map((h) => [h.outcome, h.rawStatus])).toEqual([
      ['applied', 'REFUNDED'],
      ['ignored', 'REFUNDED'],
    ]);
    expect(publisher.published).toHaveLength(1);
  });

  test('the same notification delivered again reads the same answer: a duplicate, published once', async () => {
    const { deps, publisher } = verifying({ chargeStatus: 'PAID' });
    const message = webhook('PAID');
    await processEnvelope(message, deps);
    await expect(processEnvelope(message, deps)).resolves.toMatchObject({ kind: 'duplicate' });
    // PicPay delivering it again is a new request (another requestId), the same notification.
    const redelivered = webhook('PAID');
    expect(redelivered.requestId).not.toBe(message.requestId);
    await expect(processEnvelope(redelivered, deps)).resolves.toMatchObject({ kind: 'duplicate' });
    expect(publisher.published).toHaveLength(1);
  });
});

describe('what is not confirmed', () => {
  test.each(['PRE_AUTHORIZED', 'AUTHORIZED', 'DENIED', 'ERROR', 'CREATED', 'PENDING', 'SOMETHING_NEW'])(
    '%s (no money moved) is applied as sent, PicPay not asked',
    async (claimed) => {
      const { deps, publisher, findCharge } = verifying({ chargeStatus: 'PAID' });
      await processEnvelope(webhook(claimed), deps);
      expect(findCharge.calls).toBe(0);
      expect(publisher.published.map((e) => [e.rawStatus, e.confirmed])).toEqual([[claimed, false]]);
    },
  );

  test('a 3DS result is applied as sent, PicPay not asked', async () => {
    const { deps, findCharge } = verifying({ chargeStatus: 'PAID' });
    await processEnvelope(envelope({ flavour: 'checkout', eventType: 'Challenge3dsUpdateMessage', body: JSON.stringify(THREE_DS_EVENT) }), deps);
    expect(findCharge.calls).toBe(0);
  });

  test('a Payment Link payment is applied as sent (its query API is not used yet), PicPay not asked', async () => {
    const { deps, publisher, findCharge } = verifying({ chargeStatus: 'PAID' });
    const body = { type: 'PAYMENT', data: { transaction: { id: '5f2d7a4e-0b1c-4d3e-9f80-1a2b3c4d5e6f', status: 'PAYED', amount: 10000 } } };
    await processEnvelope(envelope({ flavour: 'checkout', eventType: 'TransactionPaymentMessage', body: JSON.stringify(body) }), deps);
    expect(findCharge.calls).toBe(0);
    expect(publisher.published.map((e) => [e.flavour, e.status, e.confirmed])).toEqual([['paymentLink', 'PAID', false]]);
  });

  test('without PicPay API credentials a PAID is applied as sent, and its event says so', async () => {
    const { deps, publisher, findCharge } = memoryDeps();
    findCharge.charges.set(CHARGE_ID, { chargeStatus: 'PRE_AUTHORIZED', amount: 10000 });
    await expect(processEnvelope(webhook('PAID', { amount: 1 }), deps)).resolves.toMatchObject({ kind: 'applied' });
    expect(findCharge.calls).toBe(0);
    expect(publisher.published.map((e) => [e.status, e.amounts!.amount, e.confirmed])).toEqual([['PAID', 1, false]]);
  });

  test('with find-charge wired for reconciliation only, a PAID is applied as sent', async () => {
    const { deps, publisher, findCharge } = verifying({ chargeStatus: 'PRE_AUTHORIZED' });
    const { confirmations: _, ...reconciliationOnly } = deps;
    await processEnvelope(webhook('PAID'), reconciliationOnly);
    expect(findCharge.calls).toBe(0);
    expect(publisher.published.map((e) => [e.status, e.confirmed])).toEqual([['PAID', false]]);
  });

  test('a legacy status and a reconciliation read are confirmed by nature', async () => {
    const { deps, publisher, picpay, findCharge } = verifying({ chargeStatus: 'PAID' });
    picpay.statuses.set('102030', { status: 'paid' });
    await processEnvelope(envelope({ flavour: 'legacy', body: '{"referenceId":"102030"}' }), deps);
    await processEnvelope(
      envelope({ flavour: 'checkout', eventType: 'Reconciliation', origin: 'reconciler', body: JSON.stringify({ merchantChargeId: CHARGE_ID }) }),
      deps,
    );
    expect(findCharge.calls).toBe(1);
    expect(publisher.published.map((e) => [e.chargeKey, e.confirmed])).toEqual([
      ['legacy#102030', true],
      [KEY, true],
    ]);
  });
});
