import { decideRegistration } from '../../lambda/domain/registration.js';

const CALLER = 'arn:aws:iam::123456789012:role/shop-backend';
const AT = '2024-07-01T19:00:00.000Z';

describe('decideRegistration', () => {
  test('a registration becomes a legacy Registration envelope with only the referenceId and the expiry (UTC)', () => {
    expect(decideRegistration('{"referenceId":" 102030 ","expiresAt":"2024-07-02T10:00:00","buyer":{"name":"X"}}', CALLER, 'req-1', AT)).toEqual({
      kind: 'accept',
      request: { referenceId: '102030', expiresAt: '2024-07-02T13:00:00.000Z' },
      envelope: {
        v: 2,
        flavour: 'legacy',
        eventType: 'Registration',
        receivedAt: AT,
        requestId: 'req-1',
        origin: 'merchant',
        body: '{"referenceId":"102030","expiresAt":"2024-07-02T13:00:00.000Z"}',
      },
    });
  });

  test('a numeric referenceId is a string; no expiry is null', () => {
    const d = decideRegistration('{"referenceId":102030}', CALLER, 'req-2', AT);
    expect(d.kind === 'accept' && d.request).toEqual({ referenceId: '102030', expiresAt: null });
    expect(d.kind === 'accept' && d.envelope.body).toBe('{"referenceId":"102030","expiresAt":null}');
  });

  test('no caller: forbidden, whatever the body', () => {
    expect(decideRegistration('{"referenceId":"1"}', null, 'r', AT)).toEqual({ kind: 'forbidden' });
    expect(decideRegistration('{"referenceId":"1"}', '', 'r', AT)).toEqual({ kind: 'forbidden' });
  });

  test.each([
    [null, 'body is not JSON'],
    ['', 'body is not JSON'],
    ['{', 'body is not JSON'],
    ['{}', 'referenceId: Invalid input'],
    ['{"referenceId":""}', 'referenceId: Invalid input'],
    ['{"referenceId":1.5}', 'referenceId: Invalid input'],
    ['{"referenceId":"1","expiresAt":"amanhã"}', 'expiresAt: not an ISO 8601 date-time'],
    ['[1]', '(body): Invalid input'],
  ])('%p is invalid: %s', (body, problem) => {
    const d = decideRegistration(body, CALLER, 'r', AT);
    expect(d.kind).toBe('invalid');
    expect(d.kind === 'invalid' && d.problems).toContain(problem);
  });
});
