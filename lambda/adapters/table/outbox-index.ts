import { TABLE } from '../../contract.js';
import type { OutboxIndex } from '../../domain/ports.js';
import { chargePk, type Table } from './table.js';

const { outboxIndex: OUTBOX } = TABLE;

/** The sparse, keys-only `outbox` index over charges with unpublished events (the sweep reads it). */
export class OutboxIndexStore implements OutboxIndex {
  constructor(private readonly table: Table) {}

  /** Charges whose oldest unpublished event's lease ended before `leaseEndedBefore`, oldest first. */
  async findPending(leaseEndedBefore: string, limit: number): Promise<string[]> {
    const items = await this.table.queryBefore(OUTBOX, 'pending', leaseEndedBefore, limit);
    return items.map((item) => String(item[TABLE.partitionKey]).slice(chargePk('').length));
  }

  /** Takes a charge whose outbox is empty out of the sweep's index (if unchanged since `version`). */
  async forgetEmpty(chargeKey: string, version: number): Promise<void> {
    await this.table.updateChargeIfStill(chargeKey, {
      UpdateExpression: 'REMOVE #ok, #ol',
      ConditionExpression: '#v = :version',
      ExpressionAttributeNames: { '#ok': OUTBOX.partitionKey, '#ol': OUTBOX.sortKey, '#v': 'version' },
      ExpressionAttributeValues: { ':version': version },
    });
  }
}
