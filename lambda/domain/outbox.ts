import { type ChargeRepository, type EventPublisher, flushOutbox } from './process.js';

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

export interface SweepDeps {
  /** Keys of charges whose oldest outbox lease ended before `leaseEndedBefore`, oldest first. */
  findPending(leaseEndedBefore: string, limit: number): Promise<string[]>;
  /** Takes a charge out of the sweep's index when its outbox turns out empty at `version`. */
  forgetEmpty(chargeKey: string, version: number): Promise<void>;
  readonly charges: ChargeRepository;
  readonly publisher: EventPublisher;
  readonly now: () => number;
}

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
