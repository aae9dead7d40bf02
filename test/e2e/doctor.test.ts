import { createServer } from 'node:http';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type AccountFacts, doctor } from '../../cli/doctor.js';
import type { Io } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { type Clients, clientsFor, type Target } from '../../cli/target.js';
import { close, listen } from '../../local/http.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';

/**
 * `picpay-webhooks doctor` against the local pipeline: it passes on a healthy pipeline, and
 * each fault planted below makes exactly the check about it fail, with a line saying what to do.
 */
const savedEnv = { ...process.env };
let pipeline: LocalPipeline;
let clients: Clients;
let sqs: SQSClient;
let filteredQueueUrl: string;
const TOKENS = {
  sellerToken: '4ef4edbd-5cda-42da-860b-0e8d7b90c784',
  checkoutToken: 'a45c2dee-6435-1234-5678-b2a5f0ae7a8a',
};
const CREDENTIALS = { picpayToken: 'local-picpay-token' };

beforeAll(async () => {
  pipeline = await startLocalPipeline({ port: 0, retryDelaySeconds: 0, logLevel: 'SILENT', reconcileEverySeconds: 0 });
  clients = clientsFor(pipeline.target);
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  sqs = new SQSClient({ region: 'us-east-1', endpoint: pipeline.endpoints.sqs, credentials, useQueueUrlAsEndpoint: false });
  // A subscriber that, like the README's example, only wants status changes.
  const sns = new SNSClient({ region: 'us-east-1', endpoint: pipeline.endpoints.sns, credentials });
  filteredQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'doctor-test-filtered' }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: filteredQueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await sns.send(
    new SubscribeCommand({
      TopicArn: pipeline.resources.topicArn,
      Protocol: 'sqs',
      Endpoint: arn,
      Attributes: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ type: ['picpay.charge.status_changed'] }) },
    }),
  );
  sns.destroy();
}, 60000);

afterAll(async () => {
  clients?.destroy();
  sqs?.destroy();
  await pipeline?.stop();
  process.env = savedEnv;
});

async function run(options: { facts?: AccountFacts; target?: Target; probeTimeoutMs?: number } = {}) {
  const out: string[] = [];
  const io: Io = { out: (l) => void out.push(l), err: (l) => void out.push(l), interactive: false };
  const code = await doctor(options.target ?? pipeline.target, clients, io, { facts: options.facts, probeTimeoutMs: options.probeTimeoutMs ?? 10_000 });
  const line = (name: string) => out.find((l) => new RegExp(`^(PASS|FAIL|SKIP|WARN)  ${name} `).test(l)) ?? `(no line for ${name})`;
  return { code, out, line };
}

const healthyFacts = (
  overrides: Partial<{
    role: string | null;
    subs: Array<{ protocol: string; endpoint: string; confirmed: boolean }>;
    unreserved: number;
    processorMax: number | null;
    receivers: number;
  }> = {},
): AccountFacts => ({
  apiGatewayLoggingRole: async () => ('role' in overrides ? overrides.role! : 'arn:aws:iam::123456789012:role/ApiGatewayCloudWatchRole'),
  alarmSubscriptions: async () => overrides.subs ?? [{ protocol: 'email', endpoint: 'ops@loja.com.br', confirmed: true }],
  lambdaConcurrency: async () => ({
    unreserved: overrides.unreserved ?? 1000,
    processorMax: 'processorMax' in overrides ? overrides.processorMax! : 5,
    ...(overrides.receivers === undefined ? {} : { receivers: overrides.receivers }),
  }),
});

async function withSecret<T>(value: unknown, fn: () => Promise<T>): Promise<T> {
  pipeline.setSecret(value);
  try {
    return await fn();
  } finally {
    pipeline.setSecret(TOKENS);
  }
}

async function withCredentials<T>(value: unknown, fn: () => Promise<T>): Promise<T> {
  pipeline.setCredentialsSecret(value);
  try {
    return await fn();
  } finally {
    pipeline.setCredentialsSecret(CREDENTIALS);
  }
}

describe('picpay-webhooks doctor', () => {
  test('passes on the healthy local pipeline; the AWS-only checks say they do not apply', async () => {
    const r = await run();
    expect(r.code).toBe(0);
    for (const name of [
      'tokens-secret',
      'credentials-secret',
      'picpay-token',
      'wrong-token callback',
      'wrong-token webhook',
      'probe legacy',
      'probe checkout',
      'dead-letter-queue',
      'parked',
      'tail-leftovers',
    ]) {
      expect(r.line(name)).toMatch(/^PASS /);
    }
    for (const name of ['api-gateway-logging-role', 'alarm-subscription', 'lambda-concurrency']) expect(r.line(name)).toMatch(/^SKIP .*local pipeline/);
    // Nothing from PicPay yet: the doctor's own probes are not notifications.
    expect(r.line('last-notification')).toBe('PASS  last-notification          last notification from PicPay: legacy none recorded; checkout none recorded');
    expect(r.out.at(-1)).toBe('All checks passed.');
  });

  test('reports when the last notification of each flavour arrived, from what the processor noted', async () => {
    const sentAt = Date.now();
    const res = await fetch(pipeline.target.webhookUrl, {
      method: 'POST',
      headers: { authorization: TOKENS.checkoutToken, 'event-type': 'TransactionUpdateMessage', 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'PAYMENT',
        eventDate: '2024-07-01T16:00:00-03:00',
        id: 'e',
        data: { status: 'AUTHORIZED', amount: 2500, merchantChargeId: 'doctor-last-seen' },
      }),
    });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    const deadline = Date.now() + 10_000;
    while (!(await clients.stores.lastSeen.get('checkout')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const r = await run();
    const line = r.line('last-notification');
    const at = /checkout 0 min ago \(([^,]+), request ([^)]+)\)/.exec(line);
    expect([line.startsWith('PASS '), line.includes('legacy none recorded'), at?.[2]]).toEqual([true, true, requestId]);
    expect(Math.abs(Date.parse(at![1]!) - sentAt)).toBeLessThan(10_000);
  });

  test('the probes travel the whole pipeline as probes: events of their own type, no charge, nothing left behind', async () => {
    const before = pipeline.events.length;
    expect((await run()).code).toBe(0);
    await pipeline.waitForEvents((events) => events.slice(before).filter((e) => e.body.type === 'picpay.webhooks.probe').length >= 2);
    const probes = pipeline.events.slice(before).filter((e) => e.body.type === 'picpay.webhooks.probe');
    expect(probes.map((e) => e.attributes).sort((a, b) => a.flavour!.localeCompare(b.flavour!))).toEqual([
      { type: 'picpay.webhooks.probe', flavour: 'checkout' },
      { type: 'picpay.webhooks.probe', flavour: 'legacy' },
    ]);
    expect(pipeline.events.slice(before).filter((e) => e.body.type !== 'picpay.webhooks.probe')).toEqual([]);
    // The doctor deleted its probe records; no charge item exists for them.
    const left = await clients.ddb.send(
      new QueryCommand({ TableName: pipeline.resources.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'PROBE' } }),
    );
    expect(left.Items).toEqual([]);
    for (const e of probes) {
      const charge = await clients.ddb.send(
        new QueryCommand({
          TableName: pipeline.resources.tableName,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': `CHARGE#${String(e.body.flavour)}#${String(e.body.probeId)}` },
        }),
      );
      expect(charge.Items).toEqual([]);
    }
    // A subscriber filtering on type gets a real status change, never a probe.
    expect(
      await runCli(['simulate', 'paid', '--id', 'doctor-filter'], { out: () => undefined, err: () => undefined, interactive: false }, pipeline.target),
    ).toBe(0);
    const received: Array<Record<string, unknown>> = [];
    const deadline = Date.now() + 10_000;
    while (!received.some((b) => b.chargeKey === 'checkout#doctor-filter') && Date.now() < deadline) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: filteredQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      received.push(...(out.Messages ?? []).map((m) => JSON.parse(m.Body!) as Record<string, unknown>));
    }
    expect(received.map((b) => b.type)).toContain('picpay.charge.status_changed');
    expect(received.filter((b) => b.type === 'picpay.webhooks.probe')).toEqual([]);
  });

  test("with a deployed stack's account facts all healthy, every check passes", async () => {
    const r = await run({ facts: healthyFacts() });
    expect(r.code).toBe(0);
    expect(r.line('api-gateway-logging-role')).toMatch(/^PASS .*ApiGatewayCloudWatchRole/);
    expect(r.line('alarm-subscription')).toMatch(/^PASS .*email:ops@loja.com.br/);
    expect(r.line('lambda-concurrency')).toMatch(/^PASS .*1000 unreserved.*993 left for the authenticator/);
  });

  test.each([
    [
      'placeholders left',
      { ...TOKENS, sellerToken: 'REPLACE_ME' },
      /^FAIL {2}tokens-secret .*sellerToken still REPLACE_ME.*→ aws secretsmanager put-secret-value/,
    ],
    ['not JSON', 'sellerToken=abc', /^FAIL {2}tokens-secret .*not JSON/],
    ['a number where a token goes', { ...TOKENS, checkoutToken: 42 }, /^FAIL {2}tokens-secret .*wrong shape \(checkoutToken\)/],
    ['a misspelt key', { ...TOKENS, sellertoken: 'x' }, /^FAIL {2}tokens-secret .*unknown key\(s\) sellertoken/],
  ])('planted: tokens secret with %s', async (_name, secret, expected) => {
    const r = await withSecret(secret, () => run({ probeTimeoutMs: 2000 }));
    expect(r.code).toBe(1);
    expect(r.line('tokens-secret')).toMatch(expected);
  });

  test.each([
    ['legacy without picpayToken', {}, /^FAIL {2}credentials-secret .*sellerToken is set but picpayToken is not: legacy callbacks cannot be read/],
    [
      'the placeholder left',
      { picpayToken: 'REPLACE_ME' },
      /^FAIL {2}credentials-secret .*picpayToken is still REPLACE_ME.*→ aws secretsmanager put-secret-value/,
    ],
    ['not JSON', 'picpayToken=abc', /^FAIL {2}credentials-secret .*not JSON/],
    ['a number where a credential goes', { picpayToken: 7 }, /^FAIL {2}credentials-secret .*wrong shape \(picpayToken\)/],
    [
      "a webhook token, which is the tokens secret's",
      { ...CREDENTIALS, sellerToken: TOKENS.sellerToken },
      /^FAIL {2}credentials-secret .*unknown key\(s\) sellerToken.*go in the tokens secret/,
    ],
  ])('planted: PicPay credentials secret with %s', async (_name, secret, expected) => {
    const r = await withCredentials(secret, () => run({ probeTimeoutMs: 2000 }));
    expect(r.code).toBe(1);
    expect(r.line('credentials-secret')).toMatch(expected);
    expect(r.line('tokens-secret')).toMatch(/^PASS /);
  });

  test('upgraded from one secret, credentials not moved yet: the placeholder fails, and both lines say where the credentials are', async () => {
    const oneSecret = { ...TOKENS, picpayToken: 'local-picpay-token', picpayClientId: 'client', picpayClientSecret: 'secret' };
    const r = await withSecret(oneSecret, () => withCredentials({ picpayToken: 'REPLACE_ME' }, () => run({ probeTimeoutMs: 2000 })));
    expect(r.code).toBe(1);
    expect(r.line('credentials-secret')).toMatch(
      /^FAIL {2}credentials-secret .*picpayToken is still REPLACE_ME.*the tokens secret still holds picpayToken, picpayClientId, picpayClientSecret.*Upgrading from one secret/,
    );
    expect(r.line('tokens-secret')).toMatch(
      /^WARN {2}tokens-secret .*still holds the PicPay credentials picpayToken, picpayClientId, picpayClientSecret, which the internet-facing authenticator can read/,
    );
  });

  test('credentials moved but left in the tokens secret too: a warning, not a failure', async () => {
    const r = await withSecret({ ...TOKENS, picpayClientSecret: 'secret' }, () => run());
    expect(r.code).toBe(0);
    expect(r.line('tokens-secret')).toMatch(
      /^WARN {2}tokens-secret .*picpayClientSecret.*can refund.*→ put them in the credentials secret.*then remove them here/,
    );
    expect(r.line('credentials-secret')).toMatch(/^PASS /);
    expect(r.out.at(-1)).toBe('All checks passed.');
    // A new stack's placeholder picpayToken left in the tokens secret is no credential.
    const fresh = await withSecret({ ...TOKENS, picpayToken: 'REPLACE_ME' }, () => run());
    expect(fresh.line('tokens-secret')).toMatch(/^PASS /);
  });

  test('a stack deployed before the split (no CredentialsSecretName output): its credentials are read from the tokens secret, with a warning to upgrade', async () => {
    const oneSecret = { ...TOKENS, picpayToken: 'local-picpay-token' };
    const target = { ...pipeline.target, credentialsSecretId: undefined };
    const r = await withSecret(oneSecret, () => run({ target }));
    expect(r.code).toBe(0);
    expect(r.line('credentials-secret')).toMatch(/^WARN {2}credentials-secret .*deployed before the split.*→ deploy this version/);
    expect(r.line('picpay-token')).toMatch(/^PASS /);
  });

  test('checkout reconciliation: off without the OAuth client, on with both keys, a failure with one', async () => {
    const off = (await withCredentials(CREDENTIALS, () => run())).line('checkout-reconciliation');
    expect(off).toMatch(/^SKIP {2}checkout-reconciliation +off: no picpayClientId/);
    expect(off).toContain('checkout events are only as trustworthy as the checkout token');
    const on = await withCredentials({ ...CREDENTIALS, picpayClientId: 'client', picpayClientSecret: 'secret' }, () => run());
    expect(on.line('credentials-secret')).toMatch(/^PASS /);
    expect(on.line('checkout-reconciliation')).toMatch(/^PASS .*money-moving checkout notifications are confirmed with find-charge/);
    const half = await withCredentials({ ...CREDENTIALS, picpayClientId: 'client' }, () => run());
    expect(half.code).toBe(1);
    expect(half.line('checkout-reconciliation')).toMatch(
      /^FAIL {2}checkout-reconciliation +only picpayClientId is set.*→ add picpayClientId and picpayClientSecret/,
    );
  });

  test('planted: a picpayToken PicPay rejects (401)', async () => {
    const r = await withCredentials({ picpayToken: 'not-my-token' }, () => run());
    expect(r.code).toBe(1);
    expect(r.line('picpay-token')).toMatch(
      /^FAIL .*401.*not a valid x-picpay-token.*→ copy the integration token.*put-secret-value --secret-id 'picpay-webhooks\/picpay-credentials'/,
    );
    expect(r.line('credentials-secret')).toMatch(/^PASS /);
  });

  test('planted: a URL that accepts any token', async () => {
    const server = createServer((_req, res) => res.writeHead(200).end('{}'));
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const r = await run({ target: { ...pipeline.target, webhookUrl: `http://127.0.0.1:${port}/live/webhook` }, probeTimeoutMs: 1500 });
      expect(r.code).toBe(1);
      expect(r.line('wrong-token webhook')).toMatch(/^FAIL .*answered 200 to a wrong token, expected 401.*→ /);
      expect(r.line('wrong-token callback')).toMatch(/^PASS /);
      expect(r.line('probe checkout')).toMatch(/^FAIL .*not processed within/);
    } finally {
      await close(server);
    }
  });

  test('planted: a webhook URL nothing listens at: network advice, not "check your AWS credentials"', async () => {
    const server = createServer();
    const port = await listen(server, 0, '127.0.0.1');
    await close(server); // the port is free again: connections to it are refused
    const r = await run({ target: { ...pipeline.target, webhookUrl: `http://127.0.0.1:${port}/live/webhook` }, probeTimeoutMs: 1500 });
    expect(r.code).toBe(1);
    expect(r.line('wrong-token webhook')).toMatch(/^FAIL .*could not check: the connection was refused .*→ nothing listens there/);
    expect(r.line('probe checkout')).toMatch(/^FAIL .*could not be reached: the connection was refused .*→ nothing listens there/);
    expect(r.line('wrong-token callback')).toMatch(/^PASS /);
  });

  test('planted: a message in the dead-letter queue', async () => {
    const dlq = pipeline.resources.deadLetterQueueUrl;
    await sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: '{"v":1}' }));
    try {
      const r = await run();
      expect(r.code).toBe(1);
      expect(r.line('dead-letter-queue')).toMatch(/^FAIL .*1 notification\(s\).*→ picpay-webhooks dlq list/);
    } finally {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const m of out.Messages ?? []) await sqs.send(new DeleteMessageCommand({ QueueUrl: dlq, ReceiptHandle: m.ReceiptHandle! }));
    }
  });

  test('planted: a queue a killed events tail left behind (stale heartbeat) is removed', async () => {
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: pipeline.endpoints.sqs, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      await sqs.send(
        new CreateQueueCommand({
          QueueName: 'pw-tail-local-doctor',
          tags: { 'picpay-webhooks-tail-heartbeat': new Date(Date.now() - 3_600_000).toISOString() },
        }),
      );
      const r = await run();
      expect(r.line('tail-leftovers')).toMatch(/^PASS .*1 queue\(s\), 0 subscription\(s\)/);
      expect((await run()).line('tail-leftovers')).toMatch(/^PASS .*no queue or subscription left behind/);
    } finally {
      sqs.destroy();
    }
  });

  test('planted: a parked notification', async () => {
    const res = await fetch(pipeline.urls.callback, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-seller-token': TOKENS.sellerToken },
      body: JSON.stringify({ referenceId: 'doctor-unknown-reference' }),
    });
    expect(res.status).toBe(200);
    const parked = async () =>
      (
        await clients.ddb.send(
          new QueryCommand({ TableName: pipeline.resources.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'PARKED' } }),
        )
      ).Items ?? [];
    const deadline = Date.now() + 10_000;
    while ((await parked()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    try {
      const r = await run();
      expect(r.code).toBe(1);
      expect(r.line('parked')).toMatch(/^FAIL .*1 authenticated notification\(s\).*→ picpay-webhooks parked list/);
    } finally {
      for (const item of await parked())
        await clients.ddb.send(new DeleteCommand({ TableName: pipeline.resources.tableName, Key: { pk: 'PARKED', sk: item.sk } }));
    }
  });

  test.each([
    [
      'no API Gateway logging role',
      healthyFacts({ role: null }),
      'api-gateway-logging-role',
      /^FAIL .*no API Gateway CloudWatch Logs role.*→ deploy with -c apiGatewayCloudWatchRole=true/,
    ],
    ['no alarm subscription', healthyFacts({ subs: [] }), 'alarm-subscription', /^FAIL .*no subscription: alarms reach nobody.*→ deploy with -c alarmEmail=/],
    [
      'an unconfirmed e-mail',
      healthyFacts({ subs: [{ protocol: 'email', endpoint: 'ops@loja.com.br', confirmed: false }] }),
      'alarm-subscription',
      /^FAIL .*ops@loja.com.br not confirmed.*→ open the/,
    ],
    [
      'a new account (quota 10) and processorMaxConcurrency 10',
      healthyFacts({ unreserved: 10, processorMax: 10 }),
      'lambda-concurrency',
      /^FAIL .*only 0 left for the authenticator \(needs 3\).*L-B99A9384.*at most 5/,
    ],
    ['an uncapped processor', healthyFacts({ unreserved: 50, processorMax: null }), 'lambda-concurrency', /^FAIL .*only 0 left/],
    [
      // 14 - 5 - 5 - 2 reconcilers - 2 sweeps = 0; one receiver alone would leave 5.
      'two receivers in the stack (docs/construct.md), 5 each, quota 14',
      healthyFacts({ unreserved: 14, processorMax: 10, receivers: 2 }),
      'lambda-concurrency',
      /^FAIL .*the stack's 2 processors may take 10 together.*only 0 left for the authenticator.*lower processorMaxConcurrency props \(at most 7 together\)/,
    ],
  ])('planted: %s', async (_name, facts, check, expected) => {
    const r = await run({ facts });
    expect(r.code).toBe(1);
    expect(r.line(check)).toMatch(expected);
    expect(r.out.filter((l) => l.startsWith('FAIL'))).toHaveLength(1);
  });

  test('a new account (quota 10) with the default processorMaxConcurrency (5) passes', async () => {
    const r = await run({ facts: healthyFacts({ unreserved: 10, processorMax: 5 }) });
    expect(r.line('lambda-concurrency')).toMatch(/^PASS .*3 left for the authenticator/);
  });

  test('the CLI runs it against the local pipeline, with help', async () => {
    const out: string[] = [];
    const io: Io = { out: (l) => void out.push(l), err: (l) => void out.push(l), interactive: false };
    expect(await runCli(['doctor', '--help'], io, pipeline.target)).toBe(0);
    expect(out.join('\n')).toContain('picpay-webhooks doctor');
    out.length = 0;
    expect(await runCli(['doctor', '--probe-timeout', '20'], io, pipeline.target)).toBe(0);
    // One line per check: 12, credentials-secret since the secrets were split, last-notification and tail-leftovers.
    expect(out.filter((l) => /^(PASS|FAIL|SKIP|WARN) /.test(l))).toHaveLength(15);
  });

  // Last: the probes it leaves failing are retried into the DLQ once the fault is gone.
  test('planted: the processor cannot publish, so the probes are never recorded', async () => {
    pipeline.faults.publish.setRate(1);
    try {
      const r = await run({ probeTimeoutMs: 2500 });
      expect(r.code).toBe(1);
      expect(r.line('probe checkout')).toMatch(/^FAIL .*accepted, but not processed within 3 s.*→ the processor is failing/);
      expect(r.line('probe legacy')).toMatch(/^FAIL .*not processed within/);
      expect(r.line('wrong-token webhook')).toMatch(/^PASS /);
    } finally {
      pipeline.faults.publish.setRate(0);
    }
  });
});
