import { stripBearer, tokenMatches } from '../../lambda/domain/token.js';

describe('tokenMatches edges', () => {
  test('an absent token never matches, even an empty configured one', () => {
    expect(tokenMatches(undefined, [''])).toBe(false);
    expect(tokenMatches(undefined, ['secret'])).toBe(false);
  });

  test('an empty token never matches, even an empty configured one', () => {
    expect(tokenMatches('', [''])).toBe(false);
    expect(tokenMatches('', ['', 'secret'])).toBe(false);
  });

  test('a match anywhere in the list counts, also when later tokens differ', () => {
    expect(tokenMatches('first', ['first', 'second', 'third'])).toBe(true);
    expect(tokenMatches('second', ['first', 'second', 'third'])).toBe(true);
    expect(tokenMatches('third', ['first', 'second', 'third'])).toBe(true);
  });

  test('non-ASCII tokens are compared by their UTF-8 text', () => {
    expect(tokenMatches('senha-ção', ['senha-ção'])).toBe(true);
    expect(tokenMatches('senha-cao', ['senha-ção'])).toBe(false);
  });
});

describe('stripBearer edges', () => {
  test('only a leading "Bearer" and all the whitespace after it are removed', () => {
    expect(stripBearer('Bearer abc')).toBe('abc');
    expect(stripBearer('bearer  \t abc')).toBe('abc');
    expect(stripBearer('  BEARER abc  ')).toBe('abc');
  });

  test('"bearer" inside the token is kept', () => {
    expect(stripBearer('xBearer abc')).toBe('xBearer abc');
    expect(stripBearer('abc bearer def')).toBe('abc bearer def');
  });

  test('a token without a scheme is only trimmed', () => {
    expect(stripBearer('  abc  ')).toBe('abc');
    expect(stripBearer(undefined)).toBeUndefined();
  });
});
