import { type Flavour, HANDLERS } from '../../lib/pipeline-spec.js';
import { type ChargeEvent, EVENT_SPEC_VERSION, EVENT_TYPES } from './events.js';
import { type Amounts, hashOf, type Observation, type ThreeDsResult } from './observation.js';
import { type CanonicalStatus, compareOrder, type OrderKey, STATUS_RANK } from './status.js';

/** How many history entries and dedupe keys one charge keeps (bounds the item's size). */
export const MAX_HISTORY = 100;
export const MAX_SEEN = 200;

/**
 * How long the notification that wrote an outbox entry has to publish it before anyone else
 * may: twice the processor's timeout, so a live writer is never raced by a duplicate.
 */
export const OUTBOX_LEASE_MS = 2 * HANDLERS.processor.timeoutSeconds * 1000;

/** An event written with the state change and not yet confirmed published. */
export interface OutboxEntry {
  readonly event: ChargeEvent;
  /** requestId of the notification that wrote it: its redeliveries may publish at once. */
  readonly owner: string;
  /** ISO time after which any notification of this charge may publish it. */
  readonly leaseUntil: string;
}

export interface HistoryEntry {
  readonly transitionId: string;
  readonly outcome: 'applied' | 'ignored';
  readonly reason: string | null;
  readonly kind: 'status' | 'three_ds';
  readonly from: CanonicalStatus | null;
  readonly to: CanonicalStatus | null;
  readonly rawStatus: string | null;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly eventType: string;
  readonly requestId: string;
}

/** The state of one charge, as stored (one DynamoDB item). */
export interface ChargeState {
  readonly chargeKey: string;
  readonly flavour: Flavour;
  readonly chargeId: string;
  readonly status: CanonicalStatus | null;
  readonly rawStatus: string | null;
  readonly order: OrderKey | null;
  readonly amounts: Amounts | null;
  readonly authorizationId: string | null;
  readonly threeDs: ThreeDsResult | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly history: readonly HistoryEntry[];
  /** Dedupe keys of notifications already recorded (applied or ignored). */
  readonly seen: readonly string[];
  /** Events written but not yet confirmed published (transactional outbox). */
  readonly outbox: readonly OutboxEntry[];
}

export type Decision =
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'applied'; readonly state: ChargeState; readonly event: ChargeEvent }
  /** Recorded and published, but the charge's status is unchanged (an unrecognized value). */
  | { readonly kind: 'noted'; readonly state: ChargeState; readonly event: ChargeEvent; readonly reason: string }
  | { readonly kind: 'ignored'; readonly state: ChargeState; readonly reason: string };

/** Stable across redeliveries: derived from the charge and the notification's content. */
export function transitionIdOf(observation: Observation): string {
  return hashOf([observation.chargeKey, observation.dedupeKey]);
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
    createdAt: now,
    updatedAt: now,
    history: [],
    seen: [],
    outbox: [],
  };
}

/**
 * The whole state machine: what one notification does to one charge. Pure; the caller
 * persists `state` with a conditional write and publishes `event`.
 */
export function decide(current: ChargeState | null, observation: Observation, now: string): Decision {
  const base = current ?? emptyCharge(observation, now);
  if (base.seen.includes(observation.dedupeKey)) return { kind: 'duplicate' };

  const transitionId = transitionIdOf(observation);
  const pending = (event: ChargeEvent): OutboxEntry => ({
    event,
    owner: observation.requestId,
    leaseUntil: new Date(Date.parse(now) + OUTBOX_LEASE_MS).toISOString(),
  });
  const entry = (outcome: HistoryEntry['outcome'], reason: string | null, to: CanonicalStatus | null): HistoryEntry => ({
    transitionId,
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
  });
  const record = (patch: Partial<ChargeState>, historyEntry: HistoryEntry): ChargeState => ({
    ...base,
    ...patch,
    updatedAt: now,
    history: [...base.history, historyEntry].slice(-MAX_HISTORY),
    seen: [...base.seen, observation.dedupeKey].slice(-MAX_SEEN),
  });

  if (observation.kind === 'three_ds') {
    const next = record({ threeDs: observation.threeDs }, entry('applied', null, base.status));
    const event = toEvent(next, base.status, observation, transitionId, now);
    return { kind: 'applied', state: { ...next, outbox: [...next.outbox, pending(event)] }, event };
  }

  const status = observation.status!;
  const order: OrderKey = { rank: STATUS_RANK[status], at: observation.atMs, tie: observation.dedupeKey };
  if (status === 'UNKNOWN' && base.order !== null && base.status !== 'UNKNOWN' && order.rank <= base.order.rank) {
    const reason = `unrecognized status ${JSON.stringify(observation.rawStatus)} kept in history; ${base.status} unchanged`;
    const next = record({}, entry('ignored', reason, status));
    const event = toEvent(next, base.status, observation, transitionId, now, EVENT_TYPES.unrecognizedStatus);
    return { kind: 'noted', state: { ...next, outbox: [...next.outbox, pending(event)] }, event, reason };
  }
  if (base.order !== null && compareOrder(order, base.order) <= 0) {
    const reason =
      order.rank < base.order.rank
        ? `${status} does not supersede ${base.status} (lower precedence)`
        : `older than the current ${base.status} (same precedence, earlier or equal occurredAt)`;
    return { kind: 'ignored', state: record({}, entry('ignored', reason, status)), reason };
  }
  if (
    status === base.status &&
    (status !== 'UNKNOWN' || observation.rawStatus === base.rawStatus) &&
    sameAmounts(observation.amounts, base.amounts) &&
    (observation.authorizationId ?? base.authorizationId) === base.authorizationId
  ) {
    // A newer notification that changes nothing a consumer can see: no event.
    const reason = `no change (still ${status})`;
    return { kind: 'ignored', state: record({ order }, entry('ignored', reason, status)), reason };
  }

  const next = record(
    {
      status,
      rawStatus: observation.rawStatus,
      order,
      amounts: observation.amounts ?? base.amounts,
      authorizationId: observation.authorizationId ?? base.authorizationId,
    },
    entry('applied', null, status),
  );
  const event = toEvent(next, base.status, observation, transitionId, now);
  return { kind: 'applied', state: { ...next, outbox: [...next.outbox, pending(event)] }, event };
}

function toEvent(
  state: ChargeState,
  previousStatus: CanonicalStatus | null,
  observation: Observation,
  transitionId: string,
  now: string,
  type: ChargeEvent['type'] = observation.kind === 'three_ds' ? EVENT_TYPES.threeDsUpdated : EVENT_TYPES.statusChanged,
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
    threeDs: state.threeDs,
    occurredAt: observation.occurredAt,
    recordedAt: now,
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
