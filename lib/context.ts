import type { PicPayWebhooksStackProps } from './stack.js';

/**
 * Stack settings from CDK context (`cdk.json` or `-c key=value`), validated at synth time:
 * a bad value stops the synth with an error naming its key.
 */
export interface ContextReader {
  tryGetContext(key: string): unknown;
}

function positiveNumber(ctx: ContextReader, key: string): number | undefined {
  const raw = ctx.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`Context key "${key}" must be a positive number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function stackPropsFromContext(ctx: ContextReader): PicPayWebhooksStackProps {
  const props: { -readonly [K in keyof PicPayWebhooksStackProps]: PicPayWebhooksStackProps[K] } = {};
  const rate = positiveNumber(ctx, 'throttlingRateLimit');
  const burst = positiveNumber(ctx, 'throttlingBurstLimit');
  if (rate !== undefined) props.throttlingRateLimit = rate;
  if (burst !== undefined) props.throttlingBurstLimit = Math.round(burst);
  const picpayBaseUrl = ctx.tryGetContext('picpayBaseUrl');
  if (picpayBaseUrl !== undefined) {
    if (typeof picpayBaseUrl !== 'string' || !/^https:\/\/[^/?#]+/.test(picpayBaseUrl)) {
      throw new Error(`Context key "picpayBaseUrl" must be an https URL, got ${JSON.stringify(picpayBaseUrl)}`);
    }
    props.picpayBaseUrl = picpayBaseUrl;
  }
  return props;
}
