import { createHash } from 'node:crypto';
import type { Flavour } from '../../lib/pipeline-spec.js';
import { type Envelope, LEGACY_EVENT_TYPE, RECONCILIATION_EVENT_TYPE } from './envelope.js';
import { UnprocessableNotificationError } from './errors.js';
import {
  CHECKOUT_EVENT_TYPES,
  type CheckoutEventType,
  type CheckoutPayment,
  type CheckoutThreeDs,
  checkoutPaymentSchema,
  checkoutThreeDsSchema,
  type LegacyCallback,
  type LegacyStatus,
  legacyCallbackSchema,
  reaisToCents,
} from './payloads.js';
import { type CanonicalStatus, canonicalStatus, STATUS_RANK } from './status.js';

export { LEGACY_EVENT_TYPE, RECONCILIATION_EVENT_TYPE } from './envelope.js';

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

/** One notification, normalized: what PicPay said about one charge, in canonical terms. */
export interface Observation {
  readonly kind: 'status' | 'three_ds';
  readonly flavour: Flavour;
  readonly chargeId: string;
  readonly chargeKey: string;
  readonly rawStatus: string | null;
  readonly status: CanonicalStatus | null;
  readonly occurredAt: string;
  readonly atMs: number;
  readonly amounts: Amounts | null;
  readonly authorizationId: string | null;
  readonly threeDs: ThreeDsResult | null;
  readonly eventType: string;
  readonly requestId: string;
  /** Hash of the notification's content: equal for duplicates, different otherwise. */
  readonly dedupeKey: string;
}

export function chargeKeyOf(flavour: Flavour, chargeId: string): string {
  return `${flavour}#${chargeId}`;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new UnprocessableNotificationError('invalid_json', 'Body is not valid JSON', {
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
  return new UnprocessableNotificationError('unexpected_shape', `${what}: ${detail}`);
}

export function parseLegacyCallback(envelope: Envelope): LegacyCallback {
  const result = legacyCallbackSchema.safeParse(parseJson(envelope.body));
  if (!result.success) throw shapeError('Legacy callback', result.error.issues);
  return result.data;
}

export type ParsedCheckout =
  | { readonly type: 'PAYMENT'; readonly eventType: CheckoutEventType; readonly body: CheckoutPayment }
  | {
      readonly type: 'THREE_DS_CHALLENGE';
      readonly eventType: CheckoutEventType;
      readonly body: CheckoutThreeDs;
    };

/**
 * Event type from the header when present (it must be a known one and agree with the body),
 * otherwise from the body's `type`.
 */
export function parseCheckout(envelope: Envelope): ParsedCheckout {
  const json = parseJson(envelope.body);
  const bodyType =
    typeof json === 'object' && json !== null && 'type' in json ? String(json.type) : undefined;
  let eventType: CheckoutEventType;
  if (envelope.eventType !== null) {
    if (!Object.hasOwn(CHECKOUT_EVENT_TYPES, envelope.eventType)) {
      throw new UnprocessableNotificationError(
        'unknown_event_type',
        `Unknown event type header ${JSON.stringify(envelope.eventType.slice(0, 64))}`,
      );
    }
    eventType = envelope.eventType as CheckoutEventType;
    if (bodyType !== undefined && bodyType !== CHECKOUT_EVENT_TYPES[eventType]) {
      throw new UnprocessableNotificationError(
        'event_type_mismatch',
        `Header says ${eventType} but body type is ${JSON.stringify(bodyType.slice(0, 64))}`,
      );
    }
  } else {
    const found = (Object.keys(CHECKOUT_EVENT_TYPES) as CheckoutEventType[]).find(
      (k) => CHECKOUT_EVENT_TYPES[k] === bodyType,
    );
    if (found === undefined) {
      throw new UnprocessableNotificationError(
        'unknown_event_type',
        'No event type header and no known body type',
      );
    }
    eventType = found;
  }
  if (CHECKOUT_EVENT_TYPES[eventType] === 'PAYMENT') {
    const result = checkoutPaymentSchema.safeParse(json);
    if (!result.success) throw shapeError('PAYMENT event', result.error.issues);
    return { type: 'PAYMENT', eventType, body: result.data };
  }
  const result = checkoutThreeDsSchema.safeParse(json);
  if (!result.success) throw shapeError('THREE_DS_CHALLENGE event', result.error.issues);
  return { type: 'THREE_DS_CHALLENGE', eventType, body: result.data };
}

export function hashOf(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

export function observeCheckout(envelope: Envelope, parsed: ParsedCheckout, receivedAtMs: number): Observation {
  if (parsed.type === 'PAYMENT') {
    const { data, eventDate } = parsed.body;
    const status = canonicalStatus('checkout', data.status);
    const amounts: Amounts = {
      amount: data.amount ?? null,
      originalAmount: data.originalAmount ?? null,
      paidAmount: STATUS_RANK[status] >= STATUS_RANK.PAID ? (data.amount ?? null) : null,
      refundedAmount: data.refundedAmount ?? null,
    };
    const atMs = Date.parse(eventDate);
    return {
      kind: 'status',
      flavour: 'checkout',
      chargeId: data.merchantChargeId,
      chargeKey: chargeKeyOf('checkout', data.merchantChargeId),
      rawStatus: data.status,
      status,
      occurredAt: new Date(atMs).toISOString(),
      atMs,
      amounts,
      authorizationId: null,
      threeDs: null,
      eventType: parsed.eventType,
      requestId: envelope.requestId,
      dedupeKey: hashOf(['checkout', 'status', data.merchantChargeId, data.status, atMs, amounts]),
    };
  }
  const { data } = parsed.body;
  const threeDs: ThreeDsResult = {
    status: data.status,
    paresStatus: data.paresStatus ?? null,
    eci: data.eciRaw ?? null,
    picpayChargeId: data.chargeId ?? null,
  };
  return {
    kind: 'three_ds',
    flavour: 'checkout',
    chargeId: data.merchantChargeId,
    chargeKey: chargeKeyOf('checkout', data.merchantChargeId),
    rawStatus: null,
    status: null,
    // THREE_DS_CHALLENGE carries no eventDate: the time we received it stands in.
    occurredAt: new Date(receivedAtMs).toISOString(),
    atMs: receivedAtMs,
    amounts: null,
    authorizationId: null,
    threeDs,
    eventType: parsed.eventType,
    requestId: envelope.requestId,
    dedupeKey: hashOf(['checkout', 'three_ds', data.merchantChargeId, threeDs]),
  };
}

/** A legacy callback plus the status PicPay's API reported for it at `fetchedAtMs`. */
export function observeLegacy(
  envelope: Envelope,
  callback: LegacyCallback,
  reported: LegacyStatus,
  fetchedAtMs: number,
): Observation {
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
  return {
    kind: 'status',
    flavour: 'legacy',
    chargeId: callback.referenceId,
    chargeKey: chargeKeyOf('legacy', callback.referenceId),
    rawStatus: reported.status,
    status,
    occurredAt: new Date(fetchedAtMs).toISOString(),
    atMs: fetchedAtMs,
    amounts,
    authorizationId,
    threeDs: null,
    eventType: envelope.eventType === RECONCILIATION_EVENT_TYPE ? RECONCILIATION_EVENT_TYPE : LEGACY_EVENT_TYPE,
    requestId: envelope.requestId,
    dedupeKey: hashOf(['legacy', 'status', callback.referenceId, reported.status, authorizationId, amounts]),
  };
}
