import { lambdaEntry } from '../../lambda/handlers/entry.js';
import { tracingEnabled } from '../../lambda/handlers/tracing.js';

describe('lambdaEntry', () => {
  test('builds the handler once, on the first event, and reuses it', async () => {
    let builds = 0;
    const handler = lambdaEntry(async () => {
      builds += 1;
      return async (n: number) => n * 2;
    });
    expect(builds).toBe(0);
    expect(await Promise.all([handler(1), handler(2)])).toEqual([2, 4]);
    expect(await handler(3)).toBe(6);
    expect(builds).toBe(1);
  });

  test('a failed build fails that event with its error, and the next event builds again', async () => {
    let builds = 0;
    const handler = lambdaEntry(() => {
      builds += 1;
      if (builds === 1) throw new Error('Missing required environment variable QUEUE_URL');
      return async () => 'ok';
    });
    await expect(handler()).rejects.toThrow('QUEUE_URL');
    expect(await handler()).toBe('ok');
    expect(builds).toBe(2);
  });
});

describe('tracingEnabled (POWERTOOLS_TRACE_ENABLED)', () => {
  test.each([
    [undefined, true],
    ['true', true],
    ['1', true],
    ['', true],
    ['false', false],
    [' FALSE ', false],
    ['0', false],
    ['no', false],
    ['off', false],
    ['n', false],
  ])('%p -> %p', (value, expected) => {
    expect(tracingEnabled(value === undefined ? {} : { POWERTOOLS_TRACE_ENABLED: value })).toBe(expected);
  });
});
