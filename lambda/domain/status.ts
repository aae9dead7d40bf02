import type { ChargeFlavour } from './flavour.js';

/**
 * One canonical status model for both PicPay flavours, and the precedence rule that decides
 * what a late, repeated or racing notification may change. The rules, with the reason for each
 * choice PicPay leaves open, are in docs/state-model.md; the tests take their expected outcomes
 * from the decision tables in test/spec/.
 *
 * Precedence is a total order over the notifications of one charge, so the final state is the
 * greatest notification received, whatever the delivery order or the duplicates:
 *   1. the phase: UNKNOWN < pending < attempt < closed unpaid < money moved. A later phase always
 *      wins (money moving outranks an expiry; an expiry or cancellation outranks an attempt);
 *   2. within a phase, the time PicPay gives (checkout `eventDate`, or when the legacy status
 *      was read): PicPay's latest word wins, so a retry after DENIED applies, and so does a
 *      PAID after a CHARGEBACK when the dispute is won;
 *   3. at the same time, the step within the phase (a later lifecycle step wins a tie), then the
 *      refunded amount (it is cumulative), then the raw value, then the content hash.
 */
export const CANONICAL_STATUSES = [
  'CREATED',
  'UNKNOWN',
  'ANALYSIS',
  'AUTHORIZED',
  'EXPIRED',
  'DENIED',
  'CANCELED',
  'ERROR',
  'PAID',
  'COMPLETED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'CHARGEBACK',
] as const;

export type CanonicalStatus = (typeof CANONICAL_STATUSES)[number];

export type Phase = 'unknown' | 'pending' | 'attempt' | 'closed' | 'money';

const PHASE_ORDER: Readonly<Record<Phase, number>> = { unknown: 0, pending: 1, attempt: 2, closed: 3, money: 4 };

/** Phase of each status, and its step within the phase (used only to break a tie in time). */
const PLACE: Readonly<Record<CanonicalStatus, readonly [Phase, number]>> = {
  /** A value PicPay has not documented: kept and published, never overrides a known status. */
  UNKNOWN: ['unknown', 0],
  CREATED: ['pending', 0],
  /** A payment attempt and its result; a new attempt after a failure is a retry. */
  ERROR: ['attempt', 0],
  DENIED: ['attempt', 1],
  ANALYSIS: ['attempt', 2],
  AUTHORIZED: ['attempt', 3],
  /** Closed without payment. */
  EXPIRED: ['closed', 0],
  CANCELED: ['closed', 1],
  /** Money moved. */
  PAID: ['money', 0],
  COMPLETED: ['money', 1],
  PARTIALLY_REFUNDED: ['money', 2],
  REFUNDED: ['money', 3],
  CHARGEBACK: ['money', 4],
};

export function phaseOf(status: CanonicalStatus): Phase {
  return PLACE[status][0];
}

/** Negative when `a` comes before `b` in a charge's lifecycle (phase, then step), zero for the same status. */
export function compareLifecycle(a: CanonicalStatus, b: CanonicalStatus): number {
  const [phaseA, stepA] = PLACE[a];
  const [phaseB, stepB] = PLACE[b];
  return PHASE_ORDER[phaseA] - PHASE_ORDER[phaseB] || stepA - stepB;
}

/** Legacy e-commerce status values, both spec versions (v1 and v3). */
const LEGACY: Readonly<Record<string, CanonicalStatus>> = {
  created: 'CREATED',
  expired: 'EXPIRED',
  analysis: 'ANALYSIS',
  authorized: 'AUTHORIZED',
  paid: 'PAID',
  completed: 'COMPLETED',
  refunded: 'REFUNDED',
  chargeback: 'CHARGEBACK',
};

/**
 * Checkout charge status values (find-charge API) plus the webhook example's AUTHORIZED. Keys
 * are written without underscores: letter case and `_`, `-` or spaces carry no meaning
 * (`PreAuthorized`, accepted by PicPay's own Magento module, is `PRE_AUTHORIZED`).
 */
const CHECKOUT: Readonly<Record<string, CanonicalStatus>> = {
  CREATED: 'CREATED',
  PENDING: 'CREATED',
  PREAUTHORIZED: 'AUTHORIZED',
  AUTHORIZED: 'AUTHORIZED',
  PAID: 'PAID',
  CAPTURED: 'PAID',
  // PicPay does not define PARTIAL; its transactions use PARTIALLY_REFUNDED, so we read it so.
  PARTIAL: 'PARTIALLY_REFUNDED',
  PARTIALLYREFUNDED: 'PARTIALLY_REFUNDED',
  REFUNDED: 'REFUNDED',
  CHARGEBACK: 'CHARGEBACK',
  CANCELED: 'CANCELED',
  CANCELLED: 'CANCELED',
  DENIED: 'DENIED',
  ERROR: 'ERROR',
  EXPIRED: 'EXPIRED',
};

/**
 * Payment Link transaction status values: `PAYED`, `REFUNDED`, `PARTREFUNDED` (its webhook
 * page), and the other values of its transactions API's status filter: `DENIED`, `AUTHORIZED`,
 * `PENDING`, `CANCELLED` (PicPay's spelling, two L; `CANCELED` read alike).
 */
const PAYMENT_LINK: Readonly<Record<string, CanonicalStatus>> = {
  PENDING: 'CREATED',
  DENIED: 'DENIED',
  AUTHORIZED: 'AUTHORIZED',
  CANCELLED: 'CANCELED',
  CANCELED: 'CANCELED',
  PAYED: 'PAID',
  PARTREFUNDED: 'PARTIALLY_REFUNDED',
  REFUNDED: 'REFUNDED',
};

/** Payment types with nothing to capture: the payer pays at once, or not at all. */
const PAID_AT_ONCE = ['PIX', 'WALLET'];

/**
 * The canonical status of a raw value. `paymentType` (checkout only) decides what
 * `PRE_AUTHORIZED` means: for a card (or when unknown) an authorization awaiting capture; for a
 * Pix or Wallet charge, which has no capture, a charge awaiting payment (`CREATED`), as PicPay's
 * own Magento module reads it.
 */
export function canonicalStatus(flavour: ChargeFlavour, raw: string, paymentType: string | null = null): CanonicalStatus {
  if (flavour === 'legacy') {
    const key = raw.trim().toLowerCase();
    return Object.hasOwn(LEGACY, key) ? LEGACY[key]! : 'UNKNOWN';
  }
  const table = flavour === 'paymentLink' ? PAYMENT_LINK : CHECKOUT;
  const key = raw.toUpperCase().replace(/[\s_-]/g, '');
  if (!Object.hasOwn(table, key)) return 'UNKNOWN';
  const awaitingPayment = key === 'PREAUTHORIZED' && PAID_AT_ONCE.includes((paymentType ?? '').trim().toUpperCase());
  return awaitingPayment ? 'CREATED' : table[key]!;
}

/** Where a notification stands in the total order over one charge's notifications. */
export interface OrderKey {
  readonly phase: number;
  /** Milliseconds since the epoch: checkout `eventDate`, or when the legacy status was read. */
  readonly at: number;
  readonly step: number;
  /** Refunded amount in centavos (-1 when unknown): cumulative, so a larger one is later. */
  readonly refunded: number;
  readonly raw: string;
  /** Content hash, so two different notifications never compare equal. */
  readonly tie: string;
}

export function orderKeyOf(status: CanonicalStatus, at: number, refunded: number | null, raw: string, tie: string): OrderKey {
  const [phase, step] = PLACE[status];
  return { phase: PHASE_ORDER[phase], at, step, refunded: refunded ?? -1, raw, tie };
}

/** Negative when `a` comes before `b`, positive after, zero only for the same content. */
export function compareOrder(a: OrderKey, b: OrderKey): number {
  if (a.phase !== b.phase) return a.phase - b.phase;
  if (a.at !== b.at) return a.at - b.at;
  if (a.step !== b.step) return a.step - b.step;
  if (a.refunded !== b.refunded) return a.refunded - b.refunded;
  if (a.raw !== b.raw) return a.raw < b.raw ? -1 : 1;
  return a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0;
}

/**
 * Why an applied transition goes against the usual lifecycle, published with the event so a
 * merchant's system can tell a retry or a reversal from a normal step.
 */
export const TRANSITION_REASONS = ['retry_after_failure', 'chargeback_reversed', 'refund_reversed', 'refunded_amount_raised'] as const;
export type TransitionReason = (typeof TRANSITION_REASONS)[number];

export function transitionReason(from: CanonicalStatus | null, to: CanonicalStatus): TransitionReason | null {
  // DENIED and ERROR are checkout statuses, whose authorization is AUTHORIZED (ANALYSIS is legacy only).
  if ((from === 'DENIED' || from === 'ERROR') && to === 'AUTHORIZED') return 'retry_after_failure';
  if (from === 'CHARGEBACK' && (to === 'PAID' || to === 'COMPLETED' || to === 'PARTIALLY_REFUNDED')) {
    return 'chargeback_reversed';
  }
  if ((from === 'REFUNDED' || from === 'PARTIALLY_REFUNDED') && (to === 'PAID' || to === 'COMPLETED')) return 'refund_reversed';
  return null;
}

/**
 * Statuses a charge waits in: created, under analysis, authorized, or a value we do not know.
 * PicPay may still move such a charge on by itself, so reconciliation asks PicPay about it
 * (reconcile.ts) and retention never expires it.
 */
export const WAITING_STATUSES: ReadonlySet<CanonicalStatus> = new Set(['CREATED', 'ANALYSIS', 'AUTHORIZED', 'UNKNOWN']);

/**
 * Every other status is final: PicPay has given its word on the charge (closed without payment,
 * a failed attempt, or money moved, refunds and chargebacks included). Retention
 * (`retentionDays`) lets such a charge expire some days after its last change. A final status
 * may still change (a refund after a payment, a retry after a denial, a chargeback reversed): a
 * change moves the expiry, and a status that is no longer final removes it.
 */
export function isFinalStatus(status: CanonicalStatus | null): boolean {
  return status !== null && !WAITING_STATUSES.has(status);
}
