import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Flavour } from '../../domain/flavour.js';
import { AwsServiceError } from '../../domain/errors.js';
import { LAST_SEEN_PK, type Table } from './table.js';

/** When the newest PicPay notification of a flavour was received, and its request id. */
export interface LastSeen {
  readonly receivedAt: string;
  readonly requestId: string;
}

/**
 * The newest notification PicPay sent of each flavour: pk `SEEN`, sk the flavour, written by the
 * processor (the authenticator has no table access), read by `picpay-webhooks doctor`. A
 * conditional write, at most once a minute per flavour from each execution environment
 * (NOTE_SEEN_EVERY_MS), never moved back by an older one arriving late; one GetItem per flavour
 * to read, where the newest charge of a flavour would take a scan.
 */
export class LastSeenStore {
  constructor(private readonly table: Table) {}

  async note(flavour: Flavour, seen: LastSeen): Promise<void> {
    const { client, name } = this.table;
    try {
      await client.send(
        new UpdateCommand({
          TableName: name,
          Key: this.table.key(LAST_SEEN_PK, flavour),
          UpdateExpression: 'SET receivedAt = :at, requestId = :id',
          ConditionExpression: 'attribute_not_exists(receivedAt) OR receivedAt < :at',
          ExpressionAttributeValues: { ':at': seen.receivedAt, ':id': seen.requestId },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return;
      throw new AwsServiceError('dynamodb', 'DynamoDB request failed', { cause: error });
    }
  }

  async get(flavour: Flavour): Promise<LastSeen | null> {
    const { client, name } = this.table;
    const out = await this.table.call(() => client.send(new GetCommand({ TableName: name, Key: this.table.key(LAST_SEEN_PK, flavour) })));
    return out.Item ? { receivedAt: String(out.Item.receivedAt), requestId: String(out.Item.requestId) } : null;
  }
}
