/**
 * Issue 25, "time cannot be forged forward": a notification's own date later than its receipt
 * (beyond a five-minute skew) cannot outrank what comes after it. Without this, a PAID dated
 * 2999 made every later genuine notification "older" and a real chargeback was ignored.
 * Expected values are written by hand.
 */
import { decide, type ChargeState } from '../../lambda/domain/charge.js';
import { MAX_CLOCK_SKEW_MS, notificationTime } from '../../lambda/domain/dates.js';
import { observeCheckout, parseCheckout } from '../../lambda/domain/observation.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { envelope, paymentEvent, THREE_DS_EVENT } from '../picpay-examples.support.js';
import { memoryDeps } from './in-memory.support.js';

const T = Date.parse('2024-07-01T19:00:00Z');
const OPTIONS = { outboxLeaseMs: 60_000 };

describe('notificationTime', () => {
  test('the skew is five minutes', () => expect(MAX_CLOCK_SKEW_MS).toBe(300_000));
  test.each([
    ['no date: the receipt', null, T, false],
    ['a date before the receipt: the date', T - 60_000, T - 60_000, false],
    ['a date five minutes after the receipt: the date (clock skew)', T + 300_000, T + 300_000, false],
    ['a millisecond more: the receipt, flagged', T + 300_001, T, true],
    ['2999: the receipt, flagged', Date.parse('2999-01-01T00:00:00Z'), T, true],
  ])('%s', (_name, picpayMs, atMs, futureDated) => {
    expect(notificationTime(picpayMs, T)).toEqual({ atMs, futureDated });
  });
});

function payment(status: string, eventDate: string, receivedAtMs: number) {
  const env = envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: JSON.stringify(paymentEvent({ status, eventDate })) });
  return observeCheckout(env, parseCheckout(env), receivedAtMs);
}

describe('a forward-dated notification', () => {
  test('is ordered by its receipt, said to be so, and flagged', () => {
    const o = payment('PAID', '2999-01-01T00:00:00Z', T);
    expect({ atMs: o.atMs, occurredAt: o.occurredAt, timeSource: o.timeSource, futureDated: o.futureDated }).toEqual({
      atMs: T,
      occurredAt: '2024-07-01T19:00:00.000Z',
      timeSource: 'received',
      futureDated: true,
    });
    expect(payment('PAID', '2024-07-01T15:59:00-03:00', T).futureDated).toBeUndefined();
  });

  test('cannot pin a charge: a genuine chargeback received a minute later applies', () => {
    const pinned = decide(null, payment('PAID', '2999-01-01T00:00:00Z', T), '2024-07-01T19:00:00.000Z', OPTIONS);
    const state = (pinned as { state: ChargeState }).state;
    const chargeback = decide(state, payment('CHARGEBACK', '2024-07-01T16:01:00-03:00', T + 60_000), '2024-07-01T19:01:00.000Z', OPTIONS);
    expect(chargeback).toMatchObject({ kind: 'applied', state: { status: 'CHARGEBACK' } });
  });

  test('a 3DS result dated in the future is ordered by its receipt: the next result received wins', () => {
    const threeDs = (status: string, eventDate: string, receivedAtMs: number) => {
      const env = envelope({
        flavour: 'checkout',
        eventType: 'Challenge3dsUpdateMessage',
        body: JSON.stringify({ ...THREE_DS_EVENT, eventDate, data: { ...THREE_DS_EVENT.data, status } }),
      });
      return observeCheckout(env, parseCheckout(env), receivedAtMs);
    };
    const first = threeDs('Approved', '2999-01-01T00:00:00', T);
    expect(first.futureDated).toBe(true);
    const state = (decide(null, first, '2024-07-01T19:00:00.000Z', OPTIONS) as { state: ChargeState }).state;
    const next = decide(state, threeDs('Rejected', '2024-07-01T16:01:00', T + 60_000), '2024-07-01T19:01:00.000Z', OPTIONS);
    expect(next).toMatchObject({ kind: 'applied', state: { threeDs: { status: 'Rejected' } } });
  });

  test('the processing outcome says so, so the processor can count it', async () => {
    const { deps } = memoryDeps();
    const forward = envelope({
      flavour: 'checkout',
      eventType: 'TransactionUpdateMessage',
      receivedAt: '2024-07-01T19:00:00.000Z',
      body: JSON.stringify(paymentEvent({ status: 'AUTHORIZED', eventDate: '2999-01-01T00:00:00Z' })),
    });
    await expect(processEnvelope(forward, deps)).resolves.toMatchObject({ kind: 'applied', futureDated: true });
    const ordinary = envelope({
      flavour: 'checkout',
      eventType: 'TransactionUpdateMessage',
      receivedAt: '2024-07-01T19:05:00.000Z',
      body: JSON.stringify(paymentEvent({ status: 'AUTHORIZED', eventDate: '2024-07-01T16:04:00-03:00', merchantChargeId: 'other' })),
    });
    const outcome = await processEnvelope(ordinary, deps);
    expect(outcome.kind === 'applied' && outcome.futureDated).toBeUndefined();
  });
});
