import fc from 'fast-check';
import { nominalDelaySeconds, retryDelaySeconds, retryWindowSeconds } from '../../lambda/domain/backoff.js';
import { PROPERTY_RUNS } from '../property-runs.support.js';

/**
 * The retry schedule, written out by hand (docs/architecture.md, "Retries"): 1 min after the
 * first failed receive, doubling, at most 1 h, less up to 20% at random.
 */
const POLICY = { baseSeconds: 60, capSeconds: 3600, jitter: 0.2 };

describe('nominalDelaySeconds', () => {
  test.each([
    [1, 60],
    [2, 120],
    [3, 240],
    [4, 480],
    [5, 960],
    [6, 1920],
    [7, 3600], // 3840 capped
    [8, 3600],
    [35, 3600],
    [36, 3600],
    [1000, 3600], // 2^999 is Infinity: still the cap
  ])('after receive %i: %i s', (receive, seconds) => {
    expect(nominalDelaySeconds(receive, POLICY)).toBe(seconds);
  });

  test.each([
    [0, 60],
    [0.5, 60],
    [-3, 60],
    [Number.NaN, 60],
    [Number.POSITIVE_INFINITY, 60],
    [2.9, 120],
  ])('a receive count of %p counts as %i s', (receive, seconds) => {
    expect(nominalDelaySeconds(receive, POLICY)).toBe(seconds);
  });

  test("never above SQS's 12-hour limit, whatever the cap", () => {
    expect(nominalDelaySeconds(20, { baseSeconds: 60, capSeconds: 86_400 })).toBe(43_200);
    expect(nominalDelaySeconds(2, { baseSeconds: 60, capSeconds: 86_400 })).toBe(120);
  });
});

describe('retryDelaySeconds', () => {
  test.each([
    // receive, random, seconds
    [1, 0, 60],
    [1, 0.5, 54], // 60 × 0.9
    [1, 0.99, 49], // 60 × 0.802 = 48.12, rounded up
    [2, 0.5, 108], // 120 × 0.9
    [4, 0.5, 432], // 480 × 0.9
    [6, 0.5, 1728], // 1920 × 0.9
    [7, 0, 3600],
    [7, 0.5, 3240], // 3600 × 0.9
    [30, 0.25, 3420], // 3600 × 0.95
  ])('after receive %i with random %p: %i s', (receive, r, seconds) => {
    expect(retryDelaySeconds(receive, POLICY, () => r)).toBe(seconds);
  });

  test('whole seconds, rounded up: a fraction never shortens the wait below the jittered delay', () => {
    expect(retryDelaySeconds(1, { baseSeconds: 10, capSeconds: 100, jitter: 0.5 }, () => 0.3)).toBe(9); // 10 × 0.85 = 8.5
  });

  test('without jitter the random source does not matter', () => {
    expect(retryDelaySeconds(3, { ...POLICY, jitter: 0 }, () => 0.9)).toBe(240);
  });

  test('property: between nominal × (1 − jitter) and nominal, never above the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 43_200 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (receive, base, cap, jitter, r) => {
          const delay = retryDelaySeconds(receive, { baseSeconds: base, capSeconds: cap, jitter }, () => r);
          const nominal = Math.min(cap, base * 2 ** (receive - 1));
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(nominal * (1 - jitter));
          expect(delay).toBeLessThanOrEqual(Math.ceil(nominal));
          expect(delay).toBeLessThanOrEqual(cap);
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });

  test('property: a later receive never waits less before jitter, and the same random gives a delay at least as long', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (receive, r) => {
        expect(retryDelaySeconds(receive + 1, POLICY, () => r)).toBeGreaterThanOrEqual(retryDelaySeconds(receive, POLICY, () => r));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

describe('retryWindowSeconds: the schedule of docs/architecture.md', () => {
  test('36 receives: 35 delays, 1+2+4+8+16+32 min then 29 × 60 min; at least 24 h even with the most jitter', () => {
    // Longest: 60+120+240+480+960+1920 = 3780, plus 29 × 3600 = 104400: 108180 s (30 h 3 min).
    // Shortest: 80% of each: 48+96+192+384+768+1536 = 3024, plus 29 × 2880 = 83520: 86544 s (24 h 2 min 24 s).
    expect(retryWindowSeconds(36, POLICY)).toEqual({ shortest: 86_544, longest: 108_180 });
    expect(retryWindowSeconds(36, POLICY).shortest).toBeGreaterThanOrEqual(24 * 3600);
  });

  test('35 receives would not be enough: 83664 s at worst, under 24 h', () => {
    expect(retryWindowSeconds(35, POLICY)).toEqual({ shortest: 83_664, longest: 104_580 });
  });

  test('the old 5 receives: 15 minutes', () => {
    expect(retryWindowSeconds(5, POLICY)).toEqual({ shortest: 720, longest: 900 });
  });

  test('a single receive retries nothing', () => {
    expect(retryWindowSeconds(1, POLICY)).toEqual({ shortest: 0, longest: 0 });
    expect(retryWindowSeconds(2, POLICY)).toEqual({ shortest: 48, longest: 60 });
  });

  test('the shortest window rounds each delay up, as retryDelaySeconds does', () => {
    // 10 × 0.75 = 7.5 → 8; 20 × 0.75 = 15.
    expect(retryWindowSeconds(3, { baseSeconds: 10, capSeconds: 100, jitter: 0.25 })).toEqual({ shortest: 23, longest: 30 });
  });
});
