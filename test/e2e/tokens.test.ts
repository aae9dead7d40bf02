/**
 * `tokens set|status|rotate` against the local pipeline's Secrets Manager: tokens go in from a
 * file (the prompt reads the same way), never from argv; nothing printed holds a token byte;
 * what a rotation leaves is what the authenticator accepts (checked through the webhook URL).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Io } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { clientsFor } from '../../cli/target.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { paymentEvent } from '../picpay-examples.support.js';

let pipeline: LocalPipeline;
const dir = mkdtempSync(join(tmpdir(), 'tokens-'));

beforeAll(async () => {
  pipeline = await startLocalPipeline({ port: 0, retryDelaySeconds: 0, logLevel: 'SILENT', reconcileEverySeconds: 0, sweepEverySeconds: 0 });
}, 60000);
afterAll(async () => {
  await pipeline?.stop();
});

async function cli(...argv: string[]) {
  const lines: string[] = [];
  const io: Io = { out: (l) => void lines.push(l), err: (l) => void lines.push(l), interactive: false };
  const code = await runCli(argv, io, pipeline.target);
  return { code, text: lines.join('\n') };
}

function file(json: unknown): string {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
  return path;
}

async function secret(which: 'tokens' | 'credentials') {
  const clients = clientsFor(pipeline.target);
  try {
    const id = which === 'tokens' ? pipeline.target.secretId : pipeline.target.credentialsSecretId;
    return JSON.parse((await clients.secrets.send(new GetSecretValueCommand({ SecretId: id }))).SecretString!) as Record<string, unknown>;
  } finally {
    clients.destroy();
  }
}

/** The webhook's answer to a checkout notification carrying `token`. */
const webhookWith = async (token: string) =>
  (
    await fetch(pipeline.urls.webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token, 'event-type': 'TransactionUpdateMessage' },
      body: JSON.stringify(paymentEvent({ status: 'PENDING', merchantChargeId: `tokens-${Math.random()}` })),
    })
  ).status;

async function eventually(check: () => Promise<boolean>, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const NEW_SELLER = 'seller-0123456789abcdef';
const OLD_CHECKOUT = 'checkout-old-0123456789';
const NEW_CHECKOUT = 'checkout-new-9876543210';
const PICPAY = 'picpay-token-0123456789';

test('set writes each value into its own secret, keeps the other members, and prints no token byte', async () => {
  const before = await secret('credentials');
  const r = await cli('tokens', 'set', '--from-file', file({ sellerToken: NEW_SELLER, checkoutToken: OLD_CHECKOUT, picpayToken: PICPAY }));
  expect(r.code).toBe(0);
  expect(await secret('tokens')).toMatchObject({ sellerToken: NEW_SELLER, checkoutToken: OLD_CHECKOUT });
  expect(await secret('credentials')).toEqual({ ...before, picpayToken: PICPAY });
  for (const token of [NEW_SELLER, OLD_CHECKOUT, PICPAY]) expect(r.text).not.toContain(token.slice(-10));

  const status = await cli('tokens', 'status');
  expect(status.text.split('\n')).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^sellerToken\s+set$/),
      expect.stringMatching(/^checkoutToken\s+set$/),
      expect.stringMatching(/^picpayToken\s+set$/),
    ]),
  );
  expect(status.text).not.toContain(NEW_SELLER.slice(-10));
});

test.each([
  [{ checkoutToken: 'REPLACE_ME' }, 'checkoutToken is still the placeholder REPLACE_ME; nothing was written.'],
  [{ sellerToken: 'short' }, 'sellerToken is shorter than 8 characters; nothing was written.'],
  [{ sellerToken: 'abc def ghi jkl' }, 'sellerToken contains a space or a line break (copied with the value?); nothing was written.'],
  [{ sellerToken: '"abcdefghijkl"' }, 'sellerToken contains a quote (copied with the value?); nothing was written.'],
  [{ picpayClientId: 'client-id-12345' }, 'picpayClientId and picpayClientSecret go together: give both or neither; nothing was written.'],
  [
    { sellerTokn: 'abcdefghijkl' },
    'Unknown key "sellerTokn" in the tokens input; known: sellerToken, checkoutToken, picpayToken, picpayClientId, picpayClientSecret.',
  ],
  ['{"sellerToken": "abcdefghijkl"', 'The tokens input is not JSON: give an object such as {"sellerToken":"…","checkoutToken":"…"}.'],
])('refused, nothing written: %j', async (input, message) => {
  const before = await secret('tokens');
  const r = await cli('tokens', 'set', '--from-file', file(input));
  expect(r).toEqual({ code: 2, text: message });
  expect(await secret('tokens')).toEqual(before);
});

test('rotate accepts the old and the new checkout token side by side, then --finish keeps only the new', async () => {
  await cli('tokens', 'set', '--from-file', file({ checkoutToken: OLD_CHECKOUT }));
  const r = await cli('tokens', 'rotate', 'checkoutToken', '--from-file', file({ checkoutToken: NEW_CHECKOUT }));
  expect(r.code).toBe(0);
  expect((await secret('tokens')).checkoutToken).toEqual([OLD_CHECKOUT, NEW_CHECKOUT]);
  expect((await cli('tokens', 'status')).text).toMatch(/checkoutToken\s+set, 2 values \(rotation in progress: the last is the newest\)/);
  // The authenticator reads the secret again once its 2-second local cache ends: both accepted.
  await eventually(async () => (await webhookWith(NEW_CHECKOUT)) === 200);
  expect(await webhookWith(OLD_CHECKOUT)).toBe(200);
  const finish = await cli('tokens', 'rotate', 'checkoutToken', '--finish');
  expect(finish.code).toBe(0);
  expect((await secret('tokens')).checkoutToken).toBe(NEW_CHECKOUT);
  await eventually(async () => (await webhookWith(OLD_CHECKOUT)) === 401);
  expect(await webhookWith(NEW_CHECKOUT)).toBe(200);
  expect(await cli('tokens', 'rotate', 'checkoutToken', '--finish')).toEqual({ code: 2, text: 'checkoutToken holds 1 value(s): no rotation to finish.' });
  expect(await cli('tokens', 'rotate', 'picpayToken')).toMatchObject({ code: 2 });
});
