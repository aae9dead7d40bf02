/**
 * shareRun on its own: half the cap to each flavour, what one does not use to the other, never
 * more than the cap, even from an index that answers more than asked. Counts written by hand.
 */
import { type ReconcileCandidate, shareRun } from '../../lambda/domain/reconcile.js';

const ids = (flavour: 'legacy' | 'checkout' | 'paymentLink', n: number): ReconcileCandidate[] =>
  Array.from({ length: n }, (_, i) => ({
    flavour,
    chargeId: `${flavour[0]}${i + 1}`,
    lastCheckedAt: '2024-07-01T10:00:00.000Z',
    createdAt: '2024-07-01T09:00:00.000Z',
    expiresAt: null,
  }));
const shared = (legacy: number, checkout: number, maxPerRun: number) =>
  shareRun({ legacy: ids('legacy', legacy), checkout: ids('checkout', checkout) }, maxPerRun).map((c) => c.chargeId);

describe('shareRun', () => {
  test.each([
    // legacy waiting, checkout waiting, cap -> legacy taken, checkout taken
    [8, 8, 10, 5, 5],
    [8, 2, 10, 8, 2],
    [2, 8, 10, 2, 8],
    [12, 12, 10, 5, 5],
    [3, 3, 3, 2, 1],
    [0, 12, 10, 0, 10],
    [12, 0, 10, 10, 0],
    [6, 4, 10, 6, 4],
    [7, 4, 10, 6, 4],
  ])('%i legacy and %i checkout waiting, cap %i: %i legacy, %i checkout', (legacy, checkout, cap, legacyTaken, checkoutTaken) => {
    const taken = shared(legacy, checkout, cap);
    expect(taken.filter((id) => id.startsWith('l'))).toHaveLength(legacyTaken);
    expect(taken.filter((id) => id.startsWith('c'))).toHaveLength(checkoutTaken);
  });

  test('the least recently checked of each flavour go first, legacy before checkout', () => {
    expect(shared(3, 3, 4)).toEqual(['l1', 'l2', 'c1', 'c2']);
  });
});

describe('shareRun with Payment Link payments waiting too', () => {
  const three = (legacy: number, checkout: number, paymentLink: number, maxPerRun: number) =>
    shareRun({ legacy: ids('legacy', legacy), checkout: ids('checkout', checkout), paymentLink: ids('paymentLink', paymentLink) }, maxPerRun).map(
      (c) => c.chargeId,
    );

  test.each([
    // legacy, checkout, Payment Link waiting, cap -> taken of each (dealt one at a time, in turn)
    [8, 8, 8, 10, 4, 3, 3],
    [8, 0, 8, 10, 5, 0, 5],
    [1, 8, 8, 10, 1, 5, 4],
    [0, 0, 12, 10, 0, 0, 10],
    [2, 2, 2, 10, 2, 2, 2],
    [12, 12, 12, 3, 1, 1, 1],
  ])('%i legacy, %i checkout, %i Payment Link waiting, cap %i: %i, %i, %i', (legacy, checkout, paymentLink, cap, l, c, p) => {
    const taken = three(legacy, checkout, paymentLink, cap);
    expect([
      taken.filter((id) => id.startsWith('l')).length,
      taken.filter((id) => id.startsWith('c')).length,
      taken.filter((id) => id.startsWith('p')).length,
    ]).toEqual([l, c, p]);
  });

  test('each flavour’s least recently checked first, legacy, then checkout, then Payment Link', () => {
    expect(three(3, 3, 3, 5)).toEqual(['l1', 'l2', 'c1', 'c2', 'p1']);
  });
});
