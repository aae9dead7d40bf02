/**
 * The authenticator's floor (`npm run bench`): a bare ES module with the same AWS SDK clients,
 * built the same way (BUNDLING), making the same calls on its first event (read the tokens
 * secret, send the notification to the queue) and nothing else: no token check, no logging, no
 * metrics, no validation. The authenticator's cold start is measured against it.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ENV } from '../../../lambda/contract.js';

let clients: { sqs: SQSClient; secrets: SecretsManagerClient; tokens: Promise<string | undefined> } | undefined;

export async function handler(event: { body: string | null }): Promise<{ statusCode: number; body: string }> {
  if (!clients) {
    const secrets = new SecretsManagerClient({});
    const tokens = secrets.send(new GetSecretValueCommand({ SecretId: process.env[ENV.secretId] })).then((r) => r.SecretString);
    clients = { sqs: new SQSClient({ useQueueUrlAsEndpoint: false }), secrets, tokens };
  }
  await clients.tokens;
  await clients.sqs.send(new SendMessageCommand({ QueueUrl: process.env[ENV.queueUrl], MessageBody: event.body ?? '' }));
  return { statusCode: 200, body: '' };
}
