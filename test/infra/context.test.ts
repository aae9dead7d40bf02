import { stackPropsFromContext } from '../../lib/context.js';

const ctx = (values: Record<string, unknown>) => ({ tryGetContext: (key: string) => values[key] });

describe('stack settings from context', () => {
  test('absent keys leave the stack defaults', () => {
    expect(stackPropsFromContext(ctx({}))).toEqual({});
  });

  test('numbers from cdk.json or strings from -c are accepted', () => {
    expect(stackPropsFromContext(ctx({ throttlingRateLimit: 20, throttlingBurstLimit: '40' }))).toEqual({
      throttlingRateLimit: 20,
      throttlingBurstLimit: 40,
    });
  });

  test.each([
    ['throttlingRateLimit', 'fast'],
    ['throttlingRateLimit', -1],
    ['throttlingBurstLimit', 0],
    ['picpayBaseUrl', 'http://appws.picpay.com'],
    ['picpayBaseUrl', 42],
  ])('a bad %s (%p) stops the synth naming the key', (key, value) => {
    expect(() => stackPropsFromContext(ctx({ [key]: value }))).toThrow(`Context key "${key}"`);
  });
});
