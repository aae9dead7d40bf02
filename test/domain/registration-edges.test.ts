import { decideRegistration } from '../../lambda/domain/registration.js';

const CALLER = 'arn:aws:iam::123456789012:role/merchant-backend';
const AT = '2024-07-01T12:00:00.000Z';

describe('registration problems', () => {
  test('every problem is named, each on its own, separated by "; "', () => {
    const d = decideRegistration('{"expiresAt":"amanhã"}', CALLER, 'r', AT);
    expect(d).toEqual({ kind: 'invalid', problems: 'referenceId: Invalid input; expiresAt: not an ISO 8601 date-time' });
  });
});
