import { ConditionalCheckFailedException, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { TABLE, TABLE_INDEXES } from '../contract.js';
import type { ChargeState, OutboxEntry } from '../domain/charge.js';
import { serializeEnvelope } from '../domain/envelope.js';
import { chargeKeyOf } from '../domain/observation.js';
import { AwsServiceError, ConcurrentUpdateError } from '../domain/errors.js';
import type { ChargeRepository, ParkedNotification, ParkingLot, StoredCharge } from '../domain/process.js';
import type { ProbeRecord } from '../domain/probe.js';
import { AWAITING_STATUSES, type ChargeRef, type ReconcileCandidate, type ReconcileFlavour } from '../domain/reconcile.js';

/** The document client the store expects: items keep no `undefined` members. */
export function documentClientFor(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * Item layout (one table, single-item writes only; see docs/architecture.md). This module is
 * the only code that reads or writes items: the handlers, the local runtime and the operator CLI
 * all go through it.
 * - charge:      pk `CHARGE#<flavour>#<chargeId>`, sk `STATE`; the outbox is a map keyed by
 *                transitionId so one published event can be removed without rewriting the item.
 * - parked:      pk `PARKED`, sk `<receivedAt>#<requestId>`; `envelope` is the queue message
 *                as a JSON string, ready to be sent again.
 * - dead letter: pk `DEADLETTER`, sk the SQS message id: why the processor gave up on it.
 */
export const chargePk = (chargeKey: string) => `CHARGE#${chargeKey}`;
export const CHARGE_SK = 'STATE';
export const PARKED_PK = 'PARKED';
export const DEAD_LETTER_PK = 'DEADLETTER';
/** Probes from `picpay-webhooks doctor`: pk `PROBE`, sk the probe id (the doctor deletes it). */
export const PROBE_PK = 'PROBE';

/** The table as the stack declares it (lambda/contract.ts), for code that creates it itself. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const keyAttributes = [TABLE.partitionKey, TABLE.sortKey, ...TABLE_INDEXES.flatMap((i) => [i.partitionKey, i.sortKey])];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: TABLE_INDEXES.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection:
        index.projection.type === 'INCLUDE'
          ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.attributes] }
          : { ProjectionType: 'KEYS_ONLY' },
    })),
  };
}

/** A parked notification as the table holds it; `id` is its sort key, which replay and delete take. */
export interface ParkedItem {
  readonly id: string;
  readonly reason: string;
  readonly message: string;
  readonly flavour: string;
  readonly eventType: string | null;
  readonly requestId: string;
  readonly receivedAt: string;
  readonly parkedAt: string;
  /** The queue message as it was first enqueued. */
  readonly envelope: string;
}

/** Why the processor gave up on a message it let go to the dead-letter queue. */
export interface DeadLetterNote {
  readonly messageId: string;
  readonly requestId?: string;
  readonly code: string;
  readonly message: string;
  readonly receiveCount: number;
  readonly at: string;
}

type ConditionalUpdate = Pick<UpdateCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;

interface ChargeItem extends Omit<ChargeState, 'outbox'> {
  pk: string;
  sk: string;
  version: number;
  outbox: Record<string, OutboxEntry>;
}

const { awaitingIndex: AWAITING, outboxIndex: OUTBOX } = TABLE;
const INDEX_ATTRIBUTES: readonly string[] = [AWAITING.partitionKey, AWAITING.sortKey, OUTBOX.partitionKey, OUTBOX.sortKey];

export function toItem(state: ChargeState, version: number): ChargeItem {
  const { outbox, ...rest } = state;
  // Legacy and checkout charges awaiting PicPay appear in the sparse `awaiting` index, one
  // partition per flavour, ordered by when we last heard from PicPay about them (a write is such
  // a moment; the reconciler advances it too). Payment Link charges have no status API to ask.
  const awaiting = (state.flavour === 'legacy' || state.flavour === 'checkout') && state.status !== null && AWAITING_STATUSES.has(state.status);
  // Charges with unpublished events appear in the sparse `outbox` index, for the sweep.
  const leaseEnds = outbox.map((e) => e.leaseUntil).sort()[0];
  return {
    [TABLE.partitionKey]: chargePk(state.chargeKey),
    [TABLE.sortKey]: CHARGE_SK,
    ...rest,
    version,
    outbox: Object.fromEntries(outbox.map((e) => [e.event.transitionId, e])),
    ...(awaiting ? { [AWAITING.partitionKey]: state.flavour, [AWAITING.sortKey]: state.updatedAt } : {}),
    ...(leaseEnds !== undefined ? { [OUTBOX.partitionKey]: 'pending', [OUTBOX.sortKey]: leaseEnds } : {}),
  } as ChargeItem;
}

export function fromItem(item: Record<string, unknown>): StoredCharge {
  const { version, outbox, ...rest } = item as unknown as ChargeItem & Record<string, unknown>;
  for (const key of [TABLE.partitionKey, TABLE.sortKey, ...INDEX_ATTRIBUTES]) delete rest[key];
  const events = Object.values(outbox ?? {}).sort((a, b) => a.event.recordedAt.localeCompare(b.event.recordedAt));
  return { state: { ...(rest as unknown as Omit<ChargeState, 'outbox'>), outbox: events }, version };
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
      throw new AwsServiceError('dynamodb', 'DynamoDB write failed', { cause: error });
    }
  }

  async markPublished(chargeKey: string, transitionIds: readonly string[], at: { version: number; emptiesOutbox: boolean }): Promise<void> {
    if (transitionIds.length === 0) return;
    const names: Record<string, string> = { '#o': 'outbox', '#v': 'version' };
    for (const [i, id] of transitionIds.entries()) names[`#t${i}`] = id;
    const removeEvents = transitionIds.map((_, i) => `#o.#t${i}`);
    const send = (leaveIndex: boolean) =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE.partitionKey]: chargePk(chargeKey), [TABLE.sortKey]: CHARGE_SK },
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
      await this.call(() => send(false));
    }
  }

  /** Charges whose oldest unpublished event's lease ended before `leaseEndedBefore`, oldest first. */
  async findPendingOutbox(leaseEndedBefore: string, limit: number): Promise<string[]> {
    const items = await this.queryBefore(OUTBOX, 'pending', leaseEndedBefore, limit);
    return items.map((item) => String(item[TABLE.partitionKey]).slice(chargePk('').length));
  }

  /** Takes a charge whose outbox is empty out of the sweep's index (if unchanged since `version`). */
  async forgetEmptyOutbox(chargeKey: string, version: number): Promise<void> {
    await this.updateIfStill(chargeKey, {
      UpdateExpression: 'REMOVE #ok, #ol',
      ConditionExpression: '#v = :version',
      ExpressionAttributeNames: { '#ok': OUTBOX.partitionKey, '#ol': OUTBOX.sortKey, '#v': 'version' },
      ExpressionAttributeValues: { ':version': version },
    });
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
      throw new AwsServiceError('dynamodb', 'DynamoDB write failed', { cause: error });
    }
  }

  /**
   * Why a message is about to be dead-lettered, keyed by SQS message id, so an operator
   * listing the DLQ sees the reason (SQS itself keeps none). Best effort: the caller ignores
   * a failure here, since the message reaches the DLQ either way.
   */
  async noteDeadLetter(note: DeadLetterNote): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { [TABLE.partitionKey]: DEAD_LETTER_PK, [TABLE.sortKey]: note.messageId, ...note },
      }),
    );
  }

  /** Every parked notification, oldest first. */
  async listParked(): Promise<ParkedItem[]> {
    const items = await this.queryAll(PARKED_PK);
    return items.map((item) => {
      const { [TABLE.partitionKey]: _pk, [TABLE.sortKey]: id, ...rest } = item;
      return { id: String(id), ...(rest as Omit<ParkedItem, 'id'>) };
    });
  }

  async deleteParked(id: string): Promise<void> {
    await this.call(() => this.client.send(new DeleteCommand({ TableName: this.tableName, Key: this.key(PARKED_PK, id) })));
  }

  /** The notes of those of `messageIds` that have one, by message id. */
  async deadLetterNotes(messageIds: readonly string[]): Promise<Map<string, DeadLetterNote>> {
    const notes = new Map<string, DeadLetterNote>();
    for (let i = 0; i < messageIds.length; i += 100) {
      const keys = messageIds.slice(i, i + 100).map((id) => this.key(DEAD_LETTER_PK, id));
      const out = await this.call(() => this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } })));
      for (const item of out.Responses?.[this.tableName] ?? []) notes.set(String(item[TABLE.sortKey]), item as DeadLetterNote);
    }
    return notes;
  }

  async deleteDeadLetterNote(messageId: string): Promise<void> {
    await this.call(() => this.client.send(new DeleteCommand({ TableName: this.tableName, Key: this.key(DEAD_LETTER_PK, messageId) })));
  }

  /** A probe's record, once the processor has handled it; null before. */
  async findProbe(probeId: string): Promise<ProbeRecord | null> {
    const out = await this.call(() => this.client.send(new GetCommand({ TableName: this.tableName, Key: this.key(PROBE_PK, probeId), ConsistentRead: true })));
    return out.Item ? (out.Item as ProbeRecord) : null;
  }

  async deleteProbe(probeId: string): Promise<void> {
    await this.call(() => this.client.send(new DeleteCommand({ TableName: this.tableName, Key: this.key(PROBE_PK, probeId) })));
  }

  async recordProbe(record: ProbeRecord): Promise<void> {
    await this.call(() =>
      this.client.send(new PutCommand({ TableName: this.tableName, Item: { [TABLE.partitionKey]: PROBE_PK, [TABLE.sortKey]: record.probeId, ...record } })),
    );
  }

  /** Charges of one flavour awaiting PicPay, last checked before `checkedBefore`, least recently checked first. */
  async findAwaiting(flavour: ReconcileFlavour, checkedBefore: string, limit: number): Promise<ReconcileCandidate[]> {
    const items = await this.queryBefore(AWAITING, flavour, checkedBefore, limit);
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

  private key(partition: string, sort: string): Record<string, string> {
    return { [TABLE.partitionKey]: partition, [TABLE.sortKey]: sort };
  }

  /** Every item of one partition of the table, page by page. */
  private async queryAll(partition: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :p',
            ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
            ExpressionAttributeValues: { ':p': partition },
            ExclusiveStartKey: start,
          }),
        ),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** One sparse index's items under `partition` whose sort key is before `before`, in order. */
  private async queryBefore(index: { name: string; partitionKey: string; sortKey: string }, partition: string, before: string, limit: number) {
    const out = await this.call(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: '#k = :partition AND #s < :before',
          ExpressionAttributeNames: { '#k': index.partitionKey, '#s': index.sortKey },
          ExpressionAttributeValues: { ':partition': partition, ':before': before },
          Limit: limit,
        }),
      ),
    );
    return out.Items ?? [];
  }

  /** The same conditional update on several charges, ten at a time. */
  private async each(charges: readonly ChargeRef[], update: ConditionalUpdate): Promise<void> {
    for (let i = 0; i < charges.length; i += 10) {
      await Promise.all(charges.slice(i, i + 10).map((c) => this.updateIfStill(chargeKeyOf(c.flavour, c.chargeId), update)));
    }
  }

  /** A conditional update of a charge; a failed condition means there is nothing to do. */
  private async updateIfStill(chargeKey: string, update: ConditionalUpdate): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: { [TABLE.partitionKey]: chargePk(chargeKey), [TABLE.sortKey]: CHARGE_SK }, ...update }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw new AwsServiceError('dynamodb', 'DynamoDB write failed', { cause: error });
    }
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new AwsServiceError('dynamodb', 'DynamoDB request failed', { cause: error });
    }
  }
}
