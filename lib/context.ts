import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { API_TYPES, type ApiType } from '../lambda/contract.js';
import type { PicPayWebhooksStackProps } from './stack.js';

/**
 * Stack settings from CDK context (`cdk.json` or `-c key=value`), validated at synth time:
 * a bad value stops the synth with an error naming its key. The keys are listed in README.
 */
export interface ContextReader {
  tryGetContext(key: string): unknown;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const RETENTION_DAYS = new Set(Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number'));

export function stackPropsFromContext(ctx: ContextReader): PicPayWebhooksStackProps {
  const props: Mutable<PicPayWebhooksStackProps> = {};
  const read = (key: string): unknown => {
    const raw = ctx.tryGetContext(key);
    return raw === null || raw === '' ? undefined : raw;
  };
  const fail = (key: string, expected: string, raw: unknown): never => {
    throw new Error(`Context key "${key}" must be ${expected}, got ${JSON.stringify(raw)}`);
  };
  const number = (key: string, ok: (n: number) => boolean, expected: string): number | undefined => {
    const raw = read(key);
    if (raw === undefined) return undefined;
    const value = typeof raw === 'number' ? raw : Number(raw);
    return Number.isFinite(value) && ok(value) ? value : fail(key, expected, raw);
  };
  const boolean = (key: string): boolean | undefined => {
    const raw = read(key);
    if (raw === undefined) return undefined;
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    return fail(key, 'true or false', raw);
  };
  const string = (key: string, pattern: RegExp, expected: string): string | undefined => {
    const raw = read(key);
    if (raw === undefined) return undefined;
    return typeof raw === 'string' && pattern.test(raw) ? raw : fail(key, expected, raw);
  };
  const integer = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;

  props.stageName = string('stageName', /^[A-Za-z0-9_]{1,64}$/, 'letters, digits or underscores');
  props.throttlingRateLimit = number('throttlingRateLimit', (n) => n > 0, 'a positive number');
  props.throttlingBurstLimit = number('throttlingBurstLimit', integer(1, 5000), 'a whole number from 1 to 5000');
  const retention = number('logRetentionDays', (n) => RETENTION_DAYS.has(n), `one of ${[...RETENTION_DAYS].sort((a, b) => a - b).join(', ')}`);
  if (retention !== undefined) props.logRetention = retention as logs.RetentionDays;
  props.dlqMaxReceiveCount = number('dlqMaxReceiveCount', integer(1, 1000), 'a whole number from 1 to 1000');
  props.processorMaxConcurrency = number('processorMaxConcurrency', integer(2, 1000), 'a whole number from 2 to 1000');
  props.alarmEmail = string('alarmEmail', /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address');
  props.enableWaf = boolean('enableWaf');
  const apiType = string('apiType', new RegExp(`^(${API_TYPES.join('|')})$`), API_TYPES.map((t) => `"${t}"`).join(' or '));
  if (apiType !== undefined) props.apiType = apiType as ApiType;
  props.tracing = boolean('tracing');
  if (props.enableWaf === true && props.apiType === 'http') {
    throw new Error(
      'Context key "enableWaf" cannot be true with apiType "http": AWS WAF cannot be associated with an API Gateway HTTP API. Use apiType=rest for WAF, or enableWaf=false',
    );
  }
  props.apiGatewayCloudWatchRole = boolean('apiGatewayCloudWatchRole');
  props.wafRateLimit = number('wafRateLimit', integer(10, 2_000_000_000), 'a whole number of at least 10');
  props.reconcileEveryMinutes = number('reconcileEveryMinutes', integer(1, 1440), 'a whole number of minutes from 1 to 1440');
  props.reconcileMinAgeMinutes = number('reconcileMinAgeMinutes', integer(1, 100_000), 'a whole number of minutes');
  props.picpayBaseUrl = string('picpayBaseUrl', /^https:\/\/[^/?#\s]+/, 'an https URL');
  const removal = string('removalPolicy', /^(retain|destroy)$/, '"retain" or "destroy"');
  if (removal !== undefined) props.dataRemovalPolicy = removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
  const domainName = string('domainName', /^(?!-)[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$/, 'a domain name');
  const certificateArn = string('certificateArn', /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, 'an ACM certificate ARN');
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new Error('Context keys "domainName" and "certificateArn" go together: set both or neither');
  }
  if (domainName !== undefined && certificateArn !== undefined) props.customDomain = { domainName, certificateArn };

  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as PicPayWebhooksStackProps;
}
