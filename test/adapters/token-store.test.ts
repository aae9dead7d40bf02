import { tokensFromSecret } from '../../lambda/adapters/token-store.js';

/** The stack's placeholder, as the README tells the operator to replace it. */
const PLACEHOLDER = 'REPLACE_ME';

describe('tokens secret: the checkout API OAuth client is optional', () => {
  const base = { sellerToken: 's', checkoutToken: 'c', picpayToken: 'p' };

  test('both client id and secret: checkout reconciliation is on', () => {
    expect(tokensFromSecret({ ...base, picpayClientId: ' id-1 ', picpayClientSecret: 'secret-1' }).checkoutClient).toEqual({
      clientId: 'id-1',
      clientSecret: 'secret-1',
    });
  });

  test.each([
    ['neither', {}],
    ['only the id', { picpayClientId: 'id-1' }],
    ['only the secret', { picpayClientSecret: 'secret-1' }],
    ['placeholders', { picpayClientId: PLACEHOLDER, picpayClientSecret: PLACEHOLDER }],
    ['blank', { picpayClientId: ' ', picpayClientSecret: '' }],
  ])('%s: off, and the webhook tokens still work', (_name, extra) => {
    const tokens = tokensFromSecret({ ...base, ...extra });
    expect(tokens.checkoutClient).toBeNull();
    expect(tokens.checkout).toEqual(['c']);
  });

  test('a client id that is not a string is a shape error, as for the tokens', () => {
    expect(() => tokensFromSecret({ ...base, picpayClientId: 42, picpayClientSecret: 'x' })).toThrow('expected JSON shape');
  });
});
