/**
 * processEnvelope and flushOutbox at their edges: the outcome's shape, the version handed to
 * markPublished, the lease boundary, conflicts, a full outbox, registration and the checkout
 * reconciliation check. Expected values are literals from docs/architecture.md and
 * docs/state-model.md.
 */
import { ConcurrentUpdateError, OutboxFullError } from '../../lambda/domain/errors.js';
import { flushOutbox } from '../../lambda/domain/outbox.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { CHARGE_ID, envelope, paymentEvent } from '../picpay-examples.support.js';
import { memoryDeps } from './in-memory.support.js';

const checkout = (status: string, eventDate: string) =>
  envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: JSON.stringify(paymentEvent({ status, eventDate })) });

/** Records what markPublished is told, then does what the in-memory store does. */
function spyOnMarks(charges: ReturnType<typeof memoryDeps>['charges']) {
  const marks: { ids: readonly string[]; at: { version: number; emptiesOutbox: boolean } }[] = [];
  const original = charges.markPublished.bind(charges);
  const spy = async (chargeKey: string, ids: readonly string[], at: { version: number; emptiesOutbox: boolean }) => {
    marks.push({ ids, at });
    await original(chargeKey, ids);
  };
  Object.defineProperty(charges, 'markPublished', { value: spy });
  return marks;
}

describe('processEnvelope outcomes', () => {
  test('an applied outcome carries no reason; an ignored one says why', async () => {
    const { deps } = memoryDeps();
    const applied = await processEnvelope(checkout('PAID', '2024-07-01T16:00:00-03:00'), deps);
    expect(applied).toStrictEqual({ kind: 'applied', chargeKey: `checkout#${CHARGE_ID}`, published: 1 });
    const ignored = await processEnvelope(checkout('AUTHORIZED', '2024-07-01T15:00:00-03:00'), deps);
    expect(ignored).toStrictEqual({
      kind: 'ignored',
      chargeKey: `checkout#${CHARGE_ID}`,
      published: 0,
      reason: 'AUTHORIZED does not supersede PAID (lower precedence)',
    });
  });

  test('a registration is processed as one: registered, no reason, nothing published', async () => {
    const { deps, charges, publisher } = memoryDeps();
    const registration = envelope({
      flavour: 'legacy',
      eventType: 'Registration',
      body: JSON.stringify({ referenceId: '102030', expiresAt: '2024-07-02T13:00:00.000Z' }),
    });
    await expect(processEnvelope(registration, deps)).resolves.toStrictEqual({ kind: 'registered', chargeKey: 'legacy#102030', published: 0 });
    expect(charges.items.get('legacy#102030')!.state).toMatchObject({ status: 'CREATED', expiresAt: '2024-07-02T13:00:00.000Z' });
    expect(publisher.published).toEqual([]);
  });

  test('markPublished is told the version the save wrote: 1 for a new charge, then one past the stored one', async () => {
    const { deps, charges } = memoryDeps();
    const marks = spyOnMarks(charges);
    await processEnvelope(checkout('AUTHORIZED', '2024-07-01T16:00:00-03:00'), deps);
    // save wrote version 1, markPublished made it 2; the next save writes 3.
    await processEnvelope(checkout('PAID', '2024-07-01T16:05:00-03:00'), deps);
    expect(marks.map((m) => m.at)).toEqual([
      { version: 1, emptiesOutbox: true },
      { version: 3, emptiesOutbox: true },
    ]);
  });

  test('a write conflict reloads and decides again up to 5 times: 6 saves, then the conflict is thrown', async () => {
    const { deps, charges } = memoryDeps();
    let saves = 0;
    charges.save = async () => {
      saves += 1;
      throw new ConcurrentUpdateError('conflict');
    };
    await expect(processEnvelope(checkout('PAID', '2024-07-01T16:00:00-03:00'), deps)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(saves).toBe(6);
  });

  test('a 21st unpublished event is refused: retried later with an "Outbox full" error, nothing saved', async () => {
    const { deps, charges, publisher } = memoryDeps();
    publisher.failNext = 1_000;
    for (let minute = 10; minute < 30; minute++) {
      // Each a new refunded amount, so each is a new event that cannot be published.
      const body = paymentEvent({ status: 'PARTIALLY_REFUNDED', eventDate: `2024-07-01T16:${minute}:00-03:00`, refundedAmount: minute });
      await expect(
        processEnvelope(envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: JSON.stringify(body) }), deps),
      ).rejects.toThrow();
    }
    expect(charges.items.get(`checkout#${CHARGE_ID}`)!.state.outbox).toHaveLength(20);
    const writes = charges.writes;
    const error = await processEnvelope(checkout('REFUNDED', '2024-07-01T17:00:00-03:00'), deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboxFullError);
    expect((error as Error).message).toMatch(/^Outbox full: 20 events of checkout#.* are still unpublished/);
    expect(charges.writes).toBe(writes);
  });
});

describe('the checkout reconciliation check', () => {
  const check = (body: string) => envelope({ flavour: 'checkout', eventType: 'Reconciliation', body });

  test('without PicPay client credentials it is skipped, and says which secret fields are missing', async () => {
    const { deps } = memoryDeps();
    const outcome = await processEnvelope(check(JSON.stringify({ merchantChargeId: CHARGE_ID })), { ...deps, checkoutCharges: undefined });
    expect(outcome).toMatchObject({ kind: 'skipped' });
    expect((outcome as { reason: string }).reason).toBe(
      'checkout reconciliation is off: no picpayClientId/picpayClientSecret in the PicPay credentials secret',
    );
  });

  test.each([
    ['no merchantChargeId', '{}'],
    ['an empty merchantChargeId', '{"merchantChargeId":""}'],
    ['a numeric merchantChargeId', '{"merchantChargeId":42}'],
    ['a body that is not JSON', '{not json'],
  ])('%s is parked as unexpected_shape, with a message naming the field', async (_name, body) => {
    const { deps, charges } = memoryDeps();
    await expect(processEnvelope(check(body), deps)).resolves.toEqual({
      kind: 'parked',
      reason: 'unexpected_shape',
      message: 'Reconciliation check names no merchantChargeId',
    });
    expect(charges.parked).toHaveLength(1);
  });
});

describe('flushOutbox', () => {
  async function stateWithPending(owners: string[]) {
    const { deps, charges, publisher } = memoryDeps();
    publisher.failNext = 1_000;
    for (const [i, owner] of owners.entries()) {
      const body = paymentEvent({ status: 'PARTIALLY_REFUNDED', eventDate: `2024-07-01T16:1${i}:00-03:00`, refundedAmount: 100 + i });
      await processEnvelope(envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', requestId: owner, body: JSON.stringify(body) }), deps).catch(
        () => {},
      );
    }
    publisher.failNext = 0;
    return { stored: charges.items.get(`checkout#${CHARGE_ID}`)!, charges, publisher };
  }

  test('an entry whose lease ends exactly now may be published by anyone', async () => {
    const { stored, charges, publisher } = await stateWithPending(['owner-a']);
    const leaseEnds = Date.parse(stored.state.outbox[0]!.leaseUntil);
    await expect(flushOutbox(stored, 'someone-else', { charges, publisher, now: () => leaseEnds })).resolves.toBe(1);
    expect(publisher.published).toHaveLength(1);
  });

  test('emptiesOutbox is true only when every pending entry was published', async () => {
    const { stored, charges, publisher } = await stateWithPending(['owner-a', 'owner-b']);
    const marks = spyOnMarks(charges);
    const leaseEnds = Date.parse(stored.state.outbox[0]!.leaseUntil);
    await flushOutbox(stored, 'owner-a', { charges, publisher, now: () => leaseEnds - 60_000 });
    await flushOutbox(stored, 'owner-a', { charges, publisher, now: () => leaseEnds + 60_000 });
    expect(marks.map((m) => m.at)).toEqual([
      { version: stored.version, emptiesOutbox: false },
      { version: stored.version, emptiesOutbox: true },
    ]);
  });
});
