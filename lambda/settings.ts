/**
 * Every setting, defined once: the deploy-time settings (CDK context keys, `cdk.json` or
 * `-c key=value`) and the function settings the stack fixes in each function's environment.
 * Each has its type, default, allowed values, a one-line description and, when it reaches the
 * functions, its environment variable (ENV in lambda/contract.ts). Three readers check values
 * against it: lib/context.ts (context keys, at synth), lib/construct.ts (the PicPayWebhooks props) and
 * lambda/config.ts (environment variables, at cold start). docs/settings.md is generated from it
 * (`npm run docs:settings`; a test fails when the committed file is out of date).
 *
 * Like the contract, this file is free of aws-cdk-lib: the functions load it.
 */
import * as z from 'zod/mini';
import { API_TYPES, DEFAULTS, ENV, QUEUE, RECONCILE, SWEEP } from './contract.js';

/** How a value given as text (`-c key=value`, an environment variable) is read before it is checked. */
export type SettingText = 'number' | 'boolean' | 'string';

export interface Setting {
  readonly text: SettingText;
  /** The rule a value must satisfy, however it was given. */
  readonly schema: z.ZodMiniType<string | number | boolean>;
  /** Used when the setting is absent or empty; none when absent means "off". */
  readonly default?: string | number | boolean;
  /** What a value must be, as error messages and docs/settings.md say it ("must be …"). */
  readonly expected: string;
  /** What it does, one line (docs/settings.md). */
  readonly description: string;
  /**
   * The construct prop it sets (lib/construct.ts), when named otherwise than the key; `null` when it
   * is not a prop (stackName names the stack itself).
   */
  readonly prop?: string | null;
  /** The environment variable it reaches the functions as (ENV in lambda/contract.ts). */
  readonly env?: string;
  /** A rule of its own for the environment variable, when the function accepts more than the stack sets. */
  readonly envRule?: { readonly schema: z.ZodMiniType<string | number | boolean>; readonly expected: string; readonly why: string };
}

const whole = (min: number, max?: number) => (max === undefined ? z.int().check(z.minimum(min)) : z.int().check(z.minimum(min), z.maximum(max)));

/** An http or https URL: what a function accepts in its environment (the local runtime's PicPay sandbox is http). */
const httpUrl = z.string().check(
  z.refine((raw) => {
    try {
      const { protocol } = new URL(raw);
      return protocol === 'https:' || protocol === 'http:';
    } catch {
      return false;
    }
  }),
);
const HTTP_URL = 'an http(s) URL';

/** CloudWatch Logs retention periods in days (9999: never expire); a test checks them against aws-cdk-lib's RetentionDays. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999] as const;

export const REMOVAL_POLICIES = ['retain', 'destroy'] as const;

/** The deploy-time settings: CDK context keys, in the order docs/settings.md lists them. */
export const SETTINGS = {
  stackName: {
    text: 'string',
    schema: z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9-]{0,99}$/)),
    default: 'PicPayWebhooks',
    expected: 'a letter then letters, digits or hyphens (at most 100)',
    description:
      'names the stack, its API, metric namespace (`PicPayWebhooks/<stackName>`), alarms and dashboard: deploy a second copy side by side with `-c stackName=PicPayWebhooksStaging`',
    prop: null,
  },
  apiType: {
    text: 'string',
    schema: z.enum(API_TYPES),
    default: 'rest',
    expected: API_TYPES.map((t) => `"${t}"`).join(' or '),
    description:
      '`rest`: an API Gateway REST API, every body kept byte for byte, WAF possible. `http`: an API Gateway HTTP API (payload format 1.0 to the same authenticator), cheaper, no WAF, text bodies as text (README, "Which API should I pick?")',
  },
  apiGatewayCloudWatchRole: {
    text: 'boolean',
    schema: z.boolean(),
    default: true,
    expected: 'true or false',
    description:
      "create the account's API Gateway CloudWatch Logs role that REST stage logging needs (account-wide, kept on delete); `false` when the account already has one (`aws apigateway get-account` shows a `cloudwatchRoleArn`)",
  },
  stageName: {
    text: 'string',
    schema: z.string().check(z.regex(/^[A-Za-z0-9_]{1,64}$/)),
    default: 'live',
    expected: 'letters, digits or underscores (at most 64)',
    description: 'API stage, the path segment before `/callback`',
  },
  throttlingRateLimit: {
    text: 'number',
    schema: z.number().check(z.positive()),
    default: 50,
    expected: 'a positive number',
    description:
      'requests per second, steady state, on each PicPay route: `POST /callback` and `POST /webhook` each have their own limit, so a flood of one cannot take the other\'s (docs/security.md, "Floods")',
  },
  throttlingBurstLimit: {
    text: 'number',
    schema: whole(1, 5000),
    default: 100,
    expected: 'a whole number from 1 to 5000',
    description: 'burst capacity of each PicPay route',
  },
  registrationRateLimit: {
    text: 'number',
    schema: z.number().check(z.positive()),
    default: 10,
    expected: 'a positive number',
    description: "requests per second, steady state, on `POST /charges` (your backend's registrations): a limit of its own, apart from PicPay's routes",
  },
  registrationBurstLimit: {
    text: 'number',
    schema: whole(1, 5000),
    default: 20,
    expected: 'a whole number from 1 to 5000',
    description: 'burst capacity of `POST /charges`',
  },
  logRetentionDays: {
    text: 'number',
    schema: z.number().check(z.refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n))),
    default: 30,
    expected: `one of ${LOG_RETENTION_DAYS.join(', ')}`,
    description: 'retention of the function and access logs, in days (a CloudWatch Logs value; 9999: never expire)',
    prop: 'logRetention',
  },
  encryptLogs: {
    text: 'boolean',
    schema: z.boolean(),
    default: false,
    expected: 'true or false',
    description:
      'encrypt the function, API access and API execution log groups with a customer managed KMS key of the stack (about 1 USD a month, plus requests); CloudWatch Logs encrypts them with its own keys either way (docs/governance.md)',
  },
  dlqMaxReceiveCount: {
    text: 'number',
    schema: whole(1, 1000),
    default: QUEUE.maxReceiveCount,
    expected: 'a whole number from 1 to 1000',
    description:
      'receives before a notification moves to the dead-letter queue. With the retry delays (1 min doubling to 1 h), 36 means at least 24 h of retries (at most about 30 h); each more adds an hour (docs/architecture.md, "Retries")',
    env: ENV.maxReceiveCount,
  },
  processorMaxConcurrency: {
    text: 'number',
    schema: whole(2, 1000),
    default: 5,
    expected: 'a whole number from 2 to 1000',
    description:
      'most processor invocations at once. A new account may have a Lambda concurrency quota of only 10, shared by every function: the default, half of it, keeps room for the authenticator (`picpay-webhooks doctor` checks it)',
  },
  alarmEmail: {
    text: 'string',
    schema: z.string().check(z.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/)),
    expected: 'an e-mail address',
    description: 'subscribed to the alarm topic; confirm the mail AWS sends',
  },
  quietAlarmHours: {
    text: 'number',
    // CloudWatch: an alarm with a period of 1 h evaluates at most 7 days (168 periods).
    schema: whole(1, 168),
    expected: 'a whole number of hours from 1 to 168',
    description:
      'alarm `PicPayQuiet` when no notification has been accepted for this many hours (a firewall, a token changed in Painel Lojista, a wrong URL: docs/operations.md, "PicPay went quiet"). Absent: no such alarm. Pick more hours than your quietest stretch of sales',
  },
  enableWaf: {
    text: 'boolean',
    schema: z.boolean(),
    default: false,
    expected: 'true or false',
    description:
      'put an AWS WAF web ACL in front of the REST API: a per-IP rate limit, and a rule that blocks a PicPay route\'s requests carrying no token header before they cost a Lambda call. Off by default: it costs $7 a month, paid back above about 1.8 million blocked requests a month (docs/security.md, "Floods")',
  },
  wafRateLimit: {
    text: 'number',
    schema: whole(10, 2_000_000_000),
    default: 2000,
    expected: 'a whole number from 10 to 2000000000',
    description:
      'requests per 5 minutes per source IP before WAF blocks it, every route counted together: keep it above what PicPay sends from one address at its peak',
  },
  tracing: {
    text: 'boolean',
    schema: z.boolean(),
    default: true,
    expected: 'true or false',
    description:
      'X-Ray tracing of the functions and of the REST stage. `false`: no tracing configuration and no X-Ray permissions, `POWERTOOLS_TRACE_ENABLED=false` in the functions',
  },
  removalPolicy: {
    text: 'string',
    schema: z.enum(REMOVAL_POLICIES),
    default: 'retain',
    expected: REMOVAL_POLICIES.map((p) => `"${p}"`).join(' or '),
    description: '`destroy` lets `cdk destroy` delete the table, the secrets and the queues too',
    prop: 'dataRemovalPolicy',
  },
  picpayBaseUrl: {
    text: 'string',
    schema: z.string().check(z.regex(/^https:\/\/[^/?#\s]+/)),
    default: DEFAULTS.picpayBaseUrl,
    expected: 'an https URL',
    description: 'PicPay API base for legacy status lookups',
    env: ENV.picpayBaseUrl,
    envRule: { schema: httpUrl, expected: HTTP_URL, why: "the local runtime points it at its PicPay sandbox's http URL" },
  },
  reconcileEveryMinutes: {
    text: 'number',
    schema: whole(1, 1440),
    default: RECONCILE.everyMinutes,
    expected: 'a whole number of minutes from 1 to 1440',
    description: 'how often legacy charges left waiting are re-checked with PicPay',
  },
  reconcileMinAgeMinutes: {
    text: 'number',
    schema: whole(1, 100_000),
    default: RECONCILE.minAgeMinutes,
    expected: 'a whole number of minutes from 1 to 100000',
    description: 'how long a legacy charge must have waited before it is re-checked',
    env: ENV.reconcileMinAgeMinutes,
  },
  domainName: {
    text: 'string',
    schema: z.string().check(z.regex(/^(?!-)[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$/)),
    expected: 'a domain name',
    description:
      'serve the webhooks on your own domain (with `certificateArn`); point it at the `CustomDomainTarget` output. The default `execute-api` URL is then switched off',
    prop: 'customDomain.domainName',
  },
  certificateArn: {
    text: 'string',
    schema: z.string().check(z.regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/)),
    expected: 'an ACM certificate ARN',
    description:
      "the domain's ACM certificate, in the stack's region: a certificate from another region stops the synth, or the deploy before it creates anything",
    prop: 'customDomain.certificateArn',
  },
  retentionDays: {
    text: 'number',
    schema: whole(1, 36_500),
    expected: 'a whole number of days from 1 to 36500',
    description:
      'charges in a final state (closed, failed or money moved) are deleted by DynamoDB TTL this many days after their last change, and each logged event (`events replay`) this many days after it was recorded; charges still waiting and parked notifications never expire. Unset: everything is kept, as before (docs/privacy.md)',
    env: ENV.retentionDays,
  },
  operatorRoleArns: {
    text: 'string',
    schema: z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=.@/-]+(,arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=.@/-]+)*$/)),
    expected: 'IAM role ARNs, comma-separated, each with its path and no wildcard',
    description:
      'the operators\' roles: besides the authenticator and the reconciler, they may send to the notification queue (`picpay-webhooks dlq replay`, `parked replay`, `aws sqs start-message-move-task`), besides each secret\'s function they may read the two secrets (`doctor`, `simulate`, the upgrade from one secret), and besides the processor and the sweeper they may publish to the events topic (`events replay --to-topic`). Without it, nobody else can (docs/operations.md, "Who may write to the queue"; docs/security.md, "Who reads which secret")',
  },
} as const satisfies Record<string, Setting>;

export type SettingKey = keyof typeof SETTINGS;

/** Rules across settings: each reader words the refusal in its own terms (context key or prop). */
export const SETTING_RULES = {
  /** enableWaf=true with apiType=http is refused. */
  wafNeedsRest: {
    keys: ['enableWaf', 'apiType'],
    broken: (v: { enableWaf?: boolean; apiType?: string }) => v.enableWaf === true && v.apiType === 'http',
    why: 'AWS WAF cannot be associated with an API Gateway HTTP API',
    doc: '`enableWaf=true` with `apiType=http` stops the synth: AWS WAF cannot be associated with an API Gateway HTTP API',
  },
  domainNeedsCertificate: {
    keys: ['domainName', 'certificateArn'],
    doc: '`domainName` and `certificateArn` go together: set both or neither',
  },
} as const;

/** Function settings: environment variables only, which the stack sets to their default (or leaves to it). */
export const FUNCTION_SETTINGS = {
  picpayCheckoutBaseUrl: {
    text: 'string',
    schema: httpUrl,
    default: DEFAULTS.picpayCheckoutBaseUrl,
    expected: HTTP_URL,
    description: 'Checkout API base for find-charge; its token endpoint is its origin + `/oauth2/token`',
    env: ENV.picpayCheckoutBaseUrl,
  },
  picpayPaymentLinkBaseUrl: {
    text: 'string',
    schema: httpUrl,
    default: DEFAULTS.picpayPaymentLinkBaseUrl,
    expected: HTTP_URL,
    description: 'Payment Link API base for find-transactions (`{base}/{paymentLinkId}/transactions`); it uses the checkout token endpoint',
    env: ENV.picpayPaymentLinkBaseUrl,
  },
  picpayTimeoutMs: {
    text: 'number',
    schema: whole(1),
    default: DEFAULTS.picpayTimeoutMs,
    expected: 'a positive whole number',
    description: 'timeout of one PicPay request, in milliseconds',
    env: ENV.picpayTimeoutMs,
  },
  picpayCircuitCoolDownMs: {
    text: 'number',
    schema: whole(1),
    default: DEFAULTS.picpayCircuitCoolDownMs,
    expected: 'a positive whole number',
    description: 'how long an open PicPay circuit refuses requests before one probe, in milliseconds',
    env: ENV.picpayCircuitCoolDownMs,
  },
  secretMaxAgeSeconds: {
    text: 'number',
    schema: whole(1),
    default: DEFAULTS.secretMaxAgeSeconds,
    expected: 'a positive whole number',
    description: 'how long the authenticator caches the tokens secret and the processor the PicPay credentials secret, in seconds',
    env: ENV.secretMaxAgeSeconds,
  },
  maxProcessedBodyBytes: {
    text: 'number',
    schema: whole(1),
    default: DEFAULTS.maxProcessedBodyBytes,
    expected: 'a positive whole number',
    description: 'bodies over this many bytes are not processed but parked for an operator',
    env: ENV.maxProcessedBodyBytes,
  },
  reconcileMaxAgeDays: {
    text: 'number',
    schema: whole(1),
    default: RECONCILE.maxAgeDays,
    expected: 'a positive whole number',
    description: 'legacy charges older than this many days are no longer re-checked with PicPay',
    env: ENV.reconcileMaxAgeDays,
  },
  reconcileMaxPerRun: {
    text: 'number',
    schema: whole(1),
    default: RECONCILE.maxPerRun,
    expected: 'a positive whole number',
    description: 'charges one reconciler run re-checks at most',
    env: ENV.reconcileMaxPerRun,
  },
  sweepMaxPerRun: {
    text: 'number',
    schema: whole(1),
    default: SWEEP.maxPerRun,
    expected: 'a positive whole number',
    description: 'charges one outbox sweep visits at most',
    env: ENV.sweepMaxPerRun,
  },
} as const satisfies Record<string, Setting & { readonly env: string; readonly default: string | number | boolean }>;

/** Why a value breaks its setting's rule ("must be …"), or undefined when it keeps it. */
export function settingProblem(setting: Setting, value: unknown): string | undefined {
  return setting.schema.safeParse(value).success ? undefined : `must be ${setting.expected}`;
}

/**
 * A context value as the setting's type: cdk.json gives numbers and booleans, `-c key=value`
 * strings. Unconvertible values come back unchanged, for the schema to refuse.
 */
export function fromContextValue(setting: Setting, raw: unknown): unknown {
  switch (setting.text) {
    case 'number':
      return typeof raw === 'number' ? raw : Number(raw);
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      return raw;
  }
}

/** The stack prop a setting sets (`customDomain.domainName` for a member), or null when it is not a prop. */
export function propOf(key: SettingKey): string | null {
  const setting: Setting = SETTINGS[key];
  return setting.prop === undefined ? key : setting.prop;
}
