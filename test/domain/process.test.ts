import { ConcurrentUpdateError, PicPayUnavailableError } from '../../lambda/domain/errors.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { CHARGE_ID, envelope, LEGACY_CALLBACK, paymentEvent } from '../picpay-examples.support.js';
import { memoryDeps } from './in-memory.support.js';

const legacy = () => envelope({ flavour: 'legacy', body: JSON.stringify(LEGACY_CALLBACK) });
// Received after every date these notifications carry (a date later than the receipt is bounded: dates.ts).
const checkout = (status: string, eventDate?: string) =>
  envelope({
    flavour: 'checkout',
    eventType: 'TransactionUpdateMessage',
    receivedAt: '2024-07-02T00:00:00.000Z',
    body: JSON.stringify(paymentEvent({ status, eventDate })),
  });

describe('processEnvelope', () => {
  test('a legacy callback reads the status from PicPay and records the transition', async () => {
    const { deps, charges, publisher, picpay } = memoryDeps();
    picpay.statuses.set('102030', { status: 'paid', authorizationId: LEGACY_CALLBACK.authorizationId });
    await expect(processEnvelope(legacy(), deps)).resolves.toMatchObject({ kind: 'applied', chargeKey: 'legacy#102030', published: 1 });
    expect(picpay.calls).toBe(1);
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]).toMatchObject({ status: 'PAID', previousStatus: null, authorizationId: LEGACY_CALLBACK.authorizationId });
    const stored = charges.items.get('legacy#102030')!;
    expect(stored.state.status).toBe('PAID');
    expect(stored.state.outbox).toEqual([]);
  });

  test('the legacy final state follows PicPay, whatever the callbacks look like', async () => {
    const { deps, charges, publisher, picpay } = memoryDeps();
    for (const status of ['created', 'paid', 'paid', 'refunded']) {
      picpay.statuses.set('102030', { status });
      await processEnvelope(legacy(), deps);
    }
    expect(charges.items.get('legacy#102030')!.state.status).toBe('REFUNDED');
    expect(publisher.published.map((e) => e.status)).toEqual(['CREATED', 'PAID', 'REFUNDED']);
  });

  test('two writes for a state change, none for a duplicate', async () => {
    const { deps, charges } = memoryDeps();
    await processEnvelope(checkout('PAID'), deps);
    expect(charges.writes).toBe(2);
    await expect(processEnvelope(checkout('PAID'), deps)).resolves.toMatchObject({ kind: 'duplicate', published: 0 });
    expect(charges.writes).toBe(2);
  });

  test('a publish that fails once is published exactly once on redelivery, with the same transitionId', async () => {
    const { deps, charges, publisher } = memoryDeps();
    publisher.failNext = 1;
    const message = checkout('PAID');
    await expect(processEnvelope(message, deps)).rejects.toThrow('SNS is down');
    expect(charges.items.get(`checkout#${CHARGE_ID}`)!.state.outbox).toHaveLength(1);
    expect(publisher.published).toHaveLength(0);

    await expect(processEnvelope(message, deps)).resolves.toMatchObject({ kind: 'duplicate', published: 1 });
    await expect(processEnvelope(message, deps)).resolves.toMatchObject({ kind: 'duplicate', published: 0 });
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]!.transitionId).toBe(charges.items.get(`checkout#${CHARGE_ID}`)!.state.history[0]!.transitionId);
    expect(charges.items.get(`checkout#${CHARGE_ID}`)!.state.outbox).toEqual([]);
  });

  test('a pending event is left to its owner while the lease runs, then anyone may publish it', async () => {
    const { deps, publisher, clock } = memoryDeps();
    publisher.failNext = 1;
    await expect(processEnvelope(checkout('AUTHORIZED', '2024-07-01T16:00:00-03:00'), deps)).rejects.toThrow();
    // Another notification of the charge within the lease: publishes only its own event.
    await processEnvelope(checkout('PAID', '2024-07-01T16:05:00-03:00'), deps);
    expect(publisher.published.map((e) => e.status)).toEqual(['PAID']);
    // After the lease (the owner's message died in the DLQ, say), the next one publishes it.
    clock.advance(60_000); // the lease memoryDeps gives
    await processEnvelope(checkout('REFUNDED', '2024-07-01T16:10:00-03:00'), deps);
    expect(publisher.published.map((e) => e.status)).toEqual(['PAID', 'AUTHORIZED', 'REFUNDED']);
  });

  test('a concurrent duplicate does not publish the event its twin is about to publish', async () => {
    const { deps, charges, publisher } = memoryDeps();
    const original = checkout('PAID');
    const twin = { ...original, requestId: 'twin-request' };
    // The original wrote its state but has not published yet.
    const publish = publisher.publish.bind(publisher);
    let twinOutcome: unknown;
    publisher.publish = async (event) => {
      twinOutcome = await processEnvelope(twin, deps);
      return publish(event);
    };
    await processEnvelope(original, deps);
    expect(twinOutcome).toMatchObject({ kind: 'duplicate', published: 0 });
    expect(publisher.published).toHaveLength(1);
    expect(charges.items.get(`checkout#${CHARGE_ID}`)!.state.outbox).toEqual([]);
  });

  test('a late event is recorded as ignored and not published', async () => {
    const { deps, charges, publisher } = memoryDeps();
    await processEnvelope(checkout('REFUNDED', '2024-07-01T17:00:00-03:00'), deps);
    await expect(processEnvelope(checkout('PAID', '2024-07-01T16:00:00-03:00'), deps)).resolves.toMatchObject({ kind: 'ignored' });
    expect(publisher.published).toHaveLength(1);
    expect(charges.items.get(`checkout#${CHARGE_ID}`)!.state.history.map((h) => h.outcome)).toEqual(['applied', 'ignored']);
  });

  test.each([
    ['invalid JSON', envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: '{' }), 'invalid_json'],
    ['unknown event type', envelope({ flavour: 'checkout', eventType: 'Nope', body: '{}' }), 'unknown_event_type'],
    ['legacy without referenceId', envelope({ flavour: 'legacy', body: '{}' }), 'unexpected_shape'],
    ['legacy reference PicPay does not know', envelope({ flavour: 'legacy', body: '{"referenceId":"999"}' }), 'unknown_reference'],
    [
      'a body over the size limit',
      envelope({ flavour: 'checkout', body: JSON.stringify({ ...paymentEvent(), pad: 'x'.repeat(70 * 1024) }) }),
      'body_too_large',
    ],
  ])('parks %s with its raw body', async (_name, message, reason) => {
    const { deps, charges, publisher } = memoryDeps();
    await expect(processEnvelope(message, deps)).resolves.toMatchObject({ kind: 'parked', reason });
    expect(charges.parked).toHaveLength(1);
    expect(charges.parked[0]).toMatchObject({ reason, envelope: message });
    expect(publisher.published).toHaveLength(0);
  });

  test('a PicPay outage is not parked: it is thrown so the message is retried', async () => {
    const { deps, charges } = memoryDeps();
    deps.legacyStatus.fetchStatus = async () => {
      throw new PicPayUnavailableError('PicPay down');
    };
    await expect(processEnvelope(legacy(), deps)).rejects.toBeInstanceOf(PicPayUnavailableError);
    expect(charges.parked).toHaveLength(0);
  });

  test('a concurrent writer makes it reload and decide again', async () => {
    const { deps, charges, publisher } = memoryDeps();
    await processEnvelope(checkout('AUTHORIZED', '2024-07-01T16:00:00-03:00'), deps);
    const save = charges.save.bind(charges);
    let raced = false;
    charges.save = async (state, expected) => {
      if (!raced) {
        raced = true;
        // Someone else records REFUNDED between our read and our write.
        await processEnvelope(checkout('REFUNDED', '2024-07-01T16:10:00-03:00'), {
          ...deps,
          charges: { ...charges, save, load: charges.load.bind(charges), markPublished: charges.markPublished.bind(charges) },
        });
      }
      return save(state, expected);
    };
    await expect(processEnvelope(checkout('PAID', '2024-07-01T16:05:00-03:00'), deps)).resolves.toMatchObject({ kind: 'ignored' });
    expect(charges.items.get(`checkout#${CHARGE_ID}`)!.state.status).toBe('REFUNDED');
    expect(publisher.published.map((e) => e.status)).toEqual(['AUTHORIZED', 'REFUNDED']);
  });

  test('gives up after repeated conflicts (the message is retried later)', async () => {
    const { deps, charges } = memoryDeps();
    charges.save = async () => {
      throw new ConcurrentUpdateError('conflict');
    };
    await expect(processEnvelope(checkout('PAID'), deps)).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });
});
