import { ParkError } from '../../lambda/domain/errors.js';
import { observeCheckout, observeLegacy, observeWebhook, parseCheckout, parseLegacyCallback, parseWebhook } from '../../lambda/domain/observation.js';
import { CHARGE_ID, envelope, LEGACY_CALLBACK, paymentEvent, THREE_DS_EVENT } from '../picpay-examples.support.js';

/** When the notifications were received: after every date they carry (a later date is bounded: dates.ts). */
const RECEIVED = Date.parse('2024-07-10T00:00:00Z');

const checkout = (body: unknown, eventType: string | null = null) =>
  envelope({ flavour: 'checkout', eventType, body: typeof body === 'string' ? body : JSON.stringify(body) });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof ParkError ? error.reason : `unexpected ${String(error)}`;
  }
}

describe('parseCheckout', () => {
  const { type: _type, ...untyped } = paymentEvent();
  const { type: _t3, ...untyped3ds } = THREE_DS_EVENT;
  test.each([
    ['header TransactionUpdateMessage', paymentEvent(), 'TransactionUpdateMessage', 'PAYMENT'],
    ['header Challenge3dsUpdateMessage', THREE_DS_EVENT, 'Challenge3dsUpdateMessage', 'THREE_DS_CHALLENGE'],
    ['no header, body PAYMENT', paymentEvent(), null, 'PAYMENT'],
    ['no header, body THREE_DS_CHALLENGE', THREE_DS_EVENT, null, 'THREE_DS_CHALLENGE'],
    ['header in another letter case, body without type', untyped, 'transactionUpdateMessage', 'PAYMENT'],
    ['3DS header in capitals, body without type', untyped3ds, 'CHALLENGE3DSUPDATEMESSAGE', 'THREE_DS_CHALLENGE'],
    ['an unknown header: the body type decides', paymentEvent(), 'SomethingElse', 'PAYMENT'],
    ['header and body disagree: the body decides', paymentEvent(), 'Challenge3dsUpdateMessage', 'PAYMENT'],
    ['body type in lower case', { ...paymentEvent(), type: 'payment' }, null, 'PAYMENT'],
  ])('%s', (_name, body, header, type) => {
    expect(parseCheckout(checkout(body, header)).type).toBe(type);
  });

  test.each([
    ['invalid JSON', '{"type":', 'TransactionUpdateMessage', 'invalid_json'],
    ['an unknown header and no body type', untyped, 'SomethingElse', 'unknown_event_type'],
    ['no header, unknown body type', { type: 'REFUND' }, null, 'unknown_event_type'],
    ['no header, JSON array', '[1,2]', null, 'unknown_event_type'],
    ['PAYMENT without merchantChargeId', { ...paymentEvent(), data: { status: 'PAID' } }, null, 'unexpected_shape'],
    ['PAYMENT without status', { ...paymentEvent(), data: { merchantChargeId: 'x' } }, null, 'unexpected_shape'],
    ['PAYMENT with a 201-character merchantChargeId', paymentEvent({ merchantChargeId: 'x'.repeat(201) }), null, 'unexpected_shape'],
  ])('parks %s as %s', (_name, body, header, code) => {
    expect(codeOf(() => parseCheckout(checkout(body, header)))).toBe(code);
  });

  test('fields the rules only carry are read leniently: a bad eventDate is the receive time, a fractional amount is unknown', () => {
    const env = checkout(paymentEvent({ eventDate: 'yesterday', amount: 10.5 }));
    const obs = observeCheckout(env, parseCheckout(env), Date.parse('2024-07-01T19:00:05Z'));
    expect(obs).toMatchObject({ occurredAt: '2024-07-01T19:00:05.000Z', timeSource: 'received', amounts: { amount: null, refundedAmount: 0 } });
  });

  test('a 200-character merchantChargeId is accepted; a status longer than 64 characters is cut', () => {
    const env = checkout(paymentEvent({ merchantChargeId: 'x'.repeat(200), status: 'S'.repeat(70) }));
    const obs = observeCheckout(env, parseCheckout(env), RECEIVED);
    expect(obs.chargeId).toHaveLength(200);
    expect(obs.rawStatus).toBe(`${'S'.repeat(63)}…`);
  });

  test('shape errors name the path, never the values (no PII in logs)', () => {
    const body = { ...paymentEvent(), data: { ...paymentEvent().data, merchantChargeId: { nested: true } } };
    try {
      parseCheckout(checkout(body));
      throw new Error('should have thrown');
    } catch (error) {
      expect((error as Error).message).toContain('data.merchantChargeId');
      expect((error as Error).message).not.toContain('pessoa.silva');
    }
  });
});

describe('observations', () => {
  test('a PAYMENT event becomes a status observation keyed by merchantChargeId', () => {
    const env = checkout(paymentEvent({ status: 'PAID' }));
    const obs = observeCheckout(env, parseCheckout(env), RECEIVED);
    expect(obs).toMatchObject({
      kind: 'status',
      chargeKey: `checkout#${CHARGE_ID}`,
      status: 'PAID',
      rawStatus: 'PAID',
      occurredAt: '2024-07-01T19:00:00.000Z',
      amounts: { amount: 10000, originalAmount: 10000, paidAmount: 10000, refundedAmount: 0 },
    });
    expect(JSON.stringify(obs)).not.toMatch(/pessoa|123456789"/);
  });

  test('dedupe keys: equal for the same content, different when anything we act on differs', () => {
    const key = (body: unknown) => {
      const env = checkout(body);
      return observeCheckout(env, parseCheckout(env), RECEIVED).dedupeKey;
    };
    expect(key(paymentEvent())).toBe(key(paymentEvent()));
    expect(key(paymentEvent())).not.toBe(key(paymentEvent({ status: 'PAID' })));
    expect(key(paymentEvent())).not.toBe(key(paymentEvent({ eventDate: '2024-07-01T16:00:01-03:00' })));
    expect(key(paymentEvent())).not.toBe(key(paymentEvent({ refundedAmount: 1 })));
    // Same instant in another offset is the same event.
    expect(key(paymentEvent())).toBe(key(paymentEvent({ eventDate: '2024-07-01T19:00:00Z' })));
  });

  test('a legacy callback plus the reported status, with summary amounts in centavos', () => {
    const env = envelope({ flavour: 'legacy', body: JSON.stringify(LEGACY_CALLBACK) });
    const obs = observeLegacy(
      env,
      parseLegacyCallback(env),
      { status: 'refunded', authorizationId: 'a1', summary: { authorized: 10.5, paid: 10.5, refunded: 3.33 } },
      Date.parse('2024-07-02T00:00:00Z'),
    );
    expect(obs).toMatchObject({
      chargeKey: 'legacy#102030',
      status: 'REFUNDED',
      amounts: { amount: 1050, originalAmount: 1050, paidAmount: 1050, refundedAmount: 333 },
      authorizationId: 'a1',
      eventType: 'LegacyCallback',
    });
  });

  test.each([
    ['{}', 'unexpected_shape'],
    ['{"referenceId":""}', 'unexpected_shape'],
    ['not json', 'invalid_json'],
  ])('legacy body %p is parked as %p', (body, code) => {
    expect(codeOf(() => parseLegacyCallback(envelope({ flavour: 'legacy', body })))).toBe(code);
  });

  test('a numeric referenceId is accepted as a string', () => {
    expect(parseLegacyCallback(envelope({ flavour: 'legacy', body: '{"referenceId":102030}' })).referenceId).toBe('102030');
  });
});

describe('parseWebhook: Payment Link notifications share /webhook with checkout', () => {
  const PAY = '6b0d1f2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
  const link = (tx: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    ...extra,
    data: { transaction: { id: PAY, originalTransactionId: null, status: 'PAYED', amount: 10000, paymentType: 'PIX', ...tx } },
  });
  const observe = (body: unknown, header: string | null) => {
    const env = checkout(body, header);
    return observeWebhook(env, parseWebhook(env), Date.parse('2024-07-01T19:00:05Z'));
  };

  test.each([
    ['header event_type as documented', link({}), 'TransactionPaymentMessage'],
    ['header in lower case', link({}), 'transactionpaymentmessage'],
    ['no header: the body shape (data.transaction) decides', link({}), null],
    ['a checkout header on a Payment Link body: the body decides', link({}), 'TransactionUpdateMessage'],
    ['a body that also says type PAYMENT', link({}, { type: 'PAYMENT' }), null],
  ])('%s', (_name, body, header) => {
    expect(observe(body, header)).toMatchObject({
      flavour: 'paymentLink',
      chargeKey: `paymentLink#${PAY}`,
      status: 'PAID',
      rawStatus: 'PAYED',
      paymentType: 'PIX',
      eventType: 'TransactionPaymentMessage',
    });
  });

  test('a refund belongs to the payment its originalTransactionId names, with its own amount', () => {
    expect(observe(link({ id: 'refund-tx-1', originalTransactionId: PAY, status: 'PARTREFUNDED', amount: 2500 }), 'TransactionPaymentMessage')).toMatchObject({
      chargeKey: `paymentLink#${PAY}`,
      status: 'PARTIALLY_REFUNDED',
      refund: { transactionId: 'refund-tx-1', amount: 2500 },
    });
  });

  test('a checkout charge with the Payment Link header is still a checkout charge (it names a merchantChargeId)', () => {
    expect(observe(paymentEvent(), 'TransactionPaymentMessage')).toMatchObject({ flavour: 'checkout', chargeKey: `checkout#${CHARGE_ID}` });
  });

  test.each([
    ['CREDIT_CARD', 'CREDIT'],
    ['credit-card', 'CREDIT'],
    ['Credit Card', 'CREDIT'],
    ['CREDIT', 'CREDIT'],
    ['PIX', 'PIX'],
    ['CREDITCARDX', 'CREDITCARDX'],
  ])('a Payment Link paymentType %p is read as %p (one integrator sends CREDIT_CARD; checkout says CREDIT)', (sent, read) => {
    expect(observe(link({ paymentType: sent }), 'TransactionPaymentMessage')).toMatchObject({ paymentType: read });
  });

  test.each([
    ['PENDING', 'CREATED'],
    ['DENIED', 'DENIED'],
    ['AUTHORIZED', 'AUTHORIZED'],
    ['CANCELLED', 'CANCELED'],
    ['CANCELED', 'CANCELED'],
  ])('a Payment Link transaction %s is %s, not UNKNOWN (its transactions API lists it)', (raw, status) => {
    expect(observe(link({ status: raw }), 'TransactionPaymentMessage')).toMatchObject({ flavour: 'paymentLink', status, rawStatus: raw });
  });

  test('a Pix checkout charge carries its paymentType', () => {
    const body = paymentEvent({ status: 'EXPIRED' }) as { data: Record<string, unknown> };
    body.data.transactions = [{ paymentType: 'PIX', status: 'EXPIRED', pix: { qrCode: 'x' } }];
    expect(observe(body, 'TransactionUpdateMessage')).toMatchObject({ flavour: 'checkout', status: 'EXPIRED', paymentType: 'PIX' });
  });

  test.each([
    [
      'a Payment Link header with a body without a transaction id',
      { data: { transaction: { status: 'PAYED' } } },
      'TransactionPaymentMessage',
      'unexpected_shape',
    ],
    ['a Payment Link header and no data at all', {}, 'TransactionPaymentMessage', 'unexpected_shape'],
  ])('parks %s as %s', (_name, body, header, code) => {
    expect(codeOf(() => parseWebhook(checkout(body, header)))).toBe(code);
  });
});
