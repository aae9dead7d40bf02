import { canonicalStatus, compareOrder, orderKeyOf, transitionReason } from '../../lambda/domain/status.js';

/** Canonical mapping and cell-by-cell precedence are in test/spec/ (decision-tables.test.ts). */
describe('compareOrder', () => {
  const key = (status: Parameters<typeof orderKeyOf>[0], at: number, refunded: number | null = 0, raw = 'X', tie = 't') =>
    orderKeyOf(status, at, refunded, raw, tie);

  test('phase first: money moved beats a later expiry, an expiry beats a later authorization', () => {
    expect(compareOrder(key('PAID', 0), key('EXPIRED', 99))).toBeGreaterThan(0);
    expect(compareOrder(key('EXPIRED', 0), key('AUTHORIZED', 99))).toBeGreaterThan(0);
    expect(compareOrder(key('AUTHORIZED', 0), key('CREATED', 99))).toBeGreaterThan(0);
    expect(compareOrder(key('CREATED', 0), key('UNKNOWN', 99))).toBeGreaterThan(0);
  });

  test('then time, then step, then refunded amount, then raw value, then content', () => {
    expect(compareOrder(key('PAID', 9), key('CHARGEBACK', 5))).toBeGreaterThan(0);
    expect(compareOrder(key('CHARGEBACK', 5), key('PAID', 5))).toBeGreaterThan(0);
    expect(compareOrder(key('PARTIALLY_REFUNDED', 5, 2002), key('PARTIALLY_REFUNDED', 5, 1000))).toBeGreaterThan(0);
    expect(compareOrder(key('PARTIALLY_REFUNDED', 5, 0), key('PARTIALLY_REFUNDED', 5, null))).toBeGreaterThan(0);
    expect(compareOrder(key('UNKNOWN', 5, 0, 'B'), key('UNKNOWN', 5, 0, 'A'))).toBeGreaterThan(0);
    expect(compareOrder(key('PAID', 5, 0, 'X', 'b'), key('PAID', 5, 0, 'X', 'a'))).toBeGreaterThan(0);
    expect(compareOrder(key('PAID', 5, 0, 'X', 'a'), key('PAID', 5, 0, 'X', 'b'))).toBeLessThan(0);
    expect(compareOrder(key('PAID', 5), key('PAID', 5))).toBe(0);
  });
});

describe('canonicalStatus: spaces around the value carry no meaning', () => {
  test.each([
    ['checkout', ' PAID ', 'PAID'],
    ['checkout', '\tpartial\n', 'PARTIALLY_REFUNDED'],
    ['legacy', ' Paid ', 'PAID'],
  ] as const)('%s %p is %s', (flavour, raw, expected) => {
    expect(canonicalStatus(flavour, raw)).toBe(expected);
  });
});

describe('transitionReason', () => {
  test.each([
    ['DENIED', 'AUTHORIZED', 'retry_after_failure'],
    ['ERROR', 'AUTHORIZED', 'retry_after_failure'],
    ['DENIED', 'PAID', null],
    ['AUTHORIZED', 'AUTHORIZED', null],
    ['CHARGEBACK', 'PAID', 'chargeback_reversed'],
    ['CHARGEBACK', 'COMPLETED', 'chargeback_reversed'],
    ['CHARGEBACK', 'PARTIALLY_REFUNDED', 'chargeback_reversed'],
    ['CHARGEBACK', 'REFUNDED', null],
    ['REFUNDED', 'PAID', 'refund_reversed'],
    ['PARTIALLY_REFUNDED', 'COMPLETED', 'refund_reversed'],
    ['REFUNDED', 'CHARGEBACK', null],
    [null, 'PAID', null],
  ] as const)('%s -> %s: %s', (from, to, reason) => {
    expect(transitionReason(from, to)).toBe(reason);
  });
});
