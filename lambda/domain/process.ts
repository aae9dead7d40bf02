import { decide } from './charge.js';
import { confirmClaim, needsConfirmation } from './confirm.js';
import { bodyText, type Envelope } from './envelope.js';
import { RECONCILIATION_EVENT_TYPE, REGISTRATION_EVENT_TYPE } from './event-types.js';
import { ConcurrentUpdateError, OutboxFullError, ParkError, type ParkReason } from './errors.js';
import {
  type Observation,
  observeFoundCharge,
  isUnnamedRefund,
  observeCheckout,
  observeLegacy,
  observePaymentLink,
  observeRegistration,
  parseLegacyCallback,
  parseRegistration,
  parseWebhook,
} from './observation.js';
import { pathSegmentMessage, pathSegmentProblem } from './ids.js';
import { flushOutbox } from './outbox.js';
import type { FoundCharge, PaymentLinkNotification } from './payloads.js';
import type { ChargeRepository, CheckoutChargeSource, EventPublisher, LegacyStatusSource, ParkingLot, PaymentLinkIndex, ReconcileIndex } from './ports.js';

/** A reconciliation check whose answer changes nothing: checkout reconciliation is off. */
export class ReconciliationOffError extends Error {}

export interface ProcessDeps {
  readonly charges: ChargeRepository;
  readonly parking: ParkingLot;
  readonly publisher: EventPublisher;
  readonly legacyStatus: LegacyStatusSource;
  /** Checkout reconciliation (find-charge); absent: off. */
  readonly checkoutCharges?: CheckoutChargeSource;
  /** Payment Link payments by link: recorded as they arrive, read to match a refund naming no payment. */
  readonly links: PaymentLinkIndex;
  /** The reconciliation index: a charge PicPay does not know leaves it (`stopReconciling`). */
  readonly awaiting: Pick<ReconcileIndex, 'retire'>;
  /**
   * Confirms money-moving checkout notifications with PicPay (confirm.ts): the same find-charge
   * client in Lambda; absent, they are applied as sent.
   */
  readonly confirmations?: CheckoutChargeSource;
  readonly now: () => number;
  /** Bodies larger than this are parked, not processed. */
  readonly maxProcessedBodyBytes: number;
  /** How long a notification's own events are left to it before anyone else may publish them. */
  readonly outboxLeaseMs: number;
}

export type ProcessOutcome =
  | {
      readonly kind: 'applied' | 'noted' | 'ignored' | 'duplicate' | 'registered';
      readonly chargeKey: string;
      readonly published: number;
      readonly reason?: string;
      /**
       * PicPay's API contradicted the notification (confirm.ts): PicPay's answer was applied and
       * the notification itself parked as `contradicted_by_picpay`. Counted and alarmed.
       */
      readonly contradiction?: string;
      /** The notification's own date was later than its receipt (dates.ts): ordered by the receipt. Counted. */
      readonly futureDated?: boolean;
    }
  /** A checkout reconciliation check while checkout reconciliation is off: nothing to do. */
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'parked'; readonly reason: ParkReason; readonly message: string };

const MAX_CONFLICT_RETRIES = 5;

/**
 * Processes one queued notification end to end. Throws on anything a retry may fix (the
 * message then returns to the queue and, after the receive limit, to the DLQ); parks what a
 * retry can never fix.
 */
export async function processEnvelope(envelope: Envelope, deps: ProcessDeps): Promise<ProcessOutcome> {
  try {
    const { observation, contradiction } = await observe(envelope, deps);
    const applied = await apply(envelope, observation, deps);
    const outcome = observation.futureDated ? { ...applied, futureDated: true } : applied;
    if (contradiction === null) return outcome;
    // PicPay's answer is applied; the claim it contradicts is kept where an operator looks.
    await deps.parking.park({ parkedAt: new Date(deps.now()).toISOString(), reason: 'contradicted_by_picpay', message: contradiction, envelope });
    return { ...outcome, contradiction };
  } catch (error) {
    if (error instanceof ReconciliationOffError) return { kind: 'skipped', reason: error.message };
    if (!(error instanceof ParkError)) throw error;
    await deps.parking.park({ parkedAt: new Date(deps.now()).toISOString(), reason: error.reason, message: error.message, envelope });
    if (isUnknownToPicPay(error) && envelope.origin === 'reconciler') await stopReconciling(envelope, deps);
    return { kind: 'parked', reason: error.reason, message: error.message };
  }
}

const isUnknownToPicPay = (error: ParkError) => error.reason === 'unknown_charge' || error.reason === 'unknown_reference';

/**
 * PicPay does not know a charge reconciliation asked about (a charge a forged or mistaken
 * notification created): it leaves the awaiting index, so it is parked once, not on every run,
 * and never takes a genuine charge's turn again. A later notification for it enters it again.
 */
async function stopReconciling(envelope: Envelope, deps: ProcessDeps): Promise<void> {
  const body = JSON.parse(envelope.body) as { referenceId?: string; merchantChargeId?: string };
  const chargeId = envelope.flavour === 'legacy' ? body.referenceId : body.merchantChargeId;
  await deps.awaiting.retire([{ flavour: envelope.flavour, chargeId: chargeId! }]);
}

/** What a notification that got past parsing and PicPay did to its charge. */
type RecordedOutcome = Extract<ProcessOutcome, { readonly chargeKey: string }>;

async function apply(envelope: Envelope, observation: Observation, deps: ProcessDeps): Promise<RecordedOutcome> {
  for (let attempt = 0; ; attempt++) {
    const stored = await deps.charges.load(observation.chargeKey);
    const decision = decide(stored?.state ?? null, observation, new Date(deps.now()).toISOString(), deps);
    if (decision.kind === 'overflow') throw new ParkError('too_many_refunds', decision.reason);
    if (decision.kind === 'duplicate' || decision.kind === 'deferred') {
      // A redelivery after a failed publish lands here: finish what the first attempt began.
      const published = await flushOutbox({ state: stored!.state, version: stored!.version }, envelope.requestId, deps);
      if (decision.kind === 'duplicate') return { kind: 'duplicate', chargeKey: observation.chargeKey, published };
      // Retried later, when the outbox has drained (its owners or the sweep publish it).
      throw new OutboxFullError(`Outbox full: ${decision.reason}`);
    }
    const version = (stored?.version ?? 0) + 1;
    try {
      await deps.charges.save(decision.state, stored?.version ?? null);
    } catch (error) {
      if (error instanceof ConcurrentUpdateError && attempt < MAX_CONFLICT_RETRIES) continue;
      throw error;
    }
    const published = await flushOutbox({ state: decision.state, version }, envelope.requestId, deps);
    return decision.kind === 'applied' || decision.kind === 'registered'
      ? { kind: decision.kind, chargeKey: observation.chargeKey, published }
      : { kind: decision.kind, chargeKey: observation.chargeKey, published, reason: decision.reason };
  }
}

interface Observed {
  readonly observation: Observation;
  readonly contradiction: string | null;
}

const asSent = (observation: Observation): Observed => ({ observation, contradiction: null });

async function observe(queued: Envelope, deps: ProcessDeps): Promise<Observed> {
  // The body as text (base64 undone); parks what is too large, still compressed or not UTF-8.
  const envelope: Envelope = { ...queued, body: bodyText(queued, deps.maxProcessedBodyBytes), bodyEncoding: 'utf8' };
  const parsedReceivedAt = Date.parse(envelope.receivedAt);
  const receivedAtMs = Number.isNaN(parsedReceivedAt) ? deps.now() : parsedReceivedAt;
  if (envelope.flavour === 'checkout' && envelope.eventType === RECONCILIATION_EVENT_TYPE) {
    // Only the reconciler may ask PicPay about a charge it names; from a PicPay route this is a
    // forgery (or a leaked token being tried): kept for an operator, PicPay never called.
    if (envelope.origin === 'picpay' || envelope.origin === 'merchant') {
      throw new ParkError('internal_event_type', `A request on a public route named the internal event type ${RECONCILIATION_EVENT_TYPE}`);
    }
    // Our own synthetic check (lambda/domain/reconcile.ts): ask PicPay's find-charge API.
    const chargeId = checkoutReconciliationId(envelope.body);
    const found = deps.checkoutCharges ? await deps.checkoutCharges.findCharge(chargeId) : null;
    if (found === null) throw new ReconciliationOffError('checkout reconciliation is off: no picpayClientId/picpayClientSecret in the tokens secret');
    return asSent(observeFoundCharge(envelope, chargeId, found, deps.now()));
  }
  if (envelope.flavour === 'checkout') {
    const parsed = parseWebhook(envelope);
    const claim =
      parsed.type === 'PAYMENT_LINK' ? await observeLink(envelope, parsed.body, receivedAtMs, deps) : observeCheckout(envelope, parsed, receivedAtMs);
    return needsConfirmation(claim) ? await confirm(envelope, claim, deps) : asSent(claim);
  }
  if (envelope.eventType === REGISTRATION_EVENT_TYPE) {
    return asSent(observeRegistration(envelope, parseRegistration(envelope), receivedAtMs));
  }
  const callback = parseLegacyCallback(envelope);
  const reported = await deps.legacyStatus.fetchStatus(callback.referenceId);
  return asSent(observeLegacy(envelope, callback, reported, deps.now()));
}

/**
 * A Payment Link notification. A refund that names no payment is matched through its link; a
 * notification that names its link records the payment under it (`deps.links`), so the operator
 * finds a link's payments and a later unnamed refund finds its payment.
 */
async function observeLink(envelope: Envelope, body: PaymentLinkNotification, receivedAtMs: number, deps: ProcessDeps): Promise<Observation> {
  const matched = isUnnamedRefund(body) ? await linkedPayment(body, deps) : null;
  const observation = observePaymentLink(envelope, body, receivedAtMs, matched);
  if (observation.paymentLinkId && matched === null) await deps.links.addPayment(observation.paymentLinkId, observation.chargeId);
  return observation;
}

/** The one payment of the refund's link; parked (`unmatched_refund`) when there is not exactly one. */
async function linkedPayment(body: PaymentLinkNotification, deps: ProcessDeps): Promise<string> {
  const refund = `A Payment Link refund (transaction ${body.data.transaction.id}) names no originalTransactionId`;
  const linkId = body.data.charge?.paymentLinkId ?? null;
  if (linkId === null) throw new ParkError('unmatched_refund', `${refund} and no data.charge.paymentLinkId`);
  const payments = await deps.links.paymentsOf(linkId, 2);
  if (payments.length === 0) {
    throw new ParkError('unmatched_refund', `${refund}; link ${linkId} has no payment recorded yet (replay it once the payment is)`);
  }
  if (payments.length > 1) throw new ParkError('unmatched_refund', `${refund}; link ${linkId} has more than one payment`);
  return payments[0]!;
}

/**
 * A checkout notification that moves money, checked with PicPay's find-charge (confirm.ts).
 * Without PicPay API credentials it is applied as sent (`confirmed: false` on its event).
 * PicPay unavailable: the error propagates and the notification is retried with back-off, as a
 * legacy status read is. PicPay does not know the charge: parked as contradicted.
 */
async function confirm(envelope: Envelope, claim: Observation, deps: ProcessDeps): Promise<Observed> {
  if (!deps.confirmations) return asSent(claim);
  let found: FoundCharge | null;
  try {
    found = await deps.confirmations.findCharge(claim.chargeId);
  } catch (error) {
    if (error instanceof ParkError && error.reason === 'unknown_charge') {
      throw new ParkError('contradicted_by_picpay', `the notification says ${claim.rawStatus}, PicPay does not know the charge`, { cause: error });
    }
    throw error;
  }
  if (found === null) return asSent(claim);
  return confirmClaim(claim, observeFoundCharge(envelope, claim.chargeId, found, deps.now()));
}

function checkoutReconciliationId(body: string): string {
  let id: unknown;
  try {
    id = (JSON.parse(body) as { merchantChargeId?: unknown }).merchantChargeId;
  } catch {
    id = undefined;
  }
  if (typeof id !== 'string' || id === '') throw new ParkError('unexpected_shape', 'Reconciliation check names no merchantChargeId');
  // An id stored before ids were checked (or a hand-made check) is never put in find-charge's path.
  if (pathSegmentProblem(id) !== null) throw new ParkError('unexpected_shape', `Reconciliation check: merchantChargeId ${pathSegmentMessage(id)}`);
  return id;
}
