/**
 * decide() at the edges the decision tables do not reach: amounts that appear or change under
 * the same status, a new authorization, the payment type, re-reads (legacy and checkout
 * reconciliation) against redelivered webhooks, 3DS ties, registrations at the same instant,
 * and Payment Link refund totals. Observations are written out by hand; expected values are
 * literals from docs/state-model.md and test/spec/.
 */
import { type ChargeState, type Decision, decide, mergeAmounts } from '../../lambda/domain/charge.js';
import type { Amounts, Observation } from '../../lambda/domain/observation.js';
import type { CanonicalStatus } from '../../lambda/domain/status.js';

const NOW = '2024-07-01T20:00:00.000Z';
const OPTIONS = { outboxLeaseMs: 60_000 };
const NO_AMOUNTS: Amounts = { amount: null, originalAmount: null, paidAmount: null, refundedAmount: null };
let counter = 0;

/** A checkout webhook status, as observeCheckout would produce it. */
function seen(status: CanonicalStatus, at: string, over: Partial<Observation> = {}): Observation {
  counter += 1;
  return {
    kind: 'status',
    flavour: 'checkout',
    chargeId: 'c-1',
    chargeKey: 'checkout#c-1',
    rawStatus: status,
    status,
    occurredAt: new Date(at).toISOString(),
    atMs: Date.parse(at),
    timeSource: 'picpay',
    amounts: null,
    authorizationId: null,
    threeDs: null,
    expiresAt: null,
    eventType: 'TransactionUpdateMessage',
    requestId: `req-${counter}`,
    dedupeKey: `key-${counter}`,
    ...over,
  };
}

function stateOf(d: Decision): ChargeState {
  if (!('state' in d)) throw new Error(`no state in a ${d.kind} decision`);
  return d.state;
}

const run = (observations: Observation[]) => observations.reduce<ChargeState | null>((s, o) => stateOf(decide(s, o, NOW, OPTIONS)), null);

describe('a newer notification with the same status', () => {
  test('amounts given for the first time are a change: applied', () => {
    const paid = run([seen('PAID', '2024-07-01T19:00:00Z')]);
    const d = decide(paid, seen('PAID', '2024-07-01T19:01:00Z', { amounts: { ...NO_AMOUNTS, amount: 10000 } }), NOW, OPTIONS);
    expect(d.kind).toBe('applied');
    expect(stateOf(d).amounts).toEqual({ ...NO_AMOUNTS, amount: 10000 });
  });

  test('a different amount is a change: applied', () => {
    const paid = run([seen('PAID', '2024-07-01T19:00:00Z', { amounts: { ...NO_AMOUNTS, amount: 10000 } })]);
    const d = decide(paid, seen('PAID', '2024-07-01T19:01:00Z', { amounts: { ...NO_AMOUNTS, amount: 12000 } }), NOW, OPTIONS);
    expect(d.kind).toBe('applied');
  });

  test('a different paid amount is a change: applied', () => {
    const paid = run([seen('PAID', '2024-07-01T19:00:00Z', { amounts: { ...NO_AMOUNTS, paidAmount: 10000 } })]);
    const d = decide(paid, seen('PAID', '2024-07-01T19:01:00Z', { amounts: { ...NO_AMOUNTS, paidAmount: 9000 } }), NOW, OPTIONS);
    expect(d.kind).toBe('applied');
  });

  test('a new authorizationId is a change: applied, and the event carries it', () => {
    const paid = run([seen('PAID', '2024-07-01T19:00:00Z')]);
    const d = decide(paid, seen('PAID', '2024-07-01T19:01:00Z', { authorizationId: 'auth-2' }), NOW, OPTIONS);
    expect(d.kind).toBe('applied');
    expect(d.kind === 'applied' && d.event.authorizationId).toBe('auth-2');
  });

  test('the same amounts and authorization again are no change: ignored, no event', () => {
    const paid = run([seen('PAID', '2024-07-01T19:00:00Z', { amounts: { ...NO_AMOUNTS, amount: 10000 } })]);
    const d = decide(paid, seen('PAID', '2024-07-01T19:01:00Z', { amounts: { ...NO_AMOUNTS, amount: 10000 } }), NOW, OPTIONS);
    expect(d).toMatchObject({ kind: 'ignored', reason: 'no change (still PAID)' });
  });
});

describe('an older notification', () => {
  test('with a refunded amount, on a charge whose amounts are unknown, is ignored (nothing to raise)', () => {
    const refunded = run([seen('REFUNDED', '2024-07-01T19:00:00Z')]);
    const d = decide(refunded, seen('PARTIALLY_REFUNDED', '2024-07-01T18:00:00Z', { amounts: { ...NO_AMOUNTS, refundedAmount: 2500 } }), NOW, OPTIONS);
    expect(d).toMatchObject({ kind: 'ignored', reason: 'older than the current REFUNDED (same precedence, earlier or equal occurredAt)' });
  });
});

describe('the payment type', () => {
  test('is kept on the charge and published with the event', () => {
    const d = decide(null, seen('PAID', '2024-07-01T19:00:00Z', { paymentType: 'PIX' }), NOW, OPTIONS);
    expect(stateOf(d).paymentType).toBe('PIX');
    expect(d.kind === 'applied' && d.event.paymentType).toBe('PIX');
  });

  test('a charge that is not a Payment Link gets no refunds field', () => {
    const state = run([seen('PAID', '2024-07-01T19:00:00Z')])!;
    expect(Object.keys(state)).not.toContain('refunds');
  });
});

describe('re-reads and redeliveries', () => {
  test('a checkout webhook without a time, redelivered after the charge moved on, is still a duplicate', () => {
    // No eventDate: the receive time orders it; a redelivery is received later, same content.
    const first = seen('PAID', '2024-07-01T19:00:00Z', { timeSource: 'received', dedupeKey: 'paid-no-date' });
    const refunded = run([first, seen('REFUNDED', '2024-07-01T19:05:00Z')]);
    const again = { ...first, atMs: Date.parse('2024-07-01T19:10:00Z'), occurredAt: '2024-07-01T19:10:00.000Z', requestId: 'req-again' };
    expect(decide(refunded, again, NOW, OPTIONS)).toEqual({ kind: 'duplicate' });
  });

  test('a checkout reconciliation read of PAID again after a chargeback is a reversal, not a duplicate', () => {
    const read = (at: string): Observation => seen('PAID', at, { eventType: 'Reconciliation', dedupeKey: 'found-paid', confirmed: true });
    const charged = run([read('2024-07-01T19:00:00Z'), seen('CHARGEBACK', '2024-07-01T19:05:00Z')]);
    const d = decide(charged, read('2024-07-01T19:10:00Z'), NOW, OPTIONS);
    expect(d.kind).toBe('applied');
    expect(d.kind === 'applied' && d.event).toMatchObject({ previousStatus: 'CHARGEBACK', status: 'PAID' });
  });

  test('a registration redelivered is a duplicate', () => {
    const registration: Observation = {
      ...seen('CREATED', '2024-07-01T19:00:00Z', { flavour: 'legacy', chargeId: '102030', chargeKey: 'legacy#102030', eventType: 'Registration' }),
      kind: 'registration',
      status: null,
      rawStatus: null,
      expiresAt: '2024-07-02T19:00:00.000Z',
      dedupeKey: 'registration-102030',
    };
    const state = run([registration]);
    expect(decide(state, { ...registration, requestId: 'req-again' }, NOW, OPTIONS)).toEqual({ kind: 'duplicate' });
  });

  test('a registration orders before a status read at the same instant: the read is newer (no change), not older', () => {
    const at = '2024-07-01T19:00:00Z';
    const legacy = { flavour: 'legacy' as const, chargeId: '102030', chargeKey: 'legacy#102030' };
    const registration: Observation = { ...seen('CREATED', at, { ...legacy, eventType: 'Registration' }), kind: 'registration', status: null, rawStatus: null };
    const registered = run([registration]);
    const d = decide(registered, seen('CREATED', at, { ...legacy, eventType: 'LegacyCallback', rawStatus: 'CREATED' }), NOW, OPTIONS);
    expect(d).toMatchObject({ kind: 'ignored', reason: 'no change (still CREATED)' });
  });

  test('a status with no raw value orders before one with a raw value at the same instant', () => {
    const at = '2024-07-01T19:00:00Z';
    const paid = run([seen('PAID', at, { rawStatus: 'PAID' })]);
    const d = decide(paid, seen('PAID', at, { rawStatus: null }), NOW, OPTIONS);
    expect(d).toMatchObject({ kind: 'ignored', reason: 'older than the current PAID (same precedence, earlier or equal occurredAt)' });
  });
});

describe('3DS results', () => {
  const threeDs = (status: string, at: string): Observation => ({
    ...seen('PAID', at, { eventType: 'Challenge3dsUpdateMessage' }),
    kind: 'three_ds',
    status: null,
    rawStatus: null,
    threeDs: { status, paresStatus: null, eci: null, picpayChargeId: null },
  });

  test('one received earlier than the one kept is ignored, and says so', () => {
    const state = run([threeDs('Approved', '2024-07-01T19:05:00Z')]);
    expect(decide(state, threeDs('Rejected', '2024-07-01T19:00:00Z'), NOW, OPTIONS)).toMatchObject({
      kind: 'ignored',
      reason: 'older than the 3DS result already recorded',
    });
  });

  test('at the same receive time, the result whose JSON sorts last wins, whatever the arrival order', () => {
    const at = '2024-07-01T19:00:00Z';
    // {"status":"Approved",...} sorts before {"status":"Rejected",...}
    const approvedThenRejected = run([threeDs('Approved', at), threeDs('Rejected', at)])!;
    expect(approvedThenRejected.threeDs!.status).toBe('Rejected');
    const rejected = run([threeDs('Rejected', at)]);
    expect(decide(rejected, threeDs('Approved', at), NOW, OPTIONS).kind).toBe('ignored');
  });
});

describe('Payment Link refund totals', () => {
  const link = { flavour: 'paymentLink' as const, chargeId: 'tx-pay', chargeKey: 'paymentLink#tx-pay', orderAtMs: 0, eventType: 'PaymentLink' };
  const payed = (amount: number | null) =>
    seen('PAID', '2024-07-01T19:00:00Z', {
      ...link,
      rawStatus: 'PAYED',
      amounts: { amount, originalAmount: amount, paidAmount: amount, refundedAmount: null },
    });
  const refund = (status: 'PARTIALLY_REFUNDED' | 'REFUNDED', id: string, amount: number | null) =>
    seen(status, '2024-07-01T19:10:00Z', {
      ...link,
      rawStatus: status === 'REFUNDED' ? 'REFUNDED' : 'PARTREFUNDED',
      amounts: NO_AMOUNTS,
      refund: { transactionId: id, amount },
    });

  test('partial refunds add up', () => {
    expect(run([payed(10000), refund('PARTIALLY_REFUNDED', 'r1', 2500), refund('PARTIALLY_REFUNDED', 'r2', 3000)])!.amounts!.refundedAmount).toBe(5500);
  });

  test('partial refunds are never more than was paid', () => {
    expect(run([payed(10000), refund('PARTIALLY_REFUNDED', 'r1', 6000), refund('PARTIALLY_REFUNDED', 'r2', 7000)])!.amounts!.refundedAmount).toBe(10000);
  });

  test('before the payment is known, a partial refund counts for its own amount', () => {
    expect(run([refund('PARTIALLY_REFUNDED', 'r1', 2500)])!.amounts!.refundedAmount).toBe(2500);
  });

  test('partial refunds of unknown amount leave the refunded amount unknown, not 0', () => {
    expect(run([payed(10000), refund('PARTIALLY_REFUNDED', 'r1', null)])!.amounts!.refundedAmount).toBeNull();
    expect(run([refund('PARTIALLY_REFUNDED', 'r1', null), refund('PARTIALLY_REFUNDED', 'r2', null)])!.amounts!.refundedAmount).toBeNull();
  });
});

describe('mergeAmounts', () => {
  test('two unknown refunded amounts stay unknown', () => {
    expect(mergeAmounts({ ...NO_AMOUNTS, amount: 10000 }, { ...NO_AMOUNTS, amount: 10000 })).toEqual({ ...NO_AMOUNTS, amount: 10000 });
  });
});
