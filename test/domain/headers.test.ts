import { normalizeHeaders } from '../../lambda/domain/headers.js';

describe('normalizeHeaders edges', () => {
  test('no headers at all (API Gateway sends null) is an empty map', () => {
    expect(normalizeHeaders(null)).toStrictEqual({});
    expect(normalizeHeaders(undefined)).toStrictEqual({});
  });

  test('a header without a value is left out, not kept as undefined', () => {
    const out = normalizeHeaders({ 'X-Empty': undefined, 'Event-Type': 'TransactionUpdateMessage' });
    expect(Object.keys(out)).toEqual(['event-type']);
    expect(out['event-type']).toBe('TransactionUpdateMessage');
  });
});
