/**
 * The two API profiles (the stack's apiType), locally: the same authenticator behind the REST
 * API emulation and behind the HTTP API one (payload format 1.0) accepts the same notification,
 * refuses the same wrong token, and takes a SigV4-signed registration, while each hands it the
 * event its API Gateway sends. Expected events are written by hand from the AWS documentation
 * (Lambda proxy integrations for REST and HTTP APIs) and from real HTTP API 1.0 events: `resource`
 * is the route's path, `path` carries a named stage, `requestContext.resourceId` is the route key.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { signForExecuteApi } from '../../cli/sigv4-sign.js';
import { makeAuthenticatorHandler } from '../../lambda/handlers/authenticator.js';
import { httpApiSendsAsText, type LocalApi, type ProxyHandler, startLocalApi } from '../../local/api-gateway.js';
import { LocalMetrics } from '../../local/metrics.js';

const SELLER_TOKEN = 'seller-token-for-the-profiles-test';
const USER_ARN = 'arn:aws:iam::000000000000:user/merchant-backend';
const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);

const seen: Array<APIGatewayProxyEvent & { version?: string }> = [];
const apis: Record<'rest' | 'http', LocalApi> = {} as never;

beforeAll(async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ sellerToken: SELLER_TOKEN, checkoutToken: 'c', picpayToken: 'p' }) });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  const authenticator = makeAuthenticatorHandler(
    { queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/notifications', secretId: 'tokens', secretMaxAgeSeconds: 60 },
    {
      sqs: new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }),
      secrets: new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }),
      logger: new Logger({ serviceName: 'picpay-webhooks-authenticator', logLevel: 'SILENT' }),
      metrics: new LocalMetrics({ serviceName: 'authenticator' }),
    },
  ) as unknown as ProxyHandler;
  const recording: ProxyHandler = async (event, context) => {
    seen.push(event);
    return authenticator(event, context);
  };
  const identity = { accessKeyId: 'local', secretAccessKey: 'local', region: 'us-east-1', userArn: USER_ARN };
  apis.rest = await startLocalApi(recording, 0, '127.0.0.1', identity, { apiType: 'rest' });
  apis.http = await startLocalApi(recording, 0, '127.0.0.1', identity, { apiType: 'http' });
});

afterAll(async () => {
  await apis.rest?.stop();
  await apis.http?.stop();
  sqs.restore();
  secrets.restore();
});

beforeEach(() => {
  seen.length = 0;
  sqs.resetHistory();
});

const CALLBACK = '{"referenceId":"102030","authorizationId":"555008cef7f321d00ef236333","nome":"Jos\u00e9"}';
const enqueued = () => sqs.commandCalls(SendMessageCommand).map((c) => JSON.parse(c.args[0].input.MessageBody!) as { body: string; bodyEncoding?: string });

async function callback(profile: 'rest' | 'http', headers: Record<string, string>, body: string | Buffer = CALLBACK) {
  const res = await fetch(`${apis[profile].baseUrl}/callback`, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe.each(['rest', 'http'] as const)('through the %s API', (profile) => {
  test('a legacy callback with the right token is accepted and enqueued with the bytes sent', async () => {
    const answer = await callback(profile, { 'content-type': 'application/json', 'x-seller-token': SELLER_TOKEN });
    expect(answer).toMatchObject({ status: 200, json: { received: true } });
    expect(enqueued()).toHaveLength(1);
    expect(enqueued()[0]!.body).toBe(CALLBACK);
  });

  test('a wrong token is 401 and nothing is enqueued', async () => {
    expect((await callback(profile, { 'content-type': 'application/json', 'x-seller-token': 'wrong' })).status).toBe(401);
    expect(enqueued()).toHaveLength(0);
  });

  test('a SigV4-signed registration reaches the authenticator with the caller, and is accepted', async () => {
    const url = `${apis[profile].baseUrl}/charges`;
    const body = JSON.stringify({ referenceId: 'order-77' });
    const headers = await signForExecuteApi(url, 'POST', body, { accessKeyId: 'local', secretAccessKey: 'local' }, 'us-east-1');
    const res = await fetch(url, { method: 'POST', headers, body });
    expect(res.status).toBe(202);
    expect(seen[0]!.requestContext.identity.userArn).toBe(USER_ARN);
    expect(enqueued()).toHaveLength(1);
  });
});

describe('the event each API Gateway sends', () => {
  test('REST: every body as base64 of its bytes; the path without the stage; no version', async () => {
    await callback('rest', { 'content-type': 'application/json', 'x-seller-token': SELLER_TOKEN });
    const e = seen[0]!;
    expect(e.version).toBeUndefined();
    expect([e.resource, e.path, e.httpMethod]).toEqual(['/callback', '/callback', 'POST']);
    expect(e.isBase64Encoded).toBe(true);
    expect(Buffer.from(e.body!, 'base64').toString('utf8')).toBe(CALLBACK);
  });

  test('HTTP API 1.0: a JSON body as text; resource is the route, path carries the stage, resourceId is the route key', async () => {
    await callback('http', { 'content-type': 'application/json; charset=utf-8', 'x-seller-token': SELLER_TOKEN });
    const e = seen[0]!;
    expect(e.version).toBe('1.0');
    expect([e.resource, e.path, e.httpMethod]).toEqual(['/callback', '/local/callback', 'POST']);
    expect(e.requestContext).toMatchObject({ resourceId: 'POST /callback', resourcePath: '/callback', stage: 'local', path: '/local/callback' });
    expect('authorizer' in e.requestContext).toBe(false);
    expect(e.isBase64Encoded).toBe(false);
    expect(e.body).toBe(CALLBACK);
    expect(e.headers['x-seller-token']).toBe(SELLER_TOKEN);
    expect(e.multiValueHeaders['x-seller-token']).toEqual([SELLER_TOKEN]);
  });

  test('HTTP API 1.0: a binary content type, or none, arrives as base64, and is accepted all the same', async () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xe9, 0x7d]); // {"a":é} in Latin-1: not UTF-8
    expect((await callback('http', { 'content-type': 'application/octet-stream', 'x-seller-token': SELLER_TOKEN }, bytes)).status).toBe(200);
    expect(seen[0]!.isBase64Encoded).toBe(true);
    expect(Buffer.from(seen[0]!.body!, 'base64')).toEqual(bytes);
    expect(enqueued()[0]).toMatchObject({ bodyEncoding: 'base64', body: bytes.toString('base64') });
    expect((await callback('http', { 'x-seller-token': SELLER_TOKEN }, bytes)).status).toBe(200);
    expect(seen[1]!.headers['content-type']).toBeUndefined();
    expect([seen[1]!.isBase64Encoded, seen[1]!.body]).toEqual([true, bytes.toString('base64')]);
  });

  test('HTTP API 1.0, as emulated (AWS does not document it): bytes that are not UTF-8 under a text content type are not kept; REST keeps them', async () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xe9, 0x7d]);
    await callback('http', { 'content-type': 'text/plain', 'x-seller-token': SELLER_TOKEN }, bytes);
    await callback('rest', { 'content-type': 'text/plain', 'x-seller-token': SELLER_TOKEN }, bytes);
    const [http, rest] = enqueued();
    expect(http).toMatchObject({ body: '{"a":\ufffd}' });
    expect(rest).toMatchObject({ bodyEncoding: 'base64', body: bytes.toString('base64') });
  });

  test('an unknown path: REST answers 403 Missing Authentication Token, the HTTP API 404 Not Found; neither calls the function', async () => {
    const rest = await fetch(`${apis.rest.baseUrl}/other`, { method: 'POST', body: '{}' });
    const http = await fetch(`${apis.http.baseUrl}/other`, { method: 'POST', body: '{}' });
    expect([rest.status, await rest.json()]).toEqual([403, { message: 'Missing Authentication Token' }]);
    expect([http.status, await http.json()]).toEqual([404, { message: 'Not Found' }]);
    expect(seen).toHaveLength(0);
  });
});

describe('which content types an HTTP API hands over as text', () => {
  test.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Application/JSON', true],
    ['text/plain', true],
    ['text/html; charset=iso-8859-1', true],
    ['application/xml', true],
    ['application/javascript', true],
    ['application/octet-stream', false],
    ['application/x-www-form-urlencoded', false],
    ['application/problem+json', false],
    ['image/jpeg', false],
    [undefined, false],
    ['', false],
  ])('%p -> %p', (contentType, text) => {
    expect(httpApiSendsAsText(contentType)).toBe(text);
  });
});
