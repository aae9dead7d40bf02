/**
 * The local runtime honours the processor's retry delays on its own clock: a delay of D queue
 * seconds keeps the message out of sight for D / timeScale seconds (Lambda leaves a message the
 * function held back alone, and so does the local poller). And a kept queue (.local-data) from
 * an older version takes the new receive limit, as a deploy would.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPicPaySandbox } from '../../local/picpay-sandbox.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { paymentEvent } from '../picpay-examples.support.js';

const savedEnv = { ...process.env };
afterAll(() => {
  process.env = savedEnv;
});

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

async function post(pipeline: LocalPipeline, body: unknown): Promise<number> {
  const res = await fetch(pipeline.urls.webhook, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: pipeline.tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

test('a failed record waits its retry delay divided by the time scale: 48 to 60 queue seconds are 0.8 to 1 s at 60×', async () => {
  const pipeline = await startLocalPipeline({
    port: 0,
    confirmCheckout: false,
    timeScale: 60,
    retryDelaySeconds: 0,
    logLevel: 'SILENT',
    reconcileEverySeconds: 0,
    sweepEverySeconds: 0,
  });
  try {
    pipeline.faults.publish.failNext(1);
    const sent = Date.now();
    expect(await post(pipeline, paymentEvent({ status: 'PAID', merchantChargeId: 'retry-clock-1' }))).toBe(200);
    await pipeline.waitForEvents((events) => events.some((e) => e.body.chargeKey === 'checkout#retry-clock-1'), 10_000);
    const waited = Date.now() - sent;
    expect(pipeline.faults.publish.injected).toBe(1);
    // The one delay the processor set: the first receive's, 60 s less up to 20%.
    expect(pipeline.retries.delays).toHaveLength(1);
    expect(pipeline.retries.delays[0]).toBeGreaterThanOrEqual(48);
    expect(pipeline.retries.delays[0]).toBeLessThanOrEqual(60);
    // Not retried at once (the poller's own delay here is 0), nor after the full minute.
    expect(waited).toBeGreaterThanOrEqual((pipeline.retries.delays[0]! * 1000) / 60);
    expect(waited).toBeLessThan(8000);
  } finally {
    await pipeline.stop();
  }
}, 60_000);

test('a kept queue from an older version takes the new receive limit', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'picpay-retries-'));
  const redrive = async (pipeline: LocalPipeline) => {
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: pipeline.endpoints.sqs, credentials, useQueueUrlAsEndpoint: false });
    try {
      const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: pipeline.resources.queueUrl, AttributeNames: ['RedrivePolicy'] }));
      return (JSON.parse(out.Attributes!.RedrivePolicy!) as { maxReceiveCount: number }).maxReceiveCount;
    } finally {
      sqs.destroy();
    }
  };
  try {
    const old = await startLocalPipeline({ port: 0, dataDir, maxReceiveCount: 5, logLevel: 'SILENT', reconcileEverySeconds: 0, sweepEverySeconds: 0 });
    try {
      expect(Number(await redrive(old))).toBe(5);
    } finally {
      await old.stop();
    }
    const current = await startLocalPipeline({ port: 0, dataDir, logLevel: 'SILENT', reconcileEverySeconds: 0, sweepEverySeconds: 0 });
    try {
      expect(Number(await redrive(current))).toBe(36);
    } finally {
      await current.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);

test('the PicPay sandbox goes down and comes back: PUT and DELETE /_sandbox/outage, every API refused meanwhile', async () => {
  const client = { clientId: 'c', clientSecret: 's' };
  const sandbox = await startPicPaySandbox('token', '127.0.0.1', 0, client);
  try {
    sandbox.setPayment('p-1', { status: 'paid' });
    const call = (path: string, init: RequestInit = {}) => fetch(`${sandbox.baseUrl}${path}`, init).then(async (r) => [r.status, await r.text()] as const);
    const status = () => call('/ecommerce/public/payments/p-1/status', { headers: { 'x-picpay-token': 'token' } });
    const token = () =>
      call('/oauth2/token', { method: 'POST', body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's' }) });
    expect((await status())[0]).toBe(200);
    expect((await call('/_sandbox/outage', { method: 'PUT', body: '{"statusCode":503}' }))[0]).toBe(200);
    expect((await status())[0]).toBe(503);
    expect((await token())[0]).toBe(503);
    expect((await call('/api/v1/charge/x', { headers: { authorization: 'Bearer t' } }))[0]).toBe(503);
    expect(sandbox.refusedInOutage).toBe(3);
    // The control endpoints still answer; a bad body is refused.
    expect((await call('/_sandbox/outage', { method: 'PUT', body: '{"statusCode":200}' }))[0]).toBe(400);
    expect((await call('/_sandbox/outage', { method: 'DELETE' }))[0]).toBe(200);
    expect((await status())[0]).toBe(200);
    expect((await token())[0]).toBe(200);
    sandbox.setOutage(0);
    await expect(status()).rejects.toThrow();
    sandbox.setOutage(null);
    expect((await status())[0]).toBe(200);
  } finally {
    await sandbox.stop();
  }
});
