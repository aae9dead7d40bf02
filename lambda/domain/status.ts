/**
 * One canonical status model for both PicPay flavours, and the precedence rule that decides
 * what a late or repeated notification may change. See docs/state-model.md.
 *
 * Precedence: each status has a rank. A notification is applied only when its order key
 * (rank, then occurred-at, then a content tie-break) is greater than the charge's current
 * one. That makes the final state the maximum over everything received, so it does not depend
 * on delivery order or duplicates, and a charge never moves backwards (a PAID arriving after
 * REFUNDED is recorded as ignored, not applied).
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

export const STATUS_RANK: Readonly<Record<CanonicalStatus, number>> = {
  CREATED: 0,
  /** A value PicPay has not documented: kept and published, but it cannot override a known state. */
  UNKNOWN: 5,
  ANALYSIS: 10,
  AUTHORIZED: 10,
  /** Closed without payment. Evidence of money moving (PAID and above) outranks these. */
  EXPIRED: 20,
  DENIED: 20,
  CANCELED: 20,
  ERROR: 20,
  PAID: 30,
  COMPLETED: 40,
  PARTIALLY_REFUNDED: 50,
  REFUNDED: 60,
  CHARGEBACK: 70,
};

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

/** Checkout charge status values (find-charge API) plus the webhook example's AUTHORIZED. */
const CHECKOUT: Readonly<Record<string, CanonicalStatus>> = {
  CREATED: 'CREATED',
  PENDING: 'CREATED',
  PRE_AUTHORIZED: 'AUTHORIZED',
  AUTHORIZED: 'AUTHORIZED',
  PAID: 'PAID',
  CAPTURED: 'PAID',
  // PicPay does not define PARTIAL; its transactions use PARTIALLY_REFUNDED, so we read it so.
  PARTIAL: 'PARTIALLY_REFUNDED',
  PARTIALLY_REFUNDED: 'PARTIALLY_REFUNDED',
  REFUNDED: 'REFUNDED',
  CHARGEBACK: 'CHARGEBACK',
  CANCELED: 'CANCELED',
  CANCELLED: 'CANCELED',
  DENIED: 'DENIED',
  ERROR: 'ERROR',
  EXPIRED: 'EXPIRED',
};

export function canonicalStatus(flavour: 'legacy' | 'checkout', raw: string): CanonicalStatus {
  const table = flavour === 'legacy' ? LEGACY : CHECKOUT;
  const key = flavour === 'legacy' ? raw.trim().toLowerCase() : raw.trim().toUpperCase();
  return Object.hasOwn(table, key) ? table[key]! : 'UNKNOWN';
}

/** Statuses after which PicPay sends nothing more in the normal course of a charge. */
export const FINAL_STATUSES: ReadonlySet<CanonicalStatus> = new Set([
  'EXPIRED',
  'DENIED',
  'CANCELED',
  'REFUNDED',
  'CHARGEBACK',
]);

/** Total order over notifications of one charge. */
export interface OrderKey {
  readonly rank: number;
  /** Milliseconds since the epoch: checkout `eventDate`, or when the legacy status was read. */
  readonly at: number;
  /** Content tie-break (the dedupe key) so two different notifications never compare equal. */
  readonly tie: string;
}

export function compareOrder(a: OrderKey, b: OrderKey): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.at !== b.at) return a.at - b.at;
  return a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0;
}
