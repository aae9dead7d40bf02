import { createHash } from 'node:crypto';
import type { ChargeFlavour } from './flavour.js';
import { notificationTime, picpayTime } from './dates.js';
import type { Envelope } from './envelope.js';
import {
  CHECKOUT_EVENT_TYPES,
  type CheckoutEventType,
  LEGACY_EVENT_TYPE,
  PAYMENT_LINK_EVENT_TYPE,
  RECONCILIATION_EVENT_TYPE,
  REGISTRATION_EVENT_TYPE,
} from './event-types.js';
import { ParkError } from './errors.js';
import {
  type CheckoutPayment,
  type CheckoutThreeDs,
  checkoutPaymentSchema,
  checkoutThreeDsSchema,
  type FoundCharge,
  findChargeSchema,
  type LegacyCallback,
  type PaymentLinkNotification,
  paymentLinkSchema,
  type LegacyStatus,
  legacyCallbackSchema,
  legacyStatusSchema,
  reaisToCents,
} from './payloads.js';
import { type CanonicalStatus, canonicalStatus, phaseOf } from './status.js';
import { type RegistrationRequest, registrationSchema } from './registration.js';

export interface Amounts {
  readonly amount: number | null;
  readonly originalAmount: number | null;
  readonly paidAmount: number | null;
  readonly refundedAmount: number | null;
}

export interface ThreeDsResult {
  readonly status: string;
  readonly paresStatus: string | null;
  readonly eci: string | null;
  readonly picpayChargeId: string | null;
}

/** One refund transaction of a Payment Link payment (its own id, its own amount in centavos). */
export interface RefundTransaction {
  readonly transactionId: string;
  readonly amount: number | null;
}

/** One notification, normalized: what PicPay (or the merchant) said about one charge. */
export interface Observation {
  /** `registration`: the merchant told us about a legacy payment it created (no status yet). */
  readonly kind: 'status' | 'three_ds' | 'registration';
  readonly flavour: ChargeFlavour;
  readonly chargeId: string;
  readonly chargeKey: string;
  readonly rawStatus: string | null;
  readonly status: CanonicalStatus | null;
  readonly occurredAt: string;
  readonly atMs: number;
  /** `picpay`: the time PicPay gave; `received`: PicPay gave none we could read. */
  readonly timeSource: 'picpay' | 'received';
  readonly amounts: Amounts | null;
  readonly authorizationId: string | null;
  readonly threeDs: ThreeDsResult | null;
  /** Registration only: when the merchant's payment expires at PicPay. */
  readonly expiresAt: string | null;
  readonly eventType: string;
  readonly requestId: string;
  /** Hash of the notification's content: equal for duplicates, different otherwise. */
  readonly dedupeKey: string;
  /**
   * The time the precedence rule orders by, when not `atMs`. Payment Link statuses only move
   * forward (paid, partly refunded, refunded), so they order by lifecycle step alone: 0.
   */
  readonly orderAtMs?: number;
  /** Payment Link refund notifications: the refund transaction (summed into `refundedAmount`). */
  readonly refund?: RefundTransaction | null;
  /**
   * PicPay's date was later than the receipt by more than the allowed skew (dates.ts): the
   * notification is ordered by its receipt instead. Logged and counted by the processor.
   */
  readonly futureDated?: boolean;
  /** `WALLET`, `CREDIT`, `PIX` (checkout transactions, Payment Link `paymentType`), when given. */
  readonly paymentType?: string | null;
  /** Payment Link: the link the merchant created (`data.charge.paymentLinkId`), when given. */
  readonly paymentLinkId?: string | null;
  /**
   * The status and amounts were read from PicPay's API (legacy status, find-charge), not taken
   * from a notification's body (lambda/domain/confirm.ts).
   */
  readonly confirmed?: boolean;
}

export function chargeKeyOf(flavour: ChargeFlavour, chargeId: string): string {
  return `${flavour}#${chargeId}`;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new ParkError('invalid_json', 'Body is not valid JSON', {
      cause: error,
    });
  }
}

function shapeError(what: string, issues: readonly { path: PropertyKey[]; message: string }[]) {
  // Only paths and messages: zod issues never carry the offending values into our logs.
  const detail = issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return new ParkError('unexpected_shape', `${what}: ${detail}`);
}

export function parseLegacyCallback(envelope: Envelope): LegacyCallback {
  const json = parseJson(envelope.body);
  const result = legacyCallbackSchema.safeParse(json);
  if (result.success) return result.data;
  if (typeof json === 'object' && json !== null && !Array.isArray(json) && !('referenceId' in json)) {
    // A shape PicPay's page does not describe (one SDK author saw `{paymentId, status, …}`):
    // parked, naming its members (names only, never values) so an operator can tell what it is.
    const names = Object.keys(json);
    const shown = names.slice(0, 20).map((k) => JSON.stringify(k.slice(0, 40)));
    const more = names.length > 20 ? `, and ${names.length - 20} more` : '';
    throw new ParkError('unexpected_shape', `Legacy callback without referenceId; its members: ${names.length === 0 ? '(none)' : shown.join(', ') + more}`);
  }
  throw shapeError('Legacy callback', result.error.issues);
}

export type ParsedCheckout =
  | { readonly type: 'PAYMENT'; readonly eventType: CheckoutEventType; readonly body: CheckoutPayment }
  | {
      readonly type: 'THREE_DS_CHALLENGE';
      readonly eventType: CheckoutEventType;
      readonly body: CheckoutThreeDs;
    };

const EVENT_TYPE_NAMES = Object.keys(CHECKOUT_EVENT_TYPES) as CheckoutEventType[];

/** A known event type header value, in any letter case (`transactionUpdateMessage` too). */
export function knownEventType(header: string | null): CheckoutEventType | undefined {
  if (header === null) return undefined;
  const wanted = header.trim().toLowerCase();
  return EVENT_TYPE_NAMES.find((name) => name.toLowerCase() === wanted);
}

/**
 * What kind of checkout notification this is. The body says what it is (`type`), and the body
 * is what we read, so a known body `type` decides; the header (either spelling, any letter case)
 * decides only when the body has no `type` at all. A header that disagrees with the body does not
 * park a real status change: the header is a hint, the body is the content. A body `type` we do
 * not know parks, whatever the header says: a new kind of event is not misread as a payment.
 */
export function parseCheckout(envelope: Envelope): ParsedCheckout {
  const json = parseJson(envelope.body);
  const bodyType = typeof json === 'object' && json !== null && 'type' in json && typeof json.type === 'string' ? json.type.trim().toUpperCase() : undefined;
  const eventType =
    EVENT_TYPE_NAMES.find((name) => CHECKOUT_EVENT_TYPES[name] === bodyType) ?? (bodyType === undefined ? knownEventType(envelope.eventType) : undefined);
  if (eventType === undefined) {
    throw new ParkError(
      'unknown_event_type',
      envelope.eventType === null
        ? 'No event type header and no known body type'
        : `Unknown event type header ${JSON.stringify(envelope.eventType.slice(0, 64))} and no known body type`,
    );
  }
  const typed = { ...(json as object), type: CHECKOUT_EVENT_TYPES[eventType] };
  if (CHECKOUT_EVENT_TYPES[eventType] === 'PAYMENT') {
    const result = checkoutPaymentSchema.safeParse(typed);
    if (!result.success) throw shapeError('PAYMENT event', result.error.issues);
    return { type: 'PAYMENT', eventType, body: result.data };
  }
  const result = checkoutThreeDsSchema.safeParse(typed);
  if (!result.success) throw shapeError('THREE_DS_CHALLENGE event', result.error.issues);
  return { type: 'THREE_DS_CHALLENGE', eventType, body: result.data };
}

/** A known Payment Link event type header value, in any letter case. */
export function isPaymentLinkEventType(header: string | null): boolean {
  return header !== null && header.trim().toLowerCase() === PAYMENT_LINK_EVENT_TYPE.toLowerCase();
}

/**
 * Whether a /webhook body is a Payment Link notification: its fields are under
 * `data.transaction` and it names no checkout `merchantChargeId`; or the header says
 * `TransactionPaymentMessage` and the body is not a checkout charge. The body decides first.
 */
export function isPaymentLinkBody(json: unknown, header: string | null): boolean {
  const data = typeof json === 'object' && json !== null && 'data' in json ? (json as { data: unknown }).data : undefined;
  const isObject = typeof data === 'object' && data !== null;
  const hasCharge = isObject && 'merchantChargeId' in data;
  if (hasCharge) return false;
  const hasTransaction = isObject && 'transaction' in data && typeof data.transaction === 'object' && data.transaction !== null;
  return hasTransaction || isPaymentLinkEventType(header);
}

export type ParsedWebhook = ParsedCheckout | { readonly type: 'PAYMENT_LINK'; readonly body: PaymentLinkNotification };

/** Everything that arrives on /webhook: checkout charges (Pix included), 3DS results, Payment Link. */
export function parseWebhook(envelope: Envelope): ParsedWebhook {
  const json = parseJson(envelope.body);
  if (isPaymentLinkBody(json, envelope.eventType)) {
    const result = paymentLinkSchema.safeParse(json);
    if (!result.success) throw shapeError('Payment Link event', result.error.issues);
    return { type: 'PAYMENT_LINK', body: result.data };
  }
  return parseCheckout(envelope);
}

export function observeWebhook(envelope: Envelope, parsed: ParsedWebhook, receivedAtMs: number): Observation {
  return parsed.type === 'PAYMENT_LINK' ? observePaymentLink(envelope, parsed.body, receivedAtMs) : observeCheckout(envelope, parsed, receivedAtMs);
}

/**
 * A Payment Link refund that names no payment (`originalTransactionId` absent): a refund status,
 * or the top-level `type` `REFUND` several integrators read. The processor matches it to its
 * payment through the link (`paymentLinkId`) when the link has exactly one payment.
 */
export function isUnnamedRefund(body: PaymentLinkNotification): boolean {
  const tx = body.data.transaction;
  if (tx.originalTransactionId) return false;
  return isRefundStatus(canonicalStatus('paymentLink', tx.status)) || body.type?.toUpperCase() === 'REFUND';
}

const isRefundStatus = (status: CanonicalStatus) => status === 'REFUNDED' || status === 'PARTIALLY_REFUNDED';

/**
 * A Payment Link notification. The charge is the payment: a refund (with
 * `originalTransactionId`, or `matchedPayment`: the link's one payment) belongs to the payment
 * it points at. `amount` is the transaction's own amount: the payment's for `PAYED`, the
 * refund's for a refund (summed per refund id).
 */
export function observePaymentLink(envelope: Envelope, body: PaymentLinkNotification, receivedAtMs: number, matchedPayment: string | null = null): Observation {
  const tx = body.data.transaction;
  const original = tx.originalTransactionId ?? null;
  const chargeId = original ?? matchedPayment ?? tx.id;
  const status = canonicalStatus('paymentLink', tx.status);
  const isRefund = isRefundStatus(status);
  const amount = tx.amount ?? null;
  const picpayMs = picpayTime(body.eventDate) ?? picpayTime(tx.updatedAt) ?? picpayTime(tx.createdAt);
  const atMs = picpayMs ?? receivedAtMs;
  const amounts: Amounts = isRefund
    ? { amount: null, originalAmount: null, paidAmount: null, refundedAmount: null }
    : status === 'PAID'
      ? { amount, originalAmount: amount, paidAmount: amount, refundedAmount: null }
      : { amount, originalAmount: null, paidAmount: null, refundedAmount: null };
  return {
    ...NO_AMOUNTS_OR_DETAILS,
    kind: 'status',
    flavour: 'paymentLink',
    chargeId,
    chargeKey: chargeKeyOf('paymentLink', chargeId),
    rawStatus: tx.status,
    status,
    occurredAt: new Date(atMs).toISOString(),
    atMs,
    orderAtMs: 0,
    timeSource: picpayMs === null ? 'received' : 'picpay',
    amounts,
    refund: isRefund ? { transactionId: tx.id, amount } : null,
    paymentType: paymentLinkPaymentType(tx.paymentType ?? null),
    paymentLinkId: body.data.charge?.paymentLinkId ?? null,
    eventType: PAYMENT_LINK_EVENT_TYPE,
    requestId: envelope.requestId,
    // A transaction's status is its identity: a redelivery with another time is the same event.
    dedupeKey: hashOf(['paymentLink', 'status', tx.id, original, tx.status.toUpperCase(), amount]),
  };
}

/** One integrator's Payment Link sends `CREDIT_CARD` where checkout says `CREDIT`: one name for one thing. */
export function paymentLinkPaymentType(value: string | null): string | null {
  return value !== null && value.toUpperCase().replace(/[\s_-]/g, '') === 'CREDITCARD' ? 'CREDIT' : value;
}

/** Checkout reconciliation: what PicPay's find-charge API said about a charge at `fetchedAtMs`. */
export function observeFoundCharge(envelope: Envelope, chargeId: string, raw: FoundCharge, fetchedAtMs: number): Observation {
  const parsed = findChargeSchema.safeParse(raw);
  if (!parsed.success) throw shapeError('PicPay find-charge response', parsed.error.issues);
  const found = parsed.data;
  const status = canonicalStatus('checkout', found.chargeStatus, found.transactions ?? null);
  const amounts: Amounts = {
    amount: found.amount ?? null,
    originalAmount: found.originalAmount ?? null,
    paidAmount: phaseOf(status) === 'money' ? (found.amount ?? null) : null,
    refundedAmount: found.refundedAmount ?? null,
  };
  return {
    ...NO_AMOUNTS_OR_DETAILS,
    kind: 'status',
    flavour: 'checkout',
    chargeId,
    chargeKey: chargeKeyOf('checkout', chargeId),
    rawStatus: found.chargeStatus,
    status,
    // Find-charge gives no event time: PicPay's answer is its word as of when we asked.
    occurredAt: new Date(fetchedAtMs).toISOString(),
    atMs: fetchedAtMs,
    timeSource: 'picpay',
    amounts,
    confirmed: true,
    eventType: RECONCILIATION_EVENT_TYPE,
    requestId: envelope.requestId,
    // The same answer read again is the same notification (as for a legacy status read).
    dedupeKey: hashOf(['checkout', 'found', chargeId, found.chargeStatus, amounts]),
  };
}

export function hashOf(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

const NO_AMOUNTS_OR_DETAILS = { amounts: null, authorizationId: null, threeDs: null, expiresAt: null } as const;

export function observeCheckout(envelope: Envelope, parsed: ParsedCheckout, receivedAtMs: number): Observation {
  if (parsed.type === 'PAYMENT') {
    const { data, eventDate } = parsed.body;
    const status = canonicalStatus('checkout', data.status, data.transactions ?? null);
    const amounts: Amounts = {
      amount: data.amount ?? null,
      originalAmount: data.originalAmount ?? null,
      paidAmount: phaseOf(status) === 'money' ? (data.amount ?? null) : null,
      refundedAmount: data.refundedAmount ?? null,
    };
    const picpayMs = picpayTime(eventDate);
    const { atMs, futureDated } = notificationTime(picpayMs, receivedAtMs);
    return {
      ...NO_AMOUNTS_OR_DETAILS,
      kind: 'status',
      flavour: 'checkout',
      chargeId: data.merchantChargeId,
      chargeKey: chargeKeyOf('checkout', data.merchantChargeId),
      rawStatus: data.status,
      status,
      occurredAt: new Date(atMs).toISOString(),
      atMs,
      timeSource: picpayMs === null || futureDated ? 'received' : 'picpay',
      ...(futureDated ? { futureDated } : {}),
      amounts,
      paymentType: data.transactions ?? null,
      eventType: parsed.eventType,
      requestId: envelope.requestId,
      // Redeliveries of an undated event are the same event: the receive time stays out of the key.
      dedupeKey: hashOf(['checkout', 'status', data.merchantChargeId, data.status, picpayMs, amounts]),
    };
  }
  const { data, eventDate } = parsed.body;
  // PicPay's time of the 3DS result when the body carries one; otherwise when we received it.
  const threeDsTime = notificationTime(picpayTime(eventDate), receivedAtMs);
  const threeDs: ThreeDsResult = {
    status: data.status,
    paresStatus: data.paresStatus ?? null,
    eci: data.eciRaw ?? null,
    picpayChargeId: data.chargeId ?? null,
  };
  return {
    ...NO_AMOUNTS_OR_DETAILS,
    kind: 'three_ds',
    flavour: 'checkout',
    chargeId: data.merchantChargeId,
    chargeKey: chargeKeyOf('checkout', data.merchantChargeId),
    rawStatus: null,
    status: null,
    occurredAt: new Date(threeDsTime.atMs).toISOString(),
    atMs: threeDsTime.atMs,
    timeSource: picpayTime(eventDate) === null || threeDsTime.futureDated ? 'received' : 'picpay',
    ...(threeDsTime.futureDated ? { futureDated: true } : {}),
    threeDs,
    eventType: parsed.eventType,
    requestId: envelope.requestId,
    dedupeKey: hashOf(['checkout', 'three_ds', data.merchantChargeId, threeDs]),
  };
}

/** A legacy callback plus the status PicPay's API reported for it at `fetchedAtMs`. */
export function observeLegacy(envelope: Envelope, callback: LegacyCallback, reportedRaw: LegacyStatus, fetchedAtMs: number): Observation {
  const parsedStatus = legacyStatusSchema.safeParse(reportedRaw);
  if (!parsedStatus.success) throw shapeError('PicPay status response', parsedStatus.error.issues);
  const reported = parsedStatus.data;
  const status = canonicalStatus('legacy', reported.status);
  const summary = reported.summary ?? null;
  const amounts: Amounts | null = summary
    ? {
        amount: reaisToCents(summary.authorized ?? summary.paid),
        originalAmount: reaisToCents(summary.authorized),
        paidAmount: reaisToCents(summary.paid),
        refundedAmount: reaisToCents(summary.refunded),
      }
    : null;
  const authorizationId = reported.authorizationId ?? callback.authorizationId ?? null;
  // PicPay's own time of the status, when its answer carries one, orders reads of the same
  // payment: a slow read of an older status cannot undo a newer one. Without it, the read time.
  const updatedMs = picpayTime(reported.updatedAt);
  return {
    ...NO_AMOUNTS_OR_DETAILS,
    kind: 'status',
    flavour: 'legacy',
    chargeId: callback.referenceId,
    chargeKey: chargeKeyOf('legacy', callback.referenceId),
    rawStatus: reported.status,
    status,
    occurredAt: new Date(updatedMs ?? fetchedAtMs).toISOString(),
    atMs: updatedMs ?? fetchedAtMs,
    timeSource: 'picpay',
    amounts,
    authorizationId,
    confirmed: true,
    eventType: envelope.eventType === RECONCILIATION_EVENT_TYPE ? RECONCILIATION_EVENT_TYPE : LEGACY_EVENT_TYPE,
    requestId: envelope.requestId,
    dedupeKey: hashOf(['legacy', 'status', callback.referenceId, reported.status, authorizationId, amounts]),
  };
}

export function parseRegistration(envelope: Envelope): RegistrationRequest {
  const result = registrationSchema.safeParse(parseJson(envelope.body));
  if (!result.success) throw shapeError('Registration', result.error.issues);
  return result.data;
}

/** The merchant registered a legacy payment it created, so reconciliation can follow it. */
export function observeRegistration(envelope: Envelope, request: RegistrationRequest, receivedAtMs: number): Observation {
  return {
    ...NO_AMOUNTS_OR_DETAILS,
    kind: 'registration',
    flavour: 'legacy',
    chargeId: request.referenceId,
    chargeKey: chargeKeyOf('legacy', request.referenceId),
    rawStatus: null,
    status: null,
    occurredAt: new Date(receivedAtMs).toISOString(),
    atMs: receivedAtMs,
    timeSource: 'received',
    expiresAt: request.expiresAt,
    eventType: REGISTRATION_EVENT_TYPE,
    requestId: envelope.requestId,
    dedupeKey: hashOf(['legacy', 'registration', request.referenceId, request.expiresAt]),
  };
}
