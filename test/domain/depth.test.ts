/**
 * A body nested too deep for the personal-data redaction to walk safely (docs/ingest.md, "Bodies
 * nested too deep"): kept without its bytes and parked, never a 5xx. Expected values by hand.
 */
import { gzipSync } from 'node:zlib';
import { bodyText, type Envelope } from '../../lambda/domain/envelope.js';
import { parseEnvelope } from '../../lambda/domain/envelope-schema.js';
import { ParkError } from '../../lambda/domain/errors.js';
import { decideIngest, type IngestRequest } from '../../lambda/domain/ingest.js';
import { jsonDepth } from '../../lambda/domain/redact.js';

const depthOf = (text: string) => jsonDepth(Buffer.from(text, 'latin1'));

describe('jsonDepth', () => {
  test.each([
    ['', 0],
    ['42', 0],
    ['{}', 1],
    ['[[]]', 2],
    ['[{}][{}]', 2],
    ['{"a":[1,{"b":[]}]}', 4],
    ['{"a":"{{{[[["}', 1],
    ['{"a":"\\"{[","b":{}}', 2],
    ['{"a":"\\\\","b":{}}', 2],
    [']]]{', 1],
    ['}}{{', 2],
    ['{"a":{"b":', 2],
  ])('%s is %i deep', (text, depth) => {
    expect(depthOf(text)).toBe(depth);
  });
});

const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{"customer":{"name":"Pessoa"}}${'}'.repeat(depth - 1)}`;
const request = (body: string, headers: Record<string, string> = {}): IngestRequest => ({
  flavour: 'checkout',
  headers: { authorization: 'tok', 'event-type': 'TransactionUpdateMessage', ...headers },
  body,
  isBase64Encoded: false,
  requestId: 'req-1',
  receivedAt: '2024-07-01T19:00:00.000Z',
});

describe('decideIngest: depth', () => {
  test('a body 256 levels deep is kept whole, and its personal data at the bottom removed', () => {
    // 255 arrays plus the object holding `customer` (a string): 256 levels.
    const body = `${'['.repeat(255)}{"customer":"Pessoa","k":1}${']'.repeat(255)}`;
    const decision = decideIngest(request(body), ['tok'], 1024 * 1024);
    expect(decision.kind).toBe('accept');
    if (decision.kind !== 'accept') return;
    expect(decision.envelope.withheld).toBeUndefined();
    expect(decision.envelope.body).toBe(`${'['.repeat(255)}{"k":1}${']'.repeat(255)}`);
  });

  test('a body 257 levels deep is accepted without its bytes, with its depth and size', () => {
    const body = nested(256); // 255 wrappers, the object, `customer`: 257 levels
    expect(decideIngest(request(body), ['tok'], 1024 * 1024)).toEqual({
      kind: 'accept',
      envelope: {
        v: 2,
        flavour: 'checkout',
        eventType: 'TransactionUpdateMessage',
        receivedAt: '2024-07-01T19:00:00.000Z',
        requestId: 'req-1',
        origin: 'picpay',
        body: '',
        bodyEncoding: 'utf8',
        withheld: { reason: 'too_deep', depth: 257, bytes: body.length },
      },
    });
  });

  test('10,000 levels of arrays, gzip-compressed: measured after decompression', () => {
    const body = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const gz = gzipSync(body).toString('base64');
    const decision = decideIngest({ ...request(gz, { 'content-encoding': 'gzip' }), isBase64Encoded: true }, ['tok'], 1024 * 1024);
    expect(decision).toMatchObject({ kind: 'accept', envelope: { body: '', withheld: { reason: 'too_deep', depth: 10_000, bytes: 20_000 } } });
  });

  test('a wrong token is still 401, whatever the depth', () => {
    expect(decideIngest(request(nested(10_000), { authorization: 'nope' }), ['tok'], 1024 * 1024)).toEqual({ kind: 'unauthorized', reason: 'wrong_token' });
  });
});

describe('the processor side', () => {
  const withheld: Envelope = {
    v: 2,
    flavour: 'checkout',
    eventType: 'TransactionUpdateMessage',
    receivedAt: '2024-07-01T19:00:00.000Z',
    requestId: 'req-1',
    body: '',
    bodyEncoding: 'utf8',
    withheld: { reason: 'too_deep', depth: 10_000, bytes: 50_001 },
  };

  test('the queue message round-trips', () => {
    expect(parseEnvelope(JSON.stringify(withheld))).toEqual(withheld);
  });

  test('a withheld body is parked as too_deep, naming its size, depth and the limit', () => {
    let error: unknown;
    try {
      bodyText(withheld, 100 * 1024);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParkError);
    expect(error).toMatchObject({
      reason: 'too_deep',
      message: 'Body of 50001 bytes nested 10000 levels deep (limit 256) was not kept: it cannot be searched for personal data safely',
    });
  });
});
