/**
 * The processor's floor (`npm run bench`): a bare ES module with the same AWS SDK clients, built
 * the same way (BUNDLING), making the calls the processor makes for a checkout status change
 * (read the charge, put it with its outbox, publish the event, clear the outbox) and nothing
 * else: no parsing, no state rules, no logging, metrics or tracing. The processor's cold start
 * is measured against it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ENV, TABLE } from '../../../lambda/contract.js';

let clients: { db: DynamoDBDocumentClient; sns: SNSClient; sqs: SQSClient; secrets: SecretsManagerClient } | undefined;

export async function handler(event: { Records: Array<{ messageId: string; body: string }> }): Promise<{ batchItemFailures: never[] }> {
  clients ??= {
    db: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    sns: new SNSClient({}),
    // Created as the processor creates them, though this event needs no call on them.
    sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
    secrets: new SecretsManagerClient({}),
  };
  const { db, sns } = clients;
  const TableName = process.env[ENV.tableName];
  for (const record of event.Records) {
    const Key = { [TABLE.partitionKey]: `floor#${record.messageId}`, [TABLE.sortKey]: 'charge' };
    await db.send(new GetCommand({ TableName, Key, ConsistentRead: true }));
    await db.send(new PutCommand({ TableName, Item: { ...Key, body: record.body, outbox: [record.messageId] } }));
    await sns.send(new PublishCommand({ TopicArn: process.env[ENV.topicArn], Message: record.body }));
    await db.send(new UpdateCommand({ TableName, Key, UpdateExpression: 'REMOVE outbox' }));
  }
  return { batchItemFailures: [] };
}
