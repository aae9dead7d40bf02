/**
 * Issue 25, "internal paths stay internal": what arrives on a PicPay route can only be a PicPay
 * event. A token holder who sends `event-type: Reconciliation` with `{"merchantChargeId": …}`
 * must not make the processor call find-charge with the merchant's OAuth client. Expected
 * values are written by hand: the park reason and that PicPay was never asked.
 */
import { decideIngest } from '../../lambda/domain/ingest.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { reconciliationEnvelope } from '../../lambda/domain/reconcile.js';
import { decideRegistration } from '../../lambda/domain/registration.js';
import { CHECKOUT_TOKEN, envelope } from '../picpay-examples.support.js';
import { memoryDeps } from './in-memory.support.js';

const FOUND = { merchantChargeId: 'order-123', chargeStatus: 'PAID', amount: 1 };

function publicRequest(eventType: string, body: unknown) {
  const decision = decideIngest(
    {
      flavour: 'checkout',
      headers: { authorization: `Bearer ${CHECKOUT_TOKEN}`, 'event-type': eventType },
      body: JSON.stringify(body),
      isBase64Encoded: false,
      requestId: 'attack-1',
      receivedAt: '2024-07-01T19:00:00.000Z',
    },
    [CHECKOUT_TOKEN],
    64 * 1024,
  );
  if (decision.kind !== 'accept') throw new Error(`not accepted: ${decision.kind}`);
  return decision.envelope;
}

describe('internal paths stay internal', () => {
  test('a PicPay route marks its message as from PicPay; the reconciler and /charges mark theirs', () => {
    expect(publicRequest('TransactionUpdateMessage', {}).origin).toBe('picpay');
    expect(reconciliationEnvelope({ flavour: 'checkout', chargeId: 'order-123' }, Date.parse('2024-07-01T19:00:00Z')).origin).toBe('reconciler');
    const registered = decideRegistration('{"referenceId":"102030"}', 'arn:aws:iam::123456789012:role/shop', 'r-1', '2024-07-01T19:00:00.000Z');
    expect(registered.kind === 'accept' && registered.envelope.origin).toBe('merchant');
  });

  test('event-type Reconciliation on the public webhook is parked, and find-charge is never called', async () => {
    const { deps, findCharge, charges, publisher } = memoryDeps();
    findCharge.enabled = true;
    findCharge.charges.set('order-123', FOUND);
    const outcome = await processEnvelope(publicRequest('Reconciliation', { merchantChargeId: 'order-123' }), deps);
    expect(outcome).toEqual({
      kind: 'parked',
      reason: 'internal_event_type',
      message: 'A request on a public route named the internal event type Reconciliation',
    });
    expect(findCharge.calls).toBe(0);
    expect(charges.items.size).toBe(0);
    expect(publisher.published).toHaveLength(0);
    expect(charges.parked.map((p) => p.reason)).toEqual(['internal_event_type']);
  });

  test('a merchant-origin message naming Reconciliation is parked too', async () => {
    const { deps, findCharge } = memoryDeps();
    findCharge.enabled = true;
    findCharge.charges.set('order-123', FOUND);
    const forged = envelope({ flavour: 'checkout', eventType: 'Reconciliation', origin: 'merchant', body: '{"merchantChargeId":"order-123"}' });
    await expect(processEnvelope(forged, deps)).resolves.toMatchObject({ kind: 'parked', reason: 'internal_event_type' });
    expect(findCharge.calls).toBe(0);
  });

  test("the reconciler's own check still asks find-charge and applies PicPay's answer", async () => {
    const { deps, findCharge, charges } = memoryDeps();
    findCharge.enabled = true;
    findCharge.charges.set('order-123', FOUND);
    const check = reconciliationEnvelope({ flavour: 'checkout', chargeId: 'order-123' }, Date.parse('2024-07-01T19:00:00Z'));
    await expect(processEnvelope(check, deps)).resolves.toMatchObject({ kind: 'applied', chargeKey: 'checkout#order-123' });
    expect(findCharge.calls).toBe(1);
    expect(charges.items.get('checkout#order-123')!.state.status).toBe('PAID');
  });

  test('a check queued before messages carried an origin is read as before (a reconciliation check)', async () => {
    const { deps, findCharge } = memoryDeps();
    findCharge.enabled = true;
    findCharge.charges.set('order-123', FOUND);
    const old = envelope({ flavour: 'checkout', eventType: 'Reconciliation', body: '{"merchantChargeId":"order-123"}' });
    expect(old.origin).toBeUndefined();
    await expect(processEnvelope(old, deps)).resolves.toMatchObject({ kind: 'applied' });
    expect(findCharge.calls).toBe(1);
  });
});
