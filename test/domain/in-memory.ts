import type { ChargeState } from '../../lambda/domain/charge.js';
import { ConcurrentUpdateError } from '../../lambda/domain/errors.js';
import type { ChargeEvent } from '../../lambda/domain/events.js';
import type { LegacyStatus } from '../../lambda/domain/payloads.js';
import type { ReconcileCandidate } from '../../lambda/domain/reconcile.js';
import type {
  ChargeRepository,
  EventPublisher,
  LegacyStatusSource,
  ParkedNotification,
  ParkingLot,
  ProcessDeps,
  StoredCharge,
} from '../../lambda/domain/process.js';
import { UnprocessableNotificationError } from '../../lambda/domain/errors.js';

/** Legacy statuses PicPay may still move on from (docs/state-model.md), written out here. */
const WAITING = new Set(['CREATED', 'ANALYSIS', 'AUTHORIZED', 'UNKNOWN']);

/** In-memory ports with the same conditional-write semantics as the DynamoDB adapter. */
export class MemoryCharges implements ChargeRepository, ParkingLot {
  readonly items = new Map<string, StoredCharge>();
  readonly parked: ParkedNotification[] = [];
  /** The reconciler's index: legacy referenceId -> when PicPay was last asked (or the charge changed). */
  readonly awaiting = new Map<string, string>();
  writes = 0;

  async findAwaiting(checkedBefore: string, limit: number): Promise<ReconcileCandidate[]> {
    return [...this.awaiting.entries()]
      .filter(([, at]) => at < checkedBefore)
      .sort((a, b) => a[1].localeCompare(b[1]))
      .slice(0, limit)
      .map(([chargeId, lastCheckedAt]) => {
        const state = this.items.get(`legacy#${chargeId}`)!.state;
        return { chargeId, lastCheckedAt, createdAt: state.createdAt, expiresAt: state.expiresAt };
      });
  }

  async markChecked(chargeIds: readonly string[], at: string) {
    for (const id of chargeIds) if (this.awaiting.has(id)) this.awaiting.set(id, at);
  }

  async retire(chargeIds: readonly string[]) {
    for (const id of chargeIds) this.awaiting.delete(id);
  }

  /** The reconciler's ports on this store. */
  reconcilePorts() {
    return {
      findAwaiting: (before: string, limit: number) => this.findAwaiting(before, limit),
      markChecked: (ids: readonly string[], at: string) => this.markChecked(ids, at),
      retire: (ids: readonly string[]) => this.retire(ids),
    };
  }

  async load(chargeKey: string) {
    const item = this.items.get(chargeKey);
    return item ? structuredClone(item) : null;
  }

  async save(state: ChargeState, expectedVersion: number | null) {
    const current = this.items.get(state.chargeKey);
    if ((current?.version ?? null) !== expectedVersion) throw new ConcurrentUpdateError('conflict');
    this.writes++;
    this.items.set(state.chargeKey, { state: structuredClone(state), version: (expectedVersion ?? 0) + 1 });
    if (state.flavour === 'legacy' && state.status !== null && WAITING.has(state.status)) this.awaiting.set(state.chargeId, state.updatedAt);
    else this.awaiting.delete(state.chargeId);
  }

  async markPublished(chargeKey: string, ids: readonly string[]) {
    const current = this.items.get(chargeKey)!;
    this.writes++;
    this.items.set(chargeKey, {
      state: { ...current.state, outbox: current.state.outbox.filter((e) => !ids.includes(e.event.transitionId)) },
      version: current.version + 1,
    });
  }

  async park(notification: ParkedNotification) {
    this.parked.push(notification);
  }
}

export class MemoryPublisher implements EventPublisher {
  readonly published: ChargeEvent[] = [];
  failNext = 0;

  async publish(event: ChargeEvent) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('SNS is down');
    }
    this.published.push(event);
  }
}

export class MemoryPicPay implements LegacyStatusSource {
  readonly statuses = new Map<string, LegacyStatus>();
  calls = 0;

  async fetchStatus(referenceId: string) {
    this.calls++;
    const status = this.statuses.get(referenceId);
    if (!status) throw new UnprocessableNotificationError('unknown_reference', 'unknown');
    return status;
  }
}

export function memoryDeps(start = Date.parse('2024-07-01T19:00:10Z')) {
  const charges = new MemoryCharges();
  const publisher = new MemoryPublisher();
  const picpay = new MemoryPicPay();
  const clock = { ms: start, advance: (ms: number) => void (clock.ms += ms) };
  // Each read of the clock moves it on by a millisecond, like real time between calls.
  const deps: ProcessDeps = { charges, parking: charges, publisher, legacyStatus: picpay, now: () => (clock.ms += 1), maxBodyBytes: 64 * 1024, outboxLeaseMs: 60_000 };
  return { deps, charges, publisher, picpay, clock };
}
