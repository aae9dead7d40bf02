import { ENVELOPE_VERSION, type Envelope, RECONCILIATION_EVENT_TYPE } from './envelope.js';
import type { CanonicalStatus } from './status.js';

/**
 * Reconciliation: PicPay tells merchants to poll the status when a callback does not arrive.
 * Legacy charges still waiting (created, under analysis, authorized, or an unknown value) for
 * longer than `minAgeMs` get a synthetic callback through the normal queue, so the processor
 * asks PicPay and applies any change with the same dedupe, ordering and outbox as ever.
 */
export const AWAITING_STATUSES: ReadonlySet<CanonicalStatus> = new Set(['CREATED', 'ANALYSIS', 'AUTHORIZED', 'UNKNOWN']);

export interface ReconcileSettings {
  /** Only charges unchanged for at least this long. */
  readonly minAgeMs: number;
  /** Give up on charges created longer ago than this (PicPay payments expire long before). */
  readonly maxAgeMs: number;
  /** Most callbacks enqueued per run: bounds the load on PicPay's API. */
  readonly maxPerRun: number;
}

export interface ReconcileCandidate {
  readonly chargeId: string;
  readonly updatedAt: string;
  readonly createdAt: string;
}

export interface ReconcileDeps {
  /** Awaiting legacy charges last updated before `updatedBefore`, oldest first. */
  findAwaiting(updatedBefore: string, createdAfter: string, limit: number): Promise<ReconcileCandidate[]>;
  enqueue(envelopes: readonly Envelope[]): Promise<void>;
  readonly now: () => number;
}

export interface ReconcileResult {
  readonly candidates: number;
  readonly enqueued: number;
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

export async function reconcile(settings: ReconcileSettings, deps: ReconcileDeps): Promise<ReconcileResult> {
  const now = deps.now();
  const candidates = await deps.findAwaiting(
    new Date(now - settings.minAgeMs).toISOString(),
    new Date(now - settings.maxAgeMs).toISOString(),
    settings.maxPerRun,
  );
  const envelopes = candidates.slice(0, settings.maxPerRun).map((c) => reconciliationEnvelope(c.chargeId, now));
  if (envelopes.length > 0) await deps.enqueue(envelopes);
  return { candidates: candidates.length, enqueued: envelopes.length };
}
