import fc from 'fast-check';
import { processEnvelope } from '../../lambda/domain/process.js';
import { canonicalStatus, STATUS_RANK } from '../../lambda/domain/status.js';
import { envelope } from '../fixtures.js';
import { memoryDeps } from './in-memory.js';

const LEGACY = ['created', 'expired', 'analysis', 'authorized', 'paid', 'completed', 'refunded', 'chargeback', 'something-new'];
const callback = (referenceId = 'ref-1') => envelope({ flavour: 'legacy', body: JSON.stringify({ referenceId }) });

describe('legacy: every ordered pair of statuses PicPay can report', () => {
  const pairs = LEGACY.flatMap((from) => LEGACY.map((to) => [from, to] as const));

  test.each(pairs)('%s, then %s', async (from, to) => {
    const { deps, charges, publisher, picpay } = memoryDeps();
    picpay.statuses.set('ref-1', { status: from });
    await processEnvelope(callback(), deps);
    picpay.statuses.set('ref-1', { status: to });
    const outcome = await processEnvelope(callback(), deps);

    const a = canonicalStatus('legacy', from);
    const b = canonicalStatus('legacy', to);
    const state = charges.items.get('legacy#ref-1')!.state;
    if (from === to) {
      expect(outcome.kind).toBe('duplicate');
    } else if (b === 'UNKNOWN' && a !== 'UNKNOWN' && STATUS_RANK[a] >= STATUS_RANK.UNKNOWN) {
      expect(outcome.kind).toBe('noted');
      expect(state.status).toBe(a);
    } else if (STATUS_RANK[b] >= STATUS_RANK[a]) {
      // Same rank (analysis/authorized): the later read wins.
      expect(outcome.kind).toBe('applied');
      expect(state.status).toBe(b);
      expect(publisher.published.at(-1)).toMatchObject({ previousStatus: a, status: b, rawStatus: to });
    } else {
      expect(outcome.kind).toBe('ignored');
      expect(state.status).toBe(a);
      expect(state.history.at(-1)).toMatchObject({ outcome: 'ignored', from: a, to: b });
    }
  });
});

describe('property: the legacy state follows what PicPay reports', () => {
  const lifecycles = [
    ['created', 'analysis', 'paid', 'completed', 'refunded'],
    ['created', 'paid', 'chargeback'],
    ['created', 'expired'],
    ['created', 'authorized', 'paid', 'refunded'],
    ['created', 'analysis', 'paid', 'completed', 'chargeback'],
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
          let rank = -1;
          const check = () => {
            const state = charges.items.get('legacy#ref-1')?.state;
            if (!state) return;
            expect(STATUS_RANK[state.status!]).toBeGreaterThanOrEqual(rank);
            rank = STATUS_RANK[state.status!];
          };
          for (const [i, status] of lifecycle.entries()) {
            picpay.statuses.set('ref-1', { status });
            for (let n = 0; n < deliveries[i]!; n++) {
              await processEnvelope(callback(), deps);
              check();
            }
          }
          // PicPay retries the last callback until it is acknowledged.
          for (let n = 0; n < finalDeliveries; n++) {
            await processEnvelope(callback(), deps);
            check();
          }
          const last = lifecycle.at(-1)!;
          expect(charges.items.get('legacy#ref-1')!.state.status).toBe(canonicalStatus('legacy', last));
          const ids = publisher.published.map((e) => e.transitionId);
          expect(new Set(ids).size).toBe(ids.length);
          expect(publisher.published.at(-1)!.status).toBe(canonicalStatus('legacy', last));
        },
      ),
      { numRuns: 300 },
    );
  });
});
