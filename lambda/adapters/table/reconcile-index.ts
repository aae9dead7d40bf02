import { TABLE } from '../../contract.js';
import { chargeKeyOf } from '../../domain/observation.js';
import type { ReconcileIndex } from '../../domain/ports.js';
import type { ChargeRef, ReconcileCandidate, ReconcileFlavour } from '../../domain/reconcile.js';
import type { ConditionalUpdate, Table } from './table.js';

const { awaitingIndex: AWAITING } = TABLE;

/** The sparse `awaiting` index, one partition per flavour, over charges PicPay has not settled. */
export class ReconcileIndexStore implements ReconcileIndex {
  constructor(private readonly table: Table) {}

  /** Charges of one flavour awaiting PicPay, last checked before `checkedBefore`, least recently checked first. */
  async findAwaiting(flavour: ReconcileFlavour, checkedBefore: string, limit: number): Promise<ReconcileCandidate[]> {
    const items = await this.table.queryBefore(AWAITING, flavour, checkedBefore, limit);
    return items.map((item) => ({
      flavour,
      chargeId: String(item.chargeId),
      lastCheckedAt: String(item[AWAITING.sortKey]),
      createdAt: String(item.createdAt),
      expiresAt: typeof item.expiresAt === 'string' ? item.expiresAt : null,
    }));
  }

  /** Advances `lastCheckedAt` of charges still awaiting (a charge that left the index stays out). */
  async markChecked(charges: readonly ChargeRef[], at: string): Promise<void> {
    await this.each(charges, {
      UpdateExpression: 'SET #s = :at',
      ConditionExpression: 'attribute_exists(#k)',
      ExpressionAttributeNames: { '#s': AWAITING.sortKey, '#k': AWAITING.partitionKey },
      ExpressionAttributeValues: { ':at': at },
    });
  }

  /** Takes charges out of the awaiting index: reconciliation has given up on them. */
  async retire(charges: readonly ChargeRef[]): Promise<void> {
    await this.each(charges, {
      UpdateExpression: 'REMOVE #k, #s',
      ConditionExpression: 'attribute_exists(#k)',
      ExpressionAttributeNames: { '#s': AWAITING.sortKey, '#k': AWAITING.partitionKey },
    });
  }

  /** The same conditional update on several charges, ten at a time. */
  private async each(charges: readonly ChargeRef[], update: ConditionalUpdate): Promise<void> {
    for (let i = 0; i < charges.length; i += 10) {
      await Promise.all(charges.slice(i, i + 10).map((c) => this.table.updateChargeIfStill(chargeKeyOf(c.flavour, c.chargeId), update)));
    }
  }
}
