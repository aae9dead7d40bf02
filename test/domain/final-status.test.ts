import { isFinalStatus } from '../../lambda/domain/status.js';

/** Which charges retention may expire: written by hand from docs/privacy.md, "Retention". */
describe('isFinalStatus: PicPay has given its word on the charge', () => {
  test.each([
    ['EXPIRED', true],
    ['CANCELED', true],
    ['DENIED', true],
    ['ERROR', true],
    ['PAID', true],
    ['COMPLETED', true],
    ['PARTIALLY_REFUNDED', true],
    ['REFUNDED', true],
    ['CHARGEBACK', true],
    ['CREATED', false],
    ['ANALYSIS', false],
    ['AUTHORIZED', false],
    ['UNKNOWN', false],
  ] as const)('%s: %s', (status, final) => {
    expect(isFinalStatus(status)).toBe(final);
  });

  test('a charge with no status yet is not final', () => {
    expect(isFinalStatus(null)).toBe(false);
  });
});
