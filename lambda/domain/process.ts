import type { ChargeState } from './charge.js';
import { decide } from './charge.js';
import { bodyText, type Envelope } from './envelope.js';
import { ConcurrentUpdateError, UnprocessableNotificationError } from './errors.js';
import type { ChargeEvent } from './events.js';
import { type Observation, observeCheckout, observeLegacy, parseCheckout, parseLegacyCallback } from './observation.js';
import type { LegacyStatus } from './payloads.js';

/* Ports: implemented in lambda/adapters, faked in tests. */

export interface StoredCharge {
  readonly state: ChargeState;
  readonly version: number;
}

export interface ChargeRepository {
  load(chargeKey: string): Promise<StoredCharge | null>;
  /** Single-item conditional write; `expectedVersion` null means "must not exist yet". */
  save(state: ChargeState, expectedVersion: number | null): Promise<void>;
  /** Drops published events from the charge's outbox. */
  markPublished(chargeKey: string, transitionIds: readonly string[]): Promise<void>;
}

export interface ParkedNotification {
  readonly parkedAt: string;
  readonly reason: string;
  readonly message: string;
  readonly envelope: Envelope;
}

export interface ParkingLot {
  park(notification: ParkedNotification): Promise<void>;
}

export interface EventPublisher {
  publish(event: ChargeEvent): Promise<void>;
}

export interface LegacyStatusSource {
  /** Throws UnprocessableNotificationError('unknown_reference') when PicPay does not know it. */
  fetchStatus(referenceId: string): Promise<LegacyStatus>;
}

export interface ProcessDeps {
  readonly charges: ChargeRepository;
  readonly parking: ParkingLot;
  readonly publisher: EventPublisher;
  readonly legacyStatus: LegacyStatusSource;
  readonly now: () => number;
  /** Bodies larger than this are parked, not processed. */
  readonly maxBodyBytes: number;
}

export type ProcessOutcome =
  | { readonly kind: 'applied' | 'noted' | 'ignored' | 'duplicate'; readonly chargeKey: string; readonly published: number; readonly reason?: string }
  | { readonly kind: 'parked'; readonly reason: string; readonly message: string };

const MAX_CONFLICT_RETRIES = 5;

/**
 * Processes one queued notification end to end. Throws on anything a retry may fix (the
 * message then returns to the queue and, after the receive limit, to the DLQ); parks what a
 * retry can never fix.
 */
export async function processEnvelope(envelope: Envelope, deps: ProcessDeps): Promise<ProcessOutcome> {
  let observation: Observation;
  try {
    observation = await observe(envelope, deps);
  } catch (error) {
    if (!(error instanceof UnprocessableNotificationError)) throw error;
    await deps.parking.park({
      parkedAt: new Date(deps.now()).toISOString(),
      reason: error.code,
      message: error.message,
      envelope,
    });
    return { kind: 'parked', reason: error.code, message: error.message };
  }

  for (let attempt = 0; ; attempt++) {
    const stored = await deps.charges.load(observation.chargeKey);
    const decision = decide(stored?.state ?? null, observation, new Date(deps.now()).toISOString());
    if (decision.kind === 'duplicate') {
      // A redelivery after a failed publish lands here: finish what the first attempt began.
      const published = await flushOutbox(stored!.state, envelope.requestId, deps);
      return { kind: 'duplicate', chargeKey: observation.chargeKey, published };
    }
    try {
      await deps.charges.save(decision.state, stored?.version ?? null);
    } catch (error) {
      if (error instanceof ConcurrentUpdateError && attempt < MAX_CONFLICT_RETRIES) continue;
      throw error;
    }
    const published = await flushOutbox(decision.state, envelope.requestId, deps);
    return decision.kind === 'applied'
      ? { kind: 'applied', chargeKey: observation.chargeKey, published }
      : { kind: decision.kind, chargeKey: observation.chargeKey, published, reason: decision.reason };
  }
}

async function observe(queued: Envelope, deps: ProcessDeps): Promise<Observation> {
  // The body as text (base64 undone); parks what is too large, still compressed or not UTF-8.
  const envelope: Envelope = { ...queued, body: bodyText(queued, deps.maxBodyBytes), bodyEncoding: 'utf8' };
  const receivedAtMs = Date.parse(envelope.receivedAt);
  if (envelope.flavour === 'checkout') {
    return observeCheckout(envelope, parseCheckout(envelope), Number.isNaN(receivedAtMs) ? deps.now() : receivedAtMs);
  }
  const callback = parseLegacyCallback(envelope);
  const reported = await deps.legacyStatus.fetchStatus(callback.referenceId);
  return observeLegacy(envelope, callback, reported, deps.now());
}

/**
 * Publishes the pending events this notification may publish, in order, then clears them
 * from the outbox in one write. An entry belongs to the notification that wrote it (a
 * redelivery of it has the same requestId) until its lease ends; a concurrent duplicate
 * leaves it to its owner, whose message stays in the queue until it is published.
 */
async function flushOutbox(state: ChargeState, requestId: string, deps: ProcessDeps): Promise<number> {
  const now = deps.now();
  const mine = state.outbox.filter((e) => e.owner === requestId || Date.parse(e.leaseUntil) <= now);
  if (mine.length === 0) return 0;
  for (const entry of mine) await deps.publisher.publish(entry.event);
  await deps.charges.markPublished(
    state.chargeKey,
    mine.map((e) => e.event.transitionId),
  );
  return mine.length;
}
