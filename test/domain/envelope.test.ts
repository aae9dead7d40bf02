import { processEnvelope } from '../../lambda/domain/process.js';
import type { Envelope } from '../../lambda/domain/envelope.js';
import { parseEnvelope } from '../../lambda/domain/envelope-schema.js';
import { memoryDeps } from './in-memory.support.js';

const base = { flavour: 'checkout', eventType: null, receivedAt: '2024-07-01T19:00:05.000Z', requestId: 'r-1' } as const;
const payment = '{"type":"PAYMENT","eventDate":"2024-07-01T16:00:00-03:00","data":{"status":"PAID","amount":100,"merchantChargeId":"c-1"}}';

describe('the processor reads the envelope body', () => {
  test('a base64 body is decoded before it is parsed', async () => {
    const { deps, charges } = memoryDeps();
    const envelope: Envelope = { ...base, v: 2, body: Buffer.from(payment).toString('base64'), bodyEncoding: 'base64' };
    expect((await processEnvelope(envelope, deps)).kind).toBe('applied');
    expect(charges.items.get('checkout#c-1')?.state.status).toBe('PAID');
  });

  test.each([
    ['bytes that are not UTF-8', { body: 'e//+In0=', bodyEncoding: 'base64' }, 'invalid_utf8'],
    [
      'a body still compressed (unknown or corrupt content-encoding)',
      { body: 'H4sIAAAA', bodyEncoding: 'base64', contentEncoding: 'gzip' },
      'undecodable_body',
    ],
    ['a decoded body over the processing limit', { body: Buffer.alloc(70 * 1024, 0x20).toString('base64'), bodyEncoding: 'base64' }, 'body_too_large'],
  ] as const)('%s is parked as it was queued', async (_name, patch, reason) => {
    const { deps, charges } = memoryDeps();
    const envelope: Envelope = { ...base, v: 2, ...patch };
    expect(await processEnvelope(envelope, deps)).toMatchObject({ kind: 'parked', reason });
    expect(charges.parked.map((p) => p.envelope)).toEqual([envelope]);
  });

  test('version 1 messages (a text body) are still read', async () => {
    const { deps } = memoryDeps();
    const envelope = parseEnvelope(JSON.stringify({ ...base, v: 1, body: payment }));
    expect((await processEnvelope(envelope, deps)).kind).toBe('applied');
  });

  test('an unknown version is refused, so it is retried and dead-lettered unchanged', () => {
    expect(() => parseEnvelope(JSON.stringify({ ...base, v: 3, body: payment }))).toThrow();
  });
});
