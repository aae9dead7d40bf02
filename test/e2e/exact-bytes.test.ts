/**
 * Byte identity, end to end on the local pipeline: HTTP -> API Gateway emulation (base64) ->
 * authenticator -> fauxqs -> processor -> dynalite. What it covers, precisely:
 * - any byte string (valid UTF-8 or not, U+FFFF, U+FFFE, NUL, a BOM, emoji), sent plain or
 *   with content-encoding gzip/deflate/br, that is not a processable notification is parked
 *   with a body whose bytes equal the bytes sent (after decompression);
 * - a checkout notification whose merchantChargeId is any Unicode string that can be one URL path
 *   segment is processed, and the charge's id is exactly that string (one that cannot, `.`, `..`,
 *   a control character, is parked: test/domain/ids.security.test.ts).
 * Bodies holding personal members are outside this property: those members are removed
 * (test/domain/redact.test.ts, test/e2e/personal-data.test.ts). Here bodies hold no '{'
 * (so no JSON member at all) or only JSON members named k<digits>.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';

const savedEnv = { ...process.env };
let pipeline: LocalPipeline;
let ddb: DynamoDBDocumentClient;

beforeAll(async () => {
  pipeline = await startLocalPipeline({ port: 0, confirmCheckout: false, retryDelaySeconds: 0, logLevel: 'SILENT', reconcileEverySeconds: 0 });
  ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', endpoint: pipeline.endpoints.dynamodb, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }),
  );
}, 60000);

afterAll(async () => {
  ddb?.destroy();
  await pipeline?.stop();
  process.env = savedEnv;
});

type Coding = 'none' | 'gzip' | 'deflate' | 'br';
const encode = (bytes: Buffer, coding: Coding) =>
  coding === 'gzip' ? gzipSync(bytes) : coding === 'deflate' ? deflateSync(bytes) : coding === 'br' ? brotliCompressSync(bytes) : bytes;

async function post(route: '/callback' | '/webhook', bytes: Buffer, coding: Coding): Promise<string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (route === '/webhook') headers.authorization = pipeline.tokens.checkoutToken;
  else headers['x-seller-token'] = pipeline.tokens.sellerToken;
  if (coding !== 'none') headers['content-encoding'] = coding;
  const res = await fetch(`${pipeline.urls.api}${route}`, { method: 'POST', headers, body: encode(bytes, coding) });
  const answer = (await res.json()) as { requestId: string };
  expect(res.status).toBe(200);
  return answer.requestId;
}

async function parkedBodies(): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new QueryCommand({
        TableName: pipeline.resources.tableName,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'PARKED' },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      // Decoded here by hand from the stored envelope: base64 or UTF-8, as its bodyEncoding says.
      const envelope = JSON.parse(item.envelope as string) as { requestId: string; body: string; bodyEncoding?: string };
      found.set(envelope.requestId, Buffer.from(envelope.body, envelope.bodyEncoding === 'base64' ? 'base64' : 'utf8'));
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return found;
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tricky = fc.constantFrom('\uffff', '\ufffe', '\u0000', '\ufeff', '🌸', 'Ana 🌸', '\ud7ff\ue000', 'é', '\u{10ffff}');
const noBrace = (b: Uint8Array) => !Buffer.from(b).includes(0x7b);
const anyBytes = fc
  .oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc
      .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), tricky), { maxLength: 8 })
      .map((parts) => new Uint8Array(Buffer.from(parts.join(''), 'utf8'))),
  )
  .filter(noBrace);
const safeJson = fc
  .tuple(
    fc.dictionary(
      fc.stringMatching(/^k\d{1,3}$/),
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 12 }),
        tricky,
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
      ),
      { maxKeys: 6 },
    ),
    fc.constantFrom(0, 2, '\t'),
  )
  .map(([object, indent]) => new Uint8Array(Buffer.from(JSON.stringify(object, null, indent), 'utf8')));
const coding = fc.constantFrom<Coding>('none', 'none', 'gzip', 'deflate', 'br');

test('any bytes sent end parked byte-identical; any charge id ends processed exactly', async () => {
  const cases = fc.sample(
    fc.record({ route: fc.constantFrom<'/callback' | '/webhook'>('/callback', '/webhook'), bytes: fc.oneof(anyBytes, safeJson), coding }),
    { numRuns: 120, seed: Number(process.env.FUZZ_SEED ?? 1414) },
  );
  const sent = new Map<string, Buffer>();
  for (const c of cases) sent.set(await post(c.route, Buffer.from(c.bytes), c.coding), Buffer.from(c.bytes));
  const parked = await eventually(async () => {
    const all = await parkedBodies();
    return [...sent.keys()].every((id) => all.has(id)) ? all : undefined;
  });
  const differing = [...sent].filter(([id, bytes]) => !parked.get(id)!.equals(bytes)).map(([, bytes]) => bytes.toString('hex'));
  expect(differing).toEqual([]);

  const ids = fc.sample(
    fc
      .oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }),
        tricky.map((t) => `id-${t}`),
      )
      .filter((s) => s.trim() === s && s !== '')
      // Written out here: an id that can be a path segment (no dot segment, no C0/DEL/C1 control).
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it excludes.
      .filter((s) => s !== '.' && s !== '..' && !/[\u0000-\u001f\u007f-\u009f]/.test(s) && !/\p{Cs}/u.test(s)),
    { numRuns: 30, seed: Number(process.env.FUZZ_SEED ?? 1414) },
  );
  const unique = [...new Set(ids)];
  for (const [i, id] of unique.entries()) {
    const body = { type: 'PAYMENT', eventDate: '2024-07-01T16:00:00-03:00', id: 'e', data: { status: 'PAID', amount: 100, merchantChargeId: id } };
    await post('/webhook', Buffer.from(JSON.stringify(body)), (['none', 'gzip', 'br'] as const)[i % 3]);
  }
  for (const id of unique) {
    const item = await eventually(
      async () => (await ddb.send(new GetCommand({ TableName: pipeline.resources.tableName, Key: { pk: `CHARGE#checkout#${id}`, sk: 'STATE' } }))).Item,
    );
    expect(Buffer.from(item.chargeId as string).equals(Buffer.from(id))).toBe(true);
    expect(item.status).toBe('PAID');
  }
}, 90000);
