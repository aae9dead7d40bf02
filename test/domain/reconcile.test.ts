import { type Envelope, serializeEnvelope } from '../../lambda/domain/envelope.js';
import { parseEnvelope } from '../../lambda/domain/envelope-schema.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { type ReconcileCandidate, type ReconcileDeps, reconcile } from '../../lambda/domain/reconcile.js';
import { memoryDeps } from './in-memory.js';

const NOW = Date.parse('2024-07-02T12:00:00Z');
const settings = { minAgeMs: 30 * 60_000, maxAgeMs: 7 * 86_400_000, maxPerRun: 2 };

function fakeIndex(candidates: ReconcileCandidate[]) {
  const calls: string[] = [];
  const sent: Envelope[] = [];
  const deps: ReconcileDeps = {
    findAwaiting: async (before, limit) => {
      calls.push(`find ${before} ${limit}`);
      return candidates.filter((c) => c.lastCheckedAt < before).slice(0, limit);
    },
    enqueue: async (e) => void sent.push(...e),
    markChecked: async (ids, at) => void calls.push(`checked ${ids.join(',')} ${at}`),
    retire: async (ids) => void calls.push(`retire ${ids.join(',')}`),
    now: () => NOW,
  };
  return { deps, calls, sent };
}

const candidate = (chargeId: string, over: Partial<ReconcileCandidate> = {}): ReconcileCandidate => ({
  chargeId,
  lastCheckedAt: '2024-07-02T10:00:00.000Z',
  createdAt: '2024-07-02T09:00:00.000Z',
  expiresAt: null,
  ...over,
});

describe('reconcile', () => {
  test('asks for charges last checked 30 minutes ago or more, enqueues at most maxPerRun, and marks them checked now', async () => {
    const { deps, calls, sent } = fakeIndex([candidate('a'), candidate('b'), candidate('c')]);
    const result = await reconcile(settings, deps);
    expect(result).toEqual({ candidates: 2, enqueued: 2, retired: 0 });
    expect(calls).toEqual(['find 2024-07-02T11:30:00.000Z 2', 'checked a,b 2024-07-02T12:00:00.000Z']);
    expect(sent.map((e) => JSON.parse(e.body))).toEqual([{ referenceId: 'a' }, { referenceId: 'b' }]);
    for (const e of sent) {
      expect(parseEnvelope(serializeEnvelope(e))).toEqual(e); // a valid queue message
      expect(e).toMatchObject({ flavour: 'legacy', eventType: 'Reconciliation' });
    }
  });

  test('charges created more than 7 days ago, or checked an hour after their own expiry, are retired, not checked', async () => {
    const { deps, calls, sent } = fakeIndex([
      candidate('old', { createdAt: '2024-06-25T11:59:00.000Z' }),
      candidate('young', { createdAt: '2024-06-25T12:01:00.000Z' }),
    ]);
    expect(await reconcile({ ...settings, maxPerRun: 10 }, deps)).toEqual({ candidates: 2, enqueued: 1, retired: 1 });
    expect(calls).toContain('retire old');
    expect(sent.map((e) => JSON.parse(e.body).referenceId)).toEqual(['young']);

    const expiry = fakeIndex([
      candidate('checked-after', { expiresAt: '2024-07-02T08:00:00.000Z', lastCheckedAt: '2024-07-02T09:00:01.000Z' }),
      candidate('not-yet', { expiresAt: '2024-07-02T08:00:00.000Z', lastCheckedAt: '2024-07-02T08:59:59.000Z' }),
    ]);
    expect(await reconcile({ ...settings, maxPerRun: 10 }, expiry.deps)).toEqual({ candidates: 2, enqueued: 1, retired: 1 });
    expect(expiry.calls).toContain('retire checked-after');
    expect(expiry.sent.map((e) => JSON.parse(e.body).referenceId)).toEqual(['not-yet']);
  });

  test('nothing to do enqueues nothing', async () => {
    const { deps, calls, sent } = fakeIndex([]);
    expect(await reconcile(settings, deps)).toEqual({ candidates: 0, enqueued: 0, retired: 0 });
    expect(sent).toEqual([]);
    expect(calls).toEqual(['find 2024-07-02T11:30:00.000Z 2']);
  });
});

describe('reconciliation with the processor, end to end in memory', () => {
  test('a lost callback still ends in the right state', async () => {
    const { deps, charges, publisher, picpay } = memoryDeps();
    picpay.statuses.set('ref-9', { status: 'created' });
    await processEnvelope({ v: 1, flavour: 'legacy', eventType: null, receivedAt: '2024-07-02T09:00:00Z', requestId: 'r1', body: '{"referenceId":"ref-9"}' }, deps);
    picpay.statuses.set('ref-9', { status: 'paid' }); // PicPay's "paid" callback never arrives
    const sent: Envelope[] = [];
    await reconcile(settings, { ...charges.reconcilePorts(), enqueue: async (e) => void sent.push(...e), now: () => Date.parse('2024-07-02T00:00:00Z') });
    await processEnvelope(sent[0]!, deps);
    expect(charges.items.get('legacy#ref-9')!.state.status).toBe('PAID');
    expect(publisher.published.at(-1)).toMatchObject({ previousStatus: 'CREATED', status: 'PAID', source: { eventType: 'Reconciliation' } });
  });

  test('with 200 abandoned carts and 2 checks a run, a lost paid callback is reconciled within 101 runs, and every other charge is checked once before any is checked twice', async () => {
    const { deps, charges, picpay, clock } = memoryDeps(Date.parse('2024-07-01T12:00:00Z'));
    const ids = Array.from({ length: 200 }, (_, i) => `cart-${String(i).padStart(3, '0')}`);
    for (const id of [...ids, 'lost']) {
      picpay.statuses.set(id, { status: 'created' });
      await processEnvelope({ v: 1, flavour: 'legacy', eventType: null, receivedAt: '2024-07-01T12:00:00Z', requestId: `r-${id}`, body: JSON.stringify({ referenceId: id }) }, deps);
    }
    picpay.statuses.set('lost', { status: 'paid' }); // its callback is lost
    const checks = new Map<string, number>();
    let runs = 0;
    while (charges.items.get('legacy#lost')!.state.status !== 'PAID') {
      runs += 1;
      if (runs > 101) throw new Error('the lost charge was never reconciled');
      clock.advance(31 * 60_000); // the next scheduled run, past the 30-minute minimum age
      const sent: Envelope[] = [];
      await reconcile(settings, { ...charges.reconcilePorts(), enqueue: async (e) => void sent.push(...e), now: () => clock.ms });
      for (const e of sent) {
        const id = JSON.parse(e.body).referenceId as string;
        checks.set(id, (checks.get(id) ?? 0) + 1);
        await processEnvelope(e, deps);
      }
    }
    // 201 charges, 2 a run: the last one in line is reached in run 101 = ceil(201 / 2).
    expect(runs).toBe(101);
    // Round robin: every cart was checked before any was checked a second time.
    expect(ids.every((id) => checks.has(id))).toBe(true);
    expect([...checks.entries()].filter(([, n]) => n > 1)).toEqual([['cart-000', 2]]);
  });
});
