import { ENVELOPE_VERSION, type Envelope, RECONCILIATION_EVENT_TYPE } from './envelope.js';
import type { CanonicalStatus } from './status.js';

/**
 * Reconciliation: PicPay tells merchants to poll the status when a callback does not arrive.
 * Legacy charges still waiting (created, under analysis, authorized, or an unknown value) get a
 * synthetic callback through the normal queue, so the processor asks PicPay and applies any
 * change with the same dedupe, ordering and outbox as ever.
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

export interface ReconcileCandidate {
  readonly chargeId: string;
  readonly lastCheckedAt: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
}

export interface ReconcileDeps {
  /** Awaiting legacy charges last checked before `checkedBefore`, least recently checked first. */
  findAwaiting(checkedBefore: string, limit: number): Promise<ReconcileCandidate[]>;
  enqueue(envelopes: readonly Envelope[]): Promise<void>;
  /** Moves the charges' `lastCheckedAt` to `at` (only those still awaiting). */
  markChecked(chargeIds: readonly string[], at: string): Promise<void>;
  /** Takes the charges out of the awaiting index: reconciliation has given up on them. */
  retire(chargeIds: readonly string[]): Promise<void>;
  readonly now: () => number;
}

export interface ReconcileResult {
  readonly candidates: number;
  readonly enqueued: number;
  readonly retired: number;
}

export function reconciliationEnvelope(chargeId: string, nowMs: number): Envelope {
  const receivedAt = new Date(nowMs).toISOString();
  return {
    v: ENVELOPE_VERSION,
    flavour: 'legacy',
    eventType: RECONCILIATION_EVENT_TYPE,
    receivedAt,
    requestId: `reconcile-${receivedAt}-${chargeId}`,
    body: JSON.stringify({ referenceId: chargeId }),
  };
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
  const candidates = (await deps.findAwaiting(new Date(now - settings.minAgeMs).toISOString(), settings.maxPerRun)).slice(
    0,
    settings.maxPerRun,
  );
  const retire = candidates.filter((c) => isPastReconciliation(c, settings, now)).map((c) => c.chargeId);
  const check = candidates.filter((c) => !retire.includes(c.chargeId)).map((c) => c.chargeId);
  if (retire.length > 0) await deps.retire(retire);
  if (check.length > 0) {
    await deps.enqueue(check.map((id) => reconciliationEnvelope(id, now)));
    await deps.markChecked(check, new Date(now).toISOString());
  }
  return { candidates: candidates.length, enqueued: check.length, retired: retire.length };
}
