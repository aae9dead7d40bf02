import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { CHECKOUT_TOKEN, LEGACY_CALLBACK, paymentEvent, SELLER_TOKEN, THREE_DS_EVENT } from '../picpay-examples.support.js';
import { apiEvent, context } from './lambda-events.support.js';
import { type AuthenticatorHandler, authenticatorModule, buildAuthenticator } from './authenticator.support.js';
import { captureOutput } from './log-capture.support.js';

const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);

const entry = authenticatorModule;
type Handler = AuthenticatorHandler;
const build = buildAuthenticator;
let handler: Handler;

const secretValue = (value: unknown) => secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(value), Name: 'tokens-secret' });

const TOKENS = { sellerToken: [SELLER_TOKEN, 'rotated-seller'], checkoutToken: CHECKOUT_TOKEN, picpayToken: 'p' };
let logs: ReturnType<typeof captureOutput>;

beforeEach(() => {
  sqs.reset();
  secrets.reset();
  secretValue(TOKENS);
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  logs = captureOutput();
  handler = build();
});
afterEach(() => logs.restore());

const legacy = (headers: Record<string, string>, body: string | null = JSON.stringify(LEGACY_CALLBACK)) => apiEvent('/callback', headers, body);
const webhook = (headers: Record<string, string>, body: unknown = paymentEvent()) =>
  apiEvent('/webhook', headers, typeof body === 'string' ? body : JSON.stringify(body));
const sentBodies = () => sqs.commandCalls(SendMessageCommand).map((c) => JSON.parse(c.args[0].input.MessageBody!));

describe('authenticator handler', () => {
  test.each([
    ['legacy, right token', legacy({ 'x-seller-token': SELLER_TOKEN }), 200, 1],
    ['legacy, rotated second token', legacy({ 'x-seller-token': 'rotated-seller' }), 200, 1],
    ['legacy, header in upper case', legacy({ 'X-SELLER-TOKEN': SELLER_TOKEN }), 200, 1],
    ['legacy, wrong token', legacy({ 'x-seller-token': 'nope' }), 401, 0],
    ['legacy, no token', legacy({}), 401, 0],
    ['legacy, checkout token', legacy({ 'x-seller-token': CHECKOUT_TOKEN }), 401, 0],
    ['checkout, raw token', webhook({ authorization: CHECKOUT_TOKEN, 'event-type': 'TransactionUpdateMessage' }), 200, 1],
    ['checkout, Bearer token', webhook({ Authorization: `Bearer ${CHECKOUT_TOKEN}`, event_type: 'Challenge3dsUpdateMessage' }, THREE_DS_EVENT), 200, 1],
    ['checkout, wrong token', webhook({ authorization: 'wrong' }), 401, 0],
    ['checkout, seller token', webhook({ authorization: SELLER_TOKEN }), 401, 0],
    ['checkout, no body', webhook({ authorization: CHECKOUT_TOKEN }, ''), 200, 1],
    ['authenticated but invalid JSON (parked by the processor)', webhook({ authorization: CHECKOUT_TOKEN }, '{oops'), 200, 1],
    ['authenticated, over the processing limit (parked by the processor)', legacy({ 'x-seller-token': SELLER_TOKEN }, 'x'.repeat(100 * 1024)), 200, 1],
    ['authenticated, too large to keep', legacy({ 'x-seller-token': SELLER_TOKEN }, 'x'.repeat(201 * 1024)), 413, 0],
    ['unauthenticated and huge', legacy({ 'x-seller-token': 'no' }, 'x'.repeat(300 * 1024)), 401, 0],
    ['unknown route', apiEvent('/other', { 'x-seller-token': SELLER_TOKEN }, '{}'), 404, 0],
  ])('%s -> %i', async (_name, event, status, enqueued) => {
    const result = await handler(event, context);
    expect(result.statusCode).toBe(status);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(enqueued);
    expect(result.headers?.['x-request-id']).toBe('apigw-req-1');
  });

  test('enqueues the envelope the processor expects', async () => {
    await handler(webhook({ authorization: CHECKOUT_TOKEN, 'Event-Type': 'TransactionUpdateMessage' }), context);
    const [body] = sentBodies();
    expect(body).toMatchObject({
      v: 2,
      flavour: 'checkout',
      eventType: 'TransactionUpdateMessage',
      requestId: 'apigw-req-1',
      origin: 'picpay',
      bodyEncoding: 'utf8',
      redacted: ['merchantDocument', 'data.customer'],
    });
    // PicPay's example without its personal data: the merchant's document and the customer block.
    const {
      merchantDocument: _doc,
      data: { customer: _customer, ...data },
      ...rest
    } = paymentEvent();
    expect(JSON.parse(body.body)).toEqual({ ...rest, data });
    expect(body.body).not.toMatch(/customer|pessoa|Pessoa|123456789/);
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.QueueUrl).toBe(process.env.QUEUE_URL);
  });

  test.each([
    ['objects', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
    ['arrays', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
    ['objects under a PAYMENT', `{"type":"PAYMENT","data":{"merchantChargeId":"c-1","status":"PAID","x":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}}`],
  ])('an authenticated body nested 10,000 levels deep (%s) is kept without its body and answered 200, never 5xx', async (_name, deep) => {
    const result = await handler(webhook({ authorization: CHECKOUT_TOKEN, 'event-type': 'TransactionUpdateMessage' }, deep), context);
    expect(result.statusCode).toBe(200);
    const [body] = sentBodies();
    // Too deep to search for personal data safely: the body is withheld, its size and depth are kept.
    expect(body).toMatchObject({ v: 2, flavour: 'checkout', body: '', withheld: { reason: 'too_deep', bytes: deep.length } });
    expect(body.withheld.depth).toBeGreaterThan(256);
  });

  test('decodes a base64 body', async () => {
    const event = legacy({ 'x-seller-token': SELLER_TOKEN }, Buffer.from(JSON.stringify(LEGACY_CALLBACK)).toString('base64'));
    await handler({ ...event, isBase64Encoded: true }, context);
    expect(JSON.parse(sentBodies()[0].body)).toEqual(LEGACY_CALLBACK);
  });

  test('answers 503 when SQS does not accept the message, so PicPay retries', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('throttled'));
    const result = await handler(legacy({ 'x-seller-token': SELLER_TOKEN }), context);
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body)).toEqual({ message: 'Service temporarily unavailable' });
  });

  test.each([
    ['placeholder secret', { sellerToken: 'REPLACE_ME', checkoutToken: 'REPLACE_ME', picpayToken: 'REPLACE_ME' }],
    ['empty token list', { sellerToken: [], checkoutToken: CHECKOUT_TOKEN }],
    ['secret is not JSON', 'not-json'],
  ])('fails closed with 503 on a %s, whatever token is sent', async (_name, value) => {
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: typeof value === 'string' ? value : JSON.stringify(value) });
    handler = build();
    const result = await handler(legacy({ 'x-seller-token': 'REPLACE_ME' }), context);
    expect(result.statusCode).toBe(503);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(logs.entries().some((e) => e.code === 'not_configured' && e.level === 'ERROR')).toBe(true);
  });

  test('fails closed with 503 when the secret cannot be read', async () => {
    secrets.reset();
    secrets.on(GetSecretValueCommand).rejects(new Error('AccessDenied'));
    handler = build();
    const result = await handler(legacy({ 'x-seller-token': SELLER_TOKEN }), context);
    expect(result.statusCode).toBe(503);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  test('tokens are cached: one secret read for many requests', async () => {
    for (let i = 0; i < 5; i++) await handler(legacy({ 'x-seller-token': SELLER_TOKEN }), context);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    // The tokens secret (TOKENS_SECRET_ID) and no other: it never reads the PicPay credentials.
    expect(secrets.commandCalls(GetSecretValueCommand)[0]!.args[0].input.SecretId).toBe('tokens-secret');
  });

  test('a missing token is rejected without reading the secret', async () => {
    const result = await handler(legacy({}), context);
    expect(result.statusCode).toBe(401);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  test('a 401 is logged with request id and source IP, and no token', async () => {
    await handler(legacy({ 'x-seller-token': 'attacker-guess-123' }), context);
    const entry = logs.entries().find((e) => e.message === 'Rejected notification: wrong token');
    expect(entry).toMatchObject({ requestId: 'apigw-req-1', sourceIp: '203.0.113.7', flavour: 'legacy', level: 'WARN' });
    expect(logs.text()).not.toContain('attacker-guess-123');
    expect(logs.text()).not.toContain(SELLER_TOKEN);
  });

  test('an accepted notification logs neither tokens nor customer data', async () => {
    await handler(webhook({ authorization: CHECKOUT_TOKEN, 'event-type': 'TransactionUpdateMessage' }), context);
    const text = logs.text();
    expect(text).toContain('Notification accepted');
    for (const secret of [CHECKOUT_TOKEN, 'pessoa.silva@email.com', 'Pessoa Da Silva']) expect(text).not.toContain(secret);
  });
});

describe('POST /charges: a legacy payment registered by the merchant', () => {
  const caller = 'arn:aws:iam::123456789012:role/shop-backend';
  const register = (body: string | null, userArn: string | null = caller, base64 = false) =>
    apiEvent('/charges', { 'content-type': 'application/json' }, base64 && body !== null ? Buffer.from(body).toString('base64') : body, {
      isBase64Encoded: base64,
      requestContext: { requestId: 'apigw-req-9', identity: { sourceIp: '198.51.100.4', userArn } } as APIGatewayProxyEvent['requestContext'],
    });

  test('a valid registration is enqueued with only the referenceId and expiry, and answered 202', async () => {
    const result = await handler(
      register('{"referenceId":"102030","expiresAt":"2024-07-02T10:00:00","buyer":{"document":"12345678909"}}', caller, true),
      context,
    );
    expect(result.statusCode).toBe(202);
    expect(JSON.parse(result.body)).toEqual({ registered: true, referenceId: '102030', requestId: 'apigw-req-9' });
    const [message] = sentBodies();
    expect(message).toMatchObject({ flavour: 'legacy', eventType: 'Registration', requestId: 'apigw-req-9' });
    // Sao Paulo 10:00 is 13:00 UTC; nothing else the caller sent is kept.
    expect(JSON.parse(message.body)).toEqual({ referenceId: '102030', expiresAt: '2024-07-02T13:00:00.000Z' });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0); // never the PicPay tokens
  });

  test.each([
    ['not JSON', '{', 'body is not JSON'],
    ['no referenceId', '{}', 'referenceId'],
    ['an empty referenceId', '{"referenceId":"  "}', 'referenceId'],
    ['a referenceId of 201 characters', JSON.stringify({ referenceId: 'r'.repeat(201) }), 'referenceId'],
    ['an expiresAt that is no date', '{"referenceId":"1","expiresAt":"amanhã"}', 'expiresAt'],
  ])('%s: 400 naming the problem, nothing enqueued', async (_name, body, problem) => {
    const result = await handler(register(body), context);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).message).toContain(problem);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  test('without an IAM caller (a route deployed without AWS_IAM authorization) nothing is accepted', async () => {
    const result = await handler(register('{"referenceId":"102030"}', null), context);
    expect(result.statusCode).toBe(403);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(logs.entries().some((e) => e.level === 'ERROR' && String(e.message).includes('AWS_IAM'))).toBe(true);
  });

  test('a queue failure is a 503 the caller may retry', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('SQS down'));
    expect((await handler(register('{"referenceId":"102030"}'), context)).statusCode).toBe(503);
  });
});

test('the Lambda entry is the factory applied to process.env and the real clients, built once on the first event', async () => {
  const lambda = entry.handler as unknown as Handler;
  const first = await lambda(legacy({ 'x-seller-token': SELLER_TOKEN }), context);
  expect(first.statusCode).toBe(200);
  expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.QueueUrl).toBe('https://sqs.us-east-1.amazonaws.com/000000000000/notifications');
  // Built once: the secret it read on the first event is cached for the second.
  await lambda(legacy({ 'x-seller-token': SELLER_TOKEN }), context);
  expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
});
