import fc from 'fast-check';
import { stripBearer, tokenMatches } from '../../lambda/domain/token.js';

describe('tokenMatches', () => {
  const valid = ['old-token', 'new-token'];

  test.each([
    ['old-token', true],
    ['new-token', true],
    ['other', false],
    ['old-token ', false],
    ['OLD-TOKEN', false],
    ['old-toke', false],
    ['', false],
    [undefined, false],
  ])('%p -> %p', (presented, expected) => {
    expect(tokenMatches(presented, valid)).toBe(expected);
  });

  test('no configured token accepts nothing, not even an empty one', () => {
    expect(tokenMatches('', [])).toBe(false);
    expect(tokenMatches('', [''])).toBe(false);
    expect(tokenMatches('x', [''])).toBe(false);
  });

  test('matches exactly when the presented token is one of the valid ones', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.array(fc.string({ minLength: 1 }), { maxLength: 4 }), (token, others) => {
        expect(tokenMatches(token, others)).toBe(others.includes(token));
        expect(tokenMatches(token, [...others, token])).toBe(true);
      }),
    );
  });
});

describe('stripBearer', () => {
  test.each([
    ['abc', 'abc'],
    ['Bearer abc', 'abc'],
    ['bearer   abc ', 'abc'],
    ['BEARER abc', 'abc'],
    ['  abc  ', 'abc'],
    ['Bearerabc', 'Bearerabc'],
    ['Bearer', ''],
    ['  bearer  ', ''],
    [undefined, undefined],
  ])('%p -> %p', (input, expected) => {
    expect(stripBearer(input)).toBe(expected);
  });
});
