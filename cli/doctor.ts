import { randomUUID } from 'node:crypto';
import { adviceFor } from './advice.js';
import { APIGatewayClient, GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, ListStackResourcesCommand, type StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, GetEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, type GetSecretValueCommandOutput } from '@aws-sdk/client-secrets-manager';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { inboundTokensSchema, OUTBOUND_KEYS, PLACEHOLDER, picpayCredentialsSchema } from '../lambda/adapters/tokens-secret.js';
import { PROBE_EVENT_TYPE_HEADER } from '../lambda/domain/event-types.js';
import { type ProbeRecord, probeBody } from '../lambda/domain/probe.js';
import { removeStaleTails } from './events.js';
import type { Io } from './io.js';
import type { Clients, Target } from './target.js';

/**
 * `picpay-webhooks doctor`: checks a running pipeline end to end and prints one line per
 * check, with what to do when it fails. Exit status 0 only when no check failed; a check that
 * does not apply to the target (the local pipeline has no AWS account) says so and is skipped;
 * a WARN line works today but should be fixed (it does not change the exit status).
 */

/** Facts about the AWS account around a deployed stack; absent for the local pipeline. */
export interface AccountFacts {
  /** `aws apigateway get-account` → cloudwatchRoleArn, or null. */
  apiGatewayLoggingRole(): Promise<string | null>;
  /**
   * Unreserved concurrency of the account and the processors' cap (null: one is uncapped): the
   * sum over the stack's receivers, `receivers` of them (1 when absent).
   */
  lambdaConcurrency(): Promise<{ unreserved: number; processorMax: number | null; receivers?: number }>;
  /** Subscriptions of the alarm topic. */
  alarmSubscriptions(): Promise<Array<{ protocol: string; endpoint: string; confirmed: boolean }>>;
}

export interface DoctorOptions {
  readonly facts?: AccountFacts;
  /** How long to wait for each probe to be recorded (default 60 s). */
  readonly probeTimeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** Concurrent executions the authenticator should always find free: PicPay's bursts at the
 * stage's default 50 rps take ~3 (50 × ~50 ms), and a throttled authenticator answers 5xx. */
export const AUTHENTICATOR_HEADROOM = 3;

type Result = { status: 'PASS' | 'FAIL' | 'SKIP' | 'WARN'; detail: string; fix?: string };
const pass = (detail: string): Result => ({ status: 'PASS', detail });
const fail = (detail: string, fix: string): Result => ({ status: 'FAIL', detail, fix });
const skip = (detail: string): Result => ({ status: 'SKIP', detail });
const warn = (detail: string, fix: string): Result => ({ status: 'WARN', detail, fix });

interface Secret {
  readonly sellerToken: string | null;
  readonly checkoutToken: string | null;
  readonly picpayToken: string | null;
}

const TOKEN_KEYS = ['sellerToken', 'checkoutToken'] as const;

/** The keys of each secret: the schemas' own (lambda/adapters/tokens-secret.ts), one definition. */
const INBOUND_KEYS = Object.keys(inboundTokensSchema.shape);

const UPGRADE_DOC = 'docs/operations.md, "Upgrading from one secret"';

const NOT_HERE = 'not applicable to the local pipeline (no AWS account)';

/** One doctor run: what it checks, how it reaches it, and the checks' tally. */
interface DoctorRun {
  readonly target: Target;
  readonly clients: Clients;
  readonly http: typeof fetch;
  readonly facts: AccountFacts | undefined;
  readonly probeTimeoutMs: number;
  /** The commands that fix the tokens secret and the PicPay credentials secret, for the fix hints. */
  readonly secretCmd: string;
  readonly credentialsCmd: string;
  /** Prints one check's line and counts it if it failed. */
  report(name: string, r: Result): void;
  /** Runs one check and reports it; a check that throws fails with what it threw. */
  check(name: string, run: () => Promise<Result>): Promise<Result>;
  readonly failures: number;
}

/** What the two secret checks found, for the checks after them. */
interface SecretFindings {
  /** The newest token of each kind, or null when the secrets are not usable. */
  secret: Secret | null;
  /** The checkout API client: 'on', 'off' or which half of it is set. */
  checkoutClient: string;
  /** The tokens secret's JSON, once read: a stack deployed with one secret keeps the credentials there too. */
  tokensJson: Record<string, unknown> | null;
}

/** A webhook URL, the header that carries its token, and the token (null when not configured). */
interface NotificationUrl {
  readonly flavour: 'legacy' | 'checkout';
  readonly url: string;
  readonly header: string;
  readonly token: string | null;
}

/** A probe sent to one URL, and what the authenticator answered (status 0: no answer). */
interface SentProbe extends NotificationUrl {
  readonly id: string;
  sent: null | { status: number; text: string; error?: unknown };
}

export async function doctor(target: Target, clients: Clients, io: Io, options: DoctorOptions = {}): Promise<number> {
  const run = startRun(target, clients, io, options);
  io.out(`Checking ${target.name}…`);

  await run.check('api-gateway-logging-role', () => checkApiGatewayLoggingRole(run));
  const found: SecretFindings = { secret: null, checkoutClient: 'off', tokensJson: null };
  await run.check('tokens-secret', () => checkTokensSecret(run, found));
  await run.check('credentials-secret', () => checkCredentialsSecret(run, found));
  const tokens = found.secret;
  await run.check('checkout-reconciliation', async () => checkCheckoutReconciliation(tokens, found.checkoutClient));
  await run.check('picpay-token', () => checkPicPayToken(run, tokens));
  await run.check('alarm-subscription', () => checkAlarmSubscription(run));

  const urls = notificationUrls(target, tokens);
  for (const u of urls) await run.check(`wrong-token ${new URL(u.url).pathname.split('/').at(-1)}`, () => checkWrongToken(run, u));

  // Probes: one per configured flavour, sent together, then read back from the table.
  const probes = await sendProbes(run, urls, tokens);
  const deadline = Date.now() + run.probeTimeoutMs;
  for (const p of probes) await run.check(`probe ${p.flavour}`, () => checkProbe(run, p, deadline));

  await run.check('last-notification', () => checkLastNotification(run));
  await run.check('dead-letter-queue', () => checkDeadLetterQueue(run));
  await run.check('parked', () => checkParked(run));
  await run.check('tail-leftovers', () => checkTailLeftovers(run));
  await run.check('lambda-concurrency', () => checkLambdaConcurrency(run));

  io.out(run.failures === 0 ? 'All checks passed.' : `${run.failures} check(s) failed.`);
  return run.failures === 0 ? 0 : 1;
}

function startRun(target: Target, clients: Clients, io: Io, options: DoctorOptions): DoctorRun {
  let failures = 0;
  const report = (name: string, r: Result) => {
    if (r.status === 'FAIL') failures++;
    io.out(`${r.status}  ${name.padEnd(26)} ${r.detail}${r.fix ? `  → ${r.fix}` : ''}`);
  };
  const check = async (name: string, run: () => Promise<Result>) => {
    let r: Result;
    try {
      r = await run();
    } catch (error) {
      const advice = adviceFor(error, { region: target.aws.region });
      r = fail(`could not check: ${advice.what} (${(error as Error).message})`, advice.fix);
    }
    report(name, r);
    return r;
  };
  return {
    target,
    clients,
    http: options.fetch ?? fetch,
    facts: options.facts,
    probeTimeoutMs: options.probeTimeoutMs ?? 60_000,
    secretCmd: `aws secretsmanager put-secret-value --secret-id '${target.secretId ?? '<SecretName output>'}' --secret-string '{"sellerToken":"…","checkoutToken":"…"}'`,
    credentialsCmd: `aws secretsmanager put-secret-value --secret-id '${target.credentialsSecretId ?? '<CredentialsSecretName output>'}' --secret-string '{"picpayToken":"…","picpayClientId":"…","picpayClientSecret":"…"}'`,
    report,
    check,
    get failures() {
      return failures;
    },
  };
}

async function checkApiGatewayLoggingRole({ facts }: DoctorRun): Promise<Result> {
  if (!facts) return skip(NOT_HERE);
  const arn = await facts.apiGatewayLoggingRole();
  return arn
    ? pass(`API Gateway writes logs with ${arn}`)
    : fail(
        'this account/region has no API Gateway CloudWatch Logs role: stage logging cannot work',
        'deploy with -c apiGatewayCloudWatchRole=true (the default), or: aws apigateway update-account --patch-operations op=replace,path=/cloudwatchRoleArn,value=<role ARN>',
      );
}

/**
 * Reads a secret as JSON. Access denied says who may read it: the secrets' policies let in only
 * their function and the roles in operatorRoleArns (docs/security.md, "Who reads which secret").
 */
async function readSecretJson(run: DoctorRun, secretId: string, cmd: string): Promise<{ json: unknown } | Result> {
  let out: GetSecretValueCommandOutput;
  try {
    out = await run.clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'AccessDeniedException') throw error;
    return fail(
      `you may not read ${secretId}: only its function and the roles in operatorRoleArns may`,
      'deploy with -c operatorRoleArns=<the ARN of the role you run doctor with> (npx cdk deploy), then run doctor again',
    );
  }
  try {
    return { json: JSON.parse(out.SecretString ?? '') };
  } catch {
    return fail('the secret is not JSON', cmd);
  }
}

const isResult = (r: { json: unknown } | Result): r is Result => 'status' in r;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isSet = (v: unknown) => typeof v === 'string' && v.trim() !== '' && v.trim() !== PLACEHOLDER;

/**
 * The tokens secret: readable, JSON of the right shape, no placeholder left, no unknown key;
 * PicPay credentials left in it (a stack deployed with one secret) are warned of: the
 * internet-facing authenticator can read them. Fills `found` for the checks after it.
 */
async function checkTokensSecret(run: DoctorRun, found: SecretFindings): Promise<Result> {
  const { target, secretCmd } = run;
  if (!target.secretId) return fail('the target names no tokens secret', 'pass --stack <name> of a picpay-webhooks stack');
  const read = await readSecretJson(run, target.secretId, secretCmd);
  if (isResult(read)) return read;
  const { json } = read;
  const parsed = inboundTokensSchema.safeParse(json);
  if (!parsed.success || !isObject(json)) {
    const where = parsed.success ? 'the value' : parsed.error.issues.map((i) => i.path.join('.') || 'the value').join(', ');
    return fail(`the secret has the wrong shape (${where}): tokens are strings, or lists of strings while rotating`, secretCmd);
  }
  found.tokensJson = json;
  // The credentials' keys are known here too: a stack deployed with one secret kept them here.
  const known = [...INBOUND_KEYS, ...OUTBOUND_KEYS];
  const unknown = Object.keys(json).filter((k) => !known.includes(k));
  if (unknown.length > 0) return fail(`unknown key(s) ${unknown.join(', ')} (a typo?); the keys are ${INBOUND_KEYS.join(', ')}`, secretCmd);
  const values = (k: (typeof TOKEN_KEYS)[number]) => [parsed.data[k] ?? []].flat().map((t) => t.trim());
  const placeholders = TOKEN_KEYS.filter((k) => values(k).includes(PLACEHOLDER));
  if (placeholders.length > 0) return fail(`${placeholders.join(', ')} still ${PLACEHOLDER}: every notification is answered 503`, secretCmd);
  const empty = TOKEN_KEYS.filter((k) => values(k).some((t) => t === ''));
  if (empty.length > 0) return fail(`${empty.join(', ')} has an empty token`, secretCmd);
  const last = (k: (typeof TOKEN_KEYS)[number]) => values(k).at(-1) ?? null;
  found.secret = { sellerToken: last('sellerToken'), checkoutToken: last('checkoutToken'), picpayToken: null };
  if (!found.secret.sellerToken && !found.secret.checkoutToken) return fail('neither sellerToken nor checkoutToken is set: nothing can be accepted', secretCmd);
  const set = `set: ${TOKEN_KEYS.filter((k) => values(k).length > 0)
    .map((k) => `${k}${values(k).length > 1 ? ` (${values(k).length}, rotating)` : ''}`)
    .join(', ')}`;
  const leftovers = OUTBOUND_KEYS.filter((k) => isSet(json[k]));
  if (leftovers.length > 0 && target.credentialsSecretId)
    return warn(
      `${set}; it still holds the PicPay credentials ${leftovers.join(', ')}, which the internet-facing authenticator can read (and picpayClientSecret can refund)`,
      `put them in the credentials secret (credentials-secret below), then remove them here: ${secretCmd} (${UPGRADE_DOC})`,
    );
  return pass(set);
}

/**
 * The PicPay credentials secret: readable, of the right shape, picpayToken set when the legacy
 * flavour is. A stack deployed with one secret has none: its processor reads the tokens secret.
 */
async function checkCredentialsSecret(run: DoctorRun, found: SecretFindings): Promise<Result> {
  const { target, credentialsCmd } = run;
  if (!found.secret) return skip('the tokens secret is not usable (above)');
  let json: unknown;
  if (!target.credentialsSecretId) {
    // No CredentialsSecretName output: a stack deployed before the split, whose processor reads the tokens secret.
    json = found.tokensJson;
  } else {
    const read = await readSecretJson(run, target.credentialsSecretId, credentialsCmd);
    if (isResult(read)) return read;
    json = read.json;
  }
  const parsed = picpayCredentialsSchema.safeParse(json);
  if (!parsed.success || !isObject(json)) {
    const where = parsed.success ? 'the value' : parsed.error.issues.map((i) => i.path.join('.') || 'the value').join(', ');
    return fail(`the secret has the wrong shape (${where}): each credential is a string`, credentialsCmd);
  }
  const oneSecret = !target.credentialsSecretId;
  if (!oneSecret) {
    const unknown = Object.keys(json).filter((k) => !(OUTBOUND_KEYS as readonly string[]).includes(k));
    if (unknown.length > 0)
      return fail(
        `unknown key(s) ${unknown.join(', ')}; the keys are ${OUTBOUND_KEYS.join(', ')} (sellerToken and checkoutToken go in the tokens secret)`,
        credentialsCmd,
      );
  }
  const clientKeys = (['picpayClientId', 'picpayClientSecret'] as const).filter((k) => isSet(parsed.data[k]));
  found.checkoutClient = clientKeys.length === 2 ? 'on' : clientKeys.length === 0 ? 'off' : `only ${clientKeys[0]} is set`;
  const picpayToken = isSet(parsed.data.picpayToken) ? parsed.data.picpayToken!.trim() : null;
  found.secret = { ...found.secret, picpayToken };
  const stillInTokens = OUTBOUND_KEYS.filter((k) => isSet(found.tokensJson?.[k]));
  if (found.secret.sellerToken && !picpayToken) {
    const placeholder = parsed.data.picpayToken?.trim() === PLACEHOLDER;
    return fail(
      `sellerToken is set but picpayToken is ${placeholder ? `still ${PLACEHOLDER}` : 'not'}: legacy callbacks cannot be read from PicPay${
        stillInTokens.length > 0 ? ` (the tokens secret still holds ${stillInTokens.join(', ')}: the stack reads them here now)` : ''
      }`,
      `${credentialsCmd}${stillInTokens.length > 0 ? ` (${UPGRADE_DOC})` : ''}`,
    );
  }
  const set = OUTBOUND_KEYS.filter((k) => isSet(parsed.data[k]));
  if (oneSecret)
    return warn(
      `this stack keeps the PicPay credentials in the tokens secret (deployed before the split), where the internet-facing authenticator can read them`,
      `deploy this version (npx cdk deploy), then move them to the new credentials secret (${UPGRADE_DOC})`,
    );
  return pass(set.length > 0 ? `set: ${set.join(', ')}` : 'empty: no PicPay API is called (checkout only, confirmation off)');
}

function checkCheckoutReconciliation(tokens: Secret | null, checkoutClient: string): Result {
  if (!tokens) return skip('the secrets are not usable');
  if (checkoutClient === 'on')
    return pass(
      'picpayClientId and picpayClientSecret are set: money-moving checkout notifications are confirmed with find-charge, and waiting charges re-read',
    );
  if (checkoutClient === 'off')
    return skip(
      'off: no picpayClientId/picpayClientSecret in the PicPay credentials secret: checkout events are only as trustworthy as the checkout token (a paid, refunded or cancelled notification is applied as sent, not confirmed with PicPay), and checkout charges whose last webhook is lost are not recovered',
    );
  return fail(
    `${checkoutClient}: checkout reconciliation needs both`,
    'add picpayClientId and picpayClientSecret (Painel Lojista API credentials) to the PicPay credentials secret',
  );
}

/** PicPay's status API accepts picpayToken: an unknown reference is looked up with it. */
async function checkPicPayToken({ target, http, credentialsCmd }: DoctorRun, tokens: Secret | null): Promise<Result> {
  if (!tokens) return fail('the secrets are not usable (above)', 'fix tokens-secret and credentials-secret first');
  if (!tokens.picpayToken) return skip('no picpayToken: the legacy flavour is not configured');
  const base = target.picpayBaseUrl ?? target.picpaySandboxUrl ?? 'https://appws.picpay.com';
  const reference = `doctor-${randomUUID()}`;
  let status: number;
  try {
    const res = await http(`${base}/ecommerce/public/payments/${reference}/status`, {
      headers: { 'x-picpay-token': tokens.picpayToken },
      signal: AbortSignal.timeout(10_000),
    });
    status = res.status;
    await res.body?.cancel();
  } catch (error) {
    return fail(
      `PicPay's status API (${base}) did not answer: ${(error as Error).message}`,
      'check the network path to PicPay; the processor retries, then dead-letters',
    );
  }
  if (status === 401)
    return fail(
      `PicPay answered 401 to picpayToken: it is not a valid x-picpay-token`,
      `copy the integration token (x-picpay-token) from Painel Lojista into picpayToken: ${credentialsCmd}`,
    );
  if (status >= 500) return fail(`PicPay's status API answered ${status}`, 'PicPay is failing: try again later; the processor retries, then dead-letters');
  return pass(`PicPay accepts picpayToken (HTTP ${status} for an unknown reference)`);
}

async function checkAlarmSubscription({ target, facts }: DoctorRun): Promise<Result> {
  if (!facts) return skip(NOT_HERE);
  const subscriptions = await facts.alarmSubscriptions();
  const confirmed = subscriptions.filter((s) => s.confirmed);
  if (confirmed.length > 0) return pass(`alarms reach ${confirmed.map((s) => `${s.protocol}:${s.endpoint}`).join(', ')}`);
  if (subscriptions.length > 0)
    return fail(
      `${subscriptions.map((s) => s.endpoint).join(', ')} not confirmed yet: alarms reach nobody`,
      'open the "AWS Notification - Subscription Confirmation" e-mail and confirm it',
    );
  return fail(
    'the alarm topic has no subscription: alarms reach nobody',
    `deploy with -c alarmEmail=you@yourshop.com.br and confirm the e-mail, or: aws sns subscribe --topic-arn '${target.alarmTopicArn ?? '<AlarmTopicArn output>'}' --protocol email --notification-endpoint you@yourshop.com.br`,
  );
}

function notificationUrls(target: Target, tokens: Secret | null): NotificationUrl[] {
  return [
    { flavour: 'legacy' as const, url: target.callbackUrl, header: 'x-seller-token', token: tokens?.sellerToken ?? null },
    { flavour: 'checkout' as const, url: target.webhookUrl, header: 'authorization', token: tokens?.checkoutToken ?? null },
  ];
}

async function post(http: typeof fetch, url: string, headers: Record<string, string>, body: string) {
  const res = await http(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  return { status: res.status, text };
}

/** The URL is served by the authenticator: a wrong token is answered 401. */
async function checkWrongToken({ http }: DoctorRun, u: NotificationUrl): Promise<Result> {
  const { status } = await post(http, u.url, { [u.header]: `doctor-wrong-${randomUUID()}` }, '{}');
  if (status === 401) return pass(`${u.url} answers 401 to a wrong ${u.header}`);
  if (status === 503) return fail(`${u.url} answered 503 to a wrong token: tokens not configured`, 'fix tokens-secret');
  if (status === 403)
    return fail(
      `${u.url} answered 403: a firewall, WAF or a disabled execute-api endpoint stands in front`,
      'use the CallbackUrl/WebhookUrl outputs; check the WAF rate rule',
    );
  return fail(
    `${u.url} answered ${status} to a wrong token, expected 401`,
    'this URL is not served by the picpay-webhooks authenticator: check the outputs and the custom domain mapping',
  );
}

/** Sends a probe, all at once, to each URL whose token is configured; reports the others skipped. */
async function sendProbes(run: DoctorRun, urls: readonly NotificationUrl[], tokens: Secret | null): Promise<SentProbe[]> {
  const probes: SentProbe[] = urls
    .filter((u) => u.token)
    .map((u) => ({ ...u, id: `doctor-${randomUUID()}`, sent: null as null | { status: number; text: string; error?: unknown } }));
  for (const u of urls.filter((x) => !x.token))
    run.report(
      `probe ${u.flavour}`,
      skip(tokens ? `no ${u.flavour === 'legacy' ? 'sellerToken' : 'checkoutToken'} configured` : 'the tokens secret is not usable'),
    );
  await Promise.all(
    probes.map(async (p) => {
      const headers: Record<string, string> = { [p.header]: p.token! };
      if (p.flavour === 'checkout') headers['event-type'] = PROBE_EVENT_TYPE_HEADER;
      p.sent = await post(run.http, p.url, headers, probeBody({ id: p.id, sentAt: new Date().toISOString() })).catch((error: Error) => ({
        status: 0,
        text: error.message,
        error,
      }));
    }),
  );
  return probes;
}

/** The probe was accepted, then recorded as a probe (not a charge) before the deadline; its record is deleted. */
async function checkProbe(run: DoctorRun, p: SentProbe, deadline: number): Promise<Result> {
  const { clients, probeTimeoutMs } = run;
  const sent = p.sent!;
  if (sent.status === 0) {
    const advice = adviceFor(sent.error, { region: run.target.aws.region });
    return fail(`${p.url} could not be reached: ${advice.what} (${sent.text})`, advice.fix);
  }
  if (sent.status !== 200)
    return fail(
      `the authenticator answered ${sent.status} to the right ${p.header}`,
      sent.status === 503
        ? 'fix tokens-secret; if it is right, check the authenticator logs (SQS?)'
        : 'check the authenticator logs and the Authenticator5xx alarm',
    );
  let record: ProbeRecord | null;
  for (;;) {
    record = await clients.stores.probes.find(p.id);
    if (record || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!record) {
    const parked = (await clients.stores.parked.list()).find((e) => e.envelope.includes(p.id));
    if (parked)
      return fail(
        `the processor parked the probe (${parked.reason}): it runs a version that does not know probes`,
        'deploy this version (npx cdk deploy), then delete the parked probe (picpay-webhooks parked list)',
      );
    return fail(
      `accepted, but not processed within ${Math.round(probeTimeoutMs / 1000)} s`,
      'the processor is failing or throttled: see its logs, the ProcessorErrors alarm and picpay-webhooks dlq list',
    );
  }
  const charge = await clients.stores.charges.load(`${p.flavour}#${p.id}`);
  await clients.stores.probes.delete(p.id);
  if (charge) return fail('the probe created a charge', 'a bug: report it; delete the charge item for the probe id');
  return pass(`accepted, recorded as a probe (not a charge), probe event on the topic (SNS message ${String(record.messageId)})`);
}

/**
 * When PicPay's newest notification of each flavour arrived: the processor notes it in the
 * table (lambda/adapters/table/last-seen.ts), one item per flavour, so this is two reads. Only
 * reported: a shop with no sale has nothing to be notified of (the PicPayQuiet alarm, with
 * quietAlarmHours, says when the silence is too long; docs/operations.md, "PicPay went quiet").
 */
async function checkLastNotification({ clients }: DoctorRun, now = Date.now()): Promise<Result> {
  const flavours = ['legacy', 'checkout'] as const;
  const seen = await Promise.all(flavours.map((f) => clients.stores.lastSeen.get(f)));
  const ago = (at: string) => {
    const minutes = Math.max(0, Math.round((now - Date.parse(at)) / 60_000));
    return minutes < 120 ? `${minutes} min ago` : minutes < 2 * 1440 ? `${Math.round(minutes / 60)} h ago` : `${Math.round(minutes / 1440)} days ago`;
  };
  const parts = flavours.map((f, i) => {
    const s = seen[i];
    return s ? `${f} ${ago(s.receivedAt)} (${s.receivedAt}, request ${s.requestId})` : `${f} none recorded`;
  });
  return pass(`last notification from PicPay: ${parts.join('; ')}`);
}

async function checkDeadLetterQueue({ target, clients }: DoctorRun): Promise<Result> {
  const out = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: target.deadLetterQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const n = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  return n === 0
    ? pass('empty')
    : fail(
        `${n} notification(s) failed processing and wait in the DLQ`,
        'picpay-webhooks dlq list (shows the reason), fix the cause, then picpay-webhooks dlq replay --all',
      );
}

async function checkParked({ clients }: DoctorRun): Promise<Result> {
  const n = (await clients.stores.parked.list()).length;
  return n === 0
    ? pass('nothing parked')
    : fail(
        `${n} authenticated notification(s) could not be processed and are parked`,
        'picpay-webhooks parked list (shows the reason), fix the cause, then picpay-webhooks parked replay --all',
      );
}

/** What killed `events tail` runs left behind (stale heartbeat) is removed: a queue and a subscription each. */
async function checkTailLeftovers({ target, clients }: DoctorRun): Promise<Result> {
  if (!target.topicArn) return skip('the target does not name its events topic');
  const removed = await removeStaleTails(target, clients);
  if (removed.queues + removed.subscriptions === 0) return pass('no queue or subscription left behind by events tail');
  return pass(`removed what killed events tail runs left behind: ${removed.queues} queue(s), ${removed.subscriptions} subscription(s)`);
}

/**
 * Enough unreserved concurrency is left for the authenticator beside the processor, the
 * reconciler and the sweep: of every receiver of the stack, which share the account's pool.
 */
async function checkLambdaConcurrency({ facts }: DoctorRun): Promise<Result> {
  if (!facts) return skip(NOT_HERE);
  const { unreserved, processorMax, receivers = 1 } = await facts.lambdaConcurrency();
  const processor = processorMax ?? unreserved;
  const room = unreserved - processor - 2 * receivers; // each reconciler and outbox sweep: one run at a time
  const what =
    receivers === 1
      ? `${unreserved} unreserved concurrent executions; the processor may take ${processor}, the reconciler and the sweep 1 each`
      : `${unreserved} unreserved concurrent executions; the stack's ${receivers} processors may take ${processor} together, each reconciler and sweep 1`;
  if (room >= AUTHENTICATOR_HEADROOM) return pass(`${what}: ${room} left for the authenticator`);
  const lower =
    receivers === 1
      ? `deploy with a lower -c processorMaxConcurrency (at most ${Math.max(unreserved - 2 - AUTHENTICATOR_HEADROOM, 2)})`
      : `give the receivers lower processorMaxConcurrency props (at most ${Math.max(unreserved - 2 * receivers - AUTHENTICATOR_HEADROOM, 2 * receivers)} together)`;
  return fail(
    `${what}: only ${Math.max(room, 0)} left for the authenticator (needs ${AUTHENTICATOR_HEADROOM}); PicPay would see throttled 5xx`,
    `ask for more Lambda concurrency (Service Quotas, "Concurrent executions", L-B99A9384), or ${lower}`,
  );
}

/** What CDK puts in the logical id of a receiver's processor's event source mapping (lib/construct.ts: `Processor`, its `Function`, an `SqsEventSource`). */
const PROCESSOR_MAPPING = 'ProcessorFunctionSqsEventSource';

/** The account facts of a deployed stack, read with the operator's credentials. */
export function stackAccountFacts(stackName: string, alarmTopicArn: string, region?: string): AccountFacts {
  const config = region ? { region } : {};
  const once = async <C extends { destroy(): void }, T>(client: C, fn: (c: C) => Promise<T>): Promise<T> => {
    try {
      return await fn(client);
    } finally {
      client.destroy();
    }
  };
  return {
    apiGatewayLoggingRole: () => once(new APIGatewayClient(config), async (c) => (await c.send(new GetAccountCommand({}))).cloudwatchRoleArn ?? null),
    async lambdaConcurrency() {
      const resources: StackResourceSummary[] = await once(new CloudFormationClient(config), async (c) => {
        const all: StackResourceSummary[] = [];
        let token: string | undefined;
        do {
          const out = await c.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: token }));
          all.push(...(out.StackResourceSummaries ?? []));
          token = out.NextToken;
        } while (token);
        return all;
      });
      // One event source mapping per receiver: its processor's queue (logical id `…ProcessorFunctionSqsEventSource…`);
      // a mapping of another function in the same stack is not a receiver's.
      const mappings = resources
        .filter((r) => r.ResourceType === 'AWS::Lambda::EventSourceMapping' && (r.LogicalResourceId ?? '').includes(PROCESSOR_MAPPING))
        .map((r) => r.PhysicalResourceId ?? '');
      return once(new LambdaClient(config), async (c) => {
        const settings = await c.send(new GetAccountSettingsCommand({}));
        const caps: Array<number | null> = [];
        for (const uuid of mappings) caps.push((await c.send(new GetEventSourceMappingCommand({ UUID: uuid }))).ScalingConfig?.MaximumConcurrency ?? null);
        const processorMax = caps.length === 0 || caps.includes(null) ? null : caps.reduce((sum: number, cap) => sum + (cap ?? 0), 0);
        return { unreserved: settings.AccountLimit?.UnreservedConcurrentExecutions ?? 0, processorMax, receivers: Math.max(mappings.length, 1) };
      });
    },
    alarmSubscriptions: () =>
      once(new SNSClient(config), async (c) => {
        const subs: Array<{ protocol: string; endpoint: string; confirmed: boolean }> = [];
        let token: string | undefined;
        do {
          const out = await c.send(new ListSubscriptionsByTopicCommand({ TopicArn: alarmTopicArn, NextToken: token }));
          for (const s of out.Subscriptions ?? []) {
            subs.push({ protocol: s.Protocol ?? '?', endpoint: s.Endpoint ?? '?', confirmed: !!s.SubscriptionArn && s.SubscriptionArn.startsWith('arn:') });
          }
          token = out.NextToken;
        } while (token);
        return subs;
      }),
  };
}
