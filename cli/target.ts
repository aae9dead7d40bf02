import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type TableStores, tableStores } from '../lambda/adapters/table/stores.js';
import { documentClientFor } from '../lambda/adapters/table/table.js';
import { inboundTokensSchema, newestToken } from '../lambda/adapters/tokens-secret.js';

/**
 * Where the CLI points: the local pipeline (`npm start` writes its endpoints to
 * .local-data/local-pipeline.json) or a deployed stack (its CloudFormation outputs).
 */
export interface Target {
  readonly name: string;
  readonly callbackUrl: string;
  readonly webhookUrl: string;
  /** POST /charges (AWS IAM): register a legacy payment. Absent for stacks older than the route. */
  readonly registrationUrl?: string;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** The charge events topic (`events tail`, `events replay --to-topic`); absent in a target file written before it. */
  readonly topicArn?: string;
  /** The tokens secret (sellerToken, checkoutToken). */
  readonly secretId?: string;
  /** The PicPay credentials secret (picpayToken, picpayClientId/Secret); absent for stacks deployed with one secret. */
  readonly credentialsSecretId?: string;
  /** Known locally; for a stack, read from the secret when a command needs them. */
  readonly tokens?: { readonly sellerToken: string; readonly checkoutToken: string };
  /** Local only: the PicPay sandbox that serves legacy statuses. */
  readonly picpaySandboxUrl?: string;
  /** A deployed stack: its name, alarm topic and the PicPay API its processor calls. */
  readonly stackName?: string;
  readonly alarmTopicArn?: string;
  readonly picpayBaseUrl?: string;
  readonly aws: {
    readonly region?: string;
    /** Local only: the emulators (SNS is served by the SQS emulator when absent). */
    readonly endpoints?: { readonly sqs: string; readonly sns?: string; readonly dynamodb: string; readonly secretsManager: string };
    /** Local only: the emulators' (and the local IAM route's) credentials. */
    readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  /** Local only: the process serving it, so a target left behind by a crash is recognized. */
  readonly pid?: number;
}

/** Where `npm start` keeps its data (table, queues) and its target file; LOCAL_DATA_DIR moves it. */
export const LOCAL_DATA_DIR = process.env.LOCAL_DATA_DIR ? resolve(process.env.LOCAL_DATA_DIR) : fileURLToPath(new URL('../.local-data/', import.meta.url));
export const LOCAL_STATE_FILE = join(LOCAL_DATA_DIR, 'local-pipeline.json');

export const NO_LOCAL_PIPELINE = 'No local pipeline is running, start it with `npm start` (or pass --stack <name> for a deployed stack).';

export function writeLocalTarget(target: Target, file = LOCAL_STATE_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(target, null, 2)}\n`);
}

export function removeLocalTarget(file = LOCAL_STATE_FILE): void {
  rmSync(file, { force: true });
}

/** The running local pipeline's target; throws NO_LOCAL_PIPELINE when there is none, or only one a crash left behind. */
export function readLocalTarget(file = LOCAL_STATE_FILE): Target {
  const target = readTargetFile(file);
  if (!target || !isAlive(target.pid)) throw new CliError(NO_LOCAL_PIPELINE);
  return target;
}

/** The target file's content, whether or not its process still runs; undefined when absent or unreadable. */
export function readTargetFile(file = LOCAL_STATE_FILE): Target | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Target;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A deployed receiver, from its stack's outputs. The standalone stack's outputs are named by
 * their key (`CallbackUrl`); a stack holding several receivers (the construct) starts each
 * receiver's with its id (`LojaCallbackUrl`): `receiver` picks one.
 */
export async function stackTarget(stackName: string, region?: string, receiver?: string): Promise<Target> {
  const cfn = new CloudFormationClient(region ? { region } : {});
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue]));
    return targetFromOutputs(stackName, outputs, { region, receiver });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`Could not read stack ${stackName}: ${(error as Error).message}`);
  } finally {
    cfn.destroy();
  }
}

/**
 * The receivers a stack's outputs describe: each prefix with a `CallbackUrl`, a `WebhookUrl` and a
 * `TableName` output (`` for the receiver with id `Default`, the standalone stack's).
 */
export function receiversIn(outputs: Readonly<Record<string, string | undefined>>): string[] {
  return Object.keys(outputs)
    .filter((key) => key.endsWith('CallbackUrl'))
    .map((key) => key.slice(0, -'CallbackUrl'.length))
    .filter((prefix) => outputs[`${prefix}WebhookUrl`] !== undefined && outputs[`${prefix}TableName`] !== undefined);
}

/** A receiver as the CLI names it: its output prefix, or `Default` for the unprefixed one. */
const receiverName = (prefix: string) => (prefix === '' ? 'Default' : prefix);

/** A receiver's target from its stack's outputs; a CliError says what is missing, or which receivers there are to pick. */
export function targetFromOutputs(
  stackName: string,
  outputs: Readonly<Record<string, string | undefined>>,
  options: { readonly region?: string; readonly receiver?: string } = {},
): Target {
  // The construct's output prefix: its id's letters and digits; none for the id `Default` (lib/construct.ts).
  const prefix = options.receiver === undefined || options.receiver === 'Default' ? '' : options.receiver.replace(/[^A-Za-z0-9]/g, '');
  if (options.receiver !== undefined && options.receiver !== 'Default' && prefix === '') {
    throw new CliError(`--receiver ${options.receiver} is not a construct id: give the id of the PicPayWebhooks construct`);
  }
  const receivers = receiversIn(outputs);
  const names = receivers.map(receiverName).join(', ');
  if (options.receiver === undefined && receivers.length > 1) {
    throw new CliError(`Stack ${stackName} holds ${receivers.length} receivers (${names}): pick one with --receiver ID`);
  }
  if (options.receiver !== undefined && !receivers.includes(prefix)) {
    const held =
      receivers.length === 0 ? '' : receivers.length === 1 && receivers[0] === '' ? ' (it holds one receiver: drop --receiver)' : ` (it holds ${names})`;
    throw new CliError(`Stack ${stackName} has no receiver ${options.receiver}${held}`);
  }
  if (options.receiver === undefined && receivers.length === 1 && receivers[0] !== '') {
    throw new CliError(`Stack ${stackName} holds 1 receiver (${names}): pick it with --receiver ${names}`);
  }
  const need = (key: string) => {
    const value = outputs[`${prefix}${key}`];
    if (!value) throw new CliError(`Stack ${stackName} has no output ${prefix}${key}: is it a picpay-webhooks stack?`);
    return value;
  };
  const optional = (key: string) => outputs[`${prefix}${key}`];
  return {
    name: options.receiver === undefined ? `stack ${stackName}` : `stack ${stackName}, receiver ${options.receiver}`,
    callbackUrl: need('CallbackUrl'),
    webhookUrl: need('WebhookUrl'),
    registrationUrl: optional('RegistrationUrl'),
    tableName: need('TableName'),
    queueUrl: need('QueueUrl'),
    deadLetterQueueUrl: need('DeadLetterQueueUrl'),
    topicArn: optional('TopicArn'),
    secretId: need('SecretName'),
    credentialsSecretId: optional('CredentialsSecretName'),
    stackName,
    alarmTopicArn: optional('AlarmTopicArn'),
    picpayBaseUrl: optional('PicPayBaseUrl'),
    aws: { region: options.region },
  };
}

/** An error whose message is for the user, printed without a stack trace. */
export class CliError extends Error {}

export interface Clients {
  readonly ddb: DynamoDBDocumentClient;
  /** The table, read and written only through its stores (lambda/adapters/table/: they own the item layout). */
  readonly stores: TableStores;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly secrets: SecretsManagerClient;
  destroy(): void;
}

export function clientsFor(target: Target): Clients {
  const local = target.aws.endpoints;
  const base = {
    ...(target.aws.region ? { region: target.aws.region } : {}),
    ...(local ? { region: target.aws.region ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  };
  const dynamo = new DynamoDBClient({ ...base, ...(local ? { endpoint: local.dynamodb } : {}) });
  const sqs = new SQSClient({ ...base, useQueueUrlAsEndpoint: false, ...(local ? { endpoint: local.sqs } : {}) });
  const sns = new SNSClient({ ...base, ...(local ? { endpoint: local.sns ?? local.sqs } : {}) });
  const secrets = new SecretsManagerClient({ ...base, ...(local ? { endpoint: local.secretsManager } : {}) });
  const ddb = documentClientFor(dynamo);
  return {
    ddb,
    stores: tableStores(ddb, target.tableName),
    sqs,
    sns,
    secrets,
    destroy() {
      dynamo.destroy();
      sqs.destroy();
      sns.destroy();
      secrets.destroy();
    },
  };
}

/** The tokens to sign simulated notifications with: known locally, read from the secret otherwise. */
export async function readTargetTokens(target: Target, clients: Clients): Promise<{ sellerToken: string; checkoutToken: string }> {
  if (target.tokens) return target.tokens;
  if (!target.secretId) throw new CliError('No tokens known for this target; pass --seller-token and --checkout-token.');
  const out = await clients.secrets.send(new GetSecretValueCommand({ SecretId: target.secretId }));
  let json: unknown;
  try {
    json = JSON.parse(out.SecretString ?? '{}');
  } catch {
    // Not the parse error's message: it quotes the secret's text, a token.
    throw new CliError(`The tokens secret ${target.secretId} is not JSON.`);
  }
  const parsed = inboundTokensSchema.safeParse(json);
  if (!parsed.success) throw new CliError(`The tokens secret ${target.secretId} is not the expected JSON: ${parsed.error.message}`);
  return { sellerToken: newestToken(parsed.data.sellerToken), checkoutToken: newestToken(parsed.data.checkoutToken) };
}
