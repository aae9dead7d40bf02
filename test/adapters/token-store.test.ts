import { credentialsFromSecret, tokensFromSecret } from '../../lambda/adapters/token-store.js';

/** The stack's placeholder, as the README tells the operator to replace it. */
const PLACEHOLDER = 'REPLACE_ME';

describe('PicPay credentials secret: the checkout API OAuth client is optional', () => {
  const base = { picpayToken: 'p' };

  test('both client id and secret: checkout reconciliation is on', () => {
    expect(credentialsFromSecret({ ...base, picpayClientId: ' id-1 ', picpayClientSecret: 'secret-1' }).checkoutClient).toEqual({
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
  ])('%s: off, and the status API token still works', (_name, extra) => {
    const credentials = credentialsFromSecret({ ...base, ...extra });
    expect(credentials.checkoutClient).toBeNull();
    expect(credentials.picpay).toBe('p');
  });

  test('a client id that is not a string is a shape error, naming the credentials secret', () => {
    expect(() => credentialsFromSecret({ ...base, picpayClientId: 42, picpayClientSecret: 'x' })).toThrow(
      'The PicPay credentials secret is not in the expected JSON shape',
    );
  });

  test('a placeholder picpayToken is no token', () => {
    expect(credentialsFromSecret({ picpayToken: PLACEHOLDER })).toEqual({ picpay: null, checkoutClient: null });
  });
});

describe('the secrets split by reader: each parser gives only its own members', () => {
  // A tokens secret of a stack deployed with one secret, credentials still in it.
  const oneSecret = { sellerToken: 's', checkoutToken: ['c-old', 'c'], picpayToken: 'p', picpayClientId: 'id', picpayClientSecret: 'cs' };

  test('the tokens secret gives the authenticator the webhook tokens and nothing else', () => {
    expect(tokensFromSecret(oneSecret)).toStrictEqual({ legacy: ['s'], checkout: ['c-old', 'c'] });
  });

  test('the credentials secret gives the processor the PicPay credentials and nothing else', () => {
    expect(credentialsFromSecret(oneSecret)).toStrictEqual({ picpay: 'p', checkoutClient: { clientId: 'id', clientSecret: 'cs' } });
  });

  test('a new stack’s tokens placeholder (with its leftover picpayToken) gives no token', () => {
    expect(tokensFromSecret({ sellerToken: PLACEHOLDER, checkoutToken: PLACEHOLDER, picpayToken: PLACEHOLDER })).toStrictEqual({ legacy: [], checkout: [] });
  });
});
