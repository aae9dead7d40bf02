import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../../contract.js';
import type { ChargeState } from '../../domain/charge.js';
import { AwsServiceError, ConcurrentUpdateError } from '../../domain/errors.js';
import type { OutboxEntry } from '../../domain/outbox.js';
import type { ChargeRepository, StoredCharge } from '../../domain/ports.js';
import { isAwaiting } from '../../domain/reconcile.js';
import { isFinalStatus } from '../../domain/status.js';
import { purgeAtAfter } from './event-log.js';
import { CHARGE_SK, chargePk, type Table } from './table.js';

/**
 * Charge items: pk `CHARGE#<flavour>#<chargeId>`, sk `STATE`. The outbox is a map keyed by
 * transitionId, so one published event can be removed without rewriting the item. Writing a
 * charge also keeps its keys in the two sparse indexes (outbox-index.ts, reconcile-index.ts).
 */
interface ChargeItem extends Omit<ChargeState, 'outbox'> {
  pk: string;
  sk: string;
  version: number;
  outbox: Record<string, OutboxEntry>;
}

const { awaitingIndex: AWAITING, outboxIndex: OUTBOX } = TABLE;
/** Attributes of the item that are not the charge's: index keys and the TTL. */
const INDEX_ATTRIBUTES: readonly string[] = [AWAITING.partitionKey, AWAITING.sortKey, OUTBOX.partitionKey, OUTBOX.sortKey, TABLE.ttlAttribute];

/**
 * `retentionDays`: a charge in a final state (isFinalStatus) expires that many days after its
 * last change (DynamoDB TTL); every write is a whole item, so a charge that leaves a final state
 * loses its expiry. Undefined: kept forever.
 */
export function toItem(state: ChargeState, version: number, retentionDays?: number): ChargeItem {
  const { outbox, ...rest } = state;
  // Charges awaiting PicPay (isAwaiting) appear in the sparse `awaiting` index, one partition
  // per flavour, ordered by when we last heard from PicPay about them (a write is such a moment;
  // the reconciler advances it too).
  const awaiting = isAwaiting(state);
  // Charges with unpublished events appear in the sparse `outbox` index, for the sweep.
  const leaseEnds = outbox.map((e) => e.leaseUntil).sort()[0];
  const purgeAt = isFinalStatus(state.status) ? purgeAtAfter(state.updatedAt, retentionDays) : undefined;
  return {
    [TABLE.partitionKey]: chargePk(state.chargeKey),
    [TABLE.sortKey]: CHARGE_SK,
    ...rest,
    version,
    outbox: Object.fromEntries(outbox.map((e) => [e.event.transitionId, e])),
    ...(awaiting ? { [AWAITING.partitionKey]: state.flavour, [AWAITING.sortKey]: state.updatedAt } : {}),
    ...(leaseEnds !== undefined ? { [OUTBOX.partitionKey]: 'pending', [OUTBOX.sortKey]: leaseEnds } : {}),
    ...(purgeAt !== undefined ? { [TABLE.ttlAttribute]: purgeAt } : {}),
  } as ChargeItem;
}

export function fromItem(item: Record<string, unknown>): StoredCharge {
  const { version, outbox, ...rest } = item as unknown as ChargeItem & Record<string, unknown>;
  for (const key of [TABLE.partitionKey, TABLE.sortKey, ...INDEX_ATTRIBUTES]) delete rest[key];
  const events = Object.values(outbox ?? {}).sort((a, b) => a.event.recordedAt.localeCompare(b.event.recordedAt));
  return { state: { ...(rest as unknown as Omit<ChargeState, 'outbox'>), outbox: events }, version };
}

export class ChargeStore implements ChargeRepository {
  constructor(
    private readonly table: Table,
    private readonly retentionDays?: number,
  ) {}

  async load(chargeKey: string): Promise<StoredCharge | null> {
    const { client, name } = this.table;
    const out = await this.table.call(() => client.send(new GetCommand({ TableName: name, Key: this.table.chargeKey(chargeKey), ConsistentRead: true })));
    return out.Item ? fromItem(out.Item) : null;
  }

  async save(state: ChargeState, expectedVersion: number | null): Promise<void> {
    const item = toItem(state, (expectedVersion ?? 0) + 1, this.retentionDays);
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: item,
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } }
            : {
                ConditionExpression: '#v = :expected',
                ExpressionAttributeNames: { '#v': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConcurrentUpdateError(`Charge ${state.chargeKey} changed concurrently`, { cause: error });
      }
      throw new AwsServiceError('dynamodb', 'DynamoDB write failed', { cause: error });
    }
  }

  async markPublished(chargeKey: string, transitionIds: readonly string[], at: { version: number; emptiesOutbox: boolean }): Promise<void> {
    if (transitionIds.length === 0) return;
    const names: Record<string, string> = { '#o': 'outbox', '#v': 'version' };
    for (const [i, id] of transitionIds.entries()) names[`#t${i}`] = id;
    const removeEvents = transitionIds.map((_, i) => `#o.#t${i}`);
    const send = (leaveIndex: boolean) =>
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: this.table.chargeKey(chargeKey),
          // Bumping the version makes a concurrent writer holding the old outbox reload first.
          UpdateExpression: `REMOVE ${[...removeEvents, ...(leaveIndex ? ['#ok', '#ol'] : [])].join(', ')} ADD #v :one`,
          // The sweep's index keys go only if nobody wrote the item since: a newer writer may
          // have added an event of its own.
          ConditionExpression: leaveIndex ? '#v = :version' : 'attribute_exists(#pk)',
          // DynamoDB refuses a name the expressions do not use, so each form names only its own.
          ExpressionAttributeNames: leaveIndex ? { ...names, '#ok': OUTBOX.partitionKey, '#ol': OUTBOX.sortKey } : { ...names, '#pk': TABLE.partitionKey },
          ExpressionAttributeValues: leaveIndex ? { ':one': 1, ':version': at.version } : { ':one': 1 },
        }),
      );
    try {
      await send(at.emptiesOutbox);
    } catch (error) {
      if (!(at.emptiesOutbox && error instanceof ConditionalCheckFailedException))
        throw new AwsServiceError('dynamodb', 'DynamoDB request failed', { cause: error });
      await this.table.call(() => send(false));
    }
  }
}
