import * as zlib from 'node:zlib';
import { serializeEnvelope } from '../../lambda/domain/envelope.js';
import { decideIngest, decodeContent, headerEventType, type IngestRequest, presentedToken } from '../../lambda/domain/ingest.js';

const TOKENS = ['seller-1'];
const legacy: IngestRequest = {
  flavour: 'legacy',
  headers: { 'x-seller-token': 'seller-1' },
  body: '{"referenceId":"102030","authorizationId":"555008cef7f321d00ef236333"}',
  isBase64Encoded: false,
  requestId: 'req-1',
  receivedAt: '2024-07-01T19:00:00.000Z',
};

describe('token the authenticator reads', () => {
  test('legacy: spaces around x-seller-token are not part of the token', () => {
    expect(presentedToken('legacy', { 'x-seller-token': '  seller-1 ' })).toBe('seller-1');
    expect(decideIngest({ ...legacy, headers: { 'x-seller-token': ' seller-1\t' } }, TOKENS, 1024).kind).toBe('accept');
  });

  test('legacy: a "Bearer " prefix is only stripped from the checkout authorization header', () => {
    expect(presentedToken('legacy', { 'x-seller-token': 'Bearer seller-1' })).toBe('Bearer seller-1');
    expect(decideIngest({ ...legacy, headers: { 'x-seller-token': 'Bearer seller-1' } }, TOKENS, 1024)).toEqual({
      kind: 'unauthorized',
      reason: 'wrong_token',
    });
  });

  test.each([
    ['legacy', { 'x-seller-token': '   ' }],
    ['legacy', { 'x-seller-token': '' }],
    ['checkout', { authorization: '  ' }],
    ['checkout', { authorization: 'Bearer' }],
    ['checkout', { authorization: ' bearer   ' }],
  ] as const)('%s: a blank token is a missing token (%j)', (flavour, headers) => {
    expect(presentedToken(flavour, headers)).toBeUndefined();
    expect(decideIngest({ ...legacy, flavour, headers }, TOKENS, 1024)).toEqual({ kind: 'unauthorized', reason: 'missing_token' });
  });
});

describe('checkout event type header', () => {
  test.each([
    [{ 'event-type': 'PAYMENT' }, 'PAYMENT'],
    [{ 'event-type': '  PAYMENT ' }, 'PAYMENT'],
    [{ event_type: ' REFUND' }, 'REFUND'],
    [{ 'event-type': 'PAYMENT', event_type: 'REFUND' }, 'PAYMENT'],
    [{ 'event-type': '   ' }, null],
    [{ event_type: '' }, null],
    [{}, null],
  ])('%j -> %j', (headers, expected) => {
    expect(headerEventType(headers)).toBe(expected);
  });

  test('the envelope carries the trimmed event type', () => {
    const decision = decideIngest({ ...legacy, flavour: 'checkout', headers: { authorization: 'seller-1', 'event-type': ' PAYMENT ' } }, TOKENS, 1024);
    expect(decision.kind === 'accept' && decision.envelope.eventType).toBe('PAYMENT');
  });
});

describe('size limits', () => {
  test('a body of exactly maxBodyBytes is accepted; one byte more is a 413', () => {
    const at = `{"referenceId":"${'a'.repeat(82)}"}`; // 100 bytes
    expect(Buffer.byteLength(at)).toBe(100);
    expect(decideIngest({ ...legacy, body: at }, TOKENS, 100).kind).toBe('accept');
    expect(decideIngest({ ...legacy, body: `${at} ` }, TOKENS, 100)).toEqual({ kind: 'too_large', bytes: 101, reason: 'body' });
  });

  // SQS takes 262,144 bytes per message; the authenticator keeps 1,024 for attributes: 261,120.
  test('a queue message of exactly 261,120 bytes is sent; one byte more is too large', () => {
    const sized = (n: number) => `{"referenceId":"${'a'.repeat(n)}"}`;
    const small = decideIngest({ ...legacy, body: sized(0) }, TOKENS, 1_000_000);
    if (small.kind !== 'accept') throw new Error('small body not accepted');
    const overhead = Buffer.byteLength(serializeEnvelope(small.envelope));
    const fill = 261_120 - overhead;
    const exact = decideIngest({ ...legacy, body: sized(fill) }, TOKENS, 1_000_000);
    expect(exact.kind).toBe('accept');
    if (exact.kind === 'accept') {
      expect(exact.envelope.bodyEncoding).toBe('utf8');
      expect(Buffer.byteLength(serializeEnvelope(exact.envelope))).toBe(261_120);
    }
    const over = decideIngest({ ...legacy, body: sized(fill + 1) }, TOKENS, 1_000_000);
    expect(over).toMatchObject({ kind: 'too_large', reason: 'message' });
  });
});

describe('body decoding', () => {
  test('a missing body (null) is an empty body, accepted', () => {
    const decision = decideIngest({ ...legacy, body: null }, TOKENS, 1024);
    expect(decision.kind).toBe('accept');
    expect(decision.kind === 'accept' && [decision.envelope.body, decision.envelope.bodyEncoding]).toEqual(['', 'utf8']);
  });

  test('an undecodable body is kept as received, flagged, and nothing is said to be redacted', () => {
    const body = '{"customer":{"name":"Ana"},"referenceId":"1"}';
    const decision = decideIngest({ ...legacy, headers: { ...legacy.headers, 'content-encoding': 'compress' }, body }, TOKENS, 1024);
    expect(decision).toEqual({
      kind: 'accept',
      envelope: {
        v: 2,
        flavour: 'legacy',
        eventType: null,
        receivedAt: '2024-07-01T19:00:00.000Z',
        requestId: 'req-1',
        origin: 'picpay',
        contentEncoding: 'compress',
        body,
        bodyEncoding: 'utf8',
      },
    });
  });

  test.each(['constructor', 'toString', '__proto__', 'valueOf'])('content-encoding %s is an unknown coding, not identity', (coding) => {
    expect(decodeContent(Buffer.from('{"a":1}'), coding, 1024)).toEqual({ kind: 'undecodable', contentEncoding: coding });
  });

  test('an unknown coding anywhere in a list leaves the body undecodable', () => {
    const body = zlib.gzipSync('{"a":1}');
    expect(decodeContent(body, 'compress, gzip', 1024)).toEqual({ kind: 'undecodable', contentEncoding: 'compress, gzip' });
  });
});

describe('decompression bombs are 413s for every coding', () => {
  const big = Buffer.from(`{"referenceId":"${'0'.repeat(5000)}"}`);
  test.each([
    ['gzip', zlib.gzipSync(big)],
    ['x-gzip', zlib.gzipSync(big)],
    ['deflate', zlib.deflateSync(big)],
    ['deflate', zlib.deflateRawSync(big)],
    ['br', zlib.brotliCompressSync(big)],
    ['zstd', zlib.zstdCompressSync(big)],
  ])('%s (%#)', (coding, compressed) => {
    expect(compressed.length).toBeLessThan(1000);
    const decision = decideIngest(
      { ...legacy, headers: { ...legacy.headers, 'content-encoding': coding }, body: compressed.toString('base64'), isBase64Encoded: true },
      TOKENS,
      1000,
    );
    expect(decision).toMatchObject({ kind: 'too_large', reason: 'decompressed' });
    expect(decision.kind === 'too_large' && decision.bytes).toBeGreaterThan(1000);
  });

  test.each([
    ['gzip', zlib.gzipSync],
    ['x-gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['deflate', zlib.deflateRawSync],
    ['br', zlib.brotliCompressSync],
    ['zstd', zlib.zstdCompressSync],
  ] as const)('%s under the limit decodes to the exact bytes sent (%#)', (coding, compress) => {
    const body = '{"referenceId":"102030"}';
    const decision = decideIngest(
      { ...legacy, headers: { ...legacy.headers, 'content-encoding': coding }, body: compress(Buffer.from(body)).toString('base64'), isBase64Encoded: true },
      TOKENS,
      1000,
    );
    expect(decision.kind === 'accept' && decision.envelope.body).toBe(body);
  });
});
