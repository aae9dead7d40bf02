import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';

/**
 * X-Ray tracing, loaded only when it is on. The Powertools Tracer brings aws-xray-sdk-core and
 * cls-hooked, whose async hook runs on every promise of the process, on or off; measured in
 * docs/benchmarks.md. So a function whose tracing is off (`POWERTOOLS_TRACE_ENABLED=false`, the
 * stack's `tracing=false`) never imports it: its modules are in the bundle but never evaluated.
 */
export interface Tracing {
  readonly tracer: Pick<Tracer, 'isTracingEnabled' | 'provider' | 'captureAWSv3Client'>;
  /** The handler's segment: Powertools' captureLambdaHandler. */
  readonly middleware: MiddlewareObj;
}

/** Powertools' own reading of `POWERTOOLS_TRACE_ENABLED`: on unless it says false. */
export function tracingEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.POWERTOOLS_TRACE_ENABLED?.trim().toLowerCase();
  return !(value !== undefined && ['false', '0', 'no', 'off', 'n'].includes(value));
}

export async function loadTracing(serviceName: string): Promise<Tracing> {
  const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([
    import('@aws-lambda-powertools/tracer'),
    import('@aws-lambda-powertools/tracer/middleware'),
  ]);
  const tracer = new Tracer({ serviceName });
  return { tracer, middleware: captureLambdaHandler(tracer) };
}
