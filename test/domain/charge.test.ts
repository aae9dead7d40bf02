import fc from 'fast-check';
import { type ChargeState, decide, MAX_HISTORY } from '../../lambda/domain/charge.js';
import { observeCheckout, type Observation, parseCheckout } from '../../lambda/domain/observation.js';
import { CANONICAL_STATUSES, type CanonicalStatus, STATUS_RANK } from '../../lambda/domain/status.js';
import { envelope, paymentEvent, THREE_DS_EVENT } from '../fixtures.js';

const NOW = '2024-07-01T20:00:00.000Z';

function obs(status: string, eventDate = '2024-07-01T16:00:00-03:00', extra: Parameters<typeof paymentEvent>[0] = {}): Observation {
  const env = envelope({ flavour: 'checkout', body: JSON.stringify(paymentEvent({ status, eventDate, ...extra })) });
  return observeCheckout(env, parseCheckout(env), 0);
}

function apply(state: ChargeState | null, observation: Observation): ChargeState | null {
  const d = decide(state, observation, NOW);
  return d.kind === 'duplicate' ? state : d.state;
}

/** A raw checkout value for each canonical status (UNKNOWN via an undocumented value). */
const RAW: Record<CanonicalStatus, string> = {
  CREATED: 'PENDING',
  UNKNOWN: 'SOMETHING_NEW',
  ANALYSIS: 'PENDING', // checkout has no ANALYSIS; replaced below
  AUTHORIZED: 'AUTHORIZED',
  EXPIRED: 'EXPIRED',
  DENIED: 'DENIED',
  CANCELED: 'CANCELED',
  ERROR: 'ERROR',
  PAID: 'PAID',
  COMPLETED: 'PAID', // checkout has no COMPLETED; replaced below
  PARTIALLY_REFUNDED: 'PARTIAL',
  REFUNDED: 'REFUNDED',
  CHARGEBACK: 'CHARGEBACK',
};
const CHECKOUT_STATUSES = CANONICAL_STATUSES.filter((s) => s !== 'ANALYSIS' && s !== 'COMPLETED');

describe('decide: every ordered pair of checkout statuses', () => {
  const pairs = CHECKOUT_STATUSES.flatMap((from) => CHECKOUT_STATUSES.map((to) => [from, to] as const));

  test.each(pairs)('%s then %s (later eventDate)', (from, to) => {
    const first = apply(null, obs(RAW[from], '2024-07-01T16:00:00-03:00'))!;
    const d = decide(first, obs(RAW[to], '2024-07-01T16:05:00-03:00'), NOW);
    if (from === to) {
      // Same status and amounts, later event: nothing a consumer could act on.
      expect(d.kind).toBe('ignored');
      expect(d.kind === 'ignored' && d.reason).toMatch(/no change/);
    } else if (to === 'UNKNOWN' && STATUS_RANK[from] >= STATUS_RANK.UNKNOWN) {
      expect(d.kind).toBe('noted');
      expect(d.kind === 'noted' && d.state.status).toBe(from);
    } else if (STATUS_RANK[to] >= STATUS_RANK[from]) {
      expect(d.kind).toBe('applied');
      expect(d.kind === 'applied' && d.event.previousStatus).toBe(from);
      expect(d.kind === 'applied' && d.event.status).toBe(to);
    } else {
      expect(d.kind).toBe('ignored');
      expect(d.kind === 'ignored' && d.state.status).toBe(from);
      expect(d.kind === 'ignored' && d.state.history.at(-1)).toMatchObject({ outcome: 'ignored', to, from });
    }
  });

  test.each(pairs)('%s then %s (earlier eventDate)', (from, to) => {
    const first = apply(null, obs(RAW[from], '2024-07-01T16:05:00-03:00'))!;
    const d = decide(first, obs(RAW[to], '2024-07-01T16:00:00-03:00'), NOW);
    // Rank decides first: a higher-precedence status wins even if its event is older.
    const expected = STATUS_RANK[to] > STATUS_RANK[from] ? 'applied' : to === 'UNKNOWN' && from !== 'UNKNOWN' ? 'noted' : 'ignored';
    expect(d.kind).toBe(expected);
  });
});

describe('decide', () => {
  test('a PAID arriving after REFUNDED does not reopen the charge, and says why', () => {
    let state = apply(null, obs('PAID', '2024-07-01T16:00:00-03:00'));
    state = apply(state, obs('REFUNDED', '2024-07-01T17:00:00-03:00'));
    const d = decide(state, obs('PAID', '2024-07-01T18:00:00-03:00'), NOW);
    expect(d.kind).toBe('ignored');
    expect(d.kind === 'ignored' && d.reason).toMatch(/PAID does not supersede REFUNDED/);
    expect(d.kind === 'ignored' && d.state.status).toBe('REFUNDED');
  });

  test('an exact duplicate is a no-op', () => {
    const state = apply(null, obs('PAID'));
    expect(decide(state, obs('PAID'), NOW)).toEqual({ kind: 'duplicate' });
  });

  test('an ignored notification repeated is a duplicate too (no second history entry)', () => {
    let state = apply(null, obs('REFUNDED', '2024-07-01T17:00:00-03:00'));
    state = apply(state, obs('PAID'));
    expect(state!.history).toHaveLength(2);
    expect(decide(state, obs('PAID'), NOW).kind).toBe('duplicate');
  });

  test('the first status creates the charge with previousStatus null and an outbox entry', () => {
    const d = decide(null, obs('AUTHORIZED'), NOW);
    expect(d.kind).toBe('applied');
    if (d.kind !== 'applied') return;
    expect(d.event).toMatchObject({ previousStatus: null, status: 'AUTHORIZED', chargeKey: d.state.chargeKey, recordedAt: NOW });
    expect(d.state.outbox).toEqual([{ event: d.event, owner: d.event.source.requestId, leaseUntil: '2024-07-01T20:01:00.000Z' }]);
    expect(d.state.createdAt).toBe(NOW);
  });

  test('a 3DS result is recorded on the charge without changing its status', () => {
    const env = envelope({ flavour: 'checkout', eventType: 'Challenge3dsUpdateMessage', body: JSON.stringify(THREE_DS_EVENT) });
    const threeDs = observeCheckout(env, parseCheckout(env), Date.parse(NOW));
    const paid = apply(null, obs('PAID'));
    const d = decide(paid, threeDs, NOW);
    expect(d.kind).toBe('applied');
    if (d.kind !== 'applied') return;
    expect(d.state.status).toBe('PAID');
    expect(d.state.threeDs).toEqual({ status: 'Approved', paresStatus: 'Y', eci: '05', picpayChargeId: 'bac0ffd7-e4cb-48c7-9f3e-a05ff7eb40a1' });
    expect(d.event).toMatchObject({ type: 'picpay.charge.three_ds_updated', previousStatus: 'PAID', status: 'PAID' });
  });

  test('unknown statuses are kept with their raw value', () => {
    const d = decide(null, obs('BRAND_NEW_STATUS'), NOW);
    expect(d.kind === 'applied' && d.event).toMatchObject({ status: 'UNKNOWN', rawStatus: 'BRAND_NEW_STATUS' });
  });

  test('an unknown status on a charge in a known state is published, and the state is kept', () => {
    const paid = apply(null, obs('PAID'));
    const d = decide(paid, obs('IN_DISPUTE', '2024-07-01T17:00:00-03:00'), NOW);
    expect(d.kind).toBe('noted');
    if (d.kind !== 'noted') return;
    expect(d.state.status).toBe('PAID');
    expect(d.event).toMatchObject({ type: 'picpay.charge.unrecognized_status', previousStatus: 'PAID', status: 'PAID', rawStatus: 'IN_DISPUTE' });
    expect(d.state.history.at(-1)).toMatchObject({ outcome: 'ignored', to: 'UNKNOWN', rawStatus: 'IN_DISPUTE' });
    expect(d.state.outbox.map((e) => e.event)).toEqual([...paid!.outbox.map((e) => e.event), d.event]);
  });

  test('the same status with new amounts is a transition (a second partial refund)', () => {
    const first = apply(null, obs('PARTIAL', '2024-07-01T16:00:00-03:00', { refundedAmount: 1000 }));
    const d = decide(first, obs('PARTIAL', '2024-07-01T16:10:00-03:00', { refundedAmount: 2500 }), NOW);
    expect(d.kind).toBe('applied');
    expect(d.kind === 'applied' && d.event.amounts?.refundedAmount).toBe(2500);
  });

  test('history is bounded', () => {
    let state: ChargeState | null = null;
    for (let i = 0; i < MAX_HISTORY + 20; i++) {
      state = apply(state, obs('PARTIAL', new Date(Date.UTC(2024, 6, 1, 0, i)).toISOString(), { refundedAmount: i }));
    }
    expect(state!.history).toHaveLength(MAX_HISTORY);
  });
});

describe('property: delivery order and duplicates do not matter', () => {
  const lifecycles: CanonicalStatus[][] = [
    ['CREATED', 'AUTHORIZED', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'],
    ['CREATED', 'PAID', 'CHARGEBACK'],
    ['AUTHORIZED', 'CANCELED'],
    ['CREATED', 'EXPIRED'],
    ['AUTHORIZED', 'PAID', 'PARTIALLY_REFUNDED', 'PARTIALLY_REFUNDED', 'REFUNDED'],
    ['CREATED', 'DENIED'],
  ];

  const history = fc
    .tuple(fc.constantFrom(...lifecycles), fc.integer({ min: 0, max: 1000 }))
    .map(([statuses, seed]) =>
      statuses.map((status, i) =>
        obs(RAW[status], new Date(Date.UTC(2024, 6, 1, 12, 0, seed + i * 60)).toISOString(), {
          refundedAmount: status === 'PARTIALLY_REFUNDED' ? 1000 * (i + 1) : status === 'REFUNDED' ? 10000 : 0,
        }),
      ),
    );

  test('any permutation with duplicates ends where in-order delivery ends, never goes back, publishes each transition once', () => {
    fc.assert(
      fc.property(
        history.chain((h) =>
          fc.tuple(
            fc.constant(h),
            fc.shuffledSubarray(
              [...h, ...h, ...h].map((o, i) => ({ o, i })),
              { minLength: h.length * 3, maxLength: h.length * 3 },
            ),
          ),
        ),
        ([inOrder, shuffled]) => {
          let expected: ChargeState | null = null;
          for (const o of inOrder) expected = apply(expected, o);

          let state: ChargeState | null = null;
          let rank = -1;
          const published: string[] = [];
          for (const { o } of shuffled) {
            const d = decide(state, o, NOW);
            if (d.kind === 'duplicate') continue;
            if (d.kind === 'applied') published.push(d.event.transitionId);
            state = d.state;
            const r = STATUS_RANK[state.status!];
            expect(r).toBeGreaterThanOrEqual(rank);
            rank = r;
          }
          expect(state!.status).toBe(expected!.status);
          expect(state!.rawStatus).toBe(expected!.rawStatus);
          expect(state!.amounts).toEqual(expected!.amounts);
          expect(new Set(published).size).toBe(published.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
