/**
 * shareRun on its own: half the cap to each flavour, what one does not use to the other, never
 * more than the cap, even from an index that answers more than asked. Counts written by hand.
 */
import { type ReconcileCandidate, shareRun } from '../../lambda/domain/reconcile.js';

const ids = (flavour: 'legacy' | 'checkout', n: number): ReconcileCandidate[] =>
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
