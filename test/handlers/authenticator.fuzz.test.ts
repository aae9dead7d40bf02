/**
 * Property suite for the only public surface. Generated and mutated requests (routes, header
 * names in any case, token variants, bodies, encodings, sizes) against the real handler with
 * SQS and Secrets Manager mocked. For every request:
 * - the handler never throws, and answers one of the documented statuses;
 * - it answers 5xx only when the enqueue itself failed;
 * - it enqueues only authenticated requests, and answers 200 only once SQS accepted;
 * - its logs contain no token (configured or presented) and no CPF from the body.
 *
 * FUZZ_RUNS sets the number of cases (default 10,000), FUZZ_SEED replays a failure.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { CHECKOUT_TOKEN, LEGACY_CALLBACK, paymentEvent, SELLER_TOKEN, THREE_DS_EVENT } from '../picpay-examples.support.js';
import { apiEvent, context } from './lambda-events.support.js';
import { captureOutput } from './log-capture.support.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const ROTATED = 'f1c9d2e7-rotated-seller-token-0042';

const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);
Object.assign(process.env, {
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/notifications',
  TOKENS_SECRET_ID: 'tokens',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'INFO',
});
const { handler } = (await import('../../lambda/handlers/authenticator.js')) as {
  handler: (e: APIGatewayProxyEvent, c: Context) => Promise<APIGatewayProxyResult>;
};

// ---- generators -------------------------------------------------------------------------

const randomCase = (s: string) =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((flags) => [...s].map((ch, i) => (flags[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''));

/** Something high-entropy enough that finding it in the logs means it was logged. */
const secretish = fc.string({ unit: 'grapheme-ascii', minLength: 16, maxLength: 40 }).map((s) => `zq${s.replace(/\s/g, '_')}`);

const tokenValue = fc.oneof(
  fc.constant(SELLER_TOKEN),
  fc.constant(CHECKOUT_TOKEN),
  fc.constant(ROTATED),
  fc.constantFrom(`Bearer ${CHECKOUT_TOKEN}`, `bearer ${SELLER_TOKEN}`, ` ${SELLER_TOKEN} `, `${CHECKOUT_TOKEN}\t`, 'Bearer ', 'REPLACE_ME'),
  fc.constantFrom(SELLER_TOKEN.slice(0, -1), `${CHECKOUT_TOKEN}x`, SELLER_TOKEN.toUpperCase(), ''),
  secretish,
  fc.string({ maxLength: 64 }),
);

const tokenHeaders = fc.array(
  fc.tuple(fc.oneof(randomCase('x-seller-token'), randomCase('authorization'), fc.constantFrom('x-picpay-token', 'token')), tokenValue),
  { maxLength: 2 },
);

const eventTypeHeader = fc.option(
  fc.tuple(
    fc.oneof(randomCase('event-type'), randomCase('event_type')),
    fc.oneof(fc.constantFrom('TransactionUpdateMessage', 'Challenge3dsUpdateMessage'), fc.string({ maxLength: 30 })),
  ),
  { nil: undefined },
);

// At least 4 distinct digits, so a CPF cannot hide in fixed log text such as an account id.
const cpf = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 11, maxLength: 11 })
  .filter((d) => new Set(d).size >= 4)
  .map((d) => `${d.slice(0, 3).join('')}.${d.slice(3, 6).join('')}.${d.slice(6, 9).join('')}-${d.slice(9).join('')}`);

/** Flip, drop or insert characters in a valid body. */
const mutate = (text: string) =>
  fc
    .array(
      fc.tuple(
        fc.nat({ max: Math.max(0, text.length - 1) }),
        fc.constantFrom('flip', 'drop', 'insert'),
        fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
      ),
      { maxLength: 4 },
    )
    .map((edits) => {
      let out = text;
      for (const [at, op, ch] of edits) {
        const i = Math.min(at, out.length);
        out =
          op === 'drop' ? out.slice(0, i) + out.slice(i + 1) : op === 'insert' ? out.slice(0, i) + ch + out.slice(i) : out.slice(0, i) + ch + out.slice(i + 1);
      }
      return out;
    });

const body = cpf.chain((document) => {
  const withCpf = (event: ReturnType<typeof paymentEvent>) => ({ ...event, data: { ...event.data, customer: { ...event.data.customer, document } } });
  const valid = fc.constantFrom(JSON.stringify(LEGACY_CALLBACK), JSON.stringify(withCpf(paymentEvent())), JSON.stringify(THREE_DS_EVENT));
  return fc.tuple(
    fc.constant(document),
    fc.oneof(
      { weight: 3, arbitrary: valid },
      { weight: 3, arbitrary: valid.chain(mutate) },
      { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '{}', `{"referenceId":"${document}"}`) },
      { weight: 1, arbitrary: fc.constantFrom(100 * 1024, 199 * 1024, 201 * 1024, 600 * 1024).map((n) => `{"pad":"${'x'.repeat(n)}"}`) },
    ),
  );
});

const resource = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('/callback', '/webhook') },
  { weight: 1, arbitrary: fc.constantFrom('/other', '/', '/callback/x') },
);

/** Half the cases send the route's own header, so the authenticated branches get exercised. */
const targetedTokens = (route: string) =>
  fc
    .tuple(
      randomCase(route === '/webhook' ? 'authorization' : 'x-seller-token'),
      route === '/webhook'
        ? fc.constantFrom(CHECKOUT_TOKEN, `Bearer ${CHECKOUT_TOKEN}`, `BEARER   ${CHECKOUT_TOKEN} `, SELLER_TOKEN, `${CHECKOUT_TOKEN}1`)
        : fc.constantFrom(SELLER_TOKEN, ROTATED, ` ${SELLER_TOKEN}`, `Bearer ${SELLER_TOKEN}`, CHECKOUT_TOKEN),
    )
    .map((header) => [header]);

const request = resource.chain((route) =>
  fc.record({
    resource: fc.constant(route),
    method: fc.oneof({ weight: 9, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT') }),
    tokens: fc.oneof(targetedTokens(route), tokenHeaders),
    eventType: eventTypeHeader,
    extraHeaders: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
    body,
    encoding: fc.constantFrom('plain', 'plain', 'base64', 'bogus-base64'),
    nullBody: fc.boolean(),
    enqueueFails: fc.boolean(),
    nullHeaders: fc.boolean(),
  }),
);

// ---- oracle, written independently of lambda/domain -------------------------------------

function expectedAuthenticated(resource: string, method: string, headers: Record<string, string>): boolean {
  if (method !== 'POST' || (resource !== '/callback' && resource !== '/webhook')) return false;
  const wanted = resource === '/callback' ? 'x-seller-token' : 'authorization';
  // The handler sees one value per header name after lower-casing; the last one wins.
  let value: string | undefined;
  for (const [name, v] of Object.entries(headers)) if (name.toLowerCase() === wanted) value = v;
  if (value === undefined) return false;
  let token = value.trim();
  if (resource === '/webhook' && /^bearer\s+/i.test(token)) token = token.replace(/^bearer\s+/i, '').trim();
  const valid = resource === '/callback' ? [SELLER_TOKEN, ROTATED] : [CHECKOUT_TOKEN];
  return token !== '' && valid.includes(token);
}

// ---- the property -----------------------------------------------------------------------

test(`authenticator: ${RUNS} generated requests keep every promise`, async () => {
  let failEnqueue = false;
  sqs.on(SendMessageCommand).callsFake(async () => {
    if (failEnqueue) throw new Error('ServiceUnavailable');
    return { MessageId: 'm' };
  });
  secrets.on(GetSecretValueCommand).resolves({
    SecretString: JSON.stringify({ sellerToken: [SELLER_TOKEN, ROTATED], checkoutToken: CHECKOUT_TOKEN, picpayToken: 'p' }),
  });
  const logs = captureOutput();
  const stats = { cases: 0, authenticated: 0, byStatus: {} as Record<number, number> };
  try {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        sqs.resetHistory();
        failEnqueue = r.enqueueFails;
        logs.clear();

        const headers: Record<string, string> = { ...r.extraHeaders };
        for (const [name, value] of r.tokens) headers[name] = value;
        if (r.eventType) headers[r.eventType[0]] = r.eventType[1];
        const [document, text] = r.body;
        const rawBody = r.encoding === 'base64' ? Buffer.from(text).toString('base64') : r.encoding === 'bogus-base64' ? `!!${text}` : text;
        const event = apiEvent(r.resource, headers, r.nullBody ? null : rawBody, {
          httpMethod: r.method,
          isBase64Encoded: r.encoding !== 'plain',
          ...(r.nullHeaders && r.tokens.length === 0 ? { headers: null as unknown as Record<string, string> } : {}),
        });

        const result = await handler(event, context); // must not throw
        const authenticated = expectedAuthenticated(r.resource, r.method, r.nullHeaders && r.tokens.length === 0 ? {} : headers);
        // The size that counts is the bytes received (API Gateway's base64 undone), not a lossy UTF-8 decoding of them.
        const receivedBytes = r.nullBody ? 0 : r.encoding === 'plain' ? Buffer.byteLength(text) : Buffer.from(rawBody, 'base64').length;
        const tooLarge = receivedBytes > 200 * 1024;
        const sends = sqs.commandCalls(SendMessageCommand).length;

        stats.cases++;
        stats.byStatus[result.statusCode] = (stats.byStatus[result.statusCode] ?? 0) + 1;
        if (authenticated) stats.authenticated++;

        expect([200, 401, 404, 413, 503]).toContain(result.statusCode);
        expect(() => JSON.parse(result.body)).not.toThrow();
        if (!authenticated) {
          expect(sends).toBe(0);
          expect([401, 404]).toContain(result.statusCode);
        } else if (tooLarge) {
          expect(result.statusCode).toBe(413);
          expect(sends).toBe(0);
        } else {
          expect(sends).toBe(1);
          expect(result.statusCode).toBe(r.enqueueFails ? 503 : 200);
        }
        if (result.statusCode >= 500) expect(r.enqueueFails && authenticated).toBe(true);

        const logged = logs.text();
        for (const secret of [SELLER_TOKEN, CHECKOUT_TOKEN, ROTATED]) expect(logged).not.toContain(secret);
        for (const [, value] of r.tokens) if (value.length >= 16) expect(logged).not.toContain(value.trim());
        expect(logged).not.toContain(document);
        expect(logged).not.toContain(document.replace(/\D/g, ''));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  } finally {
    logs.restore();
  }
  console.log(`authenticator fuzz: ${stats.cases} cases, ${stats.authenticated} authenticated, statuses ${JSON.stringify(stats.byStatus)}`);
  // The generators must reach every branch, or the property proves little.
  expect(stats.authenticated).toBeGreaterThan(RUNS * 0.2);
  for (const status of [200, 401, 413, 503]) expect(stats.byStatus[status] ?? 0).toBeGreaterThan(0);
}, 300_000);
