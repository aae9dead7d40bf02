import fc from 'fast-check';
import { PROPERTY_RUNS } from '../property-runs.support.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { envelope } from '../picpay-examples.support.js';
import { statusSpec } from '../spec/tables.support.js';
import { memoryDeps } from './in-memory.support.js';

/** Canonical names come from the hand-written table in test/spec/legacy.md. */
const canonical = statusSpec('legacy.md').canonical;
const callback = (referenceId = 'ref-1') => envelope({ flavour: 'legacy', body: JSON.stringify({ referenceId }) });

describe('property: the legacy state follows what PicPay reports', () => {
  const lifecycles = [
    ['created', 'analysis', 'paid', 'completed', 'refunded'],
    ['created', 'paid', 'chargeback'],
    ['created', 'expired'],
    ['created', 'authorized', 'paid', 'refunded'],
    ['created', 'analysis', 'paid', 'completed', 'chargeback'],
    ['created', 'paid', 'chargeback', 'paid'],
  ];

  test('however callbacks are lost, duplicated or delayed, the final state is the last status reported', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...lifecycles),
        // For each status change: how many callbacks get processed before the next change (0 = lost or late).
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 1, max: 3 }),
        async (lifecycle, deliveries, finalDeliveries) => {
          const { deps, charges, publisher, picpay } = memoryDeps();
          for (const [i, status] of lifecycle.entries()) {
            picpay.statuses.set('ref-1', { status });
            for (let n = 0; n < (deliveries[i] ?? 0); n++) await processEnvelope(callback(), deps);
          }
          // PicPay retries the last callback until it is acknowledged.
          for (let n = 0; n < finalDeliveries; n++) await processEnvelope(callback(), deps);
          const expected = lifecycle.map((s) => canonical.get(s)!);
          expect(charges.items.get('legacy#ref-1')!.state.status).toBe(expected.at(-1));
          const ids = publisher.published.map((e) => e.transitionId);
          expect(new Set(ids).size).toBe(ids.length);
          // What was published is the lifecycle with some steps skipped: never out of order.
          let at = 0;
          for (const event of publisher.published) {
            const found = expected.indexOf(event.status!, at);
            expect(found).toBeGreaterThanOrEqual(at);
            at = found + 1;
          }
          expect(publisher.published.at(-1)!.status).toBe(expected.at(-1));
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

describe("legacy status answers: PicPay's undocumented fields, read leniently", () => {
  const read = async (answer: Record<string, unknown>, now = Date.parse('2024-07-01T19:00:00Z')) => {
    const { deps, charges, picpay } = memoryDeps();
    picpay.statuses.set('ref-1', answer as never);
    const outcome = await processEnvelope(callback(), { ...deps, now: () => now });
    return { outcome, state: charges.items.get('legacy#ref-1')?.state };
  };

  test("updatedAt in PicPay's microsecond Z format is the notification's time", async () => {
    const { outcome, state } = await read({ status: 'paid', updatedAt: '2023-06-26T16:47:52.000000Z', createdAt: '2023-06-26T16:40:00.000000Z', value: 10.29 });
    expect(outcome.kind).toBe('applied');
    expect(state?.history.at(-1)?.occurredAt).toBe('2023-06-26T16:47:52.000Z');
  });

  test.each([
    ['an unreadable updatedAt, createdAt and value', { updatedAt: 'yesterday', createdAt: 17, value: 'ten' }],
    ['no summary at all', { summary: undefined }],
    ['a summary of null', { summary: null }],
  ])('%s: applied, timed by the read, no amounts (never parked)', async (_name, extra) => {
    const { outcome, state } = await read({ status: 'paid', ...extra });
    expect(outcome.kind).toBe('applied');
    expect(state).toMatchObject({ status: 'PAID', amounts: null });
    expect(state?.history.at(-1)?.occurredAt).toBe('2024-07-01T19:00:00.000Z');
  });
});

describe('a legacy callback without referenceId', () => {
  test.each([
    [
      'the body one SDK author recorded (no referenceId): parked, naming its members, never their values',
      '{"paymentId":"p-1","authorizationId":"a-1","status":"approved","nsu":"123","tid":"t","bankInvoiceUrl":"https://x","acquirer":"Cielo"}',
      'Legacy callback without referenceId; its members: "paymentId", "authorizationId", "status", "nsu", "tid", "bankInvoiceUrl", "acquirer"',
    ],
    ['an empty object', '{}', 'Legacy callback without referenceId; its members: (none)'],
    [
      'more than twenty members: the first twenty are named',
      JSON.stringify(Object.fromEntries(Array.from({ length: 22 }, (_, i) => [`k${i}`, i]))),
      `Legacy callback without referenceId; its members: ${Array.from({ length: 20 }, (_, i) => `"k${i}"`).join(', ')}, and 2 more`,
    ],
    [
      'exactly twenty members: all named, nothing "more"',
      JSON.stringify(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]))),
      `Legacy callback without referenceId; its members: ${Array.from({ length: 20 }, (_, i) => `"k${i}"`).join(', ')}`,
    ],
    ['a long member name is cut at 40 characters', `{"${'n'.repeat(50)}":1}`, `Legacy callback without referenceId; its members: "${'n'.repeat(40)}"`],
  ])('%s', async (_name, body, message) => {
    const { deps, charges } = memoryDeps();
    const outcome = await processEnvelope(envelope({ flavour: 'legacy', body }), deps);
    expect(outcome).toEqual({ kind: 'parked', reason: 'unexpected_shape', message });
    expect(charges.parked).toHaveLength(1);
    expect(charges.parked[0]!.message).not.toMatch(/p-1|Cielo|approved/);
  });

  test('a referenceId of the wrong type is still described by the schema', async () => {
    const { deps } = memoryDeps();
    const outcome = await processEnvelope(envelope({ flavour: 'legacy', body: '{"referenceId":{}}' }), deps);
    expect(outcome).toMatchObject({ kind: 'parked', reason: 'unexpected_shape', message: expect.stringMatching(/^Legacy callback: referenceId: /) });
  });
});
