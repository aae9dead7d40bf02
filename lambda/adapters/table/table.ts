import { ConditionalCheckFailedException, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { type IndexSpec, TABLE, TABLE_INDEXES } from '../../contract.js';
import { AwsServiceError } from '../../domain/errors.js';

/**
 * The one table's layout and the helpers its stores share. One store per item family reads and
 * writes it (docs/architecture.md, "Data model"), each in a file of this folder:
 * - charges.ts:         pk `CHARGE#<flavour>#<chargeId>`, sk `STATE`: the charge, its history
 *                       and its outbox (a map keyed by transitionId);
 * - outbox-index.ts:    the sparse `outbox` index over charges with unpublished events;
 * - reconcile-index.ts: the sparse `awaiting` index over charges PicPay has not settled;
 * - parked.ts:          pk `PARKED`, sk `<receivedAt>#<requestId>`: notifications for an operator;
 * - dead-letters.ts:    pk `DEADLETTER`, sk the SQS message id: why the processor gave up;
 * - probes.ts:          pk `PROBE`, sk the probe id: `picpay-webhooks doctor`'s probes;
 * - links.ts:           pk `LINK#<paymentLinkId>`, sk a payment transaction id: a Payment Link's payments;
 * - last-seen.ts:       pk `SEEN`, sk the flavour: when PicPay's newest notification of it arrived;
 * - event-log.ts:       pk `EVENTS#<hour of recordedAt>`, sk `<recordedAt>#<transitionId>`: every event as published.
 * With `retentionDays`, charges in a final state and event-log items carry DynamoDB's TTL
 * attribute (TABLE.ttlAttribute); parked items and dead-letter notes never do.
 * Every write is a single-item write (no transactions, no streams: dynalite runs it locally).
 */
export const chargePk = (chargeKey: string) => `CHARGE#${chargeKey}`;
export const CHARGE_SK = 'STATE';
export const PARKED_PK = 'PARKED';
export const DEAD_LETTER_PK = 'DEADLETTER';
export const PROBE_PK = 'PROBE';
export const LAST_SEEN_PK = 'SEEN';
export const linkPk = (paymentLinkId: string) => `${TABLE.linkPartitionPrefix}${paymentLinkId}`;

/** The document client the stores expect: items keep no `undefined` members. */
export function documentClientFor(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

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

export type ConditionalUpdate = Pick<UpdateCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;

/** The table, as each store sees it: the client, the name, and the requests they all make. */
export class Table {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly name: string,
  ) {}

  key(partition: string, sort: string): Record<string, string> {
    return { [TABLE.partitionKey]: partition, [TABLE.sortKey]: sort };
  }

  chargeKey(chargeKey: string): Record<string, string> {
    return this.key(chargePk(chargeKey), CHARGE_SK);
  }

  /** Runs a request; any failure is DynamoDB's, and retryable. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new AwsServiceError('dynamodb', 'DynamoDB request failed', { cause: error });
    }
  }

  /** Every item of one partition of the table, page by page. */
  async queryAll(partition: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.name,
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
  async queryBefore(index: Pick<IndexSpec, 'name' | 'partitionKey' | 'sortKey'>, partition: string, before: string, limit: number) {
    const out = await this.call(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.name,
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

  /** A conditional update of a charge; a failed condition means there is nothing to do. */
  async updateChargeIfStill(chargeKey: string, update: ConditionalUpdate): Promise<void> {
    try {
      await this.client.send(new UpdateCommand({ TableName: this.name, Key: this.chargeKey(chargeKey), ...update }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw new AwsServiceError('dynamodb', 'DynamoDB write failed', { cause: error });
    }
  }
}
