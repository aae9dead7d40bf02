import { type ChargeEvent, EVENT_SPEC_VERSION, EVENT_TYPES } from './events.js';
import { MAX_HISTORY, MAX_REFUNDS, MAX_SEEN } from './limits.js';
import type { ChargeFlavour } from './flavour.js';
import { type Amounts, hashOf, type Observation, type ThreeDsResult } from './observation.js';
import { MAX_OUTBOX, type OutboxEntry } from './outbox.js';
import { type CanonicalStatus, compareOrder, type OrderKey, orderKeyOf, phaseOf, type TransitionReason, transitionReason } from './status.js';

export interface HistoryEntry {
  readonly transitionId: string;
  /**
   * `applied`: the charge changed and an event was published; `ignored`: recorded only;
   * `noted`: an unrecognized PicPay value, published, status kept; `registered`: the merchant
   * registered the payment (no event).
   */
  readonly outcome: 'applied' | 'ignored' | 'noted' | 'registered';
  readonly reason: string | null;
  readonly kind: Observation['kind'];
  readonly from: CanonicalStatus | null;
  readonly to: CanonicalStatus | null;
  readonly rawStatus: string | null;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly eventType: string;
  readonly requestId: string;
  /** Payment Link: the link the payment belongs to, when PicPay named it. */
  readonly paymentLinkId?: string;
}

/** A Payment Link refund transaction: its amount (centavos) and whether it was a full refund. */
export interface RefundRecord {
  readonly amount: number | null;
  readonly full: boolean;
}

/** The state of one charge, as stored (one DynamoDB item). */
export interface ChargeState {
  readonly chargeKey: string;
  readonly flavour: ChargeFlavour;
  readonly chargeId: string;
  readonly status: CanonicalStatus | null;
  readonly rawStatus: string | null;
  readonly order: OrderKey | null;
  readonly amounts: Amounts | null;
  readonly authorizationId: string | null;
  readonly threeDs: ThreeDsResult | null;
  /** Order of the 3DS result kept: the one received last wins. */
  readonly threeDsOrder: { readonly at: number; readonly tie: string } | null;
  /** Registered legacy payments: when the payment expires at PicPay (reconciliation stops after). */
  readonly expiresAt: string | null;
  /** Payment Link: each refund transaction's amount (centavos), by its id; their sum is refunded. */
  readonly refunds?: Readonly<Record<string, RefundRecord>>;
  /** `WALLET`, `CREDIT`, `PIX`, as PicPay last said (absent in older items). */
  readonly paymentType?: string | null;
  /** Payment Link: the link the merchant created (`data.charge.paymentLinkId`), once PicPay named it. */
  readonly paymentLinkId?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly history: readonly HistoryEntry[];
  /** Dedupe keys of notifications already recorded (applied or ignored). */
  readonly seen: readonly string[];
  /** Events written but not yet confirmed published (transactional outbox). */
  readonly outbox: readonly OutboxEntry[];
}

export interface DecideOptions {
  /** How long the notification that wrote an outbox entry has to publish it before anyone else may. */
  readonly outboxLeaseMs: number;
}

export type Decision =
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'applied'; readonly state: ChargeState; readonly event: ChargeEvent }
  /** Recorded and published, but the charge's status is unchanged (an unrecognized value). */
  | { readonly kind: 'noted'; readonly state: ChargeState; readonly event: ChargeEvent; readonly reason: string }
  | { readonly kind: 'ignored'; readonly state: ChargeState; readonly reason: string }
  /** The merchant registered a payment: the charge exists now, nothing is published. */
  | { readonly kind: 'registered'; readonly state: ChargeState }
  /** The outbox is full: nothing is recorded; the notification is retried once events drain. */
  | { readonly kind: 'deferred'; readonly reason: string }
  /** A collection of the charge is at its cap (limits.ts): nothing is recorded; the notification is parked. */
  | { readonly kind: 'overflow'; readonly reason: string };

/**
 * Unique by content: the charge, the status it leaves, the status it reaches, what was done
 * and the notification that caused it. A table restored from a backup, or a fresh local pipeline, can
 * record the same notification against another previous status, and gets another id.
 */
export function transitionIdOf(observation: Observation, from: CanonicalStatus | null, to: CanonicalStatus | null, outcome: HistoryEntry['outcome']): string {
  return hashOf([observation.chargeKey, from, to, outcome, observation.kind, observation.dedupeKey]);
}

export function emptyCharge(observation: Observation, now: string): ChargeState {
  return {
    chargeKey: observation.chargeKey,
    flavour: observation.flavour,
    chargeId: observation.chargeId,
    status: null,
    rawStatus: null,
    order: null,
    amounts: null,
    authorizationId: null,
    threeDs: null,
    threeDsOrder: null,
    expiresAt: null,
    createdAt: now,
    updatedAt: now,
    history: [],
    seen: [],
    outbox: [],
  };
}

/**
 * The whole state machine: what one notification does to one charge. Pure; the caller
 * persists `state` with a conditional write and publishes `event`. The rules are in
 * docs/state-model.md and, as decision tables, in test/spec/.
 */
export function decide(current: ChargeState | null, incoming: Observation, now: string, options: DecideOptions): Decision {
  const base = current ?? emptyCharge(incoming, now);
  const known = base.refunds ?? {};
  if (incoming.refund && !Object.hasOwn(known, incoming.refund.transactionId) && Object.keys(known).length >= MAX_REFUNDS) {
    return { kind: 'overflow', reason: `${base.chargeKey} already has ${MAX_REFUNDS} refund transactions, the most one payment keeps` };
  }
  const refunds = incoming.refund
    ? { ...known, [incoming.refund.transactionId]: { amount: incoming.refund.amount, full: incoming.status === 'REFUNDED' } }
    : base.refunds;
  const observation = incoming.refund ? withRefundTotal(incoming, base, refunds!) : incoming;
  const carried: Partial<ChargeState> = {
    ...(refunds === undefined ? {} : { refunds }),
    ...(observation.paymentType ? { paymentType: observation.paymentType } : {}),
    ...(observation.paymentLinkId ? { paymentLinkId: observation.paymentLinkId } : {}),
  };
  const paymentLinkId = carried.paymentLinkId ?? base.paymentLinkId;
  if (base.seen.includes(observation.dedupeKey) && !isReturn(base, observation)) return { kind: 'duplicate' };

  const entry = (outcome: HistoryEntry['outcome'], reason: string | null, to: CanonicalStatus | null): HistoryEntry => ({
    transitionId: transitionIdOf(observation, base.status, to, outcome),
    outcome,
    reason,
    kind: observation.kind,
    from: base.status,
    to,
    rawStatus: observation.rawStatus,
    occurredAt: observation.occurredAt,
    recordedAt: now,
    eventType: observation.eventType,
    requestId: observation.requestId,
    ...(paymentLinkId ? { paymentLinkId } : {}),
  });
  const record = (patch: Partial<ChargeState>, historyEntry: HistoryEntry): ChargeState => ({
    ...base,
    ...carried,
    ...patch,
    updatedAt: now,
    history: [...base.history, historyEntry].slice(-MAX_HISTORY),
    seen: [...base.seen.filter((k) => k !== observation.dedupeKey), observation.dedupeKey].slice(-MAX_SEEN),
  });
  const ignored = (reason: string, to: CanonicalStatus | null, patch: Partial<ChargeState> = {}): Decision => ({
    kind: 'ignored',
    state: record(patch, entry('ignored', reason, to)),
    reason,
  });
  const outboxFull = base.outbox.length >= MAX_OUTBOX;
  const deferred: Decision = {
    kind: 'deferred',
    reason: `${base.outbox.length} events of ${base.chargeKey} are still unpublished; retried once they are published`,
  };
  /** Records the change and its event in one state: the transactional outbox. */
  const publish = (patch: Partial<ChargeState>, historyEntry: HistoryEntry, type: ChargeEvent['type'], reason: TransitionReason | null) => {
    const next = record(patch, historyEntry);
    const event = toEvent(next, base.status, observation, historyEntry.transitionId, now, type, reason);
    const pending: OutboxEntry = {
      event,
      owner: observation.requestId,
      leaseUntil: new Date(Date.parse(now) + options.outboxLeaseMs).toISOString(),
    };
    return { state: { ...next, outbox: [...next.outbox, pending] }, event };
  };

  if (observation.kind === 'registration') {
    if (current !== null) {
      return ignored('already known', base.status, { expiresAt: base.expiresAt ?? observation.expiresAt });
    }
    const state = record(
      {
        status: 'CREATED',
        order: orderKeyOf('CREATED', observation.atMs, null, '', observation.dedupeKey),
        expiresAt: observation.expiresAt,
      },
      entry('registered', 'registered by the merchant', 'CREATED'),
    );
    return { kind: 'registered', state };
  }

  if (observation.kind === 'three_ds') {
    // Received last wins; at the same receive time, the result whose JSON sorts last.
    const order = { at: observation.atMs, tie: JSON.stringify(observation.threeDs) };
    if (base.threeDsOrder !== null && compareThreeDs(order, base.threeDsOrder) < 0) {
      return ignored('older than the 3DS result already recorded', base.status);
    }
    if (outboxFull) return deferred;
    const to = base.status;
    return {
      kind: 'applied',
      ...publish({ threeDs: observation.threeDs, threeDsOrder: order }, entry('applied', null, to), EVENT_TYPES.threeDsUpdated, null),
    };
  }

  const status = observation.status!;
  const order = orderKeyOf(
    status,
    observation.orderAtMs ?? observation.atMs,
    observation.amounts?.refundedAmount ?? null,
    observation.rawStatus ?? '',
    observation.dedupeKey,
  );
  const newer = base.order === null || compareOrder(order, base.order) > 0;

  if (status === 'UNKNOWN') {
    // Every unrecognized value is published once, so the alarm sees it; it never overrides a
    // known status, and becomes the status only of a charge that has none (or only unknowns).
    if (outboxFull) return deferred;
    const takes = base.status === null || (base.status === 'UNKNOWN' && newer);
    const reason = takes
      ? `unrecognized status ${JSON.stringify(observation.rawStatus)}; the charge has no known status`
      : `unrecognized status ${JSON.stringify(observation.rawStatus)} kept in history; ${base.status} unchanged`;
    const patch: Partial<ChargeState> = takes ? { status: 'UNKNOWN', rawStatus: observation.rawStatus, order } : {};
    return { kind: 'noted', reason, ...publish(patch, entry('noted', reason, 'UNKNOWN'), EVENT_TYPES.unrecognizedStatus, null) };
  }

  const currentAmounts = base.amounts;
  if (!newer) {
    // An older notification: the status stays, but a refunded amount never goes down, so a
    // larger one (PicPay's amounts are cumulative) is still taken.
    const incoming = observation.amounts?.refundedAmount ?? null;
    if (incoming !== null && currentAmounts !== null && currentAmounts.refundedAmount !== null && incoming > currentAmounts.refundedAmount) {
      if (outboxFull) return deferred;
      return {
        kind: 'applied',
        ...publish(
          { amounts: { ...currentAmounts, refundedAmount: incoming } },
          entry('applied', 'refunded_amount_raised', base.status),
          EVENT_TYPES.statusChanged,
          'refunded_amount_raised',
        ),
      };
    }
    const reason =
      phaseOf(status) !== phaseOf(base.status!)
        ? `${status} does not supersede ${base.status} (lower precedence)`
        : `older than the current ${base.status} (same precedence, earlier or equal occurredAt)`;
    return ignored(reason, status);
  }

  const amounts = mergeAmounts(currentAmounts, observation.amounts);
  const authorizationId = observation.authorizationId ?? base.authorizationId;
  if (status === base.status && sameAmounts(amounts, currentAmounts) && authorizationId === base.authorizationId) {
    // A newer notification that changes nothing a consumer can see: no event.
    return ignored(`no change (still ${status})`, status, { order });
  }
  if (outboxFull) return deferred;
  const reason = transitionReason(base.status, status);
  return {
    kind: 'applied',
    ...publish(
      { status, rawStatus: observation.rawStatus, order, amounts, authorizationId },
      entry('applied', reason, status),
      EVENT_TYPES.statusChanged,
      reason,
    ),
  };
}

/**
 * A legacy read carries no time of its own, so the same status read again is the same
 * notification, unless the charge has moved on since and PicPay now reports an earlier status
 * again (a chargeback reversed: paid, chargeback, paid). That is a new transition, not a repeat.
 */
function isReturn(base: ChargeState, observation: Observation): boolean {
  if (observation.confirmed !== true || observation.kind !== 'status' || base.order === null) return false;
  const status = observation.status!;
  if (status === 'UNKNOWN' || status === base.status) return false;
  const order = orderKeyOf(status, observation.atMs, observation.amounts?.refundedAmount ?? null, observation.rawStatus ?? '', observation.dedupeKey);
  return compareOrder(order, base.order) > 0;
}

/**
 * A Payment Link refund carries its own amount. Partial refunds (each counted once, by its
 * transaction id) add up; a full refund (`REFUNDED`) refunds everything paid, so its amount, or
 * the amount paid if larger, is the total. Never more than was paid, when that is known.
 */
function withRefundTotal(observation: Observation, base: ChargeState, refunds: Readonly<Record<string, RefundRecord>>): Observation {
  const all = Object.values(refunds);
  const paid = base.amounts?.paidAmount ?? base.amounts?.amount ?? null;
  const partial = all.filter((r) => !r.full && r.amount !== null).map((r) => r.amount!);
  const partialTotal = partial.length > 0 ? partial.reduce((a, b) => a + b, 0) : null;
  // A full refund without an amount still refunds all that was paid; its amount, when given,
  // counts only if larger. Unknown only when neither it nor the payment carries an amount.
  const fullKnown = all.filter((r) => r.full && r.amount !== null).map((r) => r.amount!);
  const isFull = all.some((r) => r.full);
  const fullTotal = paid === null ? fullKnown : [...fullKnown, paid];
  let refunded: number | null = isFull && fullTotal.length > 0 ? Math.max(...fullTotal) : partialTotal;
  if (refunded !== null && paid !== null) refunded = Math.min(refunded, paid);
  return { ...observation, amounts: { amount: null, originalAmount: null, paidAmount: null, refundedAmount: refunded } };
}

function compareThreeDs(a: { at: number; tie: string }, b: { at: number; tie: string }): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0;
}

/** The notification's amounts over the charge's; a field PicPay left out keeps its value, and
 * the refunded amount (cumulative) never goes down. */
export function mergeAmounts(current: Amounts | null, next: Amounts | null): Amounts | null {
  if (next === null) return current;
  if (current === null) return next;
  const refunded =
    next.refundedAmount !== null && current.refundedAmount !== null
      ? Math.max(next.refundedAmount, current.refundedAmount)
      : (next.refundedAmount ?? current.refundedAmount);
  return {
    amount: next.amount ?? current.amount,
    originalAmount: next.originalAmount ?? current.originalAmount,
    paidAmount: next.paidAmount ?? current.paidAmount,
    refundedAmount: refunded,
  };
}

function toEvent(
  state: ChargeState,
  previousStatus: CanonicalStatus | null,
  observation: Observation,
  transitionId: string,
  now: string,
  type: ChargeEvent['type'],
  reason: TransitionReason | null,
): ChargeEvent {
  const a = state.amounts;
  return {
    specVersion: EVENT_SPEC_VERSION,
    type,
    transitionId,
    chargeKey: state.chargeKey,
    flavour: state.flavour,
    chargeId: state.chargeId,
    previousStatus,
    status: state.status,
    rawStatus: type === EVENT_TYPES.unrecognizedStatus ? observation.rawStatus : state.rawStatus,
    reason,
    amounts: a
      ? {
          currency: 'BRL',
          amount: a.amount,
          originalAmount: a.originalAmount,
          paidAmount: a.paidAmount,
          refundedAmount: a.refundedAmount,
        }
      : null,
    authorizationId: state.authorizationId,
    paymentType: state.paymentType ?? null,
    paymentLinkId: state.paymentLinkId ?? null,
    threeDs: state.threeDs,
    occurredAt: observation.occurredAt,
    recordedAt: now,
    confirmed: observation.confirmed === true,
    source: { eventType: observation.eventType, requestId: observation.requestId },
  };
}

function sameAmounts(next: Amounts | null, current: Amounts | null): boolean {
  if (next === null) return true;
  return (
    current !== null &&
    next.amount === current.amount &&
    next.originalAmount === current.originalAmount &&
    next.paidAmount === current.paidAmount &&
    next.refundedAmount === current.refundedAmount
  );
}
