import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';

/**
 * The Lambda entry of a handler module: its factory applied to the configuration read from
 * `process.env` and the real AWS clients, once per execution environment, on its first event (its
 * cold start); a missing setting fails that event with the setting's name, and the next event
 * tries again. Building on the first event rather than at import keeps the handler modules free
 * of side effects, so the local runtime and the tests import the same factories and call them
 * with their own configuration and clients, without writing `process.env`. The factory may be
 * asynchronous (the processor loads X-Ray only when tracing is on).
 */
export function lambdaEntry<A extends unknown[], R>(
  build: () => ((...args: A) => Promise<R>) | Promise<(...args: A) => Promise<R>>,
): (...args: A) => Promise<R> {
  let handler: Promise<(...args: A) => Promise<R>> | undefined;
  return async (...args: A) => {
    handler ??= Promise.resolve()
      .then(build)
      .catch((error: unknown) => {
        handler = undefined;
        throw error;
      });
    return (await handler)(...args);
  };
}

/**
 * A scheduled job (the reconciler, the outbox sweep) as a Lambda handler: each run's logs carry
 * the invocation's context, and its metrics are flushed when it ends.
 */
export function scheduledHandler<R>(run: () => Promise<R>, observability: { readonly logger: Logger; readonly metrics: Metrics }) {
  return middy(run)
    .use(injectLambdaContext(observability.logger, { resetKeys: true }))
    .use(logMetrics(observability.metrics));
}
