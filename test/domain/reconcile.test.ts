import { type Envelope, serializeEnvelope } from '../../lambda/domain/envelope.js';
import { parseEnvelope } from '../../lambda/domain/envelope-schema.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { type ReconcileCandidate, type ReconcileDeps, reconcile, reconciliationEnvelope } from '../../lambda/domain/reconcile.js';
import { memoryDeps } from './in-memory.support.js';

const NOW = Date.parse('2024-07-02T12:00:00Z');
const settings = { minAgeMs: 30 * 60_000, maxAgeMs: 7 * 86_400_000, maxPerRun: 2 };

function fakeIndex(candidates: ReconcileCandidate[]) {
  const calls: string[] = [];
  const sent: Envelope[] = [];
  const deps: ReconcileDeps = {
    findAwaiting: async (flavour, before, limit) => {
      if (flavour === 'legacy') calls.push(`find ${before} ${limit}`);
      return candidates.filter((c) => c.flavour === flavour && c.lastCheckedAt < before).slice(0, limit);
    },
    enqueue: async (e) => void sent.push(...e),
    markChecked: async (refs, at) => void calls.push(`checked ${refs.map((r) => r.chargeId).join(',')} ${at}`),
    retire: async (refs) => void calls.push(`retire ${refs.map((r) => r.chargeId).join(',')}`),
    now: () => NOW,
  };
  return { deps, calls, sent };
}

const candidate = (chargeId: string, over: Partial<ReconcileCandidate> = {}): ReconcileCandidate => ({
  flavour: 'legacy',
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
    expect(result).toEqual({ candidates: 2, enqueued: 2, retired: 0, byFlavour: { legacy: 2, checkout: 0, paymentLink: 0 } });
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
    expect(await reconcile({ ...settings, maxPerRun: 10 }, deps)).toMatchObject({ candidates: 2, enqueued: 1, retired: 1 });
    expect(calls).toContain('retire old');
    expect(sent.map((e) => JSON.parse(e.body).referenceId)).toEqual(['young']);

    const expiry = fakeIndex([
      candidate('checked-after', { expiresAt: '2024-07-02T08:00:00.000Z', lastCheckedAt: '2024-07-02T09:00:01.000Z' }),
      candidate('not-yet', { expiresAt: '2024-07-02T08:00:00.000Z', lastCheckedAt: '2024-07-02T08:59:59.000Z' }),
    ]);
    expect(await reconcile({ ...settings, maxPerRun: 10 }, expiry.deps)).toMatchObject({ candidates: 2, enqueued: 1, retired: 1 });
    expect(expiry.calls).toContain('retire checked-after');
    expect(expiry.sent.map((e) => JSON.parse(e.body).referenceId)).toEqual(['not-yet']);
  });

  test('the boundaries: created exactly 7 days ago is still checked; checked exactly an hour after its expiry is still checked', async () => {
    const { deps, calls } = fakeIndex([
      candidate('seven-days', { createdAt: '2024-06-25T12:00:00.000Z' }),
      candidate('grace', { expiresAt: '2024-07-02T08:00:00.000Z', lastCheckedAt: '2024-07-02T09:00:00.000Z' }),
    ]);
    expect(await reconcile({ ...settings, maxPerRun: 10 }, deps)).toMatchObject({ enqueued: 2, retired: 0 });
    expect(calls.filter((c) => c.startsWith('retire'))).toEqual([]);
  });

  test('an index that answers more than asked still gets at most maxPerRun checks', async () => {
    const { deps, sent } = fakeIndex([]);
    deps.findAwaiting = async (flavour) => (flavour === 'legacy' ? ['a', 'b', 'c', 'd'].map((id) => candidate(id)) : []);
    expect(await reconcile(settings, deps)).toMatchObject({ candidates: 2, enqueued: 2 });
    expect(sent).toHaveLength(2);
  });

  test('a check is a queue message named after the run time, the flavour and the charge', () => {
    expect(reconciliationEnvelope({ flavour: 'legacy', chargeId: '102030' }, NOW)).toEqual({
      v: 2,
      flavour: 'legacy',
      eventType: 'Reconciliation',
      receivedAt: '2024-07-02T12:00:00.000Z',
      requestId: 'reconcile-2024-07-02T12:00:00.000Z-legacy-102030',
      origin: 'reconciler',
      body: '{"referenceId":"102030"}',
    });
    expect(reconciliationEnvelope({ flavour: 'checkout', chargeId: 'c-1' }, NOW)).toMatchObject({
      flavour: 'checkout',
      requestId: 'reconcile-2024-07-02T12:00:00.000Z-checkout-c-1',
      body: '{"merchantChargeId":"c-1"}',
    });
  });

  test('nothing to do enqueues nothing', async () => {
    const { deps, calls, sent } = fakeIndex([]);
    expect(await reconcile(settings, deps)).toMatchObject({ candidates: 0, enqueued: 0, retired: 0 });
    expect(sent).toEqual([]);
    expect(calls).toEqual(['find 2024-07-02T11:30:00.000Z 2']);
  });
});

describe('reconciliation with the processor, end to end in memory', () => {
  test('a lost callback still ends in the right state', async () => {
    const { deps, charges, publisher, picpay } = memoryDeps();
    picpay.statuses.set('ref-9', { status: 'created' });
    await processEnvelope(
      { v: 1, flavour: 'legacy', eventType: null, receivedAt: '2024-07-02T09:00:00Z', requestId: 'r1', body: '{"referenceId":"ref-9"}' },
      deps,
    );
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
      await processEnvelope(
        { v: 1, flavour: 'legacy', eventType: null, receivedAt: '2024-07-01T12:00:00Z', requestId: `r-${id}`, body: JSON.stringify({ referenceId: id }) },
        deps,
      );
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

describe('checkout reconciliation', () => {
  const co = (id: string) => candidate(id, { flavour: 'checkout' });

  test('legacy and checkout share each run: half the cap each, and what one does not need goes to the other', async () => {
    const many = fakeIndex([...['l1', 'l2', 'l3', 'l4'].map((id) => candidate(id)), ...['c1', 'c2', 'c3', 'c4'].map(co)]);
    expect(await reconcile({ ...settings, maxPerRun: 4 }, many.deps)).toMatchObject({ enqueued: 4, byFlavour: { legacy: 2, checkout: 2 } });
    const fewLegacy = fakeIndex([candidate('l1'), ...['c1', 'c2', 'c3', 'c4'].map(co)]);
    expect(await reconcile({ ...settings, maxPerRun: 4 }, fewLegacy.deps)).toMatchObject({ enqueued: 4, byFlavour: { legacy: 1, checkout: 3 } });
    const onlyCheckout = fakeIndex(['c1', 'c2', 'c3'].map(co));
    expect(await reconcile({ ...settings, maxPerRun: 2 }, onlyCheckout.deps)).toMatchObject({ enqueued: 2, byFlavour: { legacy: 0, checkout: 2 } });
    expect(onlyCheckout.sent.map((e) => [e.flavour, e.eventType, JSON.parse(e.body)])).toEqual([
      ['checkout', 'Reconciliation', { merchantChargeId: 'c1' }],
      ['checkout', 'Reconciliation', { merchantChargeId: 'c2' }],
    ]);
    for (const e of onlyCheckout.sent) expect(parseEnvelope(serializeEnvelope(e))).toEqual(e);
  });

  const pending = (id: string, receivedAt: string): Envelope => ({
    v: 1,
    flavour: 'checkout',
    eventType: 'TransactionUpdateMessage',
    receivedAt,
    requestId: `w-${id}`,
    body: JSON.stringify({
      type: 'PAYMENT',
      eventDate: '2024-07-01T09:00:00-03:00',
      data: { status: 'PENDING', amount: 5000, originalAmount: 5000, refundedAmount: 0, merchantChargeId: id },
    }),
  });

  test('a checkout charge whose final webhook was lost ends in the status find-charge reports, through the normal path', async () => {
    const { deps, charges, publisher, findCharge } = memoryDeps(Date.parse('2024-07-01T12:30:00Z'));
    await processEnvelope(pending('co-1', '2024-07-01T12:00:01Z'), deps);
    findCharge.enabled = true;
    findCharge.charges.set('co-1', { chargeStatus: 'PAID', amount: 5000, originalAmount: 5000, refundedAmount: 0 });
    const sent: Envelope[] = [];
    await reconcile(settings, { ...charges.reconcilePorts(), enqueue: async (e) => void sent.push(...e), now: () => Date.parse('2024-07-01T13:01:00Z') });
    expect(sent.map((e) => e.flavour)).toEqual(['checkout']);
    expect(await processEnvelope(sent[0]!, deps)).toMatchObject({ kind: 'applied', chargeKey: 'checkout#co-1' });
    expect(charges.items.get('checkout#co-1')!.state.status).toBe('PAID');
    expect(publisher.published.at(-1)).toMatchObject({
      flavour: 'checkout',
      previousStatus: 'CREATED',
      status: 'PAID',
      source: { eventType: 'Reconciliation' },
    });
    // Paid charges leave the index; the same answer again would be a duplicate.
    expect(charges.awaiting.has('checkout#co-1')).toBe(false);
    expect(await processEnvelope({ ...sent[0]!, requestId: 'again' }, deps)).toMatchObject({ kind: 'duplicate' });
  });

  test('an unpaid Pix QR code PicPay expired ends EXPIRED with an event', async () => {
    const { deps, charges, publisher, findCharge } = memoryDeps(Date.parse('2024-07-01T12:30:00Z'));
    await processEnvelope(pending('pix-1', '2024-07-01T12:00:01Z'), deps);
    findCharge.enabled = true;
    findCharge.charges.set('pix-1', { chargeStatus: 'EXPIRED', amount: 5000, originalAmount: 5000, refundedAmount: 0 });
    const sent: Envelope[] = [];
    await reconcile(settings, { ...charges.reconcilePorts(), enqueue: async (e) => void sent.push(...e), now: () => Date.parse('2024-07-01T13:01:00Z') });
    await processEnvelope(sent[0]!, deps);
    expect(charges.items.get('checkout#pix-1')!.state.status).toBe('EXPIRED');
    expect(publisher.published.at(-1)).toMatchObject({ status: 'EXPIRED', rawStatus: 'EXPIRED' });
  });

  test('without an OAuth client the check is skipped: nothing is parked, stored or published', async () => {
    const { deps, charges, publisher, findCharge } = memoryDeps(Date.parse('2024-07-01T12:30:00Z'));
    await processEnvelope(pending('co-2', '2024-07-01T12:00:01Z'), deps);
    findCharge.enabled = false;
    const before = publisher.published.length;
    const outcome = await processEnvelope(reconciliationEnvelope({ flavour: 'checkout', chargeId: 'co-2' }, Date.parse('2024-07-01T13:00:00Z')), deps);
    expect(outcome).toMatchObject({ kind: 'skipped' });
    expect(charges.parked).toEqual([]);
    expect(publisher.published.length).toBe(before);
    expect(charges.items.get('checkout#co-2')!.state.status).toBe('CREATED');
  });

  test('a charge find-charge does not know (404) is parked, recorded for an operator', async () => {
    const { deps, charges, findCharge } = memoryDeps(Date.parse('2024-07-01T12:30:00Z'));
    findCharge.enabled = true;
    await processEnvelope(pending('co-3', '2024-07-01T12:00:01Z'), deps);
    expect(await processEnvelope(reconciliationEnvelope({ flavour: 'checkout', chargeId: 'co-3' }, Date.parse('2024-07-01T13:00:00Z')), deps)).toMatchObject({
      kind: 'parked',
      reason: 'unknown_charge',
    });
    expect(charges.parked.map((p) => p.reason)).toEqual(['unknown_charge']);
  });
});
