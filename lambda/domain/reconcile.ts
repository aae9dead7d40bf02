import { ENVELOPE_VERSION, type Envelope } from './envelope.js';
import { RECONCILIATION_EVENT_TYPE } from './event-types.js';
import type { NotificationQueue, ReconcileIndex } from './ports.js';
import type { Flavour } from './flavour.js';
import type { CanonicalStatus } from './status.js';

/**
 * Reconciliation: PicPay tells merchants to poll the status when a callback does not arrive.
 * Legacy and checkout charges still waiting (created, under analysis, authorized, or an unknown
 * value) get a synthetic notification through the normal queue, so the processor asks PicPay
 * (legacy: the status API; checkout: find-charge) and applies any change with the same dedupe,
 * ordering and outbox as ever. Each flavour is its own partition of the awaiting index and has
 * half of every run (more when the other needs less).
 *
 * It cannot starve: every check advances the charge's `lastCheckedAt`, and candidates are taken
 * least recently checked first, so N waiting charges are all checked within ceil(N / maxPerRun)
 * runs, however many abandoned carts sit among them. Charges past their maximum age (or checked
 * after their own expiry) leave the index, so no run pages through them again.
 */
export const AWAITING_STATUSES: ReadonlySet<CanonicalStatus> = new Set(['CREATED', 'ANALYSIS', 'AUTHORIZED', 'UNKNOWN']);

/** After a registered payment's `expiresAt`, PicPay is asked once more after this long, then no more. */
export const EXPIRY_GRACE_MS = 60 * 60_000;

export interface ReconcileSettings {
  /** A charge is checked again only when its last check (or change) is at least this old. */
  readonly minAgeMs: number;
  /** Give up on charges created longer ago than this (PicPay payments expire long before). */
  readonly maxAgeMs: number;
  /** Most charges looked at per run: bounds the run's time and the load on PicPay's API. */
  readonly maxPerRun: number;
}

/** The flavours reconciliation can ask PicPay about (each one partition of the awaiting index). */
export type ReconcileFlavour = Flavour;
export const RECONCILE_FLAVOURS: readonly ReconcileFlavour[] = ['legacy', 'checkout'];

/** A charge reconciliation may ask about: the legacy status API, or checkout find-charge. */
export interface ChargeRef {
  readonly flavour: ReconcileFlavour;
  readonly chargeId: string;
}

export interface ReconcileCandidate extends ChargeRef {
  readonly lastCheckedAt: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
}

export interface ReconcileDeps extends ReconcileIndex, NotificationQueue {
  readonly now: () => number;
}

export interface ReconcileResult {
  readonly candidates: number;
  readonly enqueued: number;
  readonly retired: number;
  /** Checks enqueued per flavour. */
  readonly byFlavour?: Readonly<Record<ReconcileFlavour, number>>;
}

/**
 * The synthetic notification for one check: a legacy callback (`{referenceId}`: the processor
 * asks the status API) or a checkout check (`{merchantChargeId}`: the processor asks find-charge).
 */
export function reconciliationEnvelope(ref: ChargeRef, nowMs: number): Envelope {
  const receivedAt = new Date(nowMs).toISOString();
  return {
    v: ENVELOPE_VERSION,
    flavour: ref.flavour,
    eventType: RECONCILIATION_EVENT_TYPE,
    receivedAt,
    requestId: `reconcile-${receivedAt}-${ref.flavour}-${ref.chargeId}`,
    origin: 'reconciler',
    body: JSON.stringify(ref.flavour === 'legacy' ? { referenceId: ref.chargeId } : { merchantChargeId: ref.chargeId }),
  };
}

/**
 * A run's share of checks per flavour: half the cap each, and what one flavour does not use
 * goes to the other, so neither can starve the other however many charges it has waiting.
 */
export function shareRun(found: Readonly<Record<ReconcileFlavour, readonly ReconcileCandidate[]>>, maxPerRun: number): ReconcileCandidate[] {
  const half = Math.ceil(maxPerRun / 2);
  const legacy = found.legacy.slice(0, Math.max(half, maxPerRun - found.checkout.length));
  return [...legacy, ...found.checkout].slice(0, maxPerRun);
}

/** Whether reconciliation gives up on a charge instead of asking PicPay about it again. */
export function isPastReconciliation(candidate: ReconcileCandidate, settings: ReconcileSettings, nowMs: number): boolean {
  if (Date.parse(candidate.createdAt) < nowMs - settings.maxAgeMs) return true;
  if (candidate.expiresAt === null) return false;
  // Asked at least once after the payment expired (and the grace period): PicPay has had its say.
  return Date.parse(candidate.lastCheckedAt) > Date.parse(candidate.expiresAt) + EXPIRY_GRACE_MS;
}

export async function reconcile(settings: ReconcileSettings, deps: ReconcileDeps): Promise<ReconcileResult> {
  const now = deps.now();
  const before = new Date(now - settings.minAgeMs).toISOString();
  const [legacy, checkout] = await Promise.all(RECONCILE_FLAVOURS.map((f) => deps.findAwaiting(f, before, settings.maxPerRun)));
  const candidates = shareRun({ legacy: legacy!, checkout: checkout! }, settings.maxPerRun);
  const past = candidates.filter((c) => isPastReconciliation(c, settings, now));
  const retire: ChargeRef[] = past.map(({ flavour, chargeId }) => ({ flavour, chargeId }));
  const check: ChargeRef[] = candidates.filter((c) => !past.includes(c)).map(({ flavour, chargeId }) => ({ flavour, chargeId }));
  if (retire.length > 0) await deps.retire(retire);
  if (check.length > 0) {
    await deps.enqueue(check.map((ref) => reconciliationEnvelope(ref, now)));
    await deps.markChecked(check, new Date(now).toISOString());
  }
  const byFlavour = { legacy: check.filter((c) => c.flavour === 'legacy').length, checkout: check.filter((c) => c.flavour === 'checkout').length };
  return { candidates: candidates.length, enqueued: check.length, retired: retire.length, byFlavour };
}
