/**
 * What one rejected request costs: the authenticator's own time and log bytes for a 401 (wrong
 * token, missing token), measured here, and the price of a million of them on each API profile,
 * with and without WAF in front (docs/benchmarks.md, "Cost of a rejected request"; docs/security.md,
 * "Floods"). `npm run bench -- --rejected` measures and prints that section alone.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { HANDLERS } from '../../lambda/contract.js';
import { percentile, round } from './measure.js';
import { lambdaContext } from '../../local/lambda-context.js';

export interface RejectedMeasurement {
  readonly iterations: number;
  /** Handler time of a 401, ms (the secret cached, as in a warm environment). */
  readonly wrongToken: { readonly p50: number; readonly p99: number };
  readonly missingToken: { readonly p50: number; readonly p99: number };
  /** Bytes the function writes to its log per 401: the warning and the metrics (EMF) line. */
  readonly logBytes: { readonly wrongToken: number; readonly missingToken: number };
}

/**
 * The authenticator as the Lambda entry builds it (middy, Powertools Logger at INFO and Metrics),
 * its secret answered from memory and SQS never called (a 401 sends nothing). Its stdout and
 * stderr are counted, not printed, while it runs.
 */
export async function measureRejected(iterations: number): Promise<RejectedMeasurement> {
  const { makeAuthenticatorHandler } = await import('../../lambda/handlers/authenticator.js');
  const { Logger } = await import('@aws-lambda-powertools/logger');
  const { Metrics } = await import('@aws-lambda-powertools/metrics');
  const secrets = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  secrets.middlewareStack.add(
    () => async () => ({
      output: { SecretString: JSON.stringify({ sellerToken: 'seller-token-of-the-bench', checkoutToken: 'checkout-token' }), $metadata: {} },
      response: {},
    }),
    { step: 'initialize', name: 'bench-secret' },
  );
  const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  sqs.middlewareStack.add(
    () => async () => {
      throw new Error('a rejected request must not reach SQS');
    },
    { step: 'initialize', name: 'bench-no-sqs' },
  );
  const authenticate = makeAuthenticatorHandler(
    { queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/q', secretId: 'tokens', secretMaxAgeSeconds: 60 },
    {
      sqs,
      secrets,
      logger: new Logger({ serviceName: 'picpay-webhooks-authenticator', logLevel: 'INFO' }),
      metrics: new Metrics({ namespace: 'PicPayWebhooks/Bench', serviceName: 'authenticator' }),
    },
  ) as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number }>;
  // The function's real name and memory: its log lines are as long as in Lambda (log bytes are priced).
  const ctx = lambdaContext('PicPayWebhooks-AuthenticatorFunction', HANDLERS.authenticator);
  const event = (headers: Record<string, string>) => ({
    resource: '/callback',
    path: '/callback',
    httpMethod: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ referenceId: '102030', authorizationId: '555008cef7f8f10dd5b2a4a5' }),
    isBase64Encoded: false,
    requestContext: { requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef', identity: { sourceIp: '203.0.113.7' } },
  });
  const wrong = event({ 'x-seller-token': 'not-the-token-0123456789' });
  const missing = event({});

  // Lambda sends both streams to the log group: the warning goes to stderr, the metrics to stdout.
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((s) => s.write);
  let bytes = 0;
  for (const s of streams) {
    s.write = ((chunk: string | Uint8Array) => {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      return true;
    }) as typeof s.write;
  }
  try {
    const run = async (e: unknown) => {
      for (let i = 0; i < 300; i++) await authenticate(e, ctx); // warm: secret cached, JIT, no cold-start metric
      bytes = 0;
      const times: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const t = performance.now();
        const res = await authenticate(e, ctx);
        times.push(performance.now() - t);
        if (res.statusCode !== 401) throw new Error(`expected 401, got ${res.statusCode}`);
      }
      return { p50: percentile(times, 50), p99: percentile(times, 99), logBytes: bytes / iterations };
    };
    const w = await run(wrong);
    const m = await run(missing);
    return {
      iterations,
      wrongToken: { p50: w.p50, p99: w.p99 },
      missingToken: { p50: m.p50, p99: m.p99 },
      logBytes: { wrongToken: w.logBytes, missingToken: m.logBytes },
    };
  } finally {
    streams.forEach((s, i) => {
      s.write = writes[i]!;
    });
    secrets.destroy();
    sqs.destroy();
  }
}

/**
 * List prices used for rejected requests, us-east-1, as published on 2026-12-04 (the same as the
 * cost model's; sa-east-1 prices were not in the reference copies, see docs/benchmarks.md).
 */
export const REJECTION_PRICES = {
  restPerMillion: 3.5,
  httpPerMillion: 1.0,
  lambdaRequestsPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  logsIngestionPerGb: 0.5,
  /** AWS WAF: the same in every Region (AWS blog, "Cost-effective ways for securing your web applications using AWS WAF"). */
  wafPerMillion: 0.6,
  wafWebAclPerMonth: 5,
  wafRulePerMonth: 1,
} as const;

/** Lambda's own log lines per invocation (platform start and report, JSON format): assumed, not measured. */
export const PLATFORM_LOG_BYTES = 450;
/** One API Gateway access log line (JSON, the stack's formats): assumed from the format's fields. */
export const ACCESS_LOG_BYTES = 350;
/** Rules of the web ACL when WAF is on: the per-IP rate rule and the token-header rule. */
export const WAF_RULES = 2;

export interface RejectionRow {
  readonly path: string;
  readonly rest: number | null;
  readonly http: number | null;
  readonly basis: string;
}

/** US dollars per million rejected requests, each way a request can be turned away. */
export function rejectionCost(m: RejectedMeasurement) {
  const p = REJECTION_PRICES;
  const gb = (bytes: number) => (bytes * 1e6) / 2 ** 30;
  // Lambda bills duration rounded up to the next millisecond.
  const billedMs = Math.max(1, Math.ceil(m.wrongToken.p50));
  const lambda = p.lambdaRequestsPerMillion + 1e6 * (HANDLERS.authenticator.memoryMb / 1024) * (billedMs / 1000) * p.lambdaArmGbSecond;
  const fnLogs = p.logsIngestionPerGb * gb(Math.max(m.logBytes.wrongToken, m.logBytes.missingToken) + PLATFORM_LOG_BYTES);
  const accessLog = p.logsIngestionPerGb * gb(ACCESS_LOG_BYTES);
  const fourOhOne = (api: number) => api + lambda + fnLogs + accessLog;
  const rows: RejectionRow[] = [
    {
      path: '401 from the authenticator (no WAF)',
      rest: fourOhOne(p.restPerMillion),
      http: fourOhOne(p.httpPerMillion),
      basis: `API Gateway request + Lambda request + ${billedMs} ms × ${HANDLERS.authenticator.memoryMb} MB arm64 + ${round(Math.max(m.logBytes.wrongToken, m.logBytes.missingToken) + PLATFORM_LOG_BYTES, 0)} B of function logs + ${ACCESS_LOG_BYTES} B access log`,
    },
    {
      path: '429 from a route limit',
      rest: accessLog,
      http: accessLog,
      basis: 'not billed by API Gateway (AWS re:Post, see below); the access log line only',
    },
    {
      path: '401 from the authenticator, WAF on (passed WAF)',
      rest: fourOhOne(p.restPerMillion) + p.wafPerMillion,
      http: null,
      basis: 'as the first row, plus WAF inspection',
    },
    {
      path: '403 from WAF (no token header, or over the per-IP rate)',
      rest: p.wafPerMillion + accessLog,
      http: null,
      basis: 'WAF inspection and the access log line (API Gateway still logs the request); no API Gateway request charge, no Lambda (see below)',
    },
  ];
  const wafFixed = p.wafWebAclPerMonth + WAF_RULES * p.wafRulePerMonth;
  // WAF pays for itself when what it blocks would have cost more as 401s than it costs in all.
  const breakEvenMillions = wafFixed / (fourOhOne(p.restPerMillion) - p.wafPerMillion);
  return { rows, billedMs, wafFixed, breakEvenMillions };
}

/** The "Cost of a rejected request" section of docs/benchmarks.md. */
export function renderRejection(m: RejectedMeasurement, machine: string): string {
  const c = rejectionCost(m);
  const usd = (n: number | null) => (n === null ? 'n/a (no WAF on HTTP APIs)' : round(n, 3).toString());
  return `## Cost of a rejected request

What a flood of requests without PicPay's token costs (docs/security.md, "Floods"). Measured ${machine}: the authenticator
as its Lambda entry builds it (Powertools Logger at INFO, Metrics), its secret cached, ${m.iterations} requests each:

| 401 | handler p50 | p99 | function log bytes per request |
|---|---|---|---|
| wrong token | ${round(m.wrongToken.p50, 3)} ms | ${round(m.wrongToken.p99, 3)} ms | ${round(m.logBytes.wrongToken, 0)} |
| missing token | ${round(m.missingToken.p50, 3)} ms | ${round(m.missingToken.p99, 3)} ms | ${round(m.logBytes.missingToken, 0)} |

US dollars per million rejected requests, us-east-1 list prices (AWS pricing pages for API Gateway, Lambda, CloudWatch Logs and
WAF, as stored on 2026-12-04; sa-east-1, where the merchants are, was not in the copies we could read: the cost model above puts
it at roughly 1.3–1.6× these; WAF is priced the same in every Region). Lambda bills duration rounded up to the
millisecond: ${c.billedMs} ms of ${HANDLERS.authenticator.memoryMb} MB arm64 (each further millisecond adds $${round((1e6 * (HANDLERS.authenticator.memoryMb / 1024) * REJECTION_PRICES.lambdaArmGbSecond) / 1000, 4)} per million); Lambda's platform lines (${PLATFORM_LOG_BYTES} B) and the access log line (${ACCESS_LOG_BYTES} B) are assumed, not measured.

| how it is turned away | REST API | HTTP API | basis |
|---|---|---|---|
${c.rows.map((r) => `| ${r.path} | ${usd(r.rest)} | ${usd(r.http)} | ${r.basis} |`).join('\n')}

WAF's fixed price is $${c.wafFixed} a month (web ACL $${REJECTION_PRICES.wafWebAclPerMonth}, ${WAF_RULES} rules at $${REJECTION_PRICES.wafRulePerMonth}), billed with or without
a flood. It pays for itself above about **${round(c.breakEvenMillions, 1)} million blocked requests a month**, and only for requests it can tell
apart: a flood that sends any value in the token header passes it and costs a 401 plus the inspection.
API Gateway's published pricing no longer says which failed requests it bills. AWS experts on re:Post answer that throttled
(429) requests, requests that fail API Gateway's own authorization and requests that match no route are not billed
(repost.aws, "Pricing clarification for API Gateway", "Will I get charged for these invalid API key, quota exceeded or
throttled request errors?"); that requests WAF blocks are not billed by API Gateway is a re:Post answer from a user, not
from AWS ("Billing on API Gateway after WAF deny requests"): if they were, the WAF row would gain $${REJECTION_PRICES.restPerMillion}.
A 401 from the authenticator reached the integration: it is billed.
`;
}
