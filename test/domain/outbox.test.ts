import { decide } from '../../lambda/domain/charge.js';
import { type SweepDeps, sweepOutbox } from '../../lambda/domain/outbox.js';
import { checkoutPayment } from '../spec/notifications.support.js';
import { MemoryCharges, MemoryPublisher } from './in-memory.support.js';

const T = Date.parse('2024-07-01T20:00:00Z');

/** A charge whose PAID event was written at `recordedAt` and never published. */
async function pending(charges: MemoryCharges, id: string, recordedAt: string) {
  const d = decide(null, checkoutPayment('PAID', '2024-07-01T16:00:00-03:00', '2024-07-01T19:00:00Z', '10000', '0', id), recordedAt, { outboxLeaseMs: 60_000 });
  if (d.kind !== 'applied') throw new Error(d.kind);
  await charges.save(d.state, null);
  return d.event.transitionId;
}

function deps(charges: MemoryCharges, publisher: MemoryPublisher, keys: string[], asked: string[] = [], forgotten: string[] = []): SweepDeps {
  return {
    findPending: async (before, limit) => {
      asked.push(`${before} ${limit}`);
      return keys;
    },
    forgetEmpty: async (key, version) => void forgotten.push(`${key}@${version}`),
    charges,
    publisher,
    now: () => T,
  };
}

describe('sweepOutbox', () => {
  test('publishes the events whose lease has ended, clears them, and reports the count', async () => {
    const charges = new MemoryCharges();
    const publisher = new MemoryPublisher();
    await pending(charges, 'a', '2024-07-01T19:00:00.000Z');
    await pending(charges, 'b', '2024-07-01T19:30:00.000Z');
    const asked: string[] = [];
    const result = await sweepOutbox({ maxPerRun: 10 }, deps(charges, publisher, ['checkout#a', 'checkout#b'], asked));
    expect(asked).toEqual(['2024-07-01T20:00:00.000Z 10']);
    expect(result).toEqual({ charges: 2, published: 2, failed: 0, oldestPendingSeconds: 0 });
    expect(publisher.published.map((e) => e.chargeKey)).toEqual(['checkout#a', 'checkout#b']);
    expect(charges.items.get('checkout#a')!.state.outbox).toEqual([]);
  });

  test('leaves an event whose lease is still running to its writer', async () => {
    const charges = new MemoryCharges();
    const publisher = new MemoryPublisher();
    await pending(charges, 'young', '2024-07-01T19:59:30.000Z'); // lease ends 20:00:30
    const result = await sweepOutbox({ maxPerRun: 10 }, deps(charges, publisher, ['checkout#young']));
    expect(result).toEqual({ charges: 1, published: 0, failed: 0, oldestPendingSeconds: 0 });
    expect(charges.items.get('checkout#young')!.state.outbox).toHaveLength(1);
  });

  test('visits at most maxPerRun charges, even if the index answers more', async () => {
    const charges = new MemoryCharges();
    const publisher = new MemoryPublisher();
    for (const id of ['a', 'b', 'c']) await pending(charges, id, '2024-07-01T19:00:00.000Z');
    const asked: string[] = [];
    const result = await sweepOutbox({ maxPerRun: 2 }, deps(charges, publisher, ['checkout#a', 'checkout#b', 'checkout#c'], asked));
    expect(asked).toEqual(['2024-07-01T20:00:00.000Z 2']);
    expect(result.published).toBe(2);
    expect(charges.items.get('checkout#c')!.state.outbox).toHaveLength(1);
  });

  test('a publish that fails again is counted, left in place, and its age reported', async () => {
    const charges = new MemoryCharges();
    const publisher = new MemoryPublisher();
    await pending(charges, 'old', '2024-07-01T18:00:00.000Z');
    publisher.failNext = 1;
    const result = await sweepOutbox({ maxPerRun: 10 }, deps(charges, publisher, ['checkout#old']));
    // Written at 18:00, still unpublished at 20:00: two hours.
    expect(result).toEqual({ charges: 1, published: 0, failed: 1, oldestPendingSeconds: 7200 });
    expect(charges.items.get('checkout#old')!.state.outbox).toHaveLength(1);
  });

  test('a charge with an empty outbox leaves the index; a charge that is gone is skipped', async () => {
    const charges = new MemoryCharges();
    const publisher = new MemoryPublisher();
    await pending(charges, 'done', '2024-07-01T19:00:00.000Z');
    const stored = charges.items.get('checkout#done')!;
    charges.items.set('checkout#done', { ...stored, state: { ...stored.state, outbox: [] } });
    const forgotten: string[] = [];
    const result = await sweepOutbox({ maxPerRun: 10 }, deps(charges, publisher, ['checkout#done', 'checkout#gone'], [], forgotten));
    expect(forgotten).toEqual(['checkout#done@1']);
    expect(result).toEqual({ charges: 2, published: 0, failed: 0, oldestPendingSeconds: 0 });
  });
});
