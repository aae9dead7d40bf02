/**
 * The authenticator as its tests build it: the environment a deployed function gets (set once,
 * here, before the handler module loads), and a fresh handler (an empty secret cache) made by the
 * factory from that environment, as the Lambda entry makes it. The SDK clients are real; the
 * tests mock their `send` with aws-sdk-client-mock.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { loadAuthenticatorConfig } from '../../lambda/config.js';

Object.assign(process.env, {
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/notifications',
  TOKENS_SECRET_ID: 'tokens-secret',
  SECRET_MAX_AGE_SECONDS: '1',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  POWERTOOLS_METRICS_DISABLED: 'true',
});

/** The handler module, loaded after the environment above is set. */
export const authenticatorModule = await import('../../lambda/handlers/authenticator.js');

export type AuthenticatorHandler = (e: APIGatewayProxyEvent, c: Context) => Promise<APIGatewayProxyResult>;

export const buildAuthenticator = (): AuthenticatorHandler =>
  authenticatorModule.makeAuthenticatorHandler(loadAuthenticatorConfig(process.env), {
    sqs: new SQSClient({}),
    secrets: new SecretsManagerClient({}),
    logger: new Logger({ serviceName: 'picpay-webhooks-authenticator' }),
    metrics: new Metrics({ namespace: 'PicPayWebhooks', serviceName: 'authenticator' }),
  }) as unknown as AuthenticatorHandler;
