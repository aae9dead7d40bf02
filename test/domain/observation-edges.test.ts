/**
 * Edges of lambda/domain/observation.ts: odd JSON, header spellings, operator-facing park
 * messages, the times and amounts each flavour carries, and dedupe keys that stay the same
 * across releases (they are stored in each charge's `seen` list, so a redelivery after a deploy
 * must hash to the key stored before it). Expected values are written by hand.
 */
import { createHash } from 'node:crypto';
import { ParkError } from '../../lambda/domain/errors.js';
import { decide } from '../../lambda/domain/charge.js';
import {
  knownEventType,
  observeCheckout,
  observeFoundCharge,
  observeLegacy,
  observeRegistration,
  observeWebhook,
  parseCheckout,
  parseLegacyCallback,
  parseRegistration,
  parseWebhook,
} from '../../lambda/domain/observation.js';
import type { FoundCharge, LegacyStatus } from '../../lambda/domain/payloads.js';
import { CHARGE_ID, envelope, paymentEvent, THREE_DS_EVENT } from '../picpay-examples.support.js';

const webhook = (body: unknown, eventType: string | null = null) =>
  envelope({ flavour: 'checkout', eventType, body: typeof body === 'string' ? body : JSON.stringify(body) });
const legacy = (body: string) => envelope({ flavour: 'legacy', body });

/** The park error a call throws (a TypeError or no error fails the comparison). */
function parked(fn: () => unknown): { reason: string; message: string; cause?: unknown } | string {
  try {
    fn();
    return 'no error';
  } catch (error) {
    if (!(error instanceof ParkError)) return `not a ParkError: ${String(error)}`;
    return { reason: error.reason, message: error.message, cause: error.cause };
  }
}

/** The documented key format: sha256 of the JSON tuple, first 32 hex digits. */
const key = (parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);

const RECEIVED = Date.parse('2024-07-01T19:00:05Z');

describe('park messages tell the operator what was wrong', () => {
  test('invalid JSON is parked as invalid_json, with the parser error as its cause', () => {
    const result = parked(() => parseLegacyCallback(legacy('{"referenceId":')));
    expect(result).toMatchObject({ reason: 'invalid_json', message: 'Body is not valid JSON' });
    expect((result as { cause: unknown }).cause).toBeInstanceOf(SyntaxError);
  });

  test('a body that is not an object names (root) as the path', () => {
    expect(parked(() => parseLegacyCallback(legacy('[1]')))).toMatchObject({
      reason: 'unexpected_shape',
      message: expect.stringMatching(/^Legacy callback: \(root\): /),
    });
  });

  test('a shape error lists every problem, by path, joined by semicolons', () => {
    const bad = { chargeStatus: 1, merchantChargeId: {} } as unknown as FoundCharge;
    const result = parked(() => observeFoundCharge(webhook('{}'), CHARGE_ID, bad, 0));
    expect(result).toMatchObject({
      reason: 'unexpected_shape',
      message: expect.stringMatching(/^PicPay find-charge response: merchantChargeId: .+; chargeStatus: /),
    });
  });

  test.each([
    ['a legacy callback', () => parseLegacyCallback(legacy('{}')), /^Legacy callback without referenceId; its members: /],
    ['a PAYMENT event', () => parseCheckout(webhook({ type: 'PAYMENT', data: { status: 'PAID' } })), /^PAYMENT event: data\.merchantChargeId: /],
    [
      'a THREE_DS_CHALLENGE event',
      () => parseCheckout(webhook({ type: 'THREE_DS_CHALLENGE', data: { status: 'Approved' } })),
      /^THREE_DS_CHALLENGE event: data\.merchantChargeId: /,
    ],
    ['a Payment Link event', () => parseWebhook(webhook({ data: { transaction: { status: 'PAYED' } } })), /^Payment Link event: data\.transaction\.id: /],
    [
      'a find-charge answer',
      () => observeFoundCharge(webhook('{}'), CHARGE_ID, { amount: 1 } as unknown as FoundCharge, 0),
      /^PicPay find-charge response: chargeStatus: /,
    ],
    ['a legacy status answer', () => observeLegacy(legacy('{}'), { referenceId: '102030' }, {} as LegacyStatus, 0), /^PicPay status response: status: /],
    ['a registration', () => parseRegistration(legacy('{}')), /^Registration: referenceId: /],
  ])('%s that does not fit is parked, the message saying which document and field', (_name, fn, message) => {
    expect(parked(fn)).toMatchObject({ reason: 'unexpected_shape', message: expect.stringMatching(message) });
  });

  test('no header and no known body type says so', () => {
    expect(parked(() => parseCheckout(webhook({ data: {} })))).toMatchObject({
      reason: 'unknown_event_type',
      message: 'No event type header and no known body type',
    });
  });

  test('an unknown header is quoted, cut to 64 characters', () => {
    expect(parked(() => parseCheckout(webhook({ data: {} }, 'SomethingElse')))).toMatchObject({
      reason: 'unknown_event_type',
      message: 'Unknown event type header "SomethingElse" and no known body type',
    });
    const long = parked(() => parseCheckout(webhook({ data: {} }, 'H'.repeat(100))));
    expect(long).toMatchObject({ message: `Unknown event type header "${'H'.repeat(64)}" and no known body type` });
  });
});

describe('checkout event type: odd bodies are parked, never crash', () => {
  test.each([
    ['null', 'null'],
    ['a JSON string', '"PAYMENT"'],
    ['a number', '5'],
    ['an object whose type is not a string', '{"type":5,"data":{}}'],
  ])('%s with no header is parked as unknown_event_type', (_name, body) => {
    expect(parked(() => parseCheckout(webhook(body)))).toMatchObject({ reason: 'unknown_event_type' });
  });

  test('a non-string body type leaves the decision to the header', () => {
    const { type: _t, ...untyped } = paymentEvent();
    expect(parseCheckout(webhook({ ...untyped, type: 5 }, 'TransactionUpdateMessage')).type).toBe('PAYMENT');
  });

  test('a body type with surrounding spaces is read', () => {
    expect(parseCheckout(webhook({ ...paymentEvent(), type: ' payment ' })).type).toBe('PAYMENT');
  });

  test('a header with surrounding spaces is read', () => {
    expect(knownEventType(' Challenge3dsUpdateMessage ')).toBe('Challenge3dsUpdateMessage');
    const { type: _t, ...untyped } = paymentEvent();
    expect(parseCheckout(webhook(untyped, '  TransactionUpdateMessage\t')).type).toBe('PAYMENT');
  });
});

describe('/webhook: what is a Payment Link body', () => {
  test.each([
    ['null', 'null'],
    ['a JSON string', '"x"'],
    ['a number', '7'],
    ['data null', '{"data":null}'],
    ['data.transaction null', '{"data":{"transaction":null}}'],
    ['data.transaction a string', '{"data":{"transaction":"x"}}'],
  ])('%s with no header is not a Payment Link body (parked as unknown_event_type)', (_name, body) => {
    expect(parked(() => parseWebhook(webhook(body)))).toMatchObject({ reason: 'unknown_event_type' });
  });

  test('the Payment Link header with surrounding spaces makes it a Payment Link event', () => {
    expect(parked(() => parseWebhook(webhook({}, ' TransactionPaymentMessage ')))).toMatchObject({
      reason: 'unexpected_shape',
      message: expect.stringMatching(/^Payment Link event: /),
    });
  });
});

describe('Payment Link observations', () => {
  const PAY = '6b0d1f2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
  const observe = (tx: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const env = webhook({ ...extra, data: { transaction: { id: PAY, status: 'PAYED', amount: 10000, ...tx } } }, 'TransactionPaymentMessage');
    return observeWebhook(env, parseWebhook(env), RECEIVED);
  };

  test('eventDate comes first, then updatedAt, then createdAt', () => {
    const all = { createdAt: '2024-07-01T10:00:00Z', updatedAt: '2024-07-01T11:00:00Z' };
    expect(observe(all, { eventDate: '2024-07-01T12:00:00Z' })).toMatchObject({ occurredAt: '2024-07-01T12:00:00.000Z', timeSource: 'picpay' });
    expect(observe({ createdAt: all.createdAt }, { eventDate: '2024-07-01T12:00:00Z' })).toMatchObject({ occurredAt: '2024-07-01T12:00:00.000Z' });
    expect(observe({}, { eventDate: '2024-07-01T12:00:00Z' })).toMatchObject({ occurredAt: '2024-07-01T12:00:00.000Z', timeSource: 'picpay' });
    expect(observe(all)).toMatchObject({ occurredAt: '2024-07-01T11:00:00.000Z', timeSource: 'picpay' });
    expect(observe({ createdAt: all.createdAt })).toMatchObject({ occurredAt: '2024-07-01T10:00:00.000Z', timeSource: 'picpay' });
  });

  test('without a readable PicPay time, the receive time stands in', () => {
    expect(observe({ updatedAt: 'soon' })).toMatchObject({ occurredAt: '2024-07-01T19:00:05.000Z', atMs: RECEIVED, timeSource: 'received' });
  });

  test('a payment carries its amount as amount, original and paid', () => {
    const obs = observe({});
    expect(obs.kind).toBe('status');
    expect(obs.amounts).toStrictEqual({ amount: 10000, originalAmount: 10000, paidAmount: 10000, refundedAmount: null });
  });

  test('a refund carries no charge amounts: its amount is the refund transaction own', () => {
    const obs = observe({ id: 'refund-1', originalTransactionId: PAY, status: 'REFUNDED', amount: 10000 });
    expect(obs.amounts).toStrictEqual({ amount: null, originalAmount: null, paidAmount: null, refundedAmount: null });
    expect(obs.refund).toStrictEqual({ transactionId: 'refund-1', amount: 10000 });
  });

  test('an undocumented status carries the amount but nothing paid', () => {
    expect(observe({ status: 'MYSTERY_A' }).amounts).toStrictEqual({ amount: 10000, originalAmount: null, paidAmount: null, refundedAmount: null });
  });

  test('the dedupe key is stable: flavour, kind, transaction, original, status in capitals, amount', () => {
    expect(observe({ status: 'payed' }).dedupeKey).toBe(key(['paymentLink', 'status', PAY, null, 'PAYED', 10000]));
  });
});

describe('find-charge observations', () => {
  const found = (raw: Record<string, unknown>, at = Date.parse('2024-07-02T00:00:00Z')) =>
    observeFoundCharge(webhook('{}'), CHARGE_ID, raw as unknown as FoundCharge, at);

  test.each([
    [[{ paymentType: 'PIX' }], 'CREATED'],
    [[{ paymentType: 'WALLET' }], 'CREATED'],
    [[{ paymentType: 'CREDIT' }], 'AUTHORIZED'],
    [undefined, 'AUTHORIZED'],
  ])('PRE_AUTHORIZED with transactions %j is %s (checkout.md, "Pre-authorized by payment type")', (transactions, status) => {
    expect(found({ chargeStatus: 'PRE_AUTHORIZED', transactions }).status).toBe(status);
  });

  test('a paid charge: its amounts as PicPay gave them, paid equal to the amount', () => {
    const obs = found({ chargeStatus: 'PAID', amount: 10000, originalAmount: 12000, refundedAmount: 500 });
    expect(obs).toMatchObject({
      kind: 'status',
      flavour: 'checkout',
      chargeKey: `checkout#${CHARGE_ID}`,
      status: 'PAID',
      occurredAt: '2024-07-02T00:00:00.000Z',
      timeSource: 'picpay',
      eventType: 'Reconciliation',
    });
    expect(obs.amounts).toStrictEqual({ amount: 10000, originalAmount: 12000, paidAmount: 10000, refundedAmount: 500 });
  });

  test('an authorized charge has nothing paid', () => {
    expect(found({ chargeStatus: 'AUTHORIZED', amount: 10000 }).amounts).toStrictEqual({
      amount: 10000,
      originalAmount: null,
      paidAmount: null,
      refundedAmount: null,
    });
  });

  test('a charge without amounts has them null', () => {
    expect(found({ chargeStatus: 'PAID' }).amounts).toStrictEqual({ amount: null, originalAmount: null, paidAmount: null, refundedAmount: null });
  });

  test('the dedupe key is stable', () => {
    expect(found({ chargeStatus: 'PAID', amount: 10000 }).dedupeKey).toBe(
      key(['checkout', 'found', CHARGE_ID, 'PAID', { amount: 10000, originalAmount: null, paidAmount: 10000, refundedAmount: null }]),
    );
  });
});

describe('checkout PAYMENT and 3DS observations', () => {
  const observe = (body: unknown) => {
    const env = webhook(body);
    return observeCheckout(env, parseCheckout(env), RECEIVED);
  };

  test('an authorized charge has nothing paid', () => {
    expect(observe(paymentEvent({ status: 'AUTHORIZED' })).amounts).toMatchObject({ amount: 10000, paidAmount: null });
  });

  test('a dated event keeps PicPay time', () => {
    expect(observe(paymentEvent())).toMatchObject({ occurredAt: '2024-07-01T19:00:00.000Z', timeSource: 'picpay' });
  });

  test('the PAYMENT dedupe key is stable', () => {
    expect(observe(paymentEvent({ status: 'PAID' })).dedupeKey).toBe(
      key([
        'checkout',
        'status',
        CHARGE_ID,
        'PAID',
        Date.parse('2024-07-01T19:00:00Z'),
        { amount: 10000, originalAmount: 10000, paidAmount: 10000, refundedAmount: 0 },
      ]),
    );
  });

  test('a 3DS result is a checkout observation at the receive time, with a stable key', () => {
    const obs = observe(THREE_DS_EVENT);
    expect(obs).toMatchObject({
      kind: 'three_ds',
      flavour: 'checkout',
      chargeKey: `checkout#${CHARGE_ID}`,
      occurredAt: '2024-07-01T19:00:05.000Z',
      timeSource: 'received',
      eventType: 'Challenge3dsUpdateMessage',
    });
    expect(obs.dedupeKey).toBe(
      key(['checkout', 'three_ds', CHARGE_ID, { status: 'Approved', paresStatus: 'Y', eci: '05', picpayChargeId: 'bac0ffd7-e4cb-48c7-9f3e-a05ff7eb40a1' }]),
    );
  });
});

describe('legacy status reads and registrations', () => {
  const read = (summary: LegacyStatus['summary']) =>
    observeLegacy(legacy('{}'), { referenceId: '102030' }, { status: 'paid', summary }, Date.parse('2024-07-02T00:00:00Z'));

  test('the amount is the authorized one; the paid one only when none was authorized', () => {
    expect(read({ authorized: 20, paid: 10, refunded: 0 }).amounts).toMatchObject({ amount: 2000, originalAmount: 2000, paidAmount: 1000 });
    expect(read({ paid: 10 }).amounts).toMatchObject({ amount: 1000, originalAmount: null, paidAmount: 1000 });
  });

  test('a status read is PicPay word at the read time, with a stable key', () => {
    const obs = read({ authorized: 20, paid: 20, refunded: 0 });
    expect(obs).toMatchObject({ timeSource: 'picpay', occurredAt: '2024-07-02T00:00:00.000Z', flavour: 'legacy', chargeKey: 'legacy#102030' });
    expect(obs.dedupeKey).toBe(key(['legacy', 'status', '102030', 'paid', null, { amount: 2000, originalAmount: 2000, paidAmount: 2000, refundedAmount: 0 }]));
  });

  test('a registration is a legacy observation at the receive time, with a stable key', () => {
    const env = legacy('{"referenceId":"102030","expiresAt":"2024-07-03T00:00:00Z"}');
    const obs = observeRegistration(env, parseRegistration(env), RECEIVED);
    expect(obs).toMatchObject({
      kind: 'registration',
      flavour: 'legacy',
      chargeKey: 'legacy#102030',
      occurredAt: '2024-07-01T19:00:05.000Z',
      timeSource: 'received',
      expiresAt: '2024-07-03T00:00:00.000Z',
    });
    expect(obs.dedupeKey).toBe(key(['legacy', 'registration', '102030', '2024-07-03T00:00:00.000Z']));
  });
});

describe('3DS results ordered by the eventDate a body may carry', () => {
  // Written by hand: 2025-04-16T11:30:04.157929932 in Sao Paulo (UTC-3, no daylight saving in 2025) is 14:30:04.157 UTC.
  const threeDs = (status: string, eventDate: string | undefined, receivedAt: string) => {
    const body = { ...THREE_DS_EVENT, ...(eventDate === undefined ? {} : { eventDate }), data: { ...THREE_DS_EVENT.data, status } };
    const env = { ...webhook(JSON.stringify(body)), eventType: 'Challenge3dsUpdateMessage' };
    return observeCheckout(env, parseCheckout(env), Date.parse(receivedAt));
  };

  test('nine fractional digits and no offset: read in America/Sao_Paulo, to the millisecond', () => {
    expect(threeDs('Approved', '2025-04-16T11:30:04.157929932', '2025-04-16T15:00:00Z')).toMatchObject({
      kind: 'three_ds',
      occurredAt: '2025-04-16T14:30:04.157Z',
      atMs: Date.parse('2025-04-16T14:30:04.157Z'),
      timeSource: 'picpay',
    });
  });

  test('without one (PicPay example), or unreadable, the receive time stands in', () => {
    expect(threeDs('Approved', undefined, '2025-04-16T15:00:00Z')).toMatchObject({ occurredAt: '2025-04-16T15:00:00.000Z', timeSource: 'received' });
    expect(threeDs('Approved', 'soon', '2025-04-16T15:00:00Z')).toMatchObject({ occurredAt: '2025-04-16T15:00:00.000Z', timeSource: 'received' });
  });

  test('a result received last but dated earlier does not replace the later one', () => {
    const later = threeDs('Approved', '2025-04-16T11:30:04.157929932', '2025-04-16T15:00:00Z');
    const earlier = threeDs('Rejected', '2025-04-16T11:29:00.000000000', '2025-04-16T15:05:00Z');
    const first = decide(null, later, '2025-04-16T15:00:00Z', { outboxLeaseMs: 1000 });
    if (!('state' in first)) throw new Error('expected a state');
    const second = decide(first.state, earlier, '2025-04-16T15:05:00Z', { outboxLeaseMs: 1000 });
    expect(second).toMatchObject({ kind: 'ignored', reason: 'older than the 3DS result already recorded' });
    expect('state' in second && second.state.threeDs?.status).toBe('Approved');
  });
});
