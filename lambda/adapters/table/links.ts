import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../../contract.js';
import type { PaymentLinkIndex } from '../../domain/ports.js';
import { linkPk, type Table } from './table.js';

/**
 * Payment Link payments by link: pk `LINK#<paymentLinkId>`, sk the payment transaction id, one
 * small item per payment (a link paid many times never grows one item).
 */
export class PaymentLinkStore implements PaymentLinkIndex {
  constructor(private readonly table: Table) {}

  async addPayment(linkId: string, paymentId: string): Promise<void> {
    await this.table.call(() =>
      this.table.client.send(new PutCommand({ TableName: this.table.name, Item: { ...this.table.key(linkPk(linkId), paymentId), paymentLinkId: linkId } })),
    );
  }

  async paymentsOf(linkId: string, limit: number): Promise<string[]> {
    const out = await this.table.call(() =>
      this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: '#pk = :p',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
          ExpressionAttributeValues: { ':p': linkPk(linkId) },
          ConsistentRead: true,
          Limit: limit,
        }),
      ),
    );
    return (out.Items ?? []).map((item) => String(item[TABLE.sortKey]));
  }
}
