import { canonicalStatus, compareOrder, STATUS_RANK } from '../../lambda/domain/status.js';

describe('canonicalStatus', () => {
  test.each([
    ['created', 'CREATED'],
    ['expired', 'EXPIRED'],
    ['analysis', 'ANALYSIS'],
    ['authorized', 'AUTHORIZED'],
    ['paid', 'PAID'],
    ['completed', 'COMPLETED'],
    ['refunded', 'REFUNDED'],
    ['chargeback', 'CHARGEBACK'],
    ['PAID', 'PAID'],
    ['something-new', 'UNKNOWN'],
    ['constructor', 'UNKNOWN'],
  ])('legacy %p -> %p', (raw, expected) => {
    expect(canonicalStatus('legacy', raw)).toBe(expected);
  });

  test.each([
    ['PENDING', 'CREATED'],
    ['PRE_AUTHORIZED', 'AUTHORIZED'],
    ['AUTHORIZED', 'AUTHORIZED'],
    ['PAID', 'PAID'],
    ['PARTIAL', 'PARTIALLY_REFUNDED'],
    ['REFUNDED', 'REFUNDED'],
    ['CHARGEBACK', 'CHARGEBACK'],
    ['CANCELED', 'CANCELED'],
    ['DENIED', 'DENIED'],
    ['ERROR', 'ERROR'],
    ['EXPIRED', 'EXPIRED'],
    ['paid', 'PAID'],
    ['WHATEVER', 'UNKNOWN'],
    ['__proto__', 'UNKNOWN'],
  ])('checkout %p -> %p', (raw, expected) => {
    expect(canonicalStatus('checkout', raw)).toBe(expected);
  });
});

describe('precedence', () => {
  test('money movement outranks pending and closed-unpaid; reversals outrank payment', () => {
    const r = STATUS_RANK;
    expect(r.CREATED).toBeLessThan(r.AUTHORIZED);
    expect(r.AUTHORIZED).toBeLessThan(r.EXPIRED);
    expect(r.EXPIRED).toBeLessThan(r.PAID);
    expect(r.PAID).toBeLessThan(r.COMPLETED);
    expect(r.COMPLETED).toBeLessThan(r.PARTIALLY_REFUNDED);
    expect(r.PARTIALLY_REFUNDED).toBeLessThan(r.REFUNDED);
    expect(r.REFUNDED).toBeLessThan(r.CHARGEBACK);
    expect(r.UNKNOWN).toBeLessThan(r.ANALYSIS);
  });

  test('compareOrder is rank, then time, then tie-break', () => {
    expect(compareOrder({ rank: 30, at: 0, tie: 'a' }, { rank: 20, at: 99, tie: 'z' })).toBeGreaterThan(0);
    expect(compareOrder({ rank: 30, at: 5, tie: 'a' }, { rank: 30, at: 9, tie: 'a' })).toBeLessThan(0);
    expect(compareOrder({ rank: 30, at: 5, tie: 'b' }, { rank: 30, at: 5, tie: 'a' })).toBeGreaterThan(0);
    expect(compareOrder({ rank: 30, at: 5, tie: 'a' }, { rank: 30, at: 5, tie: 'a' })).toBe(0);
  });
});
