import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MAX_ACCEPTED_BODY_BYTES, REGISTRATION_ROUTE, ROUTES } from '../contract.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type NotificationQueue, SqsNotificationQueue } from '../adapters/sqs-queue.js';
import { SecretTokenStore, type TokenStore, tokensFor } from '../adapters/token-store.js';
import { type AuthenticatorConfig, loadAuthenticatorConfig } from '../config.js';
import { errorCode, NotConfiguredError, RetryableError } from '../domain/errors.js';
import { normalizeHeaders } from '../domain/headers.js';
import { decideIngest, decodeBody, presentedToken } from '../domain/ingest.js';
import { decideRegistration } from '../domain/registration.js';
import { METRICS, metricsNamespace, SERVICES } from '../metrics.js';
import { lambdaEntry } from './entry.js';

export interface AuthenticatorDeps {
  readonly tokens: TokenStore;
  readonly queue: NotificationQueue;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly maxAcceptedBodyBytes: number;
  readonly now: () => number;
}

const json = (statusCode: number, body: Record<string, unknown>, requestId: string): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'x-request-id': requestId },
  body: JSON.stringify(body),
});

/**
 * POST /callback and POST /webhook: check the token, enqueue, answer. Never throws; answers
 * 200 only after SQS accepted the message, 5xx only when PicPay should retry.
 */
export function createAuthenticator(deps: AuthenticatorDeps) {
  const { logger, metrics } = deps;
  const count = (name: string) => metrics.addMetric(name, MetricUnit.Count, 1);

  /** POST /charges: the merchant's backend registers a legacy payment (IAM-authorized by API Gateway). */
  async function register(event: APIGatewayProxyEvent, requestId: string, sourceIp: string): Promise<APIGatewayProxyResult> {
    const caller = event.requestContext?.identity?.userArn ?? null;
    // API Gateway passes every body as base64 (binaryMediaTypes */*): undo that first.
    const body = event.body === null ? null : decodeBody(event.body, event.isBase64Encoded === true).toString('utf8');
    const decision = decideRegistration(body, caller, requestId, new Date(deps.now()).toISOString());
    switch (decision.kind) {
      case 'forbidden':
        logger.error('Registration without an IAM caller: the route must use AWS_IAM authorization', { requestId, sourceIp });
        return json(403, { message: 'Forbidden' }, requestId);
      case 'invalid':
        logger.warn('Registration rejected', { requestId, caller, problems: decision.problems });
        return json(400, { message: `Invalid registration: ${decision.problems}` }, requestId);
      case 'accept':
        try {
          const messageId = await deps.queue.send(decision.envelope);
          count(METRICS.authenticator.registrationsAccepted);
          logger.info('Registration accepted', { requestId, caller, referenceId: decision.request.referenceId, messageId });
          return json(202, { registered: true, referenceId: decision.request.referenceId, requestId }, requestId);
        } catch (error) {
          count(METRICS.authenticator.enqueueFailures);
          logger.error('Registration not accepted; the caller may retry', { requestId, caller, error: error as Error });
          return json(503, { message: 'Service temporarily unavailable' }, requestId);
        }
    }
  }

  return async function authenticate(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const requestId = event.requestContext?.requestId ?? 'unknown';
    const sourceIp = event.requestContext?.identity?.sourceIp ?? 'unknown';
    logger.setCorrelationId(requestId);
    if (event.resource === REGISTRATION_ROUTE.path && event.httpMethod === REGISTRATION_ROUTE.method) {
      return register(event, requestId, sourceIp);
    }
    const route = ROUTES.find((r) => r.path === event.resource && r.method === event.httpMethod);
    if (!route) {
      logger.warn('Request for an unknown route', { resource: event.resource, method: event.httpMethod, sourceIp });
      return json(404, { message: 'Not found' }, requestId);
    }
    const flavour = route.flavour;
    const context = { flavour, requestId, sourceIp };
    count(METRICS.authenticator.received);
    try {
      const headers = normalizeHeaders(event.headers);
      if (presentedToken(flavour, headers) === undefined) {
        count(METRICS.authenticator.rejected);
        logger.warn('Rejected notification: missing token', { ...context, reason: 'missing_token' });
        return json(401, { message: 'Unauthorized' }, requestId);
      }
      const valid = tokensFor(await deps.tokens.get(), flavour);
      if (valid.length === 0) throw new NotConfiguredError(`No ${flavour} token is configured in the tokens secret`);

      const decision = decideIngest(
        {
          flavour,
          headers,
          body: event.body,
          isBase64Encoded: event.isBase64Encoded === true,
          requestId,
          receivedAt: new Date(deps.now()).toISOString(),
        },
        valid,
        deps.maxAcceptedBodyBytes,
      );
      switch (decision.kind) {
        case 'unauthorized':
          count(METRICS.authenticator.rejected);
          logger.warn('Rejected notification: wrong token', { ...context, reason: decision.reason });
          return json(401, { message: 'Unauthorized' }, requestId);
        case 'too_large':
          count(METRICS.authenticator.tooLarge);
          logger.error('Authenticated notification too large to keep; PicPay will retry it in vain', {
            ...context,
            bytes: decision.bytes,
            limit: deps.maxAcceptedBodyBytes,
            reason: decision.reason,
          });
          return json(413, { message: `Payload too large (limit ${deps.maxAcceptedBodyBytes} bytes)` }, requestId);
        case 'accept': {
          const messageId = await deps.queue.send(decision.envelope);
          count(METRICS.authenticator.accepted);
          logger.info('Notification accepted', {
            ...context,
            eventType: decision.envelope.eventType,
            messageId,
            bodyEncoding: decision.envelope.bodyEncoding,
            // How many personal members were removed; never which values.
            personalFieldsRemoved: decision.envelope.redacted?.length ?? 0,
          });
          return json(200, { received: true, requestId }, requestId);
        }
      }
    } catch (error) {
      if (error instanceof NotConfiguredError) count(METRICS.authenticator.tokensNotConfigured);
      else count(METRICS.authenticator.enqueueFailures);
      logger.error('Notification not accepted; PicPay will retry', {
        ...context,
        code: errorCode(error),
        source: error instanceof RetryableError ? error.source : 'internal',
        error: error as Error,
      });
      return json(httpStatusOf(error), { message: 'Service temporarily unavailable' }, requestId);
    }
  };
}

/** What the authenticator needs from its environment: its AWS clients and its observability. */
export interface AuthenticatorRuntime {
  readonly sqs: SQSClient;
  readonly secrets: SecretsManagerClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** The Lambda handler, from its configuration and runtime; the local runtime calls it too. */
export function makeAuthenticatorHandler(config: AuthenticatorConfig, runtime: AuthenticatorRuntime) {
  const { logger, metrics } = runtime;
  return middy(
    createAuthenticator({
      tokens: new SecretTokenStore(runtime.secrets, config.secretId, config.secretMaxAgeSeconds),
      queue: new SqsNotificationQueue(runtime.sqs, config.queueUrl),
      logger,
      metrics,
      maxAcceptedBodyBytes: MAX_ACCEPTED_BODY_BYTES,
      now: Date.now,
    }),
  )
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

export const handler = lambdaEntry(() =>
  makeAuthenticatorHandler(loadAuthenticatorConfig(process.env), {
    // `useQueueUrlAsEndpoint: false`: the configured endpoint stays authoritative.
    sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
    secrets: new SecretsManagerClient({}),
    logger: new Logger({ serviceName: 'picpay-webhooks-authenticator' }),
    metrics: new Metrics({ namespace: metricsNamespace(process.env), serviceName: SERVICES.authenticator }),
  }),
);

/**
 * The one place an error becomes an HTTP status. Bad input never gets here (the ingest decision
 * answers it with a 4xx); what does is our failure to make a genuine notification durable, and
 * PicPay retries on any 5xx: 503 when a retry may help, 500 for a bug.
 */
export function httpStatusOf(error: unknown): 503 | 500 {
  return error instanceof RetryableError ? 503 : 500;
}
