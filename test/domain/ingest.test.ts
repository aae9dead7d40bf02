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
    expect(decision).toEqual({ kind: 'too_large', bytes: 1200 });
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
    const decision = decideIngest(
      { ...base, flavour: 'checkout', headers: { authorization: 'seller-1', ...extra } },
      TOKENS,
      1024,
    );
    expect(decision.kind === 'accept' && decision.envelope.eventType).toBe(expected);
  });

  test('the envelope carries what the processor needs and no token', () => {
    const decision = decideIngest({ ...base, headers: { 'x-seller-token': 'seller-1' } }, TOKENS, 1024);
    expect(decision).toEqual({
      kind: 'accept',
      envelope: { v: 1, flavour: 'legacy', eventType: null, receivedAt: base.receivedAt, requestId: 'req-1', body: base.body },
    });
    expect(JSON.stringify(decision)).not.toContain('seller-1');
  });
});
