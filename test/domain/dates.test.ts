import { picpayTime } from '../../lambda/domain/dates.js';

describe('picpayTime', () => {
  test.each([
    ['2024-07-01T16:00:00-03:00', '2024-07-01T19:00:00.000Z'],
    ['2024-07-01T19:00:00Z', '2024-07-01T19:00:00.000Z'],
    ['2024-07-01T16:00:00-0300', '2024-07-01T19:00:00.000Z'],
    // Without an offset: Sao Paulo wall-clock time, whatever the process time zone.
    ['2024-07-01T16:00:00', '2024-07-01T19:00:00.000Z'],
    ['2024-07-01 16:00:00', '2024-07-01T19:00:00.000Z'],
    ['2024-07-01T16:00', '2024-07-01T19:00:00.000Z'],
    ['2024-07-01T16:00:00.250', '2024-07-01T19:00:00.250Z'],
    // Brazil kept daylight saving time until 2019: November 2018 was UTC-2.
    ['2018-11-20T12:00:00', '2018-11-20T14:00:00.000Z'],
    ['2018-07-20T12:00:00', '2018-07-20T15:00:00.000Z'],
  ])('%s is %s', (value, expected) => {
    expect(new Date(picpayTime(value)!).toISOString()).toBe(expected);
  });

  test.each([['yesterday'], ['July 1 2024'], ['2024-02-31T10:00:00'], ['2024-13-01T10:00:00'], [''], [null], [undefined], [1719860400000]])(
    '%p is no date',
    (value) => {
      expect(picpayTime(value)).toBeNull();
    },
  );
});
