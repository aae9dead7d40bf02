import { bodyText, type Envelope } from '../../lambda/domain/envelope.js';
import { ParkError } from '../../lambda/domain/errors.js';

const base: Envelope = {
  v: 2,
  flavour: 'checkout',
  eventType: 'TransactionUpdateMessage',
  receivedAt: '2026-11-23T13:00:00.000Z',
  requestId: 'req-1',
  body: '{}',
};

function parkOf(fn: () => unknown): ParkError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ParkError) return error;
    throw error;
  }
  throw new Error('expected a ParkError');
}

describe('bodyText edges', () => {
  test('a body of exactly the limit is accepted', () => {
    expect(bodyText({ ...base, body: '0123456789' }, 10)).toBe('0123456789');
  });

  test('a body one byte over the limit is parked and the message gives both sizes', () => {
    const error = parkOf(() => bodyText({ ...base, body: '01234567890' }, 10));
    expect(error.reason).toBe('body_too_large');
    expect(error.message).toBe('Body of 11 bytes is over the 10-byte limit');
  });

  test('the limit counts UTF-8 bytes, not characters', () => {
    // "çã" is 2 characters, 4 bytes.
    expect(parkOf(() => bodyText({ ...base, body: 'çã' }, 3)).message).toBe('Body of 4 bytes is over the 3-byte limit');
  });

  test('a still-compressed body is parked naming the content-encoding, cut to 64 characters', () => {
    const short = parkOf(() => bodyText({ ...base, body: 'x', contentEncoding: 'br' }, 100));
    expect(short.reason).toBe('undecodable_body');
    expect(short.message).toBe('Body could not be decoded from content-encoding "br"');
    const long = parkOf(() => bodyText({ ...base, body: 'x', contentEncoding: 'z'.repeat(100) }, 100));
    expect(long.message).toBe(`Body could not be decoded from content-encoding "${'z'.repeat(64)}"`);
  });

  test('a base64 body that is not UTF-8 is parked with a message saying so', () => {
    const error = parkOf(() => bodyText({ ...base, body: Buffer.from([0xff, 0xfe, 0x41]).toString('base64'), bodyEncoding: 'base64' }, 100));
    expect(error.reason).toBe('invalid_utf8');
    expect(error.message).toBe('Body is not valid UTF-8');
  });

  test('a text body is handed over exactly as it was queued (no re-decoding)', () => {
    // A lone surrogate survives the JSON queue message; a UTF-8 round trip would turn it into U+FFFD.
    expect(bodyText({ ...base, body: '{"a":"\ud800"}' }, 100)).toBe('{"a":"\ud800"}');
  });
});
