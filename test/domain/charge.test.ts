/**
 * decide() beyond the decision tables (test/spec/, checked in decision-tables.test.ts): the
 * outbox, bounds, ids and the item's size. Expected values are literals.
 */
import fc from 'fast-check';
import { PROPERTY_RUNS } from '../property-runs.support.js';
import { type ChargeState, type Decision, decide } from '../../lambda/domain/charge.js';
import { observeCheckout, type Observation, observeRegistration, parseCheckout, parseRegistration } from '../../lambda/domain/observation.js';
import { envelope, paymentEvent, THREE_DS_EVENT } from '../picpay-examples.support.js';
import { checkoutPayment, checkoutThreeDs, legacyRead } from '../spec/notifications.support.js';

const NOW = '2024-07-01T20:00:00.000Z';
/** When the notifications were received: after every date they carry (a later date is bounded: dates.ts). */
const RECEIVED = Date.parse('2024-07-10T00:00:00Z');
const OPTIONS = { outboxLeaseMs: 60_000 };

function obs(status: string, eventDate = '2024-07-01T16:00:00-03:00', extra: Parameters<typeof paymentEvent>[0] = {}): Observation {
  const env = envelope({ flavour: 'checkout', body: JSON.stringify(paymentEvent({ status, eventDate, ...extra })) });
  return observeCheckout(env, parseCheckout(env), RECEIVED);
}

function stateOf(d: Decision): ChargeState {
  if (!('state' in d)) throw new Error(`no state in a ${d.kind} decision`);
  return d.state;
}

function apply(state: ChargeState | null, observation: Observation): ChargeState | null {
  const d = decide(state, observation, NOW, OPTIONS);
  return d.kind === 'duplicate' ? state : stateOf(d);
}

describe('decide', () => {
  test('an exact duplicate is a no-op', () => {
    const state = apply(null, obs('PAID'));
    expect(decide(state, obs('PAID'), NOW, OPTIONS)).toEqual({ kind: 'duplicate' });
  });

  test('an ignored notification repeated is a duplicate too (no second history entry)', () => {
    let state = apply(null, obs('REFUNDED', '2024-07-01T17:00:00-03:00'));
    state = apply(state, obs('PAID'));
    expect(state!.history).toHaveLength(2);
    expect(decide(state, obs('PAID'), NOW, OPTIONS).kind).toBe('duplicate');
  });

  test('the first status creates the charge with previousStatus null and an outbox entry leased for the given time', () => {
    const d = decide(null, obs('AUTHORIZED'), NOW, OPTIONS);
    expect(d.kind).toBe('applied');
    if (d.kind !== 'applied') return;
    expect(d.event).toMatchObject({ previousStatus: null, status: 'AUTHORIZED', chargeKey: d.state.chargeKey, recordedAt: NOW, reason: null });
    expect(d.state.outbox).toEqual([{ event: d.event, owner: d.event.source.requestId, leaseUntil: '2024-07-01T20:01:00.000Z' }]);
    expect(d.state.createdAt).toBe(NOW);
    const longer = decide(null, obs('AUTHORIZED'), NOW, { outboxLeaseMs: 3_600_000 });
    expect(longer.kind === 'applied' && longer.state.outbox[0]!.leaseUntil).toBe('2024-07-01T21:00:00.000Z');
  });

  test('a 3DS result is recorded on the charge without changing its status', () => {
    const env = envelope({ flavour: 'checkout', eventType: 'Challenge3dsUpdateMessage', body: JSON.stringify(THREE_DS_EVENT) });
    const threeDs = observeCheckout(env, parseCheckout(env), Date.parse(NOW));
    const paid = apply(null, obs('PAID'));
    const d = decide(paid, threeDs, NOW, OPTIONS);
    expect(d.kind).toBe('applied');
    if (d.kind !== 'applied') return;
    expect(d.state.status).toBe('PAID');
    expect(d.state.threeDs).toEqual({ status: 'Approved', paresStatus: 'Y', eci: '05', picpayChargeId: 'bac0ffd7-e4cb-48c7-9f3e-a05ff7eb40a1' });
    expect(d.event).toMatchObject({ type: 'picpay.charge.three_ds_updated', previousStatus: 'PAID', status: 'PAID' });
    expect(d.state.history.at(-1)).toMatchObject({ outcome: 'applied', kind: 'three_ds', from: 'PAID', to: 'PAID' });
  });

  test('a second, different 3DS result is not a duplicate of the first', () => {
    let state = apply(null, checkoutThreeDs('Rejected', '2024-07-01T19:00:00Z'));
    const d = decide(state, checkoutThreeDs('Approved', '2024-07-01T19:01:00Z'), NOW, OPTIONS);
    expect(d.kind).toBe('applied');
    state = stateOf(d);
    expect(state.threeDs!.status).toBe('Approved');
    expect(state.outbox.map((e) => e.event.threeDs!.status)).toEqual(['Rejected', 'Approved']);
  });

  test('an unknown status on a charge in a known state is published, and the state is kept', () => {
    const paid = apply(null, obs('PAID'));
    const d = decide(paid, obs('IN_DISPUTE', '2024-07-01T17:00:00-03:00'), NOW, OPTIONS);
    expect(d.kind).toBe('noted');
    if (d.kind !== 'noted') return;
    expect(d.state.status).toBe('PAID');
    expect(d.event).toMatchObject({ type: 'picpay.charge.unrecognized_status', previousStatus: 'PAID', status: 'PAID', rawStatus: 'IN_DISPUTE' });
    expect(d.state.history.at(-1)).toMatchObject({ outcome: 'noted', to: 'UNKNOWN', rawStatus: 'IN_DISPUTE' });
    expect(d.state.outbox.map((e) => e.event)).toEqual([...paid!.outbox.map((e) => e.event), d.event]);
  });

  test('history keeps the last 100 entries and dedupe keys the last 200', () => {
    let state: ChargeState | null = null;
    for (let i = 0; i < 230; i++) {
      state = apply(state, obs('PARTIAL', new Date(Date.UTC(2024, 6, 1, 0, i)).toISOString(), { refundedAmount: i }));
      state = { ...state!, outbox: [] }; // published
    }
    expect(state!.history).toHaveLength(100);
    expect(state!.history[0]!.occurredAt).toBe('2024-07-01T02:10:00.000Z');
    expect(state!.seen).toHaveLength(200);
  });
});

describe('outbox cap', () => {
  test('with 20 events unpublished the next change is deferred, and recorded nothing', () => {
    let state: ChargeState | null = null;
    for (let i = 1; i <= 20; i++) state = apply(state, obs('PARTIAL', new Date(Date.UTC(2024, 6, 1, 0, i)).toISOString(), { refundedAmount: i }));
    expect(state!.outbox).toHaveLength(20);
    const next = obs('PARTIAL', '2024-07-01T01:00:00Z', { refundedAmount: 500 });
    const d = decide(state, next, NOW, OPTIONS);
    expect(d.kind).toBe('deferred');
    // Once one event is published, it goes through.
    const drained = { ...state!, outbox: state!.outbox.slice(1) };
    expect(decide(drained, next, NOW, OPTIONS).kind).toBe('applied');
  });

  test('an ignored notification is still recorded when the outbox is full (it adds no event)', () => {
    let state: ChargeState | null = null;
    for (let i = 1; i <= 20; i++) state = apply(state, obs('PARTIAL', new Date(Date.UTC(2024, 6, 1, 0, i)).toISOString(), { refundedAmount: 100 + i }));
    expect(decide(state, obs('PAID', '2024-06-30T00:00:00Z', { refundedAmount: 0 }), NOW, OPTIONS).kind).toBe('ignored');
  });
});

describe('transitionId', () => {
  test('the same notification recorded against a different previous status gets a different id', () => {
    const paid = checkoutPayment('PAID', '2024-07-01T16:05:00-03:00', '2024-07-01T19:05:01Z');
    const fresh = decide(null, paid, NOW, OPTIONS);
    const afterAuth = decide(apply(null, checkoutPayment('PRE_AUTHORIZED', '2024-07-01T16:00:00-03:00', '2024-07-01T19:00:01Z')), paid, NOW, OPTIONS);
    expect(fresh.kind === 'applied' && afterAuth.kind === 'applied').toBe(true);
    if (fresh.kind !== 'applied' || afterAuth.kind !== 'applied') return;
    expect(fresh.event.transitionId).not.toBe(afterAuth.event.transitionId);
  });

  test('property: over any histories, one id never names two different transitions', () => {
    const raws = ['PENDING', 'PRE_AUTHORIZED', 'DENIED', 'PAID', 'PARTIAL', 'REFUNDED', 'CHARGEBACK', 'MYSTERY'];
    const note = fc.record({ raw: fc.constantFrom(...raws), minute: fc.integer({ min: 0, max: 5 }), refunded: fc.constantFrom(0, 1000) });
    fc.assert(
      fc.property(fc.array(fc.array(note, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }), (histories) => {
        // Each history is a separate life of the same charge (a restore, a fresh local pipeline).
        const seen = new Map<string, string>();
        for (const history of histories) {
          let state: ChargeState | null = null;
          for (const n of history) {
            const at = `2024-07-01T16:0${n.minute}:00-03:00`;
            const d = decide(state, checkoutPayment(n.raw, at, '2024-07-01T20:00:00Z', '10000', String(n.refunded)), NOW, OPTIONS);
            if (d.kind === 'duplicate' || d.kind === 'deferred' || d.kind === 'overflow') continue;
            state = d.state;
            const h = state.history.at(-1)!;
            const content = JSON.stringify([h.from, h.to, h.outcome, n]);
            const before = seen.get(h.transitionId);
            expect(before === undefined || before === content).toBe(true);
            seen.set(h.transitionId, content);
          }
        }
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

describe('item size', () => {
  test('a charge at every bound stays under DynamoDB’s 400 KB item limit', () => {
    const long = 'x'.repeat(10_000);
    const id = 'c'.repeat(200);
    let state: ChargeState | null = null;
    for (let i = 0; i < 300; i++) {
      const env = envelope({
        flavour: 'checkout',
        eventType: long,
        requestId: `r${'q'.repeat(100)}${i}`,
        body: JSON.stringify({
          ...paymentEvent({ status: `${i}${long}`, eventDate: new Date(Date.UTC(2024, 6, 1, 0, i)).toISOString(), refundedAmount: i, merchantChargeId: id }),
        }),
      });
      const d = decide(state, observeCheckout(env, parseCheckout(env), RECEIVED), NOW, OPTIONS);
      if (d.kind === 'deferred') break;
      // The first 280 are published at once; the last ones pile up in the outbox.
      state = i < 280 ? { ...stateOf(d), outbox: [] } : stateOf(d);
    }
    // 20 unpublished events (the cap), 100 history entries, 200 dedupe keys, every text at its bound.
    expect(state!.outbox).toHaveLength(20);
    expect(state!.history).toHaveLength(100);
    expect(Buffer.byteLength(JSON.stringify(state), 'utf8')).toBeLessThan(400 * 1024);
  });
});

describe('decide: what the tables do not show', () => {
  const full = () => {
    let state: ChargeState | null = null;
    for (let i = 1; i <= 20; i++) state = apply(state, obs('PARTIAL', new Date(Date.UTC(2024, 6, 1, 0, i)).toISOString(), { refundedAmount: 100 + i }));
    return state!;
  };

  test('a full outbox defers a 3DS result, an unrecognized status and an older larger refund too, with the reason', () => {
    const state = full();
    const deferred = { kind: 'deferred', reason: `20 events of ${state.chargeKey} are still unpublished; retried once they are published` };
    expect(decide(state, checkoutThreeDs('Approved', '2024-07-01T19:00:00Z'), NOW, OPTIONS)).toEqual(deferred);
    expect(decide(state, obs('IN_DISPUTE', '2024-07-01T02:00:00Z'), NOW, OPTIONS)).toEqual(deferred);
    expect(decide(state, obs('PARTIAL', '2024-06-30T00:00:00Z', { refundedAmount: 5000 }), NOW, OPTIONS)).toEqual(deferred);
  });

  test('the reasons recorded for ignored and noted notifications', () => {
    const paid = apply(null, obs('PAID', '2024-07-01T16:00:00-03:00'))!;
    const lower = decide(paid, obs('AUTHORIZED', '2024-07-01T17:00:00-03:00'), NOW, OPTIONS);
    expect(lower.kind === 'ignored' && lower.reason).toBe('AUTHORIZED does not supersede PAID (lower precedence)');
    const older = decide(paid, obs('CHARGEBACK', '2024-07-01T15:00:00-03:00'), NOW, OPTIONS);
    expect(older.kind === 'ignored' && older.reason).toBe('older than the current PAID (same precedence, earlier or equal occurredAt)');
    expect(older.kind === 'ignored' && older.state.history.at(-1)!.reason).toBe('older than the current PAID (same precedence, earlier or equal occurredAt)');
    const noted = decide(paid, obs('IN_DISPUTE', '2024-07-01T17:00:00-03:00'), NOW, OPTIONS);
    expect(noted.kind === 'noted' && noted.reason).toBe('unrecognized status "IN_DISPUTE" kept in history; PAID unchanged');
    const first = decide(null, obs('IN_DISPUTE'), NOW, OPTIONS);
    expect(first.kind === 'noted' && first.reason).toBe('unrecognized status "IN_DISPUTE"; the charge has no known status');
    expect(first.kind === 'noted' && first.state.history.at(-1)).toMatchObject({
      outcome: 'noted',
      reason: 'unrecognized status "IN_DISPUTE"; the charge has no known status',
    });
  });

  test('an older notification with a larger refund raises the refunded amount; the event keeps the charge’s own raw status', () => {
    let state = apply(null, obs('CHARGEBACK', '2024-07-01T18:00:00-03:00', { refundedAmount: 0 }))!;
    const d = decide(state, obs('PARTIAL', '2024-07-01T17:00:00-03:00', { refundedAmount: 3000 }), NOW, OPTIONS);
    expect(d.kind).toBe('applied');
    if (d.kind !== 'applied') return;
    expect(d.event).toMatchObject({ status: 'CHARGEBACK', previousStatus: 'CHARGEBACK', rawStatus: 'CHARGEBACK', reason: 'refunded_amount_raised' });
    expect(d.event.amounts).toEqual({ currency: 'BRL', amount: 10000, originalAmount: 10000, paidAmount: 10000, refundedAmount: 3000 });
    expect(d.state.history.at(-1)).toMatchObject({ outcome: 'applied', reason: 'refunded_amount_raised', from: 'CHARGEBACK', to: 'CHARGEBACK' });
    state = d.state;
    // An older one with no refunded amount, or a smaller one, changes nothing.
    expect(decide(state, obs('PARTIAL', '2024-07-01T16:30:00-03:00', { refundedAmount: 2000 }), NOW, OPTIONS).kind).toBe('ignored');
  });

  test('an older refund raises nothing when the charge has no refunded amount to compare with', () => {
    const env = envelope({
      flavour: 'checkout',
      body: JSON.stringify({
        ...paymentEvent({ status: 'CHARGEBACK', eventDate: '2024-07-01T18:00:00-03:00' }),
        data: { status: 'CHARGEBACK', merchantChargeId: 'x' },
      }),
    });
    const bare = apply(null, observeCheckout(env, parseCheckout(env), RECEIVED))!;
    expect(bare.amounts!.refundedAmount).toBeNull();
    const older = envelope({
      flavour: 'checkout',
      body: JSON.stringify({
        ...paymentEvent({ eventDate: '2024-07-01T17:00:00-03:00' }),
        data: { status: 'PARTIAL', merchantChargeId: 'x', refundedAmount: 3000 },
      }),
    });
    expect(decide(bare, observeCheckout(older, parseCheckout(older), 0), NOW, OPTIONS).kind).toBe('ignored');
  });

  test('a newer notification of the same status that changes only one amount is a transition', () => {
    const base = apply(null, obs('PAID', '2024-07-01T16:00:00-03:00'))!;
    const change = (data: Record<string, unknown>) => {
      const env = envelope({
        flavour: 'checkout',
        body: JSON.stringify({ ...paymentEvent({ eventDate: '2024-07-01T16:05:00-03:00' }), data: { ...paymentEvent().data, status: 'PAID', ...data } }),
      });
      return decide(base, observeCheckout(env, parseCheckout(env), RECEIVED), NOW, OPTIONS).kind;
    };
    expect(change({})).toBe('ignored');
    expect(change({ amount: 9000 })).toBe('applied');
    expect(change({ originalAmount: 12000 })).toBe('applied');
    expect(change({ refundedAmount: 1 })).toBe('applied');
  });

  test('amounts PicPay leaves out keep their values; a charge with no amounts takes the new ones', () => {
    const base = apply(null, obs('PAID', '2024-07-01T16:00:00-03:00'))!;
    const env = envelope({
      flavour: 'checkout',
      body: JSON.stringify({
        ...paymentEvent({ eventDate: '2024-07-01T16:05:00-03:00' }),
        data: { status: 'CHARGEBACK', merchantChargeId: paymentEvent().data.merchantChargeId },
      }),
    });
    const d = decide(base, observeCheckout(env, parseCheckout(env), RECEIVED), NOW, OPTIONS);
    expect(d.kind === 'applied' && d.state.amounts).toEqual({ amount: 10000, originalAmount: 10000, paidAmount: 10000, refundedAmount: 0 });
  });

  test('the 3DS event carries the charge’s raw status; the same receive time is ordered by the result', () => {
    const paid = apply(null, obs('PAID'))!;
    const d = decide(paid, checkoutThreeDs('Approved', '2024-07-01T19:00:00Z'), NOW, OPTIONS);
    expect(d.kind === 'applied' && d.event.rawStatus).toBe('PAID');
    // Same receive time: "Rejected" sorts after "Approved", in either order.
    for (const [first, second] of [
      ['Approved', 'Rejected'],
      ['Rejected', 'Approved'],
    ]) {
      let s = apply(null, checkoutThreeDs(first!, '2024-07-01T19:00:00Z'));
      s = apply(s, checkoutThreeDs(second!, '2024-07-01T19:00:00Z'));
      expect(s!.threeDs!.status).toBe('Rejected');
    }
  });

  test('registration: creates the charge as CREATED with a registered history entry; on a known charge it only fills a missing expiry', () => {
    const reg = (expiresAt: string | null, at = '2024-07-01T18:00:00Z') => {
      const env = envelope({ flavour: 'legacy', eventType: 'Registration', body: JSON.stringify({ referenceId: '102030', expiresAt }) });
      return observeRegistration(env, parseRegistration(env), Date.parse(at));
    };
    const d = decide(null, reg('2024-07-02T00:00:00.000Z'), NOW, OPTIONS);
    expect(d.kind).toBe('registered');
    const state = stateOf(d);
    expect(state).toMatchObject({ status: 'CREATED', rawStatus: null, expiresAt: '2024-07-02T00:00:00.000Z', outbox: [] });
    expect(state.history).toEqual([
      expect.objectContaining({ outcome: 'registered', reason: 'registered by the merchant', from: null, to: 'CREATED', eventType: 'Registration' }),
    ]);
    // Known already (it was read from PicPay first): recorded as ignored, expiry filled in.
    const read = apply(null, legacyRead('paid', '2024-07-01T17:00:00Z'))!;
    const again = decide(read, reg('2024-07-03T00:00:00.000Z'), NOW, OPTIONS);
    expect(again.kind === 'ignored' && again.reason).toBe('already known');
    expect(stateOf(again)).toMatchObject({ status: 'PAID', expiresAt: '2024-07-03T00:00:00.000Z' });
    // A known expiry is kept.
    const kept = decide(stateOf(again), reg('2024-07-09T00:00:00.000Z', '2024-07-01T18:30:00Z'), NOW, OPTIONS);
    expect(stateOf(kept).expiresAt).toBe('2024-07-03T00:00:00.000Z');
  });

  test('a legacy reversal (paid, chargeback, paid again) is a new transition, and the dedupe key is kept once', () => {
    let state = apply(null, legacyRead('paid', '2024-07-01T17:00:00Z'));
    state = apply(state, legacyRead('chargeback', '2024-07-02T17:00:00Z'));
    const again = decide(state, legacyRead('paid', '2024-07-03T17:00:00Z'), NOW, OPTIONS);
    expect(again.kind === 'applied' && again.event).toMatchObject({ previousStatus: 'CHARGEBACK', status: 'PAID', reason: 'chargeback_reversed' });
    const seen = stateOf(again).seen;
    expect(new Set(seen).size).toBe(seen.length);
    // The same paid read again now is a duplicate; so is an older read of it.
    expect(decide(stateOf(again), legacyRead('paid', '2024-07-04T17:00:00Z'), NOW, OPTIONS).kind).toBe('duplicate');
    expect(decide(state, legacyRead('paid', '2024-07-01T12:00:00Z'), NOW, OPTIONS).kind).toBe('duplicate');
    // A checkout notification repeated is a duplicate even after the charge moved on.
    let co = apply(null, obs('PAID', '2024-07-01T16:00:00-03:00'));
    co = apply(co, obs('CHARGEBACK', '2024-07-02T16:00:00-03:00'));
    expect(decide(co, obs('PAID', '2024-07-01T16:00:00-03:00'), NOW, OPTIONS).kind).toBe('duplicate');
  });

  test('a legacy read without amounts keeps the amounts the charge has', () => {
    let state = apply(null, legacyRead('paid', '2024-07-01T17:00:00Z', '100', '0'));
    state = apply(state, legacyRead('refunded', '2024-07-01T18:00:00Z'));
    expect(state!.amounts).toEqual({ amount: 10000, originalAmount: 10000, paidAmount: 10000, refundedAmount: 0 });
  });
});
