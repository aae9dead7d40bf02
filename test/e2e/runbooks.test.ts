import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';

/**
 * The parked-replay runbook of docs/operations.md, run as an operator runs it (the script file
 * docs/runbooks/replay-parked.sh, executed by bash) with the AWS CLI against the local
 * pipeline's emulators: a 200 KiB envelope goes through, and when send-message fails the parked
 * item is kept.
 */
const SCRIPT = fileURLToPath(new URL('../../docs/runbooks/replay-parked.sh', import.meta.url));
const OPERATIONS = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');

const savedEnv = { ...process.env };
let pipeline: LocalPipeline;
let ddb: DynamoDBDocumentClient;
let sqs: SQSClient;
// A queue that no poller reads, so what the runbook sends stays there to be looked at.
let inbox: string;

beforeAll(async () => {
  for (const [tool, install] of [
    ['aws', 'pip install awscli (or the AWS CLI v2 installer)'],
    ['jq', 'apt-get install jq'],
  ] as const) {
    const ok = await new Promise<boolean>((resolve) =>
      spawn(tool, ['--version'])
        .on('error', () => resolve(false))
        .on('close', (code) => resolve(code === 0)),
    );
    if (!ok) throw new Error(`The runbook test runs the commands an operator runs and needs \`${tool}\`: ${install}`);
  }
  pipeline = await startLocalPipeline({ port: 0, logLevel: 'SILENT', reconcileEverySeconds: 0 });
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: pipeline.endpoints.dynamodb, credentials }));
  sqs = new SQSClient({ region: 'us-east-1', endpoint: pipeline.endpoints.sqs, credentials, useQueueUrlAsEndpoint: false });
  inbox = (await sqs.send(new CreateQueueCommand({ QueueName: 'runbook-inbox' }))).QueueUrl!;
}, 60000);

afterAll(async () => {
  ddb?.destroy();
  sqs?.destroy();
  await pipeline?.stop();
  process.env = savedEnv;
});

/** Runs the script file in bash (asynchronously: the emulators live in this process). */
function runbook(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', [SCRIPT, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      // A region the AWS CLI v1 does not know: for the real ones it pins SQS to <region>.queue.amazonaws.com,
      // ignoring AWS_ENDPOINT_URL_SQS (the emulators ignore the region).
      AWS_DEFAULT_REGION: 'local-1',
      AWS_ENDPOINT_URL_DYNAMODB: pipeline.endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: pipeline.endpoints.sqs,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

async function park(sk: string, bodyBytes: number) {
  const envelope = JSON.stringify({
    v: 1,
    flavour: 'checkout',
    eventType: 'TransactionUpdateMessage',
    receivedAt: '2026-11-23T10:00:00.000Z',
    requestId: sk,
    body: `{"pad":"${'x'.repeat(bodyBytes - 10)}"}`,
  });
  await ddb.send(new PutCommand({ TableName: pipeline.resources.tableName, Item: { pk: 'PARKED', sk, reason: 'body_too_large', envelope } }));
  return envelope;
}
const parked = async (sk: string) =>
  (await ddb.send(new GetCommand({ TableName: pipeline.resources.tableName, Key: { pk: 'PARKED', sk }, ConsistentRead: true }))).Item;

describe('runbook docs/runbooks/replay-parked.sh: replay a parked notification', () => {
  test('the script is executable, stops at the first failure, and docs/operations.md links to it', () => {
    expect(() => accessSync(SCRIPT, constants.X_OK)).not.toThrow();
    expect(readFileSync(SCRIPT, 'utf8')).toMatch(/^set -euo pipefail$/m);
    expect(OPERATIONS).toContain('](runbooks/replay-parked.sh)');
  });

  test('without its three arguments it prints its usage and does nothing', async () => {
    const r = await runbook([pipeline.resources.tableName, inbox]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage:');
    expect(r.stdout).toBe('');
  }, 30000);

  test('a 200 KiB envelope is sent whole, then the item is deleted', async () => {
    const envelope = await park('2026-11-23T10:00:00.000Z#big', 200 * 1024);
    expect(Buffer.byteLength(envelope)).toBeGreaterThan(200 * 1024);
    const r = await runbook([pipeline.resources.tableName, inbox, '2026-11-23T10:00:00.000Z#big']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('replayed 2026-11-23T10:00:00.000Z#big');
    expect(await parked('2026-11-23T10:00:00.000Z#big')).toBeUndefined();
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: inbox, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(got.Messages?.map((m) => m.Body)).toEqual([envelope]);
  }, 30000);

  test('when send-message fails, it stops there and the parked item is kept', async () => {
    await park('2026-11-23T10:00:00.000Z#kept', 1024);
    const missingQueue = inbox.replace(/[^/]+$/, 'no-such-queue');
    const r = await runbook([pipeline.resources.tableName, missingQueue, '2026-11-23T10:00:00.000Z#kept']);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toContain('replayed');
    expect(await parked('2026-11-23T10:00:00.000Z#kept')).toBeDefined();
  }, 30000);

  test('an id that is not parked sends nothing and deletes nothing', async () => {
    const before = Number(
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: inbox, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes
        ?.ApproximateNumberOfMessages,
    );
    const r = await runbook([pipeline.resources.tableName, inbox, 'no-such-sk']);
    expect(r.status).not.toBe(0);
    const after = Number(
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: inbox, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes
        ?.ApproximateNumberOfMessages,
    );
    expect(after).toBe(before);
  }, 30000);
});
