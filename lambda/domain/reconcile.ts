/**
 * Reconciliation: PicPay tells merchants to poll the status when a callback does not arrive.
 * Legacy and checkout charges still waiting (created, under analysis, authorized, or an unknown
 * value) get a synthetic notification through the normal queue, so the processor asks PicPay
 * (legacy: the status API; checkout: find-charge) and applies any change with the same dedupe,
 * ordering and outbox as ever; Payment Link payments whose link is known are re-read with
 * find-transactions the same way. Each flavour is its own partition of the awaiting index and
 * has an equal share of every run (more when the others need less).
 *
 * It cannot starve: every check advances the charge's `lastCheckedAt`, and candidates are taken
 * least recently checked first, so N waiting charges are all checked within ceil(N / maxPerRun)
 * runs, however many abandoned carts sit among them. Charges past their maximum age (or checked
 * after their own expiry) leave the index, so no run pages through them again.
 */
import { ENVELOPE_VERSION, type Envelope } from './envelope.js';
import { RECONCILIATION_EVENT_TYPE } from './event-types.js';
import type { NotificationQueue, ReconcileIndex } from './ports.js';
import type { ChargeState } from './charge.js';
import type { ChargeFlavour } from './flavour.js';
import { WAITING_STATUSES } from './status.js';

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
export type ReconcileFlavour = ChargeFlavour;
export const RECONCILE_FLAVOURS: readonly ReconcileFlavour[] = ['legacy', 'checkout', 'paymentLink'];

/**
 * Whether a charge waits in the awaiting index: a status PicPay may still move on from, and a
 * way to ask PicPay about it (a Payment Link payment only through its link, so only when the
 * charge knows its `paymentLinkId`).
 */
export function isAwaiting(state: Pick<ChargeState, 'flavour' | 'status' | 'paymentLinkId'>): boolean {
  if (state.status === null || !WAITING_STATUSES.has(state.status)) return false;
  return state.flavour !== 'paymentLink' || state.paymentLinkId !== undefined;
}

/** A charge reconciliation may ask about: the legacy status API, checkout find-charge, Payment Link find-transactions. */
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
 * asks the status API), a checkout check (`{merchantChargeId}`: the processor asks find-charge)
 * or a Payment Link check (`{paymentId}` on the checkout queue flavour: the processor asks
 * find-transactions on the payment's link).
 */
export function reconciliationEnvelope(ref: ChargeRef, nowMs: number): Envelope {
  const receivedAt = new Date(nowMs).toISOString();
  return {
    v: ENVELOPE_VERSION,
    flavour: ref.flavour === 'legacy' ? 'legacy' : 'checkout',
    eventType: RECONCILIATION_EVENT_TYPE,
    receivedAt,
    requestId: `reconcile-${receivedAt}-${ref.flavour}-${ref.chargeId}`,
    origin: 'reconciler',
    body: JSON.stringify(checkBody(ref)),
  };
}

function checkBody(ref: ChargeRef): Record<string, string> {
  if (ref.flavour === 'legacy') return { referenceId: ref.chargeId };
  return ref.flavour === 'checkout' ? { merchantChargeId: ref.chargeId } : { paymentId: ref.chargeId };
}

/**
 * A run's share of checks per flavour: the cap dealt one check at a time to each flavour in
 * turn (legacy, checkout, Payment Link), skipping a flavour with nothing more waiting, so each
 * gets an equal share and what one does not use goes to the others: none can starve another
 * however many charges it has waiting. Each flavour's least recently checked go first.
 */
export function shareRun(found: Readonly<Partial<Record<ReconcileFlavour, readonly ReconcileCandidate[]>>>, maxPerRun: number): ReconcileCandidate[] {
  const queues = RECONCILE_FLAVOURS.map((f) => [...(found[f] ?? [])]);
  const taken: ReconcileCandidate[][] = queues.map(() => []);
  let total = 0;
  while (total < maxPerRun && queues.some((queue) => queue.length > 0)) {
    queues.forEach((queue, i) => {
      const next = total < maxPerRun ? queue.shift() : undefined;
      if (next === undefined) return;
      taken[i]!.push(next);
      total += 1;
    });
  }
  return taken.flat();
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
  const found = await Promise.all(RECONCILE_FLAVOURS.map((f) => deps.findAwaiting(f, before, settings.maxPerRun)));
  const candidates = shareRun(Object.fromEntries(RECONCILE_FLAVOURS.map((f, i) => [f, found[i]!])), settings.maxPerRun);
  const past = candidates.filter((c) => isPastReconciliation(c, settings, now));
  const retire: ChargeRef[] = past.map(({ flavour, chargeId }) => ({ flavour, chargeId }));
  const check: ChargeRef[] = candidates.filter((c) => !past.includes(c)).map(({ flavour, chargeId }) => ({ flavour, chargeId }));
  if (retire.length > 0) await deps.retire(retire);
  if (check.length > 0) {
    await deps.enqueue(check.map((ref) => reconciliationEnvelope(ref, now)));
    await deps.markChecked(check, new Date(now).toISOString());
  }
  const byFlavour = Object.fromEntries(RECONCILE_FLAVOURS.map((f) => [f, check.filter((c) => c.flavour === f).length])) as Record<ReconcileFlavour, number>;
  return { candidates: candidates.length, enqueued: check.length, retired: retire.length, byFlavour };
}
