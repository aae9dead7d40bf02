import { serializeEnvelope, type Envelope } from '../../lambda/domain/envelope.js';
import { parseEnvelope } from '../../lambda/domain/envelope-schema.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { reconcile, type ReconcileCandidate } from '../../lambda/domain/reconcile.js';
import { memoryDeps } from './in-memory.js';

const NOW = Date.parse('2024-07-02T12:00:00Z');
const settings = { minAgeMs: 30 * 60_000, maxAgeMs: 7 * 86_400_000, maxPerRun: 2 };

describe('reconcile', () => {
  test('asks for charges unchanged for minAge and created within maxAge, and enqueues at most maxPerRun', async () => {
    const asked: unknown[] = [];
    const sent: Envelope[] = [];
    const candidates: ReconcileCandidate[] = ['a', 'b', 'c'].map((id) => ({ chargeId: id, updatedAt: '2024-07-02T10:00:00Z', createdAt: '2024-07-02T09:00:00Z' }));
    const result = await reconcile(settings, {
      findAwaiting: async (before, after, limit) => {
        asked.push([before, after, limit]);
        return candidates;
      },
      enqueue: async (e) => void sent.push(...e),
      now: () => NOW,
    });
    expect(asked).toEqual([['2024-07-02T11:30:00.000Z', '2024-06-25T12:00:00.000Z', 2]]);
    expect(result).toEqual({ candidates: 3, enqueued: 2 });
    expect(sent.map((e) => JSON.parse(e.body))).toEqual([{ referenceId: 'a' }, { referenceId: 'b' }]);
    for (const e of sent) {
      expect(parseEnvelope(serializeEnvelope(e))).toEqual(e); // a valid queue message
      expect(e).toMatchObject({ flavour: 'legacy', eventType: 'Reconciliation' });
    }
  });

  test('nothing to do enqueues nothing', async () => {
    let calls = 0;
    const result = await reconcile(settings, { findAwaiting: async () => [], enqueue: async () => void calls++, now: () => NOW });
    expect(result).toEqual({ candidates: 0, enqueued: 0 });
    expect(calls).toBe(0);
  });

  test('a reconciliation message goes through the normal path: a lost callback still ends in the right state', async () => {
    const { deps, charges, publisher, picpay } = memoryDeps();
    picpay.statuses.set('ref-9', { status: 'created' });
    await processEnvelope({ v: 1, flavour: 'legacy', eventType: null, receivedAt: '2024-07-02T09:00:00Z', requestId: 'r1', body: '{"referenceId":"ref-9"}' }, deps);
    picpay.statuses.set('ref-9', { status: 'paid' }); // PicPay's "paid" callback never arrives
    const sent: Envelope[] = [];
    await reconcile(settings, {
      findAwaiting: async () => [{ chargeId: 'ref-9', updatedAt: '', createdAt: '' }],
      enqueue: async (e) => void sent.push(...e),
      now: () => NOW,
    });
    await processEnvelope(sent[0]!, deps);
    expect(charges.items.get('legacy#ref-9')!.state.status).toBe('PAID');
    expect(publisher.published.at(-1)).toMatchObject({ previousStatus: 'CREATED', status: 'PAID', source: { eventType: 'Reconciliation' } });
  });
});
