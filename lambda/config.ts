import { ENV } from './contract.js';
import { ConfigError } from './domain/errors.js';
import { FUNCTION_SETTINGS, SETTINGS, type Setting } from './settings.js';

/**
 * Read and validated once at cold start: a missing or bad value fails the init with its name.
 * The tunable settings and their rules are those of lambda/settings.ts (docs/settings.md).
 */
type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Missing required environment variable ${name}`);
  return value;
}

/** An optional whole-number setting: undefined when unset or empty (the setting is then off). */
function optionalNumber(env: Env, s: Setting & { readonly env: string }): number | undefined {
  const raw = env[s.env]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const parsed = s.schema.safeParse(Number(raw));
  if (!parsed.success) throw new ConfigError(`Environment variable ${s.env} must be ${s.expected}, got ${JSON.stringify(raw)}`);
  return parsed.data as number;
}

/** A setting that reaches the functions as an environment variable. */
type EnvSetting<T> = Setting & { readonly env: string; readonly default: T };

/** The setting's environment variable, checked against its rule; its default when unset or empty. */
function setting<T extends string | number>(env: Env, s: EnvSetting<T>): T {
  const raw = env[s.env]?.trim();
  if (raw === undefined || raw === '') return s.default;
  const rule = s.envRule ?? s;
  const parsed = rule.schema.safeParse(s.text === 'number' ? Number(raw) : raw);
  if (!parsed.success) throw new ConfigError(`Environment variable ${s.env} must be ${rule.expected}, got ${JSON.stringify(raw)}`);
  return parsed.data as T;
}

export interface AuthenticatorConfig {
  readonly queueUrl: string;
  /** The tokens secret (inbound); the authenticator never reads the PicPay credentials secret. */
  readonly secretId: string;
  readonly secretMaxAgeSeconds: number;
}

export function loadAuthenticatorConfig(env: Env = process.env): AuthenticatorConfig {
  return {
    queueUrl: required(env, ENV.queueUrl),
    secretId: required(env, ENV.secretId),
    secretMaxAgeSeconds: setting<number>(env, FUNCTION_SETTINGS.secretMaxAgeSeconds),
  };
}

export interface ProcessorConfig {
  /** The processing queue: the processor sets a failed message's visibility on it (backoff). */
  readonly queueUrl: string;
  readonly tableName: string;
  readonly topicArn: string;
  /** The PicPay credentials secret (outbound); the processor never reads the tokens secret. */
  readonly credentialsSecretId: string;
  readonly picpayBaseUrl: string;
  /** Checkout API base (find-charge); the token endpoint is its origin + `/oauth2/token`. */
  readonly picpayCheckoutBaseUrl: string;
  readonly picpayPaymentLinkBaseUrl: string;
  readonly picpayTimeoutMs: number;
  readonly secretMaxAgeSeconds: number;
  readonly maxReceiveCount: number;
  readonly maxProcessedBodyBytes: number;
  readonly picpayCircuitCoolDownMs: number;
  /** Days a final charge and a logged event are kept after their last change; undefined: forever. */
  readonly retentionDays?: number;
}

export function loadProcessorConfig(env: Env = process.env): ProcessorConfig {
  return {
    queueUrl: required(env, ENV.queueUrl),
    tableName: required(env, ENV.tableName),
    topicArn: required(env, ENV.topicArn),
    credentialsSecretId: required(env, ENV.credentialsSecretId),
    picpayBaseUrl: setting<string>(env, SETTINGS.picpayBaseUrl),
    picpayCheckoutBaseUrl: setting<string>(env, FUNCTION_SETTINGS.picpayCheckoutBaseUrl),
    picpayPaymentLinkBaseUrl: setting<string>(env, FUNCTION_SETTINGS.picpayPaymentLinkBaseUrl),
    picpayTimeoutMs: setting<number>(env, FUNCTION_SETTINGS.picpayTimeoutMs),
    secretMaxAgeSeconds: setting<number>(env, FUNCTION_SETTINGS.secretMaxAgeSeconds),
    maxReceiveCount: setting<number>(env, SETTINGS.dlqMaxReceiveCount),
    maxProcessedBodyBytes: setting<number>(env, FUNCTION_SETTINGS.maxProcessedBodyBytes),
    picpayCircuitCoolDownMs: setting<number>(env, FUNCTION_SETTINGS.picpayCircuitCoolDownMs),
    retentionDays: optionalNumber(env, SETTINGS.retentionDays),
  };
}

export interface ReconcilerConfig {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly minAgeMinutes: number;
  readonly maxAgeDays: number;
  readonly maxPerRun: number;
}

export function loadReconcilerConfig(env: Env = process.env): ReconcilerConfig {
  return {
    tableName: required(env, ENV.tableName),
    queueUrl: required(env, ENV.queueUrl),
    minAgeMinutes: setting<number>(env, SETTINGS.reconcileMinAgeMinutes),
    maxAgeDays: setting<number>(env, FUNCTION_SETTINGS.reconcileMaxAgeDays),
    maxPerRun: setting<number>(env, FUNCTION_SETTINGS.reconcileMaxPerRun),
  };
}

export interface SweeperConfig {
  readonly tableName: string;
  readonly topicArn: string;
  readonly maxPerRun: number;
  /** Days a logged event is kept (the event log's TTL); undefined: forever. */
  readonly retentionDays?: number;
}

export function loadSweeperConfig(env: Env = process.env): SweeperConfig {
  return {
    tableName: required(env, ENV.tableName),
    topicArn: required(env, ENV.topicArn),
    maxPerRun: setting<number>(env, FUNCTION_SETTINGS.sweepMaxPerRun),
    retentionDays: optionalNumber(env, SETTINGS.retentionDays),
  };
}
