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
