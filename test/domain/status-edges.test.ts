/** compareOrder's last tie-breakers, written out by hand. */
import { canonicalStatus, compareOrder, orderKeyOf } from '../../lambda/domain/status.js';

describe('compareOrder', () => {
  const at = Date.parse('2024-07-01T19:00:00Z');

  test('at the same place, time and refunded amount, the raw value that sorts first comes first', () => {
    const captured = orderKeyOf('PAID', at, null, 'CAPTURED', 'tie-b');
    const paid = orderKeyOf('PAID', at, null, 'PAID', 'tie-a');
    expect(compareOrder(captured, paid)).toBeLessThan(0);
    expect(compareOrder(paid, captured)).toBeGreaterThan(0);
  });

  test('then the content hash decides, and only the same content compares equal', () => {
    const a = orderKeyOf('PAID', at, null, 'PAID', 'aaa');
    const b = orderKeyOf('PAID', at, null, 'PAID', 'bbb');
    expect(compareOrder(a, b)).toBeLessThan(0);
    expect(compareOrder(b, a)).toBeGreaterThan(0);
    expect(compareOrder(a, orderKeyOf('PAID', at, null, 'PAID', 'aaa'))).toBe(0);
  });
});

describe('canonicalStatus: letter case, underscores, hyphens and spaces carry no meaning (checkout, Payment Link)', () => {
  test.each([
    ['checkout', 'pre authorized', null, 'AUTHORIZED'],
    ['checkout', 'Pre-Authorized', null, 'AUTHORIZED'],
    ['checkout', ' PreAuthorized ', ' pix ', 'CREATED'],
    ['checkout', 'PRE_AUTHORIZED', ' Wallet\t', 'CREATED'],
    ['checkout', 'PRE_AUTHORIZED', 'PIXX', 'AUTHORIZED'],
    ['checkout', 'PENDING', 'PIX', 'CREATED'],
    ['checkout', 'PAID', 'PIX', 'PAID'],
    ['checkout', 'PRE.AUTHORIZED', null, 'UNKNOWN'],
    ['paymentLink', 'part refunded', null, 'PARTIALLY_REFUNDED'],
    ['paymentLink', 'Cancelled', null, 'CANCELED'],
    ['paymentLink', 'PRE_AUTHORIZED', 'PIX', 'UNKNOWN'],
    ['legacy', 'pa_id', null, 'UNKNOWN'],
  ] as const)('%s %p (paymentType %p) is %s', (flavour, raw, paymentType, expected) => {
    expect(canonicalStatus(flavour, raw, paymentType)).toBe(expected);
  });
});
