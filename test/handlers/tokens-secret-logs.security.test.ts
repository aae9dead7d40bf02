/**
 * Security: whatever the tokens secret holds, no byte of a token reaches a log line. A secret an
 * operator mistyped (not JSON, cut short, a token unquoted) is a configuration error: logged with
 * its code, answered 503, and nothing of its content in the log, not even the few characters a
 * JSON parse error quotes.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretTokenStore } from '../../lambda/adapters/token-store.js';
import { NotConfiguredError } from '../../lambda/domain/errors.js';
import { LEGACY_CALLBACK } from '../picpay-examples.support.js';
import { apiEvent, context } from './lambda-events.support.js';
import { buildAuthenticator } from './authenticator.support.js';
import { captureOutput } from './log-capture.support.js';

const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);

const build = buildAuthenticator;

/** A token no log line has any reason to contain: letters and digits in no common run. */
const TOKEN = 'Qx7KpZ9wMt4vB2nR';

/** Every 4-character run of the token: none may appear in the output. */
const pieces = Array.from({ length: TOKEN.length - 3 }, (_, i) => TOKEN.slice(i, i + 4));

/** Secrets as an operator might get them wrong, each with the token in it. */
const MALFORMED: readonly (readonly [string, string])[] = [
  ['the token alone, not JSON', TOKEN],
  ['key=value, not JSON', `sellerToken=${TOKEN}`],
  ['JSON cut short', `{"sellerToken":"${TOKEN}`],
  ['the token unquoted', `{"sellerToken": ${TOKEN}}`],
  ['a trailing comma', `{"sellerToken":["${TOKEN}",]}`],
  ['garbage after the object', `{"sellerToken":"${TOKEN}"}x`],
  ['single quotes', `{'sellerToken':'${TOKEN}'}`],
  ['a JSON string, not an object', JSON.stringify(TOKEN)],
  ['a token of the wrong type next to it', JSON.stringify({ sellerToken: 42, checkoutToken: { value: TOKEN } })],
];

let logs: ReturnType<typeof captureOutput>;
beforeEach(() => {
  sqs.reset();
  secrets.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  logs = captureOutput();
});
afterEach(() => logs.restore());

describe('security: a malformed tokens secret leaks no token byte into the logs', () => {
  test.each(MALFORMED)('%s: 503, an ERROR line with its code, and no piece of the token anywhere in the output', async (_name, secret) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secret, Name: 'tokens-secret' });
    const result = await build()(apiEvent('/callback', { 'x-seller-token': 'any' }, JSON.stringify(LEGACY_CALLBACK)), context);
    expect(result.statusCode).toBe(503);
    expect(logs.entries().some((e) => e.level === 'ERROR' && e.code === 'not_configured')).toBe(true);
    const text = logs.text();
    expect(pieces.filter((p) => text.includes(p))).toEqual([]);
    expect(result.body).not.toContain(TOKEN.slice(0, 4));
  });

  test.each(MALFORMED)('%s: the store error and its whole cause chain carry no piece of the token', async (_name, secret) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secret, Name: 'tokens-secret' });
    const error = await new SecretTokenStore(new SecretsManagerClient({}), 'tokens-secret', 1).get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotConfiguredError);
    const chain: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) chain.push(`${e.name}: ${e.message}\n${e.stack ?? ''}`);
    expect(pieces.filter((p) => chain.join('\n').includes(p))).toEqual([]);
  });
});
