import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../../contract.js';
import { serializeEnvelope } from '../../domain/envelope.js';
import { AwsServiceError } from '../../domain/errors.js';
import type { ParkedNotification, ParkingLot } from '../../domain/ports.js';
import { PARKED_PK, type Table } from './table.js';

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

/**
 * Parked notifications: pk `PARKED`, sk `<receivedAt>#<requestId>`. `envelope` is the queue
 * message as a JSON string, so a replay is one send-message of it.
 */
export class ParkedStore implements ParkingLot {
  constructor(private readonly table: Table) {}

  async park(notification: ParkedNotification): Promise<void> {
    const { envelope } = notification;
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...this.table.key(PARKED_PK, `${envelope.receivedAt}#${envelope.requestId}`),
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

  /** Every parked notification, oldest first. */
  async list(): Promise<ParkedItem[]> {
    const items = await this.table.queryAll(PARKED_PK);
    return items.map((item) => {
      const { [TABLE.partitionKey]: _pk, [TABLE.sortKey]: id, ...rest } = item;
      return { id: String(id), ...(rest as Omit<ParkedItem, 'id'>) };
    });
  }

  async delete(id: string): Promise<void> {
    await this.table.call(() => this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: this.table.key(PARKED_PK, id) })));
  }
}
