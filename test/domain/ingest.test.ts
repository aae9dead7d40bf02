import * as zlib from 'node:zlib';
import { serializeEnvelope } from '../../lambda/domain/envelope.js';
import { decideIngest, type IngestRequest } from '../../lambda/domain/ingest.js';
import { normalizeHeaders } from '../../lambda/domain/headers.js';

const TOKENS = ['seller-1', 'seller-2'];
const base: IngestRequest = {
  flavour: 'legacy',
  headers: {},
  body: '{"referenceId":"1"}',
  isBase64Encoded: false,
  requestId: 'req-1',
  receivedAt: '2024-07-01T19:00:00.000Z',
};

describe('decideIngest', () => {
  test.each([
    ['legacy, no token', { headers: {} }, 'unauthorized'],
    ['legacy, wrong token', { headers: { 'x-seller-token': 'nope' } }, 'unauthorized'],
    ['legacy, blank token', { headers: { 'x-seller-token': '   ' } }, 'unauthorized'],
    ['legacy, right token', { headers: { 'x-seller-token': 'seller-1' } }, 'accept'],
    ['legacy, rotated token', { headers: { 'x-seller-token': 'seller-2' } }, 'accept'],
    ['legacy, checkout header only', { headers: { authorization: 'seller-1' } }, 'unauthorized'],
    ['checkout, raw token', { flavour: 'checkout', headers: { authorization: 'seller-1' } }, 'accept'],
    ['checkout, Bearer token', { flavour: 'checkout', headers: { authorization: 'Bearer seller-1' } }, 'accept'],
    ['checkout, legacy header only', { flavour: 'checkout', headers: { 'x-seller-token': 'seller-1' } }, 'unauthorized'],
  ] as const)('%s -> %s', (_name, patch, kind) => {
    expect(decideIngest({ ...base, ...patch } as IngestRequest, TOKENS, 1024).kind).toBe(kind);
  });

  test('headers in any case are found after normalizing', () => {
    const headers = normalizeHeaders({ 'X-Seller-Token': 'seller-1', 'Content-Type': 'application/json' });
    expect(decideIngest({ ...base, headers }, TOKENS, 1024).kind).toBe('accept');
  });

  test('an unauthenticated oversized body is a 401, not a 413', () => {
    const decision = decideIngest({ ...base, body: 'x'.repeat(5000) }, TOKENS, 1024);
    expect(decision).toEqual({ kind: 'unauthorized', reason: 'missing_token' });
  });

  test('an authenticated body over the limit is too_large, with its size', () => {
    const decision = decideIngest({ ...base, headers: { 'x-seller-token': 'seller-1' }, body: 'é'.repeat(600) }, TOKENS, 1024);
    expect(decision).toEqual({ kind: 'too_large', bytes: 1200, reason: 'body' });
  });

  test('base64 bodies are decoded before they are enqueued', () => {
    const body = Buffer.from('{"referenceId":"102030"}').toString('base64');
    const decision = decideIngest({ ...base, headers: { 'x-seller-token': 'seller-1' }, body, isBase64Encoded: true }, TOKENS, 1024);
    expect(decision.kind === 'accept' && decision.envelope.body).toBe('{"referenceId":"102030"}');
  });

  test.each([
    [{ 'event-type': 'TransactionUpdateMessage' }, 'TransactionUpdateMessage'],
    [{ event_type: 'Challenge3dsUpdateMessage' }, 'Challenge3dsUpdateMessage'],
    [{}, null],
  ])('checkout event type from headers %p', (extra, expected) => {
    const decision = decideIngest({ ...base, flavour: 'checkout', headers: { authorization: 'seller-1', ...extra } }, TOKENS, 1024);
    expect(decision.kind === 'accept' && decision.envelope.eventType).toBe(expected);
  });

  test('the envelope carries what the processor needs and no token', () => {
    const decision = decideIngest({ ...base, headers: { 'x-seller-token': 'seller-1' } }, TOKENS, 1024);
    expect(decision).toEqual({
      kind: 'accept',
      envelope: {
        v: 2,
        flavour: 'legacy',
        eventType: null,
        receivedAt: base.receivedAt,
        requestId: 'req-1',
        origin: 'picpay',
        body: base.body,
        bodyEncoding: 'utf8',
      },
    });
    expect(JSON.stringify(decision)).not.toContain('seller-1');
  });
});

describe('decideIngest: the body, byte for byte', () => {
  const LIMIT = 64 * 1024;
  const accept = (body: Buffer, headers: Record<string, string> = {}) => {
    const d = decideIngest(
      { ...base, headers: { 'x-seller-token': 'seller-1', ...headers }, body: body.toString('base64'), isBase64Encoded: true },
      TOKENS,
      LIMIT,
    );
    if (d.kind !== 'accept') throw new Error(`expected accept, got ${JSON.stringify(d)}`);
    return d.envelope;
  };
  const json = Buffer.from('{"referenceId":"102030","note":"Ana 🌸 \uffff"}');

  test.each([
    ['gzip', zlib.gzipSync(json)],
    ['x-gzip', zlib.gzipSync(json)],
    ['deflate', zlib.deflateSync(json)],
    ['deflate', zlib.deflateRawSync(json)],
    ['br', zlib.brotliCompressSync(json)],
    ['zstd', zlib.zstdCompressSync(json)],
    ['GZIP, identity', zlib.gzipSync(json)],
    ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(json))],
  ])('content-encoding %s is decoded before anything else', (coding, sent) => {
    const envelope = accept(sent, { 'content-encoding': coding });
    expect(envelope).toMatchObject({ bodyEncoding: 'utf8', body: '{"referenceId":"102030","note":"Ana 🌸 \uffff"}' });
    expect(envelope.contentEncoding).toBeUndefined();
  });

  test('a decompression bomb is too_large (413), however small on the wire', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(LIMIT);
    const d = decideIngest(
      { ...base, headers: { 'x-seller-token': 'seller-1', 'content-encoding': 'gzip' }, body: bomb.toString('base64'), isBase64Encoded: true },
      TOKENS,
      LIMIT,
    );
    expect(d).toEqual({ kind: 'too_large', bytes: LIMIT + 1, reason: 'decompressed' });
  });

  test.each([
    ['an unknown coding', 'compress', Buffer.from('whatever')],
    ['corrupt gzip', 'gzip', Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3])],
  ])('%s: the bytes are kept as received, flagged for the processor to park', (_name, coding, sent) => {
    const envelope = accept(sent, { 'content-encoding': coding });
    expect(envelope.contentEncoding).toBe(coding);
    expect(envelope.bodyEncoding === 'base64' ? Buffer.from(envelope.body, 'base64') : Buffer.from(envelope.body)).toEqual(sent);
  });

  test('bytes that are not UTF-8 travel as base64, unchanged', () => {
    const sent = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x7d]);
    expect(accept(sent)).toMatchObject({ bodyEncoding: 'base64', body: 'e//+AMMofQ==' });
  });

  test('a UTF-8 byte-order mark is kept', () => {
    expect(accept(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toMatchObject({ bodyEncoding: 'utf8', body: '\ufeff{}' });
  });

  test('the queue message is plain ASCII, so SQS accepts U+FFFF, U+FFFE, NUL and emoji', () => {
    const envelope = accept(Buffer.from('{"x":"\uffff\ufffe\u0000🌸é"}'));
    const message = serializeEnvelope(envelope);
    expect(message).toMatch(/^[\x20-\x7e]*$/);
    expect(message).toContain('\\uffff\\ufffe\\u0000\\ud83c\\udf38\\u00e9');
    expect(JSON.parse(message).body).toBe('{"x":"\uffff\ufffe\u0000🌸é"}');
  });

  test('a body whose message would not fit in SQS is too_large', () => {
    // 200,000 bytes of 3-byte characters: escaped as text it is 400,000 bytes, as base64 266,668.
    const d = decideIngest({ ...base, headers: { 'x-seller-token': 'seller-1' }, body: '\u0800'.repeat(66_667) }, TOKENS, 204_800);
    expect(d).toEqual({ kind: 'too_large', bytes: 200_001, reason: 'message' });
  });

  test('a text body whose escapes would not fit goes as base64 when that fits', () => {
    // 150,000 bytes: escaped text 300,000 bytes, base64 200,000.
    const d = decideIngest({ ...base, headers: { 'x-seller-token': 'seller-1' }, body: '\u0800'.repeat(50_000) }, TOKENS, 204_800);
    expect(d.kind === 'accept' && d.envelope.bodyEncoding).toBe('base64');
  });

  test('personal data is removed before the envelope is built, and the paths are listed', () => {
    const envelope = accept(Buffer.from('{"referenceId":"1","buyer":{"document":"111.222.333-44","email":"a@b.c"}}'));
    expect(envelope).toMatchObject({ body: '{"referenceId":"1"}', redacted: ['buyer'] });
  });
});
