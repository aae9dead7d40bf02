/**
 * The promise that an outage of hours needs nobody, on the local pipeline that `npm start`
 * runs: PicPay is down for six hours while legacy callbacks and checkout webhooks keep
 * arriving; when it is back, every notification is applied, nothing is in the DLQ, and nobody
 * did anything. Time runs 1800 times faster for the queue's retry delays and the PicPay circuits
 * (an hour is two seconds here), so the retry schedule is the deployed one: 1 min doubling to
 * 1 h, 36 receives before the DLQ.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { paymentEvent } from '../picpay-examples.support.js';

const TIME_SCALE = 1800;
/** Wall-clock milliseconds for this many hours of the queue's time. */
const hours = (h: number) => (h * 3600 * 1000) / TIME_SCALE;

const savedEnv = { ...process.env };
let pipeline: LocalPipeline;
let ddb: DynamoDBDocumentClient;
let sqs: SQSClient;

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    port: 0,
    confirmCheckout: false,
    timeScale: TIME_SCALE,
    retryDelaySeconds: 0,
    logLevel: 'SILENT',
    reconcileEverySeconds: 0,
    sweepEverySeconds: 0,
  });
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: pipeline.endpoints.dynamodb, credentials }));
  sqs = new SQSClient({ region: 'us-east-1', endpoint: pipeline.endpoints.sqs, credentials, useQueueUrlAsEndpoint: false });
}, 60_000);

afterAll(async () => {
  ddb?.destroy();
  sqs?.destroy();
  await pipeline?.stop();
  process.env = savedEnv;
});

async function post(url: string, headers: Record<string, string>, body: unknown): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

const status = async (key: string) =>
  ((await ddb.send(new GetCommand({ TableName: pipeline.resources.tableName, Key: { pk: `CHARGE#${key}`, sk: 'STATE' }, ConsistentRead: true }))).Item
    ?.status as string | undefined) ?? null;

async function depth(queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible);
}

const items = async (pk: string) =>
  (await ddb.send(new QueryCommand({ TableName: pipeline.resources.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } })))
    .Items ?? [];

test('PicPay down for six hours while notifications keep arriving: afterwards every one is applied, none in the DLQ, no operator step', async () => {
  const started = Date.now();
  const { urls, tokens, sandbox } = pipeline;
  const legacy: string[] = [];
  const checkout: string[] = [];
  const reconciled: string[] = [];

  sandbox.setOutage(503);
  const outageStarted = Date.now();
  // Every half hour for six hours: a legacy callback (its status must be read from PicPay) and a
  // checkout webhook (its status is in the body). In the third hour, two checkout charges are
  // authorized, then paid at PicPay with their webhooks lost: reconciliation asks find-charge.
  for (let half = 0; half < 12; half++) {
    const at = outageStarted + hours(half / 2);
    await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
    const ref = `outage-legacy-${half}`;
    sandbox.setPayment(ref, { status: 'paid', authorizationId: `auth-${ref}` });
    legacy.push(ref);
    expect(await post(urls.callback, { 'x-seller-token': tokens.sellerToken }, { referenceId: ref, authorizationId: `auth-${ref}` })).toBe(200);
    const id = `outage-checkout-${half}`;
    checkout.push(id);
    expect(
      await post(
        urls.webhook,
        { authorization: tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' },
        paymentEvent({ status: 'PAID', merchantChargeId: id }),
      ),
    ).toBe(200);
    if (half === 4) {
      for (const lost of ['outage-lost-0', 'outage-lost-1']) {
        reconciled.push(lost);
        expect(
          await post(
            urls.webhook,
            { authorization: tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' },
            paymentEvent({ status: 'AUTHORIZED', merchantChargeId: lost }),
          ),
        ).toBe(200);
      }
    }
    if (half === 6) {
      for (const lost of reconciled) sandbox.setCharge(lost, { chargeStatus: 'PAID', amount: 10000, originalAmount: 10000, refundedAmount: 0 });
      const run = await pipeline.reconcileNow({ minAgeSeconds: 0 });
      expect(run.byFlavour?.checkout).toBe(2);
    }
  }
  await new Promise((r) => setTimeout(r, Math.max(0, outageStarted + hours(6) - Date.now())));

  // Six hours in: checkout webhooks were applied all along; no legacy callback could be.
  for (const id of checkout) expect([id, await status(`checkout#${id}`)]).toEqual([id, 'PAID']);
  for (const ref of legacy) expect([ref, await status(`legacy#${ref}`)]).toEqual([ref, null]);
  for (const id of reconciled) expect([id, await status(`checkout#${id}`)]).toEqual([id, 'AUTHORIZED']);
  expect(await depth(pipeline.resources.deadLetterQueueUrl)).toBe(0);
  // It really was down, and messages were retried further apart than the old receive limit
  // allowed: a delay at the 1-hour cap (at least 48 min with jitter) comes after the 7th receive.
  expect(sandbox.refusedInOutage).toBeGreaterThan(0);
  expect(Math.max(...pipeline.retries.delays)).toBeGreaterThanOrEqual(2880);
  expect(Math.max(...pipeline.retries.delays)).toBeLessThanOrEqual(3600);

  sandbox.setOutage(null);
  const recovered = Date.now();
  const deadline = recovered + 60_000;
  const done = async () => {
    for (const ref of legacy) if ((await status(`legacy#${ref}`)) !== 'PAID') return false;
    for (const id of reconciled) if ((await status(`checkout#${id}`)) !== 'PAID') return false;
    return (await depth(pipeline.resources.queueUrl)) === 0;
  };
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('not every notification was applied within a minute of PicPay coming back');
    await new Promise((r) => setTimeout(r, 100));
  }
  const recoverySeconds = (Date.now() - recovered) / 1000;

  for (const ref of legacy) expect([ref, await status(`legacy#${ref}`)]).toEqual([ref, 'PAID']);
  for (const id of [...checkout, ...reconciled]) expect([id, await status(`checkout#${id}`)]).toEqual([id, 'PAID']);
  // Every change reached the topic: one PAID event per legacy charge, two events per reconciled one.
  await pipeline.waitForEvents((events) => legacy.every((ref) => events.some((e) => e.body.chargeKey === `legacy#${ref}` && e.body.status === 'PAID')));
  for (const id of reconciled)
    expect(pipeline.events.filter((e) => e.body.chargeKey === `checkout#${id}`).map((e) => e.body.status)).toEqual(['AUTHORIZED', 'PAID']);
  // Nothing for an operator: the DLQ is empty, nothing parked, no dead-letter note.
  expect(await depth(pipeline.resources.deadLetterQueueUrl)).toBe(0);
  expect(await items('PARKED')).toEqual([]);
  expect(await items('DEADLETTER')).toEqual([]);
  console.log(
    `outage test: 6 h outage played in ${((recovered - outageStarted) / 1000).toFixed(1)} s, all applied ${recoverySeconds.toFixed(1)} s after PicPay came back ` +
      `(${((recoverySeconds * TIME_SCALE) / 60).toFixed(0)} min of queue time); ${pipeline.retries.delays.length} retry delays set, longest ${Math.max(...pipeline.retries.delays)} s; ` +
      `${sandbox.refusedInOutage} PicPay requests refused; ${((Date.now() - started) / 1000).toFixed(1)} s in all`,
  );
}, 120_000);
