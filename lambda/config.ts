import { DEFAULTS, ENV, QUEUE, RECONCILE, SWEEP } from './contract.js';
import { ConfigError } from './domain/errors.js';

/** Read and validated once at cold start: a missing or bad value fails the init with its name. */
type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Missing required environment variable ${name}`);
  return value;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`Environment variable ${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function url(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim() || fallback;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new ConfigError(`Environment variable ${name} must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

export interface AuthenticatorConfig {
  readonly queueUrl: string;
  readonly secretId: string;
  readonly secretMaxAgeSeconds: number;
}

export function loadAuthenticatorConfig(env: Env = process.env): AuthenticatorConfig {
  return {
    queueUrl: required(env, ENV.queueUrl),
    secretId: required(env, ENV.secretId),
    secretMaxAgeSeconds: positiveInt(env, ENV.secretMaxAgeSeconds, DEFAULTS.secretMaxAgeSeconds),
  };
}

export interface ProcessorConfig {
  /** The processing queue: the processor sets a failed message's visibility on it (backoff). */
  readonly queueUrl: string;
  readonly tableName: string;
  readonly topicArn: string;
  readonly secretId: string;
  readonly picpayBaseUrl: string;
  /** Checkout API base (find-charge); the token endpoint is its origin + `/oauth2/token`. */
  readonly picpayCheckoutBaseUrl: string;
  readonly picpayTimeoutMs: number;
  readonly secretMaxAgeSeconds: number;
  readonly maxReceiveCount: number;
  readonly maxBodyBytes: number;
  readonly picpayCircuitCoolDownMs: number;
}

export function loadProcessorConfig(env: Env = process.env): ProcessorConfig {
  return {
    queueUrl: required(env, ENV.queueUrl),
    tableName: required(env, ENV.tableName),
    topicArn: required(env, ENV.topicArn),
    secretId: required(env, ENV.secretId),
    picpayBaseUrl: url(env, ENV.picpayBaseUrl, DEFAULTS.picpayBaseUrl),
    picpayCheckoutBaseUrl: url(env, ENV.picpayCheckoutBaseUrl, DEFAULTS.picpayCheckoutBaseUrl),
    picpayTimeoutMs: positiveInt(env, ENV.picpayTimeoutMs, DEFAULTS.picpayTimeoutMs),
    secretMaxAgeSeconds: positiveInt(env, ENV.secretMaxAgeSeconds, DEFAULTS.secretMaxAgeSeconds),
    maxReceiveCount: positiveInt(env, ENV.maxReceiveCount, QUEUE.maxReceiveCount),
    maxBodyBytes: positiveInt(env, ENV.maxBodyBytes, DEFAULTS.maxBodyBytes),
    picpayCircuitCoolDownMs: positiveInt(env, ENV.picpayCircuitCoolDownMs, DEFAULTS.picpayCircuitCoolDownMs),
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
    minAgeMinutes: positiveInt(env, ENV.reconcileMinAgeMinutes, RECONCILE.minAgeMinutes),
    maxAgeDays: positiveInt(env, ENV.reconcileMaxAgeDays, RECONCILE.maxAgeDays),
    maxPerRun: positiveInt(env, ENV.reconcileMaxPerRun, RECONCILE.maxPerRun),
  };
}

export interface SweeperConfig {
  readonly tableName: string;
  readonly topicArn: string;
  readonly maxPerRun: number;
}

export function loadSweeperConfig(env: Env = process.env): SweeperConfig {
  return {
    tableName: required(env, ENV.tableName),
    topicArn: required(env, ENV.topicArn),
    maxPerRun: positiveInt(env, ENV.sweepMaxPerRun, SWEEP.maxPerRun),
  };
}
