import { decide } from './charge.js';
import { confirmClaim, needsConfirmation } from './confirm.js';
import { bodyText, type Envelope } from './envelope.js';
import { RECONCILIATION_EVENT_TYPE, REGISTRATION_EVENT_TYPE } from './event-types.js';
import { ConcurrentUpdateError, OutboxFullError, ParkError, type ParkReason } from './errors.js';
import {
  chargeKeyOf,
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
import { canonicalStatus } from './status.js';
import { flushOutbox } from './outbox.js';
import type { ChargeRef } from './reconcile.js';
import type { LinkTransaction, PaymentLinkNotification } from './payloads.js';
import type {
  ChargeRepository,
  CheckoutChargeSource,
  EventPublisher,
  LegacyStatusSource,
  ParkingLot,
  PaymentLinkIndex,
  PaymentLinkTransactionSource,
  ReconcileIndex,
} from './ports.js';

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
  /** Confirms money-moving Payment Link notifications (find-transactions); absent, they are applied as sent. */
  readonly linkTransactions?: PaymentLinkTransactionSource;
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

const isUnknownToPicPay = (error: ParkError) => ['unknown_charge', 'unknown_reference', 'unknown_payment_link'].includes(error.reason);

/**
 * PicPay does not know a charge reconciliation asked about (a charge a forged or mistaken
 * notification created): it leaves the awaiting index, so it is parked once, not on every run,
 * and never takes a genuine charge's turn again. A later notification for it enters it again.
 */
async function stopReconciling(envelope: Envelope, deps: ProcessDeps): Promise<void> {
  const body = JSON.parse(envelope.body) as { referenceId?: string; merchantChargeId?: string; paymentId?: string };
  const ref: ChargeRef =
    envelope.flavour === 'legacy'
      ? { flavour: 'legacy', chargeId: body.referenceId! }
      : body.paymentId !== undefined
        ? { flavour: 'paymentLink', chargeId: body.paymentId }
        : { flavour: 'checkout', chargeId: body.merchantChargeId! };
  await deps.awaiting.retire([ref]);
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
    // Our own synthetic check (lambda/domain/reconcile.ts): a Payment Link payment is asked
    // about with find-transactions, a checkout charge with find-charge.
    const paymentId = linkReconciliationId(envelope.body);
    if (paymentId !== null) return asSent(await reconcileLinkPayment(envelope, paymentId, deps));
    const chargeId = checkoutReconciliationId(envelope.body);
    const found = deps.checkoutCharges ? await deps.checkoutCharges.findCharge(chargeId) : null;
    if (found === null)
      throw new ReconciliationOffError('checkout reconciliation is off: no picpayClientId/picpayClientSecret in the PicPay credentials secret');
    return asSent(observeFoundCharge(envelope, chargeId, found, deps.now()));
  }
  if (envelope.flavour === 'checkout') {
    const parsed = parseWebhook(envelope);
    if (parsed.type === 'PAYMENT_LINK') return await observeLink(envelope, parsed.body, receivedAtMs, deps);
    const claim = observeCheckout(envelope, parsed, receivedAtMs);
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
 * money-moving one is confirmed with PicPay (`confirmLink`); then a notification that names its
 * link records the payment under it (`deps.links`), so the operator finds a link's payments and
 * a later unnamed refund finds its payment. A claim PicPay contradicts never gets that far, so
 * a forged payment cannot make a genuine link look paid twice.
 */
async function observeLink(envelope: Envelope, body: PaymentLinkNotification, receivedAtMs: number, deps: ProcessDeps): Promise<Observed> {
  const matched = isUnnamedRefund(body) ? await linkedPayment(body, deps) : null;
  const claim = observePaymentLink(envelope, body, receivedAtMs, matched?.paymentId ?? null);
  // The listing that matched an unnamed refund also confirms it: PicPay is asked once.
  const observed = needsConfirmation(claim) ? await confirmLink(envelope, claim, deps, matched?.listing) : asSent(claim);
  if (claim.paymentLinkId && matched === null) await deps.links.addPayment(claim.paymentLinkId, claim.chargeId);
  return observed;
}

/**
 * The one payment of the refund's link; parked (`unmatched_refund`) when there is not exactly
 * one. With PicPay API credentials, PicPay's own listing of the link decides (its paid payments),
 * so a refund that arrives before a second payment's webhook is not matched to the first; without
 * them, the payments recorded here.
 */
async function linkedPayment(body: PaymentLinkNotification, deps: ProcessDeps): Promise<{ paymentId: string; listing?: LinkListing }> {
  const refund = `A Payment Link refund (transaction ${body.data.transaction.id}) names no originalTransactionId`;
  const linkId = body.data.charge?.paymentLinkId ?? null;
  if (linkId === null) throw new ParkError('unmatched_refund', `${refund} and no data.charge.paymentLinkId`);
  const listing = deps.linkTransactions ? await listLink(linkId, refund, deps.linkTransactions) : undefined;
  if (listing?.transactions) {
    // PicPay's paid payments on the link (refunds are transactions of their own).
    const paid = listing.transactions.filter((t) => canonicalStatus('paymentLink', t.status) === 'PAID').map((t) => t.transactionId);
    if (paid.length !== 1) throw new ParkError('unmatched_refund', `${refund}; PicPay lists ${paid.length} paid payments on link ${linkId}`);
    return { paymentId: paid[0]!, listing };
  }
  const payments = await deps.links.paymentsOf(linkId, 2);
  if (payments.length === 0) {
    throw new ParkError('unmatched_refund', `${refund}; link ${linkId} has no payment recorded yet (replay it once the payment is)`);
  }
  if (payments.length > 1) throw new ParkError('unmatched_refund', `${refund}; link ${linkId} has more than one payment`);
  return { paymentId: payments[0]!, listing };
}

/** What find-transactions answered for a link: its transactions, or null when PicPay cannot be asked (no credentials). */
interface LinkListing {
  readonly transactions: readonly LinkTransaction[] | null;
}

/** find-transactions for a link; a link PicPay does not know contradicts the notification (`says`). */
async function listLink(linkId: string, says: string, source: PaymentLinkTransactionSource): Promise<LinkListing> {
  const transactions = await picpayAnswer(
    () => source.findLinkTransactions(linkId),
    'unknown_payment_link',
    `${says}, PicPay does not know Payment Link ${linkId}`,
  );
  return { transactions };
}

/**
 * PicPay's answer to a question about what a notification names. PicPay not knowing it (a 404,
 * parked by the client as `unknown`) is the notification contradicted: parked as such. Anything
 * else propagates as it is (unavailable: retried; refused: parked as that reason).
 */
async function picpayAnswer<T>(ask: () => Promise<T>, unknown: ParkReason, contradiction: string): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (error instanceof ParkError && error.reason === unknown) throw new ParkError('contradicted_by_picpay', contradiction, { cause: error });
    throw error;
  }
}

/**
 * A checkout notification that moves money, checked with PicPay's find-charge (confirm.ts).
 * Without PicPay API credentials it is applied as sent (`confirmed: false` on its event).
 * PicPay unavailable: the error propagates and the notification is retried with back-off, as a
 * legacy status read is. PicPay does not know the charge: parked as contradicted.
 */
async function confirm(envelope: Envelope, claim: Observation, deps: ProcessDeps): Promise<Observed> {
  const confirmations = deps.confirmations;
  if (!confirmations) return asSent(claim);
  const found = await picpayAnswer(
    () => confirmations.findCharge(claim.chargeId),
    'unknown_charge',
    `the notification says ${claim.rawStatus}, PicPay does not know the charge`,
  );
  if (found === null) return asSent(claim);
  return confirmClaim(claim, observeFoundCharge(envelope, claim.chargeId, found, deps.now()));
}

/**
 * A Payment Link notification that moves money, checked with PicPay's find-transactions
 * (confirm.ts): the transaction it names (the payment, or the refund) as PicPay lists it on the
 * link. Not listed, or the link unknown to PicPay: parked as contradicted, nothing applied. A
 * payment PicPay contradicts gets PicPay's answer applied (as checkout); a refund PicPay does not
 * confirm changes nothing (PicPay's entry for a refund says nothing of the payment's status).
 * Without credentials, or without a known link, it is applied as sent (`confirmed: false`).
 */
async function confirmLink(envelope: Envelope, claim: Observation, deps: ProcessDeps, listing?: LinkListing): Promise<Observed> {
  if (!deps.linkTransactions) return asSent(claim);
  const linkId = claim.paymentLinkId ?? (await deps.charges.load(claim.chargeKey))?.state.paymentLinkId ?? null;
  if (linkId === null) return asSent(claim);
  const transactionId = claim.refund?.transactionId ?? claim.chargeId;
  const says = `the notification says ${claim.rawStatus} for transaction ${transactionId}`;
  const { transactions } = listing ?? (await listLink(linkId, says, deps.linkTransactions));
  if (transactions === null) return asSent(claim);
  const listed = transactions.find((t) => t.transactionId === transactionId);
  if (listed === undefined) throw new ParkError('contradicted_by_picpay', `${says}, PicPay lists no such transaction on Payment Link ${linkId}`);
  const confirmed = confirmClaim(claim, asPicPayLists(envelope, listed, linkId, claim.chargeId, deps.now()));
  if (confirmed.contradiction !== null && claim.refund) throw new ParkError('contradicted_by_picpay', confirmed.contradiction);
  return confirmed;
}

/** A transaction as find-transactions lists it, observed for the payment `paymentId` (its own, or a refund's). */
function asPicPayLists(envelope: Envelope, listed: LinkTransaction, linkId: string, paymentId: string, readAtMs: number): Observation {
  const transaction = { id: listed.transactionId, status: listed.status, amount: listed.amount, updatedAt: listed.updatedAt, createdAt: listed.createdAt };
  return observePaymentLink(envelope, { data: { transaction, charge: { paymentLinkId: linkId } } }, readAtMs, paymentId);
}

/**
 * Reconciliation of a Payment Link payment left waiting: find-transactions on the link its
 * charge knows, and the payment's own entry applied as PicPay lists it (source
 * `Reconciliation`, confirmed). Not listed on the link: PicPay does not know the payment, which
 * is parked once and leaves the awaiting index (`stopReconciling`).
 */
async function reconcileLinkPayment(envelope: Envelope, paymentId: string, deps: ProcessDeps): Promise<Observation> {
  const linkId = (await deps.charges.load(chargeKeyOf('paymentLink', paymentId)))?.state.paymentLinkId;
  if (linkId === undefined) throw new ReconciliationOffError(`Payment Link payment ${paymentId} names no link to ask PicPay about`);
  const transactions = deps.linkTransactions ? await deps.linkTransactions.findLinkTransactions(linkId) : null;
  if (transactions === null) {
    throw new ReconciliationOffError('Payment Link reconciliation is off: no picpayClientId/picpayClientSecret in the PicPay credentials secret');
  }
  const listed = transactions.find((t) => t.transactionId === paymentId);
  if (listed === undefined) throw new ParkError('unknown_charge', `PicPay lists no transaction ${paymentId} on Payment Link ${linkId}`);
  return { ...asPicPayLists(envelope, listed, linkId, paymentId, deps.now()), eventType: RECONCILIATION_EVENT_TYPE, confirmed: true };
}

/** The payment a Payment Link reconciliation check names (`{paymentId}`), or null for another check. */
function linkReconciliationId(body: string): string | null {
  try {
    const id = (JSON.parse(body) as { paymentId?: unknown }).paymentId;
    return typeof id === 'string' && id !== '' ? id : null;
  } catch {
    return null;
  }
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
