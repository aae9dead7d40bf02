import type { ChargeState } from './charge.js';
import type { ChargeEvent } from './events.js';
import type { ChargeRepository, EventPublisher, OutboxIndex } from './ports.js';

/**
 * The transactional outbox, in one place: an event is written in the same item write as the
 * state change it announces (charge.ts adds the entry), published right after by the
 * notification that wrote it (`flushOutbox`), and cleared; whatever is left when every publish
 * failed is published by the sweep (`sweepOutbox`). The DynamoDB side is
 * lambda/adapters/table/charges.ts (the entries) and outbox-index.ts (the sweep's index).
 */

/** An event written with the state change and not yet confirmed published. */
export interface OutboxEntry {
  readonly event: ChargeEvent;
  /** requestId of the notification that wrote it: its redeliveries may publish at once. */
  readonly owner: string;
  /** ISO time after which anyone (a duplicate, the outbox sweep) may publish it. */
  readonly leaseUntil: string;
}

/** Events one charge may hold unpublished; a notification that would add one more waits. */
export const MAX_OUTBOX = 20;

/**
 * How long the notification that wrote an outbox entry has to publish it before anyone else
 * may: twice the processor's timeout (30 s), so a live writer is never raced by a duplicate.
 * (lambda/contract.ts checks it against the processor's timeout.)
 */
export const OUTBOX_LEASE_MS = 60_000;

export interface OutboxDeps {
  readonly charges: ChargeRepository;
  readonly publisher: EventPublisher;
  readonly now: () => number;
}

/**
 * The outbox sweep: no event is left behind. An event is written with its state change and
 * published right after; when that publish fails on every receive (SNS down for the whole
 * retry window) the event would wait for the next notification of the charge, which may never
 * come after a final status. The sweep publishes every entry whose lease has expired (its
 * writer had its chance) and clears it, oldest first, a bounded number of charges per run.
 */
export interface SweepSettings {
  /** Most charges visited per run: bounds the run's time and SNS calls. */
  readonly maxPerRun: number;
}

export interface SweepDeps extends OutboxIndex, OutboxDeps {}

export interface SweepResult {
  readonly charges: number;
  readonly published: number;
  /** Charges whose publish failed again this run (left for the next one). */
  readonly failed: number;
  /** Age in seconds of the oldest event still unpublished after the run (0 when none). */
  readonly oldestPendingSeconds: number;
}

export async function sweepOutbox(settings: SweepSettings, deps: SweepDeps): Promise<SweepResult> {
  const start = deps.now();
  const keys = await deps.findPending(new Date(start).toISOString(), settings.maxPerRun);
  let published = 0;
  let failed = 0;
  let oldest = start;
  for (const chargeKey of keys.slice(0, settings.maxPerRun)) {
    const stored = await deps.charges.load(chargeKey);
    if (stored === null) continue;
    if (stored.state.outbox.length === 0) {
      await deps.forgetEmpty(chargeKey, stored.version);
      continue;
    }
    try {
      published += await flushOutbox(stored, null, deps);
    } catch {
      failed += 1;
      for (const entry of stored.state.outbox) oldest = Math.min(oldest, Date.parse(entry.event.recordedAt));
    }
  }
  return { charges: keys.length, published, failed, oldestPendingSeconds: Math.round((start - oldest) / 1000) };
}

/**
 * Publishes the pending events this notification may publish, in order, then clears them
 * from the outbox in one write. An entry belongs to the notification that wrote it (a
 * redelivery of it has the same requestId) until its lease ends; a concurrent duplicate
 * leaves it to its owner, whose message stays in the queue until it is published.
 */
export async function flushOutbox(
  stored: { readonly state: ChargeState; readonly version: number },
  requestId: string | null,
  deps: OutboxDeps,
): Promise<number> {
  const { state, version } = stored;
  const now = deps.now();
  const mine = state.outbox.filter((e) => e.owner === requestId || Date.parse(e.leaseUntil) <= now);
  if (mine.length === 0) return 0;
  for (const entry of mine) await deps.publisher.publish(entry.event);
  await deps.charges.markPublished(
    state.chargeKey,
    mine.map((e) => e.event.transitionId),
    { version, emptiesOutbox: mine.length === state.outbox.length },
  );
  return mine.length;
}
