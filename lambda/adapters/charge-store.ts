import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../../lib/pipeline-spec.js';
import type { ChargeState, OutboxEntry } from '../domain/charge.js';
import { serializeEnvelope } from '../domain/envelope.js';
import { ConcurrentUpdateError, DependencyError } from '../domain/errors.js';
import type { ChargeRepository, ParkedNotification, ParkingLot, StoredCharge } from '../domain/process.js';
import type { ProbeRecord } from '../domain/probe.js';
import { AWAITING_STATUSES, type ReconcileCandidate } from '../domain/reconcile.js';

export const dynamoClient = new DynamoDBClient({});
export const documentClient = DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true },
});

/**
 * Item layout (one table, single-item writes only; see docs/architecture.md):
 * - charge:  pk `CHARGE#<flavour>#<chargeId>`, sk `STATE`; the outbox is a map keyed by
 *            transitionId so one published event can be removed without rewriting the item.
 * - parked:  pk `PARKED`, sk `<receivedAt>#<requestId>`; `envelope` is the queue message
 *            as a JSON string, ready to be sent again.
 */
export const chargePk = (chargeKey: string) => `CHARGE#${chargeKey}`;
export const CHARGE_SK = 'STATE';
export const PARKED_PK = 'PARKED';
export const DEAD_LETTER_PK = 'DEADLETTER';
/** Probes from `picpay-webhooks doctor`: pk `PROBE`, sk the probe id (the doctor deletes it). */
export const PROBE_PK = 'PROBE';

interface ChargeItem extends Omit<ChargeState, 'outbox'> {
  pk: string;
  sk: string;
  version: number;
  outbox: Record<string, OutboxEntry>;
}

export function toItem(state: ChargeState, version: number): ChargeItem {
  const { outbox, ...rest } = state;
  // Legacy charges awaiting PicPay appear in the sparse `awaiting` index; others do not.
  const awaiting = state.flavour === 'legacy' && state.status !== null && AWAITING_STATUSES.has(state.status);
  return {
    [TABLE.partitionKey]: chargePk(state.chargeKey),
    [TABLE.sortKey]: CHARGE_SK,
    ...rest,
    version,
    outbox: Object.fromEntries(outbox.map((e) => [e.event.transitionId, e])),
    ...(awaiting ? { [TABLE.awaitingIndex.partitionKey]: 'legacy', [TABLE.awaitingIndex.sortKey]: state.updatedAt } : {}),
  } as ChargeItem;
}

export function fromItem(item: Record<string, unknown>): StoredCharge {
  const { pk: _pk, sk: _sk, version, outbox, awaitingKey: _ak, awaitingSince: _as, ...rest } = item as unknown as ChargeItem & Record<string, unknown>;
  const events = Object.values(outbox ?? {}).sort((a, b) => a.event.recordedAt.localeCompare(b.event.recordedAt));
  return { state: { ...(rest as Omit<ChargeState, 'outbox'>), outbox: events }, version };
}

export class DynamoChargeStore implements ChargeRepository, ParkingLot {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(chargeKey: string): Promise<StoredCharge | null> {
    const out = await this.call(() =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [TABLE.partitionKey]: chargePk(chargeKey), [TABLE.sortKey]: CHARGE_SK },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? fromItem(out.Item) : null;
  }

  async save(state: ChargeState, expectedVersion: number | null): Promise<void> {
    const item = toItem(state, (expectedVersion ?? 0) + 1);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
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
      throw new DependencyError('DynamoDB write failed', { cause: error });
    }
  }

  async markPublished(chargeKey: string, transitionIds: readonly string[]): Promise<void> {
    if (transitionIds.length === 0) return;
    const names: Record<string, string> = { '#o': 'outbox', '#v': 'version', '#pk': TABLE.partitionKey };
    transitionIds.forEach((id, i) => (names[`#t${i}`] = id));
    await this.call(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE.partitionKey]: chargePk(chargeKey), [TABLE.sortKey]: CHARGE_SK },
          // Bumping the version makes a concurrent writer holding the old outbox reload first.
          UpdateExpression: `REMOVE ${transitionIds.map((_, i) => `#o.#t${i}`).join(', ')} ADD #v :one`,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':one': 1 },
        }),
      ),
    );
  }

  async park(notification: ParkedNotification): Promise<void> {
    const { envelope } = notification;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [TABLE.partitionKey]: PARKED_PK,
            [TABLE.sortKey]: `${envelope.receivedAt}#${envelope.requestId}`,
            parkedAt: notification.parkedAt,
            reason: notification.reason,
            message: notification.message,
            flavour: envelope.flavour,
            eventType: envelope.eventType,
            requestId: envelope.requestId,
            receivedAt: envelope.receivedAt,
            // The queue message as it was, so a replay is one send-message of this string.
            envelope: serializeEnvelope(envelope),
          },
          // A redelivered message parks once.
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw new DependencyError('DynamoDB write failed', { cause: error });
    }
  }

  /**
   * Why a message is about to be dead-lettered, keyed by SQS message id, so an operator
   * listing the DLQ sees the reason (SQS itself keeps none). Best effort: the caller ignores
   * a failure here, since the message reaches the DLQ either way.
   */
  async noteDeadLetter(note: { messageId: string; requestId?: string; code: string; message: string; receiveCount: number; at: string }): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { [TABLE.partitionKey]: DEAD_LETTER_PK, [TABLE.sortKey]: note.messageId, ...note },
      }),
    );
  }

  async recordProbe(record: ProbeRecord): Promise<void> {
    await this.call(() =>
      this.client.send(new PutCommand({ TableName: this.tableName, Item: { [TABLE.partitionKey]: PROBE_PK, [TABLE.sortKey]: record.probeId, ...record } })),
    );
  }

  /** Legacy charges awaiting PicPay, unchanged since before `updatedBefore`, oldest first. */
  async findAwaiting(updatedBefore: string, createdAfter: string, limit: number): Promise<ReconcileCandidate[]> {
    const { name, partitionKey, sortKey } = TABLE.awaitingIndex;
    const found: ReconcileCandidate[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: name,
            KeyConditionExpression: '#k = :legacy AND #s < :before',
            FilterExpression: 'createdAt > :after',
            ExpressionAttributeNames: { '#k': partitionKey, '#s': sortKey },
            ExpressionAttributeValues: { ':legacy': 'legacy', ':before': updatedBefore, ':after': createdAfter },
            ProjectionExpression: 'chargeId, updatedAt, createdAt',
            Limit: limit,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of out.Items ?? []) found.push(item as ReconcileCandidate);
      start = out.LastEvaluatedKey;
    } while (start && found.length < limit);
    return found.slice(0, limit);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new DependencyError('DynamoDB request failed', { cause: error });
    }
  }
}
